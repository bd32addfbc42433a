"""The newsletter context: one plain, JSON-able object per ISO week, built from the warehouse.

Its shape is newsletter_templates/example_context.json (both layers test against it). Numbers are
raw (money and MW as floats, chip counts as ints, None when unknown), dates ISO strings, lists in a
deterministic order. Queries live in warehouse/sql/report_*.sql.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb

from tracker.weeks import parse_week
from warehouse.countries import country_name
from warehouse.db import fetch_dicts, fetch_rows

TITLE = "AI Infrastructure Deals Tracker: week {week}"

def changed_deals(con: duckdb.DuckDBPyConnection, week: str) -> int:
    """How many deals had a figure change reported in the week (for the run summary)."""
    iso_week = parse_week(week)
    rows = fetch_rows(con, "report_week_changed_deals", {"week_start": iso_week.start, "week_end": iso_week.end})
    return int(rows[0][0]) if rows else 0


def latest_week(con: duckdb.DuckDBPyConnection) -> str | None:
    """ISO week of the newest dated document that is evidence of a deal (None: no deals yet)."""
    rows = fetch_rows(con, "report_latest_week")
    return rows[0][0] if rows else None


def weeks_with_deals(con: duckdb.DuckDBPyConnection) -> list[str]:
    """ISO weeks in which at least one deal was reported, oldest first."""
    return [row[0] for row in fetch_rows(con, "report_weeks")]


def _float(value) -> float | None:
    return None if value is None else float(value)


def _int(value) -> int | None:
    return None if value is None else int(value)


def _countries(codes) -> list[dict]:
    return [{"code": code, "name": country_name(code)} for code in sorted(codes or ())]


def _figure(row: dict) -> dict:
    return {
        "kind": row["kind"],
        "text": row["text"],
        "mw": _float(row["mw"]),
        "value": _float(row["value"]),
        "currency": row["currency"],
        "value_usd": _float(row["value_usd"]),
        "count": _int(row["count"]),
        "model": row["model"],
        "sentence": row["sentence"],
        "url": row["url"],
    }


def week_context(con: duckdb.DuckDBPyConnection, week: str) -> dict:
    """The newsletter context of an ISO week (shape of example_context.json).

    A deal belongs to the week when an evidence document was published that week; ``is_new`` when
    it was first reported that week. ``figures`` are every distinct figure of the deal (all its
    evidence) with the sentence and URL of their earliest report; ``sources`` the deal's documents
    published that week. ``summary.documents`` counts all documents published that week.
    """
    iso_week = parse_week(week) if isinstance(week, str) else None
    if iso_week is None:
        raise ValueError(f"invalid week {week!r}: expected YYYY-Www, e.g. 2025-W21")
    week_start, week_end = iso_week.start, iso_week.end
    params = {"week": week}
    figures = defaultdict(list)
    for row in fetch_dicts(con, "report_week_figures", params):
        figures[row["deal_id"]].append(_figure(row))
    sources = defaultdict(list)
    for row in fetch_dicts(con, "report_week_sources", params):
        sources[row.pop("deal_id")].append(row)

    deals = []
    for row in fetch_dicts(con, "report_week_deals", params):
        deals.append(
            {
                "deal_id": row["deal_id"],
                "title": row["title"],
                "deal_type": row["deal_type"],
                "status": row["status"],
                "is_new": bool(row["is_new"]),
                "confidence": float(row["confidence"]),
                "first_reported": row["first_reported"],
                "last_reported": row["last_reported"],
                "countries": _countries(row["countries"]),
                "companies": sorted(row["companies"] or ()),
                "money_usd": _float(row["money_usd"]),
                "mw": _float(row["mw"]),
                "chips": _int(row["chips"]),
                "chip_model": row["chip_model"],
                "figures": figures[row["deal_id"]],
                "sources": sources[row["deal_id"]],
            }
        )

    countries = [
        {
            "code": row["code"],
            "name": country_name(row["code"]),
            "deals": int(row["deals"]),
            "money_usd": _float(row["money_usd"]),
            "mw": _float(row["mw"]),
            "chips": _int(row["chips"]),
        }
        for row in fetch_dicts(con, "report_week_countries", params)
    ]
    documents = fetch_rows(con, "report_week_documents", params)[0][0]

    return {
        "week": week,
        "week_start": week_start.isoformat(),
        "week_end": week_end.isoformat(),
        "title": TITLE.format(week=week),
        "summary": {
            "deals": len(deals),
            "new_deals": sum(deal["is_new"] for deal in deals),
            "countries": len(countries),
            "documents": int(documents),
            "money_usd": float(sum(d["money_usd"] or 0.0 for d in deals)),
            "mw": float(sum(d["mw"] or 0.0 for d in deals)),
            "chips": int(sum(d["chips"] or 0 for d in deals)),
        },
        "deals": deals,
        "countries": countries,
    }
