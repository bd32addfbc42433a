"""The newsletter context and the analyst views."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from tests.warehouse.week_corpus import WEEK, build_week
from warehouse.db import connect
from warehouse.report import latest_week, week_context, weeks_with_deals

EXAMPLE = Path(__file__).parents[2] / "newsletter_templates" / "example_context.json"


# A figure has one shape wherever it appears: in a deal, in the lead, in what changed.
FIGURE_PATHS = re.compile(
    r"^\$\.(lead\.figures\[\]|lead\.quote|lead\.also\[\]\.figure|deals\[\]\.changes\[\]\.(old|new))"
)


def shape(value, path="$", types=None):
    """Allowed types per path of a context, list items merged (so null-or-number is learnt)."""
    types = defaultdict(set) if types is None else types
    path = FIGURE_PATHS.sub("$.deals[].figures[]", path)
    # Per-country totals have one shape too: the country table, the countries joining, the charts.
    path = re.sub(r"^\$\.first_countries\[\]\.(money_usd|mw|chips)$", r"$.countries[].\1", path)
    path = re.sub(r"^\$\.chart\.year\.rows\[\]", "$.chart.week.rows[]", path)
    if isinstance(value, dict):
        types[path].add("dict")
        types[path + "{}"].add(tuple(sorted(value)))
        for key, item in value.items():
            shape(item, f"{path}.{key}", types)
    elif isinstance(value, list):
        types[path].add("list")
        for item in value:
            shape(item, f"{path}[]", types)
    else:
        types[path].add(type(value).__name__)
    return types


def test_week_context_has_the_example_shape(seeded, tmp_path):
    example = shape(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    context = shape(week_context(seeded, "2025-W21"))
    # The hand-built week (week_corpus.py) has an updated deal whatever the clustering rules say.
    con = connect(tmp_path / "week.duckdb")
    try:
        build_week(con, tmp_path / "corpus")
        shape(week_context(con, WEEK), types=context)
    finally:
        con.close()
    for path, seen in context.items():
        assert path in example, f"{path} is not in example_context.json"
        assert seen <= example[path], f"{path}: {seen} not among {example[path]}"
    missing = {p for p in example if not p.endswith("{}")} - set(context)
    assert missing == set()


def test_week_context_is_json_and_deterministic(seeded):
    first = json.dumps(week_context(seeded, "2025-W21"), sort_keys=True)
    assert json.dumps(week_context(seeded, "2025-W21"), sort_keys=True) == first


def test_week_context_summary_and_order(seeded):
    context = week_context(seeded, "2025-W21")
    assert (context["week_start"], context["week_end"]) == ("2025-05-19", "2025-05-25")
    assert context["title"] == "AI Infrastructure Deals Tracker: week 2025-W21"
    assert context["summary"] == {
        "deals": 3,
        "new_deals": 2,
        "countries": 2,
        "documents": 5,
        "money_usd": 25.2e9,
        "mw": 1200.0,
        "chips": 18000,
    }
    assert [d["title"] for d in context["deals"]] == [
        "Microsoft and G42 plan a 200 MW AI data centre in the United Arab Emirates",
        "Nvidia to supply 18,000 GB300 chips to Humain and PIF in Saudi Arabia",
        "OpenAI, G42 and Oracle plan a 1 GW AI data centre in the United Arab Emirates",
    ]
    assert [d["is_new"] for d in context["deals"]] == [True, False, True]


def test_week_context_figures_and_sources(seeded):
    deals = {d["title"]: d for d in week_context(seeded, "2025-W21")["deals"]}
    humain = deals["Nvidia to supply 18,000 GB300 chips to Humain and PIF in Saudi Arabia"]
    assert humain["countries"] == [{"code": "SA", "name": "Saudi Arabia"}]
    assert [(f["kind"], f["text"], f["url"]) for f in humain["figures"]] == [
        ("chips", "18,000 of its GB300 Grace Blackwell chips",
         "http://127.0.0.1:8000/sites/dcwire/2025/05/humain-nvidia.html"),
        ("money", "SAR37.5bn", "http://127.0.0.1:8000/sites/gov/press/2025/humain.html"),
    ]
    assert humain["figures"][1]["sentence"] == "The programme is valued at SAR37.5bn."
    assert humain["figures"][1]["value_usd"] == 1e10
    # only the documents published in the week are its sources there
    assert humain["sources"] == [{
        "title": "Nvidia and Humain sign chip deal",
        "url": "http://127.0.0.1:8000/sites/dcwire/2025/05/humain-nvidia.html",
        "publisher": "DC Wire",
        "published": "2025-05-20",
    }]
    stargate = deals["OpenAI, G42 and Oracle plan a 1 GW AI data centre in the United Arab Emirates"]
    assert [s["publisher"] for s in stargate["sources"]] == ["OpenAI News", "DC Wire"]
    assert [(f["kind"], f["mw"]) for f in stargate["figures"]] == [("power", 1000.0), ("power", 200.0)]
    assert stargate["figures"][0]["url"].endswith("/openai/news/stargate-uae.html")  # first report


def test_week_context_countries(seeded):
    assert week_context(seeded, "2025-W21")["countries"] == [
        {"code": "AE", "name": "United Arab Emirates", "deals": 2, "money_usd": 15.2e9,
         "mw": 1200.0, "chips": None},
        {"code": "SA", "name": "Saudi Arabia", "deals": 1, "money_usd": 1e10, "mw": None,
         "chips": 18000},
    ]


def test_a_week_without_deals_is_empty(seeded):
    context = week_context(seeded, "2025-W30")
    assert context["deals"] == []
    assert context["countries"] == []
    assert context["summary"] == {"deals": 0, "new_deals": 0, "countries": 0, "documents": 0,
                                  "money_usd": 0.0, "mw": 0.0, "chips": 0}


@pytest.mark.parametrize("week", ["2025-21", "2025-W5", "W21-2025", "2025-W00", "2025-W53", "", None])
def test_malformed_week_is_a_value_error(seeded, week):
    with pytest.raises(ValueError, match="invalid week"):
        week_context(seeded, week)


def test_latest_week_and_weeks_with_deals(seeded, con):
    assert latest_week(seeded) == "2025-W31"
    assert weeks_with_deals(seeded) == ["2025-W20", "2025-W21", "2025-W31"]


def test_no_deals_no_latest_week(con):
    assert latest_week(con) is None
    assert weeks_with_deals(con) == []


def test_weekly_deals_rows(seeded):
    rows = seeded.execute(
        "select iso_week, title, is_new, week_documents, week_sources from weekly_deals "
        "order by iso_week, title"
    ).fetchall()
    assert rows == [
        ("2025-W20", "Nvidia to supply 18,000 GB300 chips to Humain and PIF in Saudi Arabia", True, 1, 1),
        ("2025-W21", "Microsoft and G42 plan a 200 MW AI data centre in the United Arab Emirates", True, 1, 1),
        ("2025-W21", "Nvidia to supply 18,000 GB300 chips to Humain and PIF in Saudi Arabia", False, 1, 1),
        ("2025-W21", "OpenAI, G42 and Oracle plan a 1 GW AI data centre in the United Arab Emirates", True, 2, 2),
        ("2025-W31", "OpenAI, Nscale and Aker plan a 230 MW AI data centre in Norway", True, 1, 1),
    ]


def test_country_ledger_rows(seeded):
    rows = seeded.execute(
        "select iso_week, country, deals, new_deals, money_usd, mw, chips from country_ledger "
        "order by iso_week, country"
    ).fetchall()
    assert rows == [
        ("2025-W20", "SA", 1, 1, 1e10, None, 18000),
        ("2025-W21", "AE", 2, 2, 15.2e9, 1200.0, None),
        ("2025-W21", "SA", 1, 0, 1e10, None, 18000),
        ("2025-W31", "NO", 1, 1, None, 230.0, 100000),
    ]
