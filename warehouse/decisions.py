"""Editors' decisions: one home (`editor_decisions`), applied by every later render.

A decision arrives from Prefect's input form (the paused flow), the review desk or the command line,
and is stored with who and when. `apply_decisions` turns a week's context into what the editor
approved: dropped deals leave that week's issue, corrected figures replace extracted ones in every
week, and the summary and per-country rows are recomputed from what remains.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from warehouse.countries import country_name
from warehouse.db import fetch_dicts, run_sql, transaction
from warehouse.report import REVIEW_THRESHOLD, week_sections

__all__ = ["ACTIONS", "CORRECTABLE", "REVIEW_THRESHOLD", "apply_decisions", "decisions_from_review",
           "issue_status", "record_decisions", "week_decisions"]

ACTIONS = ("approve", "reject", "drop", "keep", "correct")

CORRECTABLE = {"title": str, "money_usd": float, "mw": float, "chips": int}

_SCHEMA = pa.schema(
    [
        ("decision_id", pa.string()),
        ("week", pa.string()),
        ("deal_id", pa.string()),
        ("action", pa.string()),
        ("field", pa.string()),
        ("value", pa.string()),
        ("note", pa.string()),
        ("editor", pa.string()),
        ("via", pa.string()),
        ("decided_at", pa.timestamp("us")),
    ]
)


def decisions_from_review(week: str, review: dict) -> list[dict]:
    """Expand one review (approve flag, editor, drops, corrections, note) into decision rows."""
    editor = (review.get("editor") or "").strip()
    rows = [
        {"week": week, "deal_id": deal_id, "action": "drop", "editor": editor, "note": review.get("note")}
        for deal_id in review.get("drop") or []
    ]
    rows += [
        {"week": week, "deal_id": deal_id, "action": "keep", "editor": editor, "note": review.get("note")}
        for deal_id in review.get("keep") or []
    ]
    rows += [
        {
            "week": week,
            "deal_id": item["deal_id"],
            "action": "correct",
            "field": item["field"],
            "value": str(item["value"]),
            "editor": editor,
            "note": review.get("note"),
        }
        for item in review.get("corrections") or []
    ]
    rows.append(
        {"week": week, "action": "approve" if review.get("approve") else "reject", "editor": editor,
         "note": review.get("note")}
    )
    return rows


def record_decisions(
    con: duckdb.DuckDBPyConnection, decisions: Iterable[dict], *, via: str, at: datetime | None = None
) -> int:
    """Validate and store decisions in one transaction; returns how many were stored."""
    at = (at or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    rows = []
    for decision in decisions:
        row = {key: decision.get(key) for key in ("week", "deal_id", "action", "field", "value", "note", "editor")}
        _validate(row)
        row["via"] = via
        row["decided_at"] = at
        key = "|".join(str(row[k]) for k in ("week", "deal_id", "action", "field", "value", "editor", "via"))
        row["decision_id"] = "e-" + hashlib.sha256(f"{key}|{at.isoformat()}".encode()).hexdigest()[:16]
        rows.append(row)
    if not rows:
        return 0
    table = pa.Table.from_pylist(rows, schema=_SCHEMA)
    with transaction(con):
        con.register("new_decisions", table)
        try:
            run_sql(con, "record_decisions")
        finally:
            con.unregister("new_decisions")
    return len(rows)


def _validate(row: dict) -> None:
    if row["action"] not in ACTIONS:
        raise ValueError(f"unknown decision {row['action']!r}: expected one of {', '.join(ACTIONS)}")
    if not row.get("editor"):
        raise ValueError("a decision needs the editor's name")
    if row["action"] in ("drop", "keep", "correct") and not row.get("deal_id"):
        raise ValueError(f"a {row['action']} decision needs a deal id")
    if row["action"] == "correct":
        field = row.get("field")
        if field not in CORRECTABLE:
            raise ValueError(f"cannot correct {field!r}: correctable fields are {', '.join(CORRECTABLE)}")
        try:
            CORRECTABLE[field](row.get("value"))
        except (TypeError, ValueError):
            raise ValueError(f"invalid value {row.get('value')!r} for {field}") from None


def week_decisions(con: duckdb.DuckDBPyConnection, week: str) -> list[dict]:
    return fetch_dicts(con, "week_decisions", {"week": week})


def issue_status(decisions: list[dict], week: str) -> str | None:
    """The latest approve/reject of a week's issue, or None when no editor has decided."""
    verdicts = [d["action"] for d in decisions if d["week"] == week and d["action"] in ("approve", "reject")]
    return verdicts[-1] if verdicts else None


def apply_decisions(context: dict, decisions: list[dict], *, for_readers: bool = False) -> dict:
    """A copy of a week's context with the decisions applied (latest decision wins).

    `for_readers` gives the published issue: deals under REVIEW_THRESHOLD confidence are left out
    unless an editor kept them. The editor's draft shows them, marked for review. A deal an editor
    kept is marked ``kept``. The derived sections (lead, countries joining, company watch, chart)
    are rebuilt from what remains; the year-to-date chart gets the corrections too, and in the
    readers' issue leaves out low-confidence deals of earlier weeks.
    """
    result = copy.deepcopy(context)
    week = result["week"]
    dropped: dict[str, bool] = {}
    corrections: dict[tuple[str, str], str] = {}
    for decision in decisions:
        if decision["action"] in ("drop", "keep") and decision["week"] == week:
            dropped[decision["deal_id"]] = decision["action"] == "drop"
        elif decision["action"] == "correct":
            corrections[(decision["deal_id"], decision["field"])] = decision["value"]
    deals = []
    for deal in result["deals"]:
        if dropped.get(deal["deal_id"]):
            continue
        confidence = deal.get("confidence")
        unsure = confidence is None or confidence < REVIEW_THRESHOLD
        if for_readers and unsure and dropped.get(deal["deal_id"]) is not False:
            continue
        if dropped.get(deal["deal_id"]) is False:
            deal["kept"] = True
        for field, cast in CORRECTABLE.items():
            value = corrections.get((deal["deal_id"], field))
            if value is not None:
                _correct(deal, field, cast(value))
        deals.append(deal)
    result["deals"] = deals
    if for_readers:
        result["edition"] = "issue"
    result["summary"] = _summary(result["summary"], deals)
    result["countries"] = _countries(deals)
    history = result.get("history")
    if history:
        this_week = set(history.get("week_deal_ids") or ())
        history["year"] = _year_deals(history.get("year") or [], corrections, for_readers, this_week)
    return week_sections(result)


def _year_deals(rows: list[dict], corrections: dict[tuple[str, str], str], for_readers: bool,
                this_week: set[str]) -> list[dict]:
    """The year-to-date deals with the editors' corrections; for readers, without the unsure deals
    of earlier weeks. (This week's deals are taken from the issue itself by `week_sections`.)"""
    kept = []
    for row in rows:
        confidence = row.get("confidence")
        unsure = confidence is None or confidence < REVIEW_THRESHOLD
        if for_readers and unsure and row["deal_id"] not in this_week:
            continue
        row = dict(row)
        for field in ("money_usd", "mw", "chips"):
            value = corrections.get((row["deal_id"], field))
            if value is not None:
                row[field] = CORRECTABLE[field](value)
        kept.append(row)
    return kept


# Which figure key holds a deal's headline field, and the figure kind it belongs to.
_FIGURE_FIELDS = {"money_usd": ("money", "value_usd"), "mw": ("power", "mw"), "chips": ("chips", "count")}


def _correct(deal: dict, field: str, value) -> None:
    """Set a deal's field and the figure it headlines, marking both as corrected by the editor."""
    old = deal.get(field)
    deal[field] = value
    deal.setdefault("corrected", []).append(field)
    if field not in _FIGURE_FIELDS:
        return
    kind, key = _FIGURE_FIELDS[field]
    figures = deal.setdefault("figures", [])
    target = next((f for f in figures if f.get("kind") == kind and old is not None and f.get(key) == old), None)
    if target is None:
        source = (deal.get("sources") or [{}])[0]
        target = {"kind": kind, "text": None, "mw": None, "value": None, "currency": None, "value_usd": None,
                  "count": None, "model": deal.get("chip_model") if kind == "chips" else None,
                  "sentence": None, "url": source.get("url")}
        figures.insert(0, target)
    target[key] = value
    if kind == "money" and target.get("currency") in (None, "USD"):
        target["currency"], target["value"] = "USD", value
    was = "none" if old is None else (f"{old:,.0f}" if float(old).is_integer() else f"{old:,}")
    note = f"Corrected by the editor (extracted: {was})."
    target["sentence"] = f"{note} {target['sentence']}" if target.get("sentence") else note
    target["corrected"] = True


def _total(deals: list[dict], key: str):
    values = [deal[key] for deal in deals if deal.get(key) is not None]
    return sum(values) if values else None


def _summary(summary: dict, deals: list[dict]) -> dict:
    updated = dict(summary)
    updated.update(
        deals=len(deals),
        new_deals=sum(1 for deal in deals if deal.get("is_new")),
        countries=len({c["code"] for deal in deals for c in deal["countries"]}),
        money_usd=_total(deals, "money_usd") or 0.0,
        mw=_total(deals, "mw") or 0.0,
        chips=_total(deals, "chips") or 0,
    )
    return updated


def _countries(deals: list[dict]) -> list[dict]:
    rows: dict[str, dict] = {}
    for deal in deals:
        for country in deal["countries"]:
            row = rows.setdefault(
                country["code"],
                {"code": country["code"], "name": country.get("name") or country_name(country["code"]),
                 "deals": 0, "money_usd": None, "mw": None, "chips": None},
            )
            row["deals"] += 1
            for key in ("money_usd", "mw", "chips"):
                if deal.get(key) is not None:
                    row[key] = (row[key] or 0) + deal[key]
    return [rows[code] for code in sorted(rows)]
