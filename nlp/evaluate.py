"""Scoring extraction output against a gold file (``tracker eval``).

Per document: ``countries`` and ``companies`` are compared as sets; figures are matched one to
one within their kind: money needs the same currency and a value within 1 %, power ``mw`` and
chips ``count`` within 1 %. Gold documents missing from the predictions count as empty
predictions; predictions for documents not in the gold file are ignored.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

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
    key = FIGURE_KEYS[kind]
    gold_items = [item for item in gold if item.get("kind") == kind and item.get(key) is not None]
    free = [item for item in predicted if item.get("kind") == kind and item.get(key) is not None]
    hits = 0
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
            hits += 1
    return hits, len(free), len(gold_items) - hits


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
            f"{name:<10} {values['precision']:>9.3f} {values['recall']:>7.3f} {values['f1']:>6.3f} {values['support']:>8d}"
        )
    lines.append(f"documents: {metrics['documents']}")
    return "\n".join(lines)
