"""The newsletter context: one plain, JSON-able object per ISO week, built from the warehouse.

Its shape is newsletter_templates/example_context.json (both layers test against it). Numbers are
raw (money and MW as floats, chip counts as ints, None when unknown), dates ISO strings, lists in a
deterministic order. Queries live in warehouse/sql/report_*.sql.

`week_context` reads the warehouse; `week_sections` derives the issue's sections (the lead, the
deals' numbers, countries joining, the company watch and the chart) from the context's deals and
its `history`, without querying anything, so that `warehouse.decisions.apply_decisions` can derive
them again once editors have dropped, kept or corrected deals.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import duckdb

from common.weeks import parse_week
from warehouse.countries import country_name
from warehouse.db import fetch_dicts, fetch_rows
from warehouse.resolution.telling import DealFacts, Party, deal_summary

TITLE = "AI Infrastructure Deals Tracker: week {week}"

#: Deals below this confidence are marked for the editor and left out of the readers' issue
#: unless an editor keeps them (the newsletter's "needs review" mark uses the same threshold).
REVIEW_THRESHOLD = 0.5

#: The chart shows at most this many countries per period; the others are counted.
CHART_ROWS = 10

# The three measures of a deal: deal key, figure kind and the figure's key for the amount.
MEASURES = (("money_usd", "money", "value_usd"), ("mw", "power", "mw"), ("chips", "chips", "count"))


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
        "fx_month": row.get("fx_month"),
        "count": _int(row["count"]),
        "model": row["model"],
        "sentence": row["sentence"],
        "url": row["url"],
        "publisher": row["publisher"],
        "published": row["published"],
        "source_title": row["source_title"],
    }


def _reported_figure(row: dict, side: str, kind: str) -> dict | None:
    """One side (old_ or new_) of a report_week_updates row as a figure with its source."""
    if row[f"{side}_url"] is None:
        return None
    return {
        "kind": kind,
        "text": row[f"{side}_text"],
        "value": _float(row[f"{side}_value"]),
        "currency": row[f"{side}_currency"],
        "value_usd": _float(row[f"{side}_value_usd"]),
        "mw": _float(row[f"{side}_mw"]),
        "count": _int(row[f"{side}_count"]),
        "model": row[f"{side}_model"],
        "sentence": row[f"{side}_sentence"],
        "url": row[f"{side}_url"],
        "source_title": row[f"{side}_title"],
        "publisher": row[f"{side}_publisher"],
        "published": row[f"{side}_published"],
    }


def told_summary(row: dict) -> str:
    """The one-sentence summary of a deal built before deals had one (migration 041; the next
    rebuild stores it), told from its row the same way (warehouse/resolution/telling.py)."""
    codes = list(row.get("countries") or ())
    first = row.get("first_reported")
    return deal_summary(DealFacts(
        parties=tuple(Party(name) for name in row.get("companies") or ()),
        deal_type=row.get("deal_type"), host=codes[0] if codes else None, status=row.get("status"),
        money_value=row.get("money_value"), money_currency=row.get("money_currency"), money_usd=row.get("money_usd"),
        mw=row.get("mw"), chip_count=row.get("chips"), chip_model=row.get("chip_model"),
        first_reported=date.fromisoformat(first) if first else None,
    ))


def week_context(con: duckdb.DuckDBPyConnection, week: str) -> dict:
    """The newsletter context of an ISO week (shape of example_context.json).

    A deal belongs to the week when an evidence document was published that week; ``is_new`` when
    it was first reported that week. ``figures`` are every distinct figure of the deal (all its
    evidence) with the sentence, URL, publisher and date of their earliest report; ``sources`` the
    deal's documents published that week. A deal first reported earlier (an updated deal) also has
    ``previous``, its latest report before the week, and ``changes``, one per figure kind reported
    this week: ``added`` (first figure of that kind), ``changed`` or ``unchanged`` against the
    figure as last reported before the week. ``summary.documents`` counts all documents published
    that week. ``history`` holds what `week_sections` needs from earlier weeks; the sections
    themselves (``lead``, ``first_countries``, ``company_watch``, ``chart``) come from it.
    """
    iso_week = parse_week(week) if isinstance(week, str) else None
    if iso_week is None:
        raise ValueError(f"invalid week {week!r}: expected YYYY-Www, e.g. 2025-W21")
    week_start, week_end = iso_week.start, iso_week.end
    params = {"week": week}
    dates = {"week": week, "week_start": week_start, "week_end": week_end}
    figures = defaultdict(list)
    for row in fetch_dicts(con, "report_week_figures", params):
        figures[row["deal_id"]].append(_figure(row))
    sources = defaultdict(list)
    for row in fetch_dicts(con, "report_week_sources", params):
        sources[row.pop("deal_id")].append(row)
    changes = defaultdict(list)
    for row in fetch_dicts(con, "report_week_updates", dates):
        changes[row["deal_id"]].append({
            "kind": row["kind"],
            "change": row["change"],
            "old": _reported_figure(row, "old", row["kind"]),
            "new": _reported_figure(row, "new", row["kind"]),
        })
    previous = {row.pop("deal_id"): row for row in fetch_dicts(
        con, "report_week_previous_reports", {"week": week, "week_start": week_start})}

    deals = []
    for row in fetch_dicts(con, "report_week_deals", params):
        deal_id = row["deal_id"]
        deals.append(
            {
                "deal_id": deal_id,
                "title": row["title"],
                "summary": row["summary"] or told_summary(row),
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
                "committed": [field for field, flag in (("money_usd", "money_committed"), ("mw", "mw_committed"),
                                                        ("chips", "chips_committed")) if row[flag]],
                "figures": figures[deal_id],
                "sources": sources[deal_id],
                "previous": None if row["is_new"] else previous.get(deal_id),
                "changes": [] if row["is_new"] else changes[deal_id],
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

    context = {
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
        "history": _history(con, week, iso_week.year, [deal["deal_id"] for deal in deals]),
    }
    return week_sections(context)


def _history(con: duckdb.DuckDBPyConnection, week: str, year: int, week_deal_ids: list[str]) -> dict:
    """What the sections need from other weeks: when each country and company of the week's deals
    was first seen in a deal, which company-country pairs are new this week, and the deals first
    reported this year (for the year-to-date chart)."""
    countries, companies, partners = [], [], []
    for row in fetch_dicts(con, "report_week_firsts", {"week": week}):
        if row["kind"] == "partner":
            partners.append({"company": row["name"], "country": row["country"]})
        elif row["kind"] == "country":
            countries.append({"code": row["name"], "first_week": row["first_week"]})
        else:
            companies.append({"name": row["name"], "first_week": row["first_week"]})
    year_deals = [
        {
            "deal_id": row["deal_id"],
            "countries": list(row["countries"] or ()),
            "money_usd": _float(row["money_usd"]),
            "mw": _float(row["mw"]),
            "chips": _int(row["chips"]),
            "confidence": _float(row["confidence"]),
        }
        for row in fetch_dicts(con, "report_year_deals", {"year_first_week": f"{year}-W01", "week": week})
    ]
    return {
        "countries": countries,
        "companies": companies,
        "partners": partners,
        "week_deal_ids": sorted(week_deal_ids),
        "year": year_deals,
    }


# --- the sections derived from the deals ------------------------------------------------------

def _needs_review(deal: dict) -> bool:
    confidence = deal.get("confidence")
    return confidence is None or confidence < REVIEW_THRESHOLD


def _size(deal: dict) -> tuple:
    """Sort key: biggest first by money, then power, then chips; then title and id."""
    key: list = []
    for field, _kind, _amount in MEASURES:
        value = deal.get(field)
        key += [value is None, -(value or 0)]
    return (*key, deal.get("title") or "", deal.get("deal_id") or "")


def _headline(deal: dict, field: str, kind: str, amount: str) -> dict | None:
    """The figure behind a deal's headline value of one measure (or one made from the value)."""
    value = deal.get(field)
    if value is None:
        return None
    figures = [f for f in deal.get("figures") or () if f.get("kind") == kind]
    match = next((f for f in figures if f.get(amount) == value), None)
    if match is not None:
        return match
    return {"kind": kind, "text": None, "value": value if kind == "money" else None,
            "currency": "USD" if kind == "money" else None, "value_usd": value if kind == "money" else None,
            "mw": value if kind == "power" else None, "count": value if kind == "chips" else None,
            "model": deal.get("chip_model") if kind == "chips" else None, "sentence": None, "url": None,
            "publisher": None, "published": None, "source_title": None}


def _ref(deal: dict) -> dict:
    return {"deal_id": deal["deal_id"], "number": deal["number"], "title": deal["title"]}


def _committed_view(deal: dict) -> dict:
    """The deal with only its committed measures: a headline figure that no commitment-role
    figure carries (only a context one: a GDP, a valuation, another deal cited; ``committed``
    lists the others) is left out, unless an editor corrected it. A deal without ``committed``
    (a context made before it existed) keeps all its measures."""
    committed = deal.get("committed")
    if committed is None:
        return deal
    kept = set(committed) | set(deal.get("corrected") or ())
    return {**deal, **{field: None for field, _kind, _amount in MEASURES if field not in kept}}


def _lead(deals: list[dict]) -> dict | None:
    """The story of the week: the biggest publishable deal by its committed figures (money, then
    power, then chips), its headline figures and the sentence of the first, plus the biggest deal
    by each other measure. A context figure never leads: a deal without a committed figure is no
    story of the week."""
    publishable = [_committed_view(d) for d in deals if not _needs_review(d) or d.get("kept")]
    candidates = [d for d in publishable if any(d.get(field) is not None for field, _kind, _amount in MEASURES)]
    if not candidates:
        return None
    main = min(candidates, key=_size)
    headline = [fig for field, kind, amount in MEASURES if (fig := _headline(main, field, kind, amount))]
    quote = next((fig for fig in headline if fig.get("sentence")), None)
    also = []
    for field, kind, amount in MEASURES:
        sized = [d for d in candidates if d.get(field) is not None]
        if not sized:
            continue
        top = min(sized, key=lambda d: (-d[field], _size(d)))
        if top["deal_id"] != main["deal_id"] and top["deal_id"] not in {a["deal_id"] for a in also}:
            also.append({**_ref(top), "measure": kind, "figure": _headline(top, field, kind, amount)})
    return {
        **_ref(main),
        "summary": main.get("summary"),
        "is_new": bool(main.get("is_new")),
        "countries": [dict(c) for c in main["countries"]],
        "companies": list(main["companies"]),
        "figures": headline,
        "quote": quote,
        "also": also,
    }


def _first_countries(deals: list[dict], week: str, history: list[dict]) -> list[dict]:
    """Countries with a deal this week and none in an earlier week, with those deals."""
    firsts = {row["code"]: row["first_week"] for row in history}
    rows: dict[str, dict] = {}
    for deal in deals:
        for country in deal["countries"]:
            if firsts.get(country["code"]) != week:
                continue
            row = rows.setdefault(country["code"], {"code": country["code"], "name": country["name"],
                                                    "deals": [], "money_usd": None, "mw": None, "chips": None})
            row["deals"].append(_ref(deal))
            for field, _kind, _amount in MEASURES:
                if deal.get(field) is not None:
                    row[field] = (row[field] or 0) + deal[field]
    for row in rows.values():
        row["deals"].sort(key=lambda ref: ref["number"])
    return sorted(rows.values(), key=lambda row: (row["name"], row["code"]))


def _company_watch(deals: list[dict], week: str, history: list[dict], partners: list[dict]) -> list[dict]:
    """Every company of the week's deals: its deals, its partner countries (flagged when new to
    the company this week) and whether the company is new to the tracker; most deals first."""
    firsts = {row["name"]: row["first_week"] for row in history}
    new_pairs = {(pair["company"], pair["country"]) for pair in partners}
    rows: dict[str, dict] = {}
    for deal in deals:
        for company in deal["companies"]:
            row = rows.setdefault(company, {"name": company, "is_new": firsts.get(company) == week,
                                            "deals": [], "countries": {}})
            row["deals"].append(_ref(deal))
            for country in deal["countries"]:
                row["countries"][country["code"]] = {
                    "code": country["code"], "name": country["name"],
                    "is_new": (company, country["code"]) in new_pairs}
    watch = []
    for row in rows.values():
        row["deals"].sort(key=lambda ref: ref["number"])
        row["countries"] = sorted(row["countries"].values(), key=lambda c: (c["name"], c["code"]))
        watch.append(row)
    return sorted(watch, key=lambda row: (-len(row["deals"]), row["name"].casefold(), row["name"]))


def _width(value: float | None, largest: float) -> int:
    """A bar's width in percent of the largest value: at least 1 for any positive value."""
    if not value or value <= 0 or largest <= 0:
        return 0
    return max(1, min(100, round(100 * value / largest)))


def _chart_rows(totals: dict[str, dict]) -> dict:
    """Chart rows from per-country totals: countries with money or power, biggest first."""
    rows = [row for row in totals.values() if row["money_usd"] or row["mw"]]
    rows.sort(key=lambda r: (-(r["money_usd"] or 0), -(r["mw"] or 0), r["name"], r["code"]))
    shown, hidden = rows[:CHART_ROWS], rows[CHART_ROWS:]
    top_money = max((r["money_usd"] or 0 for r in shown), default=0)
    top_mw = max((r["mw"] or 0 for r in shown), default=0)
    return {
        "rows": [{**row, "money_width": _width(row["money_usd"], top_money), "mw_width": _width(row["mw"], top_mw)}
                 for row in shown],
        "more": len(hidden),
    }


def _add(totals: dict[str, dict], codes, money_usd, mw) -> None:
    for code in codes:
        row = totals.setdefault(code, {"code": code, "name": country_name(code), "money_usd": None, "mw": None})
        if money_usd is not None:
            row["money_usd"] = (row["money_usd"] or 0) + money_usd
        if mw is not None:
            row["mw"] = (row["mw"] or 0) + mw


def _chart(context: dict, deals: list[dict]) -> dict:
    """Committed US dollars and MW by country, this week (the issue's deals) and in the year to
    date (each deal first reported this ISO year counted once; this week's deals as in the issue)."""
    week_totals: dict[str, dict] = {}
    for deal in deals:
        _add(week_totals, [c["code"] for c in deal["countries"]], deal.get("money_usd"), deal.get("mw"))
    history = context.get("history") or {}
    issue = {deal["deal_id"]: deal for deal in deals}
    this_week = set(history.get("week_deal_ids") or ())
    year_totals: dict[str, dict] = {}
    for row in history.get("year") or ():
        if row["deal_id"] in this_week:
            deal = issue.get(row["deal_id"])
            if deal is None:  # dropped from this issue, or hidden from its readers
                continue
            row = {"countries": [c["code"] for c in deal["countries"]], "money_usd": deal.get("money_usd"),
                   "mw": deal.get("mw")}
        _add(year_totals, row["countries"], row.get("money_usd"), row.get("mw"))
    year = parse_week(context["week"]).year
    return {
        "week": {"label": "This week", **_chart_rows(week_totals)},
        "year": {"label": f"{year} to date", **_chart_rows(year_totals)},
    }


def week_sections(context: dict) -> dict:
    """The context with its derived sections (re)built from its deals; the input is not changed.

    * each deal gets its ``number`` in the issue: new deals first, then updated ones, each group
      in the context's order (biggest first); the templates show them in that order;
    * ``lead``: the story of the week, or None when no deal can be published;
    * ``first_countries``: countries with a deal this week and no deal in an earlier week;
    * ``company_watch``: the companies of the week's deals, their deals and partner countries;
    * ``chart``: committed US dollars and MW by country, this week and in the year to date.
    """
    result = dict(context)
    deals = [dict(deal) for deal in context["deals"]]
    ordered = [d for d in deals if d.get("is_new")] + [d for d in deals if not d.get("is_new")]
    for number, deal in enumerate(ordered, start=1):
        deal["number"] = number
    history = context.get("history") or {}
    week = context["week"]
    result["deals"] = deals
    result["lead"] = _lead(deals)
    result["first_countries"] = _first_countries(deals, week, history.get("countries") or [])
    result["company_watch"] = _company_watch(deals, week, history.get("companies") or [],
                                             history.get("partners") or [])
    result["chart"] = _chart(context, deals)
    return result
