"""The issue's derived sections from a hand-built warehouse (tests/warehouse/week_corpus.py): the
lead, new and updated deals with what changed, countries joining, the company watch, the chart;
and how editors' decisions change them."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tests.warehouse.week_corpus import WEEK, build_week, url
from warehouse.db import connect
from warehouse.decisions import apply_decisions, decisions_from_review
from warehouse.report import week_context, week_sections

EXAMPLE = Path(__file__).parents[2] / "newsletter_templates" / "example_context.json"
HUMAIN, KENYA, RUMOUR, FRANCE = "d-humain000001", "d-kenya0000002", "d-rumour000003", "d-france000004"


@pytest.fixture
def week_db(tmp_path):
    con = connect(tmp_path / "tracker.duckdb")
    build_week(con, tmp_path / "corpus")
    yield con
    con.close()


@pytest.fixture
def context(week_db) -> dict:
    return week_context(week_db, WEEK)


def by_id(context: dict) -> dict[str, dict]:
    return {deal["deal_id"]: deal for deal in context["deals"]}


def review(**decisions) -> list[dict]:
    return decisions_from_review(WEEK, {"approve": True, "editor": "Ana", **decisions})


def test_new_deals_come_first_then_updated_ones(context):
    deals = by_id(context)
    assert [d["deal_id"] for d in context["deals"]] == [KENYA, HUMAIN, RUMOUR]  # biggest first
    assert {d: deals[d]["is_new"] for d in deals} == {KENYA: True, HUMAIN: False, RUMOUR: True}
    assert {d: deals[d]["number"] for d in deals} == {KENYA: 1, RUMOUR: 2, HUMAIN: 3}
    assert deals[KENYA]["changes"] == [] and deals[KENYA]["previous"] is None


def test_an_updated_deal_says_what_changed_since_its_last_report(context):
    humain = by_id(context)[HUMAIN]
    assert humain["previous"] == {"title": "Humain and Nvidia plan a 1GW campus", "url": url("humain-1gw"),
                                  "publisher": "Saudi Press Office", "published": "2025-05-13"}
    summary = [(c["kind"], c["change"], c["old"] and (c["old"]["mw"], c["old"]["publisher"], c["old"]["published"]),
                (c["new"]["mw"] or c["new"]["count"], c["new"]["publisher"], c["new"]["published"], c["new"]["url"]))
               for c in humain["changes"]]
    assert summary == [
        ("power", "changed", (1000.0, "Saudi Press Office", "2025-05-13"),
         (5000.0, "DC Wire", "2025-05-20", url("humain-5gw"))),
        ("chips", "added", None, (18000, "DC Wire", "2025-05-20", url("humain-5gw"))),
    ]
    assert humain["changes"][0]["new"]["sentence"] == "Humain now plans 5GW of capacity in Saudi Arabia."


def test_the_lead_is_the_biggest_deal_and_names_the_biggest_by_other_measures(context):
    lead = context["lead"]
    assert (lead["deal_id"], lead["number"], lead["is_new"]) == (KENYA, 1, True)
    assert [(f["kind"], f["value_usd"]) for f in lead["figures"]] == [("money", 1e9)]
    assert lead["quote"]["sentence"] == "Microsoft and G42 will invest $1 billion in a data centre in Kenya."
    assert (lead["quote"]["publisher"], lead["quote"]["published"], lead["quote"]["url"]) == (
        "DC Wire", "2025-05-21", url("kenya"))
    # the most power and the most chips are the same (updated) deal: named once
    assert [(a["measure"], a["deal_id"], a["figure"]["mw"]) for a in lead["also"]] == [("power", HUMAIN, 5000.0)]


def test_a_low_confidence_deal_never_leads_unless_kept(context):
    corrected = review(corrections=[{"deal_id": RUMOUR, "field": "money_usd", "value": "5e9"}])
    draft = apply_decisions(context, corrected)
    assert by_id(draft)[RUMOUR]["money_usd"] == 5e9  # the biggest now, but unsure
    assert draft["lead"]["deal_id"] == KENYA
    kept = apply_decisions(context, corrected + review(keep=[RUMOUR]), for_readers=True)
    assert kept["lead"]["deal_id"] == RUMOUR
    # kept, it counts in the readers' chart, this week and in the year to date
    assert ("AE", 5e9) in [(r["code"], r["money_usd"]) for r in kept["chart"]["week"]["rows"]]
    assert ("AE", 5e9) in [(r["code"], r["money_usd"]) for r in kept["chart"]["year"]["rows"]]


def test_a_dropped_deal_leaves_the_lead_and_every_section(context):
    issue = apply_decisions(context, review(drop=[KENYA]), for_readers=True)
    assert issue["lead"]["deal_id"] == HUMAIN and issue["lead"]["number"] == 1
    assert [c["code"] for c in issue["first_countries"]] == []
    assert {c["name"] for c in issue["company_watch"]} == {"Humain", "Nvidia"}
    assert [row["code"] for row in issue["chart"]["week"]["rows"]] == ["SA"]
    assert "KE" not in [row["code"] for row in issue["chart"]["year"]["rows"]]


def test_countries_joining_for_the_first_time(context):
    joining = [(c["code"], [d["deal_id"] for d in c["deals"]], c["money_usd"], c["mw"])
               for c in context["first_countries"]]
    # by name: Kenya, United Arab Emirates
    assert joining == [("KE", [KENYA], 1e9, None), ("AE", [RUMOUR], None, 200.0)]
    # Saudi Arabia had a deal in 2025-W20: it is not new. Readers do not see the unsure UAE deal.
    issue = apply_decisions(context, [], for_readers=True)
    assert [c["code"] for c in issue["first_countries"]] == ["KE"]


def test_company_watch(context):
    watch = [(c["name"], c["is_new"], [d["number"] for d in c["deals"]],
              [(p["code"], p["is_new"]) for p in c["countries"]])
             for c in context["company_watch"]]
    assert watch == [
        ("G42", True, [1], [("KE", True)]),
        ("Humain", False, [3], [("SA", False)]),
        ("Microsoft", True, [1], [("KE", True)]),
        ("Nvidia", False, [3], [("SA", False)]),
        ("OpenAI", True, [2], [("AE", True)]),
    ]


def rows(period: dict) -> list[tuple]:
    return [(r["code"], r["money_usd"], r["mw"], r["money_width"], r["mw_width"]) for r in period["rows"]]


def test_chart_this_week_and_the_year_to_date(context, week_db):
    assert rows(context["chart"]["week"]) == [
        ("KE", 1e9, None, 100, 0), ("SA", None, 5000.0, 0, 100), ("AE", None, 200.0, 0, 4)]
    # The year to date counts each deal first reported this ISO year once: France (W06) too.
    assert rows(context["chart"]["year"]) == [
        ("FR", 1.04e10, None, 100, 0), ("KE", 1e9, None, 10, 0), ("SA", None, 5000.0, 0, 100),
        ("AE", None, 200.0, 0, 4)]
    assert context["chart"]["year"]["label"] == "2025 to date"
    # The week's bars add up to what the per-country table says.
    table = {c["code"]: (c["money_usd"], c["mw"]) for c in context["countries"]}
    assert {r["code"]: (r["money_usd"], r["mw"]) for r in context["chart"]["week"]["rows"]} == table


def test_corrections_reach_the_chart_and_the_year(context):
    fixes = review(corrections=[{"deal_id": HUMAIN, "field": "mw", "value": "6000"},
                                {"deal_id": FRANCE, "field": "money_usd", "value": "2e10"}])
    issue = apply_decisions(context, fixes, for_readers=True)
    assert rows(issue["chart"]["week"]) == [("KE", 1e9, None, 100, 0), ("SA", None, 6000.0, 0, 100)]
    assert rows(issue["chart"]["year"]) == [("FR", 2e10, None, 100, 0), ("KE", 1e9, None, 5, 0),
                                            ("SA", None, 6000.0, 0, 100)]
    assert issue["lead"]["also"][0]["figure"]["mw"] == 6000.0  # the corrected figure, in the lead too


def test_context_is_json_and_deterministic(week_db):
    first = json.dumps(week_context(week_db, WEEK), sort_keys=True)
    assert json.dumps(week_context(week_db, WEEK), sort_keys=True) == first


def test_week_sections_leaves_its_input_alone(context):
    before = copy.deepcopy(context)
    week_sections(context)
    assert context == before


def test_example_context_sections_are_what_week_sections_builds():
    """example_context.json is the reference both layers test against: its sections must be
    exactly what the warehouse would derive from its deals and history."""
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    rebuilt = week_sections(example)
    for key in ("lead", "first_countries", "company_watch", "chart"):
        assert rebuilt[key] == example[key], key
    assert [d["number"] for d in rebuilt["deals"]] == [d["number"] for d in example["deals"]]
