"""The issue's sections on the sample pipeline's real rows: every sample week rendered as readers
get it, each section checked against what the warehouse says, with independent queries."""

from __future__ import annotations

import re
from collections import defaultdict

import duckdb
import pytest

from newsletter_templates.filters import figure, mw, usd
from newsletter_templates.render import render_formats
from warehouse.decisions import apply_decisions, week_decisions
from warehouse.report import week_context, weeks_with_deals

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def con(sample_db):
    connection = duckdb.connect(str(sample_db["db"]), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def issues(con) -> dict[str, tuple[dict, str]]:
    """Every week with deals: the readers' context and its plain-text issue."""
    result = {}
    for week in weeks_with_deals(con):
        context = apply_decisions(week_context(con, week), week_decisions(con, week), for_readers=True)
        result[week] = (context, render_formats(context)["text"])
    return result


def flat(text: str) -> str:
    return " ".join(text.split())


def section(text: str, heading: str) -> str:
    """A plain-text section: from its heading to the next all-capitals heading."""
    start = text.index(f"\n{heading}\n")
    following = re.search(r"\n[A-Z][A-Z ]+\n-+\n", text[start + len(heading) + 2:])
    return text[start:start + len(heading) + 2 + following.start()] if following else text[start:]


def published(con, week: str) -> list[tuple]:
    """The week's deals readers get (no editor kept a low-confidence one in the sample run)."""
    return con.execute(
        "select deal_id, title, is_new, countries, companies, money_usd, mw, chip_count from weekly_deals "
        "where iso_week = ? and confidence >= 0.5", [week]).fetchall()


def test_the_lead_names_the_biggest_deal_of_the_week(con, issues):
    for week, (context, text) in issues.items():
        # only committed figures lead: a headline figure that only a context figure carries (a GDP,
        # a valuation) does not count
        committed = {d["deal_id"]: d["committed"] for d in context["deals"]}
        deals = []
        for deal_id, title, *_rest, money, power, chips in published(con, week):
            sizes = [v if field in committed[deal_id] else None
                     for v, field in ((money, "money_usd"), (power, "mw"), (chips, "chips"))]
            if any(v is not None for v in sizes):
                deals.append((deal_id, title, None, None, None, *sizes))
        if not deals:
            assert context["lead"] is None and "STORY OF THE WEEK" not in text
            continue
        biggest = min(deals, key=lambda d: (d[5] is None, -(d[5] or 0), d[6] is None, -(d[6] or 0),
                                            d[7] is None, -(d[7] or 0), d[1], d[0]))
        lead = flat(section(text, "STORY OF THE WEEK"))
        assert context["lead"]["deal_id"] == biggest[0], week
        assert lead.startswith(f"STORY OF THE WEEK ----------------- {biggest[1]} "), (week, lead[:200])
        headline = biggest[5] if biggest[5] is not None else biggest[6]
        if biggest[5] is not None:  # in its own currency, and in US dollars when that differs
            shown = figure(context["lead"]["figures"][0])
            assert context["lead"]["figures"][0]["value_usd"] == headline and shown in lead
            assert shown.endswith(f"({usd(headline)})") or shown.startswith("$")
        elif headline is not None:
            assert mw(headline) in lead
        quote = context["lead"]["quote"]
        if quote:
            assert quote["publisher"] in lead and quote["url"] in lead


def test_new_and_updated_deals_are_split_by_first_report(con, issues):
    seen_updated = 0
    for week, (context, text) in issues.items():
        first_reported = {d[0]: d[2] for d in published(con, week)}  # deal_id -> first reported this week
        assert {d["deal_id"]: d["is_new"] for d in context["deals"]} == first_reported, week
        new = [d for d in context["deals"] if d["is_new"]]
        updated = [d for d in context["deals"] if not d["is_new"]]
        assert ("NEW THIS WEEK" in text) == bool(new) and ("UPDATED THIS WEEK" in text) == bool(updated), week
        body_new = flat(section(text, "NEW THIS WEEK")) if new else ""
        body_updated = flat(section(text, "UPDATED THIS WEEK")) if updated else ""
        # new deals are numbered first, then updated ones, each under its own heading
        assert [d["number"] for d in new + updated] == list(range(1, len(context["deals"]) + 1)), week
        for deal in new:
            assert f"{deal['number']}. {deal['title']} " in body_new, (week, deal["title"])
        for deal in updated:
            assert f"{deal['number']}. {deal['title']} " in body_updated, (week, deal["title"])
        seen_updated += len(updated)
    assert seen_updated >= 2  # the sample has stories reported again in later weeks


def test_updated_deals_say_what_changed_and_who_reported_it(con, issues):
    kinds = defaultdict(int)
    for week, (context, text) in issues.items():
        start = con.execute("select min(week_start) from weekly_deals where iso_week = ?", [week]).fetchone()[0]
        for deal in context["deals"]:
            if deal["is_new"]:
                continue
            previous = con.execute(
                "select strftime(max(d.published), '%Y-%m-%d') from deal_evidence e join documents d using (doc_id) "
                "where e.deal_id = ? and d.published < ?", [deal["deal_id"], start]).fetchone()[0]
            assert deal["previous"]["published"] == previous, (week, deal["title"])
            block = flat(section(text, "UPDATED THIS WEEK"))
            assert f"{deal['number']}. {deal['title']} {deal['summary']} What changed since" in block
            for change in deal["changes"]:
                kinds[change["change"]] += 1
                new = change["new"]
                assert str(start) <= new["published"], (week, change)
                assert new["publisher"] in block and new["url"] in block
                if change["change"] == "changed":
                    old = change["old"]
                    assert old["published"] < str(start)
                    assert figure(old) != figure(new)
                    assert f"{figure(old)} -> {figure(new)}, reported by {new['publisher']}" in block
    assert kinds["changed"] >= 1 and sum(kinds.values()) >= 3, dict(kinds)


def test_countries_joining_for_the_first_time(con, issues):
    joined = 0
    for week, (context, text) in issues.items():
        earlier = {row[0] for row in con.execute(
            "select distinct unnest(countries) from weekly_deals where iso_week < ?", [week]).fetchall()}
        this_week = {c["code"] for d in context["deals"] for c in d["countries"]}
        expected = this_week - earlier
        assert {c["code"] for c in context["first_countries"]} == expected, week
        if expected:
            block = flat(section(text, "COUNTRIES JOINING THE TRACKER"))
            for country in context["first_countries"]:
                assert f"* {country['name']}: " in block
            joined += 1
        else:
            assert "COUNTRIES JOINING THE TRACKER" not in text
    assert joined >= 3


def test_company_watch_lists_the_weeks_companies_and_flags_newcomers(con, issues):
    newcomers = 0
    for week, (context, text) in issues.items():
        companies = {c for d in context["deals"] for c in d["companies"]}
        assert {c["name"] for c in context["company_watch"]} == companies, week
        earlier = {row[0] for row in con.execute(
            "select distinct unnest(companies) from weekly_deals where iso_week < ?", [week]).fetchall()}
        block = flat(section(text, "COMPANY WATCH")) if companies else ""
        for company in context["company_watch"]:
            assert company["is_new"] == (company["name"] not in earlier), (week, company["name"])
            flag = " [NEW TO THE TRACKER]" if company["is_new"] else ""
            assert f"* {company['name']}{flag}: deal" in block, (week, company["name"])
            newcomers += company["is_new"]
    assert newcomers >= 5


def test_chart_rows_add_up(con, issues):
    for week, (context, text) in issues.items():
        week_totals: dict[str, list] = defaultdict(lambda: [None, None])
        for _, _, _, countries, _, money, power, _ in published(con, week):
            for code in countries:
                for i, value in enumerate((money, power)):
                    if value is not None:
                        week_totals[code][i] = (week_totals[code][i] or 0) + value
        rows = {r["code"]: [r["money_usd"], r["mw"]] for r in context["chart"]["week"]["rows"]}
        expected = {code: v for code, v in week_totals.items() if v[0] or v[1]}
        assert rows == expected, week
        year = week[:4]
        year_rows = con.execute(
            "select country, sum(money_usd), sum(mw) from (select unnest(countries) as country, money_usd, mw "
            "from deals where confidence >= 0.5 and strftime(first_reported, '%G-W%V') between ? and ?) "
            "group by country having sum(money_usd) > 0 or sum(mw) > 0", [f"{year}-W01", week]).fetchall()
        shown = {r["code"]: (r["money_usd"], r["mw"]) for r in context["chart"]["year"]["rows"]}
        everything = {code: (money, power) for code, money, power in year_rows}
        assert len(shown) + context["chart"]["year"]["more"] == len(everything), week
        for code, (money, power) in shown.items():
            assert money == pytest.approx(everything[code][0]) if money else not everything[code][0]
            assert power == pytest.approx(everything[code][1]) if power else not everything[code][1]
        widths = [r["money_width"] for r in context["chart"]["year"]["rows"]]
        assert widths and max(widths) == 100 and widths == sorted(widths, reverse=True)
        if context["chart"]["week"]["rows"]:
            chart = section(text, "MONEY AND POWER BY COUNTRY")
            for row in context["chart"]["week"]["rows"]:
                assert row["name"][:20] in chart
