"""Scoring extraction output against a gold file (``tracker eval``).

Per document: ``countries`` and ``companies`` are compared as sets; figures are matched one to
one within their kind: money needs the same currency and a value within 1 %, power ``mw`` and
chips ``count`` within 1 %. Gold documents missing from the predictions count as empty
predictions; predictions for documents not in the gold file are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

FIELDS = ("countries", "companies", "money", "power", "chips")
FIGURE_KEYS = {"money": "value", "power": "mw", "chips": "count"}
TOLERANCE = 0.01


def parse_lines(lines: Iterable[dict[str, Any] | str]) -> dict[str, dict[str, Any]]:
    """Index records by id; accepts dicts or JSON strings (blank strings are skipped)."""
    records: dict[str, dict[str, Any]] = {}
    for line in lines:
        if isinstance(line, str):
            if not line.strip():
                continue
            line = json.loads(line)
        records[str(line["id"])] = line
    return records


def close_enough(predicted: float, gold: float) -> bool:
    """True when ``predicted`` is within 1 % of ``gold``."""
    return abs(predicted - gold) <= TOLERANCE * abs(gold)


def match_figures(gold: list[dict], predicted: list[dict], kind: str) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) for one kind of figure in one document."""
    matched, spurious, missing = pair_figures(gold, predicted, kind)
    return len(matched), len(spurious), len(missing)


def pair_figures(gold: list[dict], predicted: list[dict], kind: str) -> tuple[list[dict], list[dict], list[dict]]:
    """Match one kind of figure in one document: (matched gold, spurious predicted, missing gold).

    Each gold figure takes the closest free prediction within 1 % (same currency for money).
    """
    key = FIGURE_KEYS[kind]
    gold_items = [item for item in gold if item.get("kind") == kind and item.get(key) is not None]
    free = [item for item in predicted if item.get("kind") == kind and item.get(key) is not None]
    matched, missing = [], []
    for item in gold_items:
        candidates = [
            (abs(other[key] - item[key]), index)
            for index, other in enumerate(free)
            if other.get("currency") == item.get("currency") and close_enough(other[key], item[key])
        ] if kind == "money" else [
            (abs(other[key] - item[key]), index)
            for index, other in enumerate(free)
            if close_enough(other[key], item[key])
        ]
        if candidates:
            free.pop(min(candidates)[1])
            matched.append(item)
        else:
            missing.append(item)
    return matched, free, missing


def score(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    """Precision, recall, F1 and support (gold count) from counts; 1.0 when nothing was expected."""
    precision = tp / (tp + fp) if tp + fp else (1.0 if not fn else 0.0)
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn,
            "tp": tp, "fp": fp, "fn": fn}


def evaluate(gold_lines: Iterable[dict[str, Any] | str], predicted_lines: Iterable[dict[str, Any] | str]) -> dict:
    """Precision, recall, F1 and support per field, plus ``micro`` over all fields.

    Returns ``{"documents": n, "fields": {field: {...}}, "micro": {...}}``.
    """
    gold = parse_lines(gold_lines)
    predicted = parse_lines(predicted_lines)
    counts = {field: [0, 0, 0] for field in FIELDS}
    for doc_id, gold_doc in gold.items():
        pred_doc = predicted.get(doc_id, {})
        for field in ("countries", "companies"):
            gold_set = set(gold_doc.get(field) or [])
            pred_set = set(pred_doc.get(field) or [])
            counts[field][0] += len(gold_set & pred_set)
            counts[field][1] += len(pred_set - gold_set)
            counts[field][2] += len(gold_set - pred_set)
        for kind in ("money", "power", "chips"):
            tp, fp, fn = match_figures(gold_doc.get("commitments") or [], pred_doc.get("commitments") or [], kind)
            counts[kind][0] += tp
            counts[kind][1] += fp
            counts[kind][2] += fn
    fields = {field: score(*values) for field, values in counts.items()}
    totals = [sum(values[i] for values in counts.values()) for i in range(3)]
    return {"documents": len(gold), "fields": fields, "micro": score(*totals)}


def format_report(metrics: dict) -> str:
    """A small aligned table: one row per field, then the micro total."""
    header = f"{'field':<10} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}"
    lines = [header, "-" * len(header)]
    rows = list(metrics["fields"].items()) + [("micro", metrics["micro"])]
    for name, values in rows:
        lines.append(
            f"{name:<10} {values['precision']:>9.3f} {values['recall']:>7.3f} {values['f1']:>6.3f} "
            f"{values['support']:>8d}"
        )
    lines.append(f"documents: {metrics['documents']}")
    return "\n".join(lines)


def document_errors(
    gold_lines: Iterable[dict[str, Any] | str], predicted_lines: Iterable[dict[str, Any] | str]
) -> list[dict]:
    """Per gold document with at least one error, what is missing and what is spurious.

    Returns ``[{"id", "missing": {field: [...]}, "spurious": {field: [...]}}]`` in gold order;
    fields are ``countries``, ``companies`` (values) and ``money``, ``power``, ``chips`` (figure
    objects; predicted ones keep their ``text`` and ``sentence``). Empty fields are left out.
    """
    gold = parse_lines(gold_lines)
    predicted = parse_lines(predicted_lines)
    errors = []
    for doc_id, gold_doc in gold.items():
        pred_doc = predicted.get(doc_id, {})
        missing: dict[str, list] = {}
        spurious: dict[str, list] = {}
        for field in ("countries", "companies"):
            gold_set = set(gold_doc.get(field) or [])
            pred_set = set(pred_doc.get(field) or [])
            if gold_set - pred_set:
                missing[field] = sorted(gold_set - pred_set)
            if pred_set - gold_set:
                spurious[field] = sorted(pred_set - gold_set)
        for kind in ("money", "power", "chips"):
            _, extra, lacking = pair_figures(gold_doc.get("commitments") or [], pred_doc.get("commitments") or [], kind)
            if lacking:
                missing[kind] = lacking
            if extra:
                spurious[kind] = extra
        if missing or spurious:
            errors.append({"id": doc_id, "missing": missing, "spurious": spurious})
    return errors


def plain_number(value: Any) -> str:
    """A number with ``_`` between thousands, whole floats without ".0": 109_000_000_000."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:_}" if isinstance(value, (int, float)) else str(value)


def describe_figure(item: dict[str, Any]) -> str:
    """A figure in a few words: "money 109000000000 EUR", "power 1000 MW", "chips 18000"."""
    kind = item.get("kind")
    if kind == "money":
        text = f"money {plain_number(item.get('value'))} {item.get('currency')}"
    elif kind == "power":
        text = f"power {plain_number(item.get('mw'))} MW"
    else:
        text = f"chips {plain_number(item.get('count'))}"
    if item.get("text"):
        text += f' ("{item["text"]}")'
    return text


def format_errors(
    gold_lines: Iterable[dict[str, Any] | str],
    predicted_lines: Iterable[dict[str, Any] | str],
    metrics: dict | None = None,
) -> str:
    """The errors behind the scores, one block per document that has any.

    ``- missing`` lines are in the gold file but not predicted (false negatives), ``+ spurious``
    lines are predicted but not in the gold file (false positives); a spurious figure shows the
    sentence it came from. Ends with the totals from ``metrics`` when given.
    """
    errors = document_errors(gold_lines, predicted_lines)
    lines = [f"errors: {len(errors)} document(s) with at least one error"]
    for error in errors:
        lines.append("")
        lines.append(f"[{error['id']}]")
        for sign, label, found in (("-", "missing", error["missing"]), ("+", "spurious", error["spurious"])):
            for field in FIELDS:
                values = found.get(field)
                if not values:
                    continue
                if field in ("countries", "companies"):
                    lines.append(f"  {sign} {label} {field}: {', '.join(values)}")
                    continue
                for item in values:
                    lines.append(f"  {sign} {label} {describe_figure(item)}")
                    if sign == "+" and item.get("sentence"):
                        lines.append(f"      in: {item['sentence']}")
    if metrics is not None:
        fields = metrics["fields"]
        lines.append("")
        lines.append("totals: " + ", ".join(
            f"{field} -{fields[field]['fn']} +{fields[field]['fp']}" for field in FIELDS
        ))
    return "\n".join(lines)
