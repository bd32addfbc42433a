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
import html
import json
import os
import shutil
import struct
import subprocess
import tempfile
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from newsletter_templates.render import render_newsletter

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--hide-scrollbars", "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: nothing can leave the machine
]
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
  var lead = doc.querySelector(".lead") || doc.querySelector(".empty");
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
    summary: box(lead && lead.closest("td")),
    lead: box(lead),
    wide: wide.slice(0, 10)
  });
});
"""


def measuring_page(issue_html: str, width: int, height: int) -> str:
    """A page showing the issue in an iframe of exactly width x height CSS px."""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>pending</title>'
        "<style>html,body{margin:0;padding:0;overflow:hidden}iframe{display:block;border:0}</style>"
        f'</head><body><iframe id="issue" width="{width}" height="{height}" '
        f'srcdoc="{html.escape(issue_html, quote=True)}"></iframe>'
        f"<script>{MEASURE}</script></body></html>"
    )


def run_chromium(page: Path, *args: str) -> str:
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        done = subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
            capture_output=True, text=True, timeout=90, check=False,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert done.returncode == 0, f"chromium exited {done.returncode}: {done.stderr[-2000:]}"
    return done.stdout


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


def screenshot(issue_html: str, width: int, height: int, folder: Path, name: str) -> Path:
    """A PNG of the first width x height px of the issue. The window may be laid out wider
    (500 px at least), but the shot is cropped to the iframe's size at the top left."""
    page = folder / f"{name}.html"
    page.write_text(measuring_page(issue_html, width, height), encoding="utf-8")
    png = folder / f"{name}.png"
    run_chromium(page, f"--window-size={width},{height}", f"--screenshot={png}")
    return png


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


def long_week(context: dict) -> dict:
    """Twelve deals made from the example's two, with what makes real issues long and narrow
    screens hard: long company lists, long words, untitled sources linked by their URL."""
    ctx = copy.deepcopy(context)
    deals = []
    for i in range(12):
        deal = copy.deepcopy(context["deals"][i % 2])
        deal["deal_id"] = f"d-{i:012x}"
        deal["title"] = f"{deal['title']} (phase {i + 1})"
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
    return ctx


@pytest.fixture(params=["example", "long"])
def issue(request, example_context, tmp_path) -> tuple[str, str]:
    context = example_context if request.param == "example" else long_week(example_context)
    paths = render_newsletter(context, tmp_path / "issue")
    return request.param, paths["html"].read_text(encoding="utf-8")


@pytest.mark.parametrize("screen", list(SCREENS))
def test_layout_fits_the_screen(issue, screen, tmp_path):
    name, issue_html = issue
    width, height = SCREENS[screen]
    facts = measure(issue_html, width, height, tmp_path)
    assert facts["innerWidth"] == width, facts  # the issue really was laid out at this width
    assert facts["phoneRules"] is (width <= 620), facts
    assert facts["scrollWidth"] <= facts["innerWidth"], f"{name} at {width}px scrolls sideways: {facts}"
    assert facts["wide"] == [], f"{name} at {width}px: elements past the right edge: {facts['wide']}"
    if width >= 620:
        assert facts["container"]["width"] == 600, facts  # the email's 600 px column
    # The reader sees the week's summary on the first screen, without scrolling.
    assert facts["summary"]["top"] < height, facts
    assert facts["lead"]["bottom"] <= height, facts

    first = screenshot(issue_html, width, height, tmp_path, f"{name}-{screen}")
    png_width, png_height, shades = png_facts(first)
    assert (png_width, png_height) == (width, height)
    assert shades > 16, f"{first} looks blank"
    # The whole issue, for people to look at (kept in the tmp dir).
    whole = screenshot(issue_html, width, facts["scrollHeight"], tmp_path, f"{name}-{screen}-full")
    assert png_facts(whole)[:2] == (width, facts["scrollHeight"])
