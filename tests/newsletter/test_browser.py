"""The HTML edition as a reader sees it: rendered by headless Chromium on a desktop and a phone.

Chromium loads only local files from the test's temporary folder (the issue has no external
resources; name resolution is switched off as well). Headless Chromium never lays a window out
narrower than 500 CSS px: `--window-size=390,844` gives a 500 px layout cropped to 390 px, so
measuring the page itself at "390" would test a 500 px page. Each issue is therefore shown in an
iframe of exactly the screen's size (`srcdoc`, same origin as the test page), whose viewport is
what the issue's media queries and layout see. A small script in the test page (never in the
issue) measures the issue and writes the numbers into `document.title`; `--dump-dom` reads them.

Screenshots (first screen and whole issue, at 1200x900 and 390x844) are kept under pytest's
tmp dir: `pytest tests/newsletter/test_browser.py --basetemp=/tmp/shots` to look at them.
"""

from __future__ import annotations

import copy
import json
import os
import struct
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from newsletter_templates.browser import CHROMIUM, framed_page, run_chromium, screenshot
from newsletter_templates.render import render_newsletter
from newsletter_templates.review import render_review
from tests.warehouse.week_corpus import WEEK, build_week
from warehouse.db import connect
from warehouse.report import week_sections
from warehouse.review import review_context

SCREENS = {"desktop": (1200, 900), "phone": (390, 844)}

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)),
    reason=f"Chromium not found at {CHROMIUM} (Debian package `chromium`; CI installs it with apt "
           "before `make test`; set CHROMIUM=/path/to/chromium to use another build)",
)

# Runs in the test page, after the iframe holding the issue has loaded.
MEASURE = """
window.addEventListener("load", function () {
  var frame = document.getElementById("issue"), doc = frame.contentDocument, win = frame.contentWindow;
  function box(el) {
    if (!el) return null;
    var r = el.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width};
  }
  var lead = doc.querySelector(".lead");
  var charts = Array.prototype.map.call(doc.querySelectorAll(".chart"), box);
  var bars = Array.prototype.map.call(doc.querySelectorAll(".chart .bar"), box);
  var wide = [];
  doc.querySelectorAll("body *").forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > win.innerWidth + 0.5) wide.push(el.tagName.toLowerCase() + "." + el.className);
  });
  document.title = JSON.stringify({
    innerWidth: win.innerWidth,
    scrollWidth: doc.documentElement.scrollWidth,
    scrollHeight: doc.documentElement.scrollHeight,
    phoneRules: win.matchMedia("(max-width: 620px)").matches,
    container: box(doc.querySelector(".container")),
    lead: box(lead),
    leadTitle: lead ? lead.querySelector(".lead-title").textContent : null,
    summary: box(doc.querySelector(".stats") || doc.querySelector(".empty")),
    charts: charts,
    bars: bars,
    marks: doc.querySelectorAll("mark.ent").length,
    wide: wide.slice(0, 10)
  });
});
"""


def measuring_page(issue_html: str, width: int, height: int) -> str:
    """A page showing the issue in an iframe of exactly width x height CSS px, measured by MEASURE."""
    return framed_page(issue_html, width, height, MEASURE)


class TitleReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title, self._in_title = "", False

    def handle_starttag(self, tag, attrs):
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def measure(issue_html: str, width: int, height: int, folder: Path) -> dict:
    page = folder / f"measure-{width}x{height}.html"
    page.write_text(measuring_page(issue_html, width, height), encoding="utf-8")
    dom = run_chromium(page, f"--window-size={max(width, 500)},{height}", "--dump-dom")
    reader = TitleReader()
    reader.feed(dom)
    assert reader.title.startswith("{"), f"the measuring script did not run: title {reader.title!r}"
    return json.loads(reader.title)


def png_facts(path: Path) -> tuple[int, int, int]:
    """(width, height, distinct byte values of the decoded image data): a blank page has few."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    idat, pos = b"", 8
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


# Countries with long names, for the chart's labels on a phone.
LONG_COUNTRIES = [("CD", "Democratic Republic of the Congo"), ("VC", "Saint Vincent and the Grenadines"),
                  ("GB", "United Kingdom"), ("BA", "Bosnia and Herzegovina"), ("AE", "United Arab Emirates"),
                  ("SA", "Saudi Arabia"), ("FR", "France"), ("IN", "India"), ("JP", "Japan"), ("KR", "South Korea"),
                  ("DE", "Germany"), ("BR", "Brazil")]


def long_week(context: dict) -> dict:
    """Twelve deals made from the example's two, with what makes real issues long and narrow
    screens hard: long company lists, long words, untitled sources linked by their URL, country
    names that do not fit a phone's chart label, amounts in the trillions, a year of history."""
    ctx = copy.deepcopy(context)
    deals = []
    for i in range(12):
        deal = copy.deepcopy(context["deals"][i % 2])
        deal["deal_id"] = f"d-{i:012x}"
        deal["title"] = f"{deal['title']} (phase {i + 1})"
        code, name = LONG_COUNTRIES[i]
        deal["countries"] = [{"code": code, "name": name}] + deal["countries"][:1]
        deal["money_usd"] = 1.5e12 / (i + 1) if i % 2 else deal["money_usd"]
        deal["mw"] = 5000.0 + 250 * i if i % 3 else deal["mw"]
        deal["is_new"] = i % 3 == 0
        deal["confidence"] = 0.42 if i % 4 == 3 else deal["confidence"]
        if i % 3 == 1:
            deal["companies"] = deal["companies"] + ["Saudi Data and Artificial Intelligence Authority (SDAIA)",
                                                     "Microsoft", "Amazon Web Services", "Cisco"]
        if i % 3 == 2:
            deal["title"] = "Rechenzentrumsinfrastrukturförderprogrammvereinbarung: " + deal["title"]
            source = deal["sources"][0]
            source["title"] = None
            source["url"] = ("https://www.example-government-portal.gov.sa/en/media-center/press-releases/2025/05/"
                             "national-artificial-intelligence-infrastructure-programme-announcement"
                             "?ref=3f2a9c01b7e481c0de55aa10d3f2a9c01b7e481c0de55aa10c0ffee")
            deal["figures"][0]["sentence"] += " Details: https://www.example.org/DealRoom/AbuDhabiStargatePhaseOneCampusFactSheet2025.pdf"
            deal["figures"][0]["url"] = source["url"]
        deals.append(deal)
    ctx["deals"] = deals
    ctx["summary"].update(deals=12, new_deals=4, documents=31, money_usd=6e10, mw=6000.0, chips=108000)
    for country in ctx["countries"]:
        country["deals"] = 6
        for key in ("money_usd", "mw", "chips"):
            country[key] = country[key] and country[key] * 6
    ctx["history"]["week_deal_ids"] = [d["deal_id"] for d in deals]
    ctx["history"]["year"] = [
        {"deal_id": f"d-year{i:08x}", "countries": [code], "money_usd": 9.9e11 / (i + 1), "mw": 12345.0 * (i % 3),
         "chips": None, "confidence": 0.9} for i, (code, _) in enumerate(LONG_COUNTRIES)
    ] + [{"deal_id": d["deal_id"], "countries": [c["code"] for c in d["countries"]], "money_usd": d["money_usd"],
          "mw": d["mw"], "chips": d["chips"], "confidence": d["confidence"]} for d in deals]
    return week_sections(ctx)


@pytest.fixture(params=["example", "long"])
def issue(request, example_context, tmp_path) -> tuple[str, str, dict]:
    context = example_context if request.param == "example" else long_week(example_context)
    paths = render_newsletter(context, tmp_path / "issue")
    return request.param, paths["html"].read_text(encoding="utf-8"), context


@pytest.mark.parametrize("screen", list(SCREENS))
def test_layout_fits_the_screen(issue, screen, tmp_path):
    name, issue_html, context = issue
    width, height = SCREENS[screen]
    facts = measure(issue_html, width, height, tmp_path)
    assert facts["innerWidth"] == width, facts  # the issue really was laid out at this width
    assert facts["phoneRules"] is (width <= 620), facts
    assert facts["scrollWidth"] <= facts["innerWidth"], f"{name} at {width}px scrolls sideways: {facts}"
    assert facts["wide"] == [], f"{name} at {width}px: elements past the right edge: {facts['wide']}"
    if width >= 620:
        assert facts["container"]["width"] == 600, facts  # the email's 600 px column
    # The reader sees the whole story of the week on the first screen, without scrolling, and the
    # summary starts on it.
    assert facts["leadTitle"] == context["lead"]["title"], facts
    assert facts["lead"]["top"] > 0 and facts["lead"]["bottom"] <= height, facts
    assert facts["summary"]["top"] < height, facts
    # The chart (this week, the year to date) stays inside the column, bars included.
    assert len(facts["charts"]) == 2 and facts["bars"], facts
    container = facts["container"]
    for item in facts["charts"] + facts["bars"]:
        assert container["left"] <= item["left"] and item["right"] <= container["right"] + 0.5, (item, container)

    first = screenshot(issue_html, width, height, tmp_path, f"{name}-{screen}")
    png_width, png_height, shades = png_facts(first)
    assert (png_width, png_height) == (width, height)
    assert shades > 16, f"{first} looks blank"
    # The whole issue, for people to look at (kept in the tmp dir).
    whole = screenshot(issue_html, width, facts["scrollHeight"], tmp_path, f"{name}-{screen}-full")
    assert png_facts(whole)[:2] == (width, facts["scrollHeight"])


def test_the_review_page_in_a_browser(tmp_path):
    """The review desk's page on a phone: sentences marked up, forms, nothing past the right edge,
    and the page's own security policy lets no script run."""
    con = connect(tmp_path / "tracker.duckdb")
    try:
        build_week(con, tmp_path / "corpus")
        context = review_context(con, WEEK)
    finally:
        con.close()
    page_html = render_review(context, desk={"csrf": "token", "editor": "Ana", "notice": None, "error": None})
    width, height = SCREENS["phone"]
    facts = measure(page_html, width, height, tmp_path)
    assert facts["innerWidth"] == width, facts
    assert facts["marks"] >= 15, facts  # countries, companies and figures of the week's evidence
    assert facts["scrollWidth"] <= facts["innerWidth"], f"the review page scrolls sideways: {facts}"
    assert facts["wide"] == [], facts["wide"]
    shot = screenshot(page_html, width, height, tmp_path, "review-phone")
    assert png_facts(shot)[2] > 16
