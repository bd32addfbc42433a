"""Fixtures of the newsletter tests: the reference context and variants of it."""

from __future__ import annotations

import copy
import json

import pytest

from newsletter_templates.render import TEMPLATE_DIR
from tests.newsletter.helpers import HOSTILE_IMG, HOSTILE_QUOTES, HOSTILE_TEXT
from warehouse.report import week_sections

EXAMPLE_CONTEXT = TEMPLATE_DIR / "example_context.json"


@pytest.fixture(scope="session")
def example_source() -> dict:
    return json.loads(EXAMPLE_CONTEXT.read_text(encoding="utf-8"))


@pytest.fixture
def example_context(example_source) -> dict:
    """A fresh copy of example_context.json for each test (tests may modify it)."""
    return copy.deepcopy(example_source)


@pytest.fixture
def empty_context(example_source) -> dict:
    """A week in which nothing was reported."""
    ctx = copy.deepcopy(example_source)
    ctx["deals"] = []
    ctx["countries"] = []
    ctx["summary"] = {"deals": 0, "new_deals": 0, "countries": 0, "documents": 3,
                      "money_usd": None, "mw": None, "chips": None}
    ctx["history"] = dict(ctx["history"], week_deal_ids=[], year=[])
    return week_sections(ctx)


@pytest.fixture
def hostile_context(example_source) -> dict:
    """The example context with markup, quotes and script URLs in every text and URL field; the
    derived sections (lead, countries joining, company watch, chart) are rebuilt from it."""
    ctx = copy.deepcopy(example_source)
    ctx["title"] = f"Tracker {HOSTILE_TEXT} {HOSTILE_QUOTES}"
    first, second = ctx["deals"]
    first["deal_id"] = 'd-1"><script>alert(1)</script>'
    first["title"] = f"Stargate {HOSTILE_TEXT} {HOSTILE_IMG} {HOSTILE_QUOTES}"
    first["companies"] = [HOSTILE_IMG, f"Evil {HOSTILE_QUOTES}", "OpenAI"]
    first["countries"][0]["name"] = f"Emirates {HOSTILE_TEXT}"
    first["deal_type"] = "<b>bold</b>"
    first["status"] = '"><script>alert(2)</script>'
    first["figures"][0]["sentence"] = f"It said {HOSTILE_TEXT} and {HOSTILE_IMG}."
    first["figures"][0]["url"] = "javascript:alert(1)"
    first["sources"][0]["url"] = "data:text/html,<script>alert(1)</script>"
    first["sources"][0]["title"] = f"Title {HOSTILE_IMG}"
    first["sources"][0]["publisher"] = f"Pub {HOSTILE_TEXT}"
    first["sources"][1]["url"] = " JaVaScRiPt:alert(document.cookie)"
    second["figures"][0]["url"] = "java\tscript:alert(1)"
    second["figures"][1]["url"] = "DATA:image/svg+xml;base64,PHN2Zz4="
    second["figures"][1]["text"] = HOSTILE_IMG
    second["figures"][1]["currency"] = "<i>X</i>"
    second["sources"][0]["url"] = "vbscript:msgbox(1)"
    second["chip_model"] = HOSTILE_TEXT
    second["figures"][0]["model"] = HOSTILE_IMG
    ctx["countries"][0]["name"] = f"Emirates {HOSTILE_IMG}"
    second["title"] = f"Humain {HOSTILE_QUOTES} {HOSTILE_TEXT}"
    second["companies"] = [f"Nvidia {HOSTILE_TEXT}", HOSTILE_IMG]
    second["previous"].update(url="javascript:alert(4)", publisher=f"Office {HOSTILE_IMG}", published=HOSTILE_TEXT)
    change = second["changes"][0]
    change["change"] = "changed"
    change["old"] = dict(second["figures"][0], url="data:text/html,<b>x</b>", publisher=HOSTILE_TEXT)
    change["new"] = dict(second["figures"][0], url=" javascript:alert(5)", publisher=f"Wire {HOSTILE_IMG}")
    return week_sections(ctx)
