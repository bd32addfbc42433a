"""Rendering example_context.json: what a reader and an editor need to find in each format."""

from __future__ import annotations

import copy
import html as html_module
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import jinja2
import pytest

from newsletter_templates.render import (
    FORMATS,
    TEMPLATE_DIR,
    build_environment,
    render_formats,
    render_newsletter,
    validate_context,
)
from tests.newsletter.helpers import SNAPSHOTS, context_urls, markdown_urls, parse_html, text_urls

# The example deals' titles, told from their records (warehouse/resolution/telling.py).
UAE = "Stargate UAE: G42, OpenAI and Oracle plan a 1 GW AI data centre in the United Arab Emirates"
SA = "Nvidia to supply 18,000 GB300 chips to Humain in Saudi Arabia"


@pytest.fixture
def rendered(example_context, tmp_path) -> dict[str, str]:
    paths = render_newsletter(example_context, tmp_path)
    return {fmt: path.read_text(encoding="utf-8") for fmt, path in paths.items()}


def test_writes_one_file_per_format(example_context, tmp_path):
    paths = render_newsletter(example_context, tmp_path / "out")
    assert paths == {
        "html": tmp_path / "out" / "tracker-2025-W21.html",
        "text": tmp_path / "out" / "tracker-2025-W21.txt",
        "markdown": tmp_path / "out" / "tracker-2025-W21.md",
    }
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths.values())
    for path in paths.values():
        data = path.read_bytes()
        assert data.endswith(b"\n") and not data.endswith(b"\n\n")
        assert b"\r" not in data
        data.decode("utf-8")


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_deal_is_told_by_its_title_and_summary(rendered, example_context, fmt):
    # what a reader sees first of each deal: the title, then the one sentence that tells it
    doc = flat(rendered[fmt])
    for deal in example_context["deals"]:
        told = f"{deal['number']}. {deal['title']} {deal['summary']}"
        assert told in doc.replace("### ", "")
    assert ("Nvidia to supply 18,000 GB300 chips to Humain in Saudi Arabia; SAR 37.5 billion (about $10 billion) "
            "committed; first reported in May 2025.") in doc


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize(
    "expected",
    [
        "SAR 37.5 billion (US$10 billion)",
        "18,000 GB300 chips",
        "1,000 MW (1 GW)",
        "US$10 billion",
        "19–25 May 2025",
        "2 deals (1 new) in 3 countries",
        "Data center",
        "Chip supply",
        "United Arab Emirates, United States",
        "G42, OpenAI, Oracle",
        "22 May 2025",
    ],
)
def test_figures_and_facts_are_formatted(rendered, fmt, expected):
    assert expected in rendered[fmt]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_source_sentence_is_quoted(rendered, example_context, fmt):
    for deal in example_context["deals"]:
        for fig in deal["figures"]:
            assert fig["sentence"] in rendered[fmt].replace("\n     > ", " ")


def test_html_links_every_source_and_figure(rendered, example_context):
    doc = parse_html(rendered["html"])
    hrefs = set(doc.hrefs)
    assert context_urls(example_context) == hrefs
    links = dict((text, href) for href, text in doc.links)
    for deal in example_context["deals"]:
        for source in deal["sources"]:
            assert links[source["title"]] == source["url"]


def test_text_and_markdown_carry_the_same_deals_and_urls(rendered, example_context):
    urls = context_urls(example_context)
    assert text_urls(rendered["text"]) == urls
    assert markdown_urls(rendered["markdown"]) == urls
    # The deals sections show the deals by their number in the issue (the lead may name one earlier).
    titles = [d["title"] for d in sorted(example_context["deals"], key=lambda d: d["number"])]
    starts = {"text": "NEW THIS WEEK", "markdown": "## New this week", "html": ">New this week<"}
    for fmt in ("text", "markdown", "html"):
        deals = flat(rendered[fmt][rendered[fmt].index(starts[fmt]):])
        positions = [deals.index(t) for t in titles]
        assert positions == sorted(positions), f"{fmt}: deals out of number order"


def flat(text: str) -> str:
    """Text with the plain-text wrapping and quote markers undone (and, for HTML, the tags
    removed and the entities decoded), for phrase searches."""
    if text.startswith("<!DOCTYPE html>"):
        text = html_module.unescape(re.sub(r"<[^>]+>", " ", text[text.index("<body"):]))
    return " ".join(text.replace("\n     > ", " ").replace("\n  > ", " ").split())


def between(text: str, start: str, end: str | None = None) -> str:
    begin = text.index(start)
    return text[begin:text.index(end, begin)] if end else text[begin:]


def test_new_and_updated_deals_are_shown_apart(rendered):
    text = rendered["text"]
    new = flat(between(text, "NEW THIS WEEK\n", "UPDATED THIS WEEK\n"))
    updated = flat(between(text, "UPDATED THIS WEEK\n", "COUNTRIES JOINING"))
    assert f"1. {UAE} " in new and "Humain" not in new
    assert f"2. {SA} " in updated and "OpenAI and Oracle" not in updated
    md = rendered["markdown"]
    assert f"### 1. {UAE}\n" in between(md, "## New this week", "## Updated")
    assert f"### 2. {SA}\n" in between(md, "## Updated this week", "## Countries")
    html = rendered["html"]
    new_this_week = between(html, ">New this week<", ">Updated this week<")
    assert f">1. {UAE}</h3>" in new_this_week
    assert f">2. {SA}</h3>" in between(html, ">Updated this week<", ">Countries joining")
    for doc in rendered.values():
        assert "NEW`" not in doc and "[NEW]" not in doc and ">NEW<" not in doc  # the section says it


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_the_lead_comes_first_and_names_the_biggest_deal(rendered, fmt):
    doc = rendered[fmt]
    heading = {"html": ">Story of the week<", "text": "STORY OF THE WEEK", "markdown": "## Story of the week"}[fmt]
    summary = {"html": ">This week<", "text": "THIS WEEK\n", "markdown": "## This week"}[fmt]
    lead = flat(between(doc, heading, summary))
    assert doc.index(heading) < doc.index(summary)
    # the biggest deal by money (the example's only money figure), in its currency and in US dollars
    assert SA in lead
    assert "SAR 37.5 billion (about $10 billion) committed; first reported in May 2025." in lead  # its summary
    assert "SAR 37.5 billion (US$10 billion)" in lead and "18,000 GB300 chips" in lead
    assert "Updated this week (deal 2 below): Saudi Arabia, with Humain and Nvidia." in lead
    assert "The programme is valued at SAR37.5bn." in lead
    assert "Saudi Press Office, 13 May 2025" in lead
    assert "http://127.0.0.1:8000/sites/gov/press/2025/humain.html" in lead
    # the biggest deal by another measure
    assert "Most power" in lead and f"{UAE} (deal 1), 1,000 MW (1 GW)" in lead


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_what_changed_in_an_updated_deal(example_context, fmt):
    deal = example_context["deals"][1]
    doc = flat(render_formats(example_context)[fmt])
    assert "What changed since 13 May 2025" in doc
    plain_doc = re.sub(r"\]\([^)]*\)", "", doc).replace("[", "").replace("**", "")  # Markdown links as text
    assert ("Chips: 18,000 GB300 chips, the first chips figure reported for this deal, by "
            "DC Wire, 20 May 2025") in " ".join(plain_doc.split())
    # a changed figure: the old and new values, each with who reported it and when
    old = dict(deal["figures"][0], count=10000, publisher="Saudi Press Office", published="2025-05-13",
               url="http://127.0.0.1:8000/sites/gov/press/2025/humain.html")
    deal["changes"] = [{"kind": "chips", "change": "changed", "old": old, "new": deal["figures"][0]}]
    doc = flat(render_formats(example_context)[fmt]).replace("**", "")
    arrow = "->" if fmt == "text" else "→"
    if fmt == "markdown":
        assert ("Chips: 10,000 GB300 chips → 18,000 GB300 chips, reported by [DC Wire, 20 May 2025]"
                "(http://127.0.0.1:8000/sites/dcwire/2025/05/humain-nvidia.html) (before: [Saudi Press Office, "
                "13 May 2025](http://127.0.0.1:8000/sites/gov/press/2025/humain.html))") in doc
    else:
        assert f"10,000 GB300 chips {arrow} 18,000 GB300 chips, reported by" in doc
        assert "DC Wire, 20 May 2025" in doc and "(before:" in doc
    # a deal whose new reporting repeats what was known says so
    deal["changes"] = []
    assert "No new figure this week" in render_formats(example_context)[fmt]


def test_countries_joining_and_company_watch(rendered):
    text = flat(rendered["text"])
    assert ("1 country with a deal this week and none in any earlier week. * United Arab Emirates: "
            f"{UAE} (deal 1). 1,000 MW (1 GW).") in text
    watch = between(rendered["text"], "COMPANY WATCH", "MONEY AND POWER")
    assert flat(watch).split("* ")[1:] == [
        "G42: deal 1; with United Arab Emirates (new partner), United States. ",
        "Humain: deal 2; with Saudi Arabia. ",
        "Nvidia: deal 2; with Saudi Arabia. ",
        "OpenAI: deal 1; with United Arab Emirates (new partner), United States. ",
        "Oracle [NEW TO THE TRACKER]: deal 1; with United Arab Emirates (new partner), United States (new partner).",
    ]
    html = between(rendered["html"], ">Company watch<", ">Money and power by country<")
    assert html.count(">NEW TO THE TRACKER</span>") == 1
    assert "<strong>Oracle</strong>" in html
    md = rendered["markdown"]
    assert ("- **Oracle** `NEW TO THE TRACKER`: deal 1; with United Arab Emirates (new partner), "
            "United States (new partner).") in md


class ChartReader(HTMLParser):
    """[country, [bar widths], [values]] per chart in an issue's HTML: a bar is a td.bar inside
    a table whose width="N%" the template sets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.charts: list[list] = []
        self._cell: str | None = None
        self._width: int | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "table":
            if "chart" in classes:
                self.charts.append([])
            width = attrs.get("width") or ""
            self._width = int(width[:-1]) if width.endswith("%") else None
        elif tag == "td" and "bar" in classes:
            self.charts[-1][-1][1].append(self._width)
        elif tag == "td" and "chart-name" in classes:
            self._cell = "name"
        elif tag == "td" and "chart-value" in classes:
            self._cell = "value"

    def handle_data(self, data):
        if self._cell == "name":
            self.charts[-1].append([data, [], []])
        elif self._cell == "value":
            self.charts[-1][-1][2].append(data)
        self._cell = None


def test_chart_bars_and_values(rendered):
    reader = ChartReader()
    reader.feed(rendered["html"])
    week, year = reader.charts
    assert week == [
        ["Saudi Arabia", [100], ["US$10 billion", "–"]],
        ["United Arab Emirates", [100], ["–", "1,000 MW"]],
        ["United States", [100], ["–", "1,000 MW"]],
    ]
    assert year == [
        ["United States", [100, 100], ["US$500 billion", "2,200 MW"]],
        ["France", [24, 45], ["US$118 billion", "1,000 MW"]],
        ["Saudi Arabia", [2], ["US$10 billion", "–"]],
        ["United Arab Emirates", [45], ["–", "1,000 MW"]],
    ]
    text = rendered["text"]
    assert "France                US$118 billion  ██          1,000 MW  ████" in text.splitlines()
    assert "| France | US$118 billion | ██ | 1,000 MW | ████ |" in rendered["markdown"]


def test_the_chart_needs_no_script_svg_or_image(rendered):
    html = between(rendered["html"], ">Money and power by country<", ">By country<")
    doc = parse_html(html)
    assert {"svg", "img", "script", "canvas", "object"}.isdisjoint(doc.tags)
    assert not [a for a in doc.attributes if a[1] in ("src", "srcset")]
    assert html.count('bgcolor="#0b5cad"') == 4 and html.count('bgcolor="#d97706"') == 5


def test_per_country_table(rendered):
    lines = rendered["text"].splitlines()
    assert "Saudi Arabia              1  US$10 billion         -  18,000" in lines
    assert "| Saudi Arabia | 1 | US$10 billion | – | 18,000 |" in rendered["markdown"]
    html = rendered["html"]
    table = html[html.index(">By country<"):]
    for name in ("United Arab Emirates", "Saudi Arabia", "United States"):
        assert f">{name}</td>" in table


def test_html_is_a_self_contained_email(rendered):
    html = rendered["html"]
    doc = parse_html(html)
    assert html.startswith("<!DOCTYPE html>")
    assert "script" not in doc.tags
    assert "link" not in doc.tags and "img" not in doc.tags and "iframe" not in doc.tags
    assert not [a for a in doc.attributes if a[1] == "src"]
    assert "url(" not in html and "@import" not in html
    # Layout: tables, a 600 px container, CSS inlined on the elements.
    assert ('table', 'width', '600') in doc.attributes
    assert ('meta', 'name', 'viewport') in doc.attributes
    styled = [a for a in doc.attributes if a[1] == "style"]
    assert len(styled) > 50
    # Only @media rules remain in <style>: the rest is inlined.
    style_blocks = re.findall(r"<style>(.*?)</style>", html, flags=re.S)
    assert all(block.strip().startswith("@media") for block in style_blocks)


def test_text_is_wrapped_at_78_columns(rendered):
    for line in rendered["text"].splitlines():
        if len(line) > 78:  # only an unbreakable URL may overflow
            assert re.fullmatch(r"\s*<https?://\S+>", line), line


def test_low_confidence_deals_are_marked_for_review(example_context, tmp_path):
    example_context["deals"][1]["confidence"] = 0.42
    docs = render_formats(example_context)
    assert f"2. {SA} [NEEDS REVIEW]" in flat(docs["text"])
    assert "confidence 0.42 is below 0.5" in docs["text"]
    assert "confidence 0.42 is below 0.5" in docs["markdown"]
    assert "confidence 0.42 is below 0.5" in docs["html"]
    assert "1 deal needs review" in docs["text"]
    assert f"### 2. {SA} `NEEDS REVIEW`" in docs["markdown"]
    assert docs["html"].count(">NEEDS REVIEW</span>") == 1
    assert "1 deal needs review" in docs["html"]
    # The confident deal is not marked.
    assert f"{UAE} [NEEDS REVIEW]" not in flat(docs["text"])


def test_confident_week_has_no_review_marks(rendered):
    for doc in rendered.values():
        assert "NEEDS REVIEW" not in doc
        assert "needs review" not in doc


def test_empty_week(empty_context, tmp_path):
    paths = render_newsletter(empty_context, tmp_path)
    for fmt, path in paths.items():
        body = path.read_text(encoding="utf-8")
        assert "No deals were reported this week." in body, fmt
        assert "By country" not in body and "BY COUNTRY" not in body
        assert "None" not in body


def test_null_fields_render_without_none(example_context):
    deal = example_context["deals"][0]
    deal.update(status=None, deal_type=None, confidence=None, first_reported=None, last_reported=None)
    deal["companies"] = []
    deal["sources"][0]["published"] = None
    deal["figures"].append(
        {"kind": "other", "text": "a national AI fund", "sentence": "A fund.", "url": deal["sources"][0]["url"]}
    )
    example_context["summary"]["money_usd"] = None
    docs = render_formats(example_context)
    for fmt, body in docs.items():
        assert "None" not in body, fmt
        assert "not reported" in body and "not classified" in body and "undated" in body
        assert "a national AI fund" in body
        assert "confidence not recorded" in body


def test_deterministic(example_context, tmp_path):
    first = render_newsletter(example_context, tmp_path / "a")
    second = render_newsletter(copy.deepcopy(example_context), tmp_path / "b")
    for fmt in FORMATS:
        assert first[fmt].read_bytes() == second[fmt].read_bytes()


def test_deterministic_across_processes(example_context, tmp_path):
    """Another interpreter, another hash seed, another locale and time zone: same bytes."""
    render_newsletter(example_context, tmp_path / "here")
    code = (
        "import json, sys; from newsletter_templates.render import render_newsletter;"
        f"render_newsletter(json.load(open({str(TEMPLATE_DIR / 'example_context.json')!r})), sys.argv[1])"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345", TZ="Asia/Tokyo", LC_ALL="C", LANG="C")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "there")], check=True, env=env)
    for path in (tmp_path / "here").iterdir():
        assert path.read_bytes() == (tmp_path / "there" / path.name).read_bytes(), path.name


@pytest.mark.parametrize(
    ("remove", "named"),
    [
        (lambda c: c.pop("deals"), "'deals'"),
        (lambda c: c.pop("week"), "'week'"),
        (lambda c: c["summary"].pop("chips"), "'summary.chips'"),
        (lambda c: c["deals"][1].pop("title"), "'deals[1].title'"),
        (lambda c: c["deals"][0]["sources"][1].pop("url"), "'deals[0].sources[1].url'"),
        (lambda c: c["deals"][1]["figures"][0].pop("sentence"), "'deals[1].figures[0].sentence'"),
        (lambda c: c["countries"][2].pop("name"), "'countries[2].name'"),
    ],
)
def test_missing_key_raises_value_error_naming_it(example_context, tmp_path, remove, named):
    remove(example_context)
    with pytest.raises(ValueError, match=re.escape(named)):
        render_newsletter(example_context, tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize("week", ["../../etc/passwd", "2025-21", "2025-W54", "", 2025, None])
def test_week_must_be_an_iso_week(example_context, week):
    example_context["week"] = week
    with pytest.raises(ValueError, match="'week'"):
        validate_context(example_context)


def test_wrong_types_are_rejected(example_context):
    example_context["deals"][0]["sources"] = "http://example.org"
    with pytest.raises(ValueError, match=re.escape("'deals[0].sources' must be a list")):
        validate_context(example_context)
    with pytest.raises(ValueError, match="must be an object"):
        validate_context([])


def test_strict_undefined(example_context):
    env = build_environment()
    assert env.undefined is jinja2.StrictUndefined
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()
    # A template reading a key that is not there fails, even past validation.
    del example_context["title"]
    for name, _suffix in FORMATS.values():
        with pytest.raises(jinja2.UndefinedError):
            env.get_template(name).render(example_context)


def test_autoescape_by_format():
    env = build_environment()
    assert env.autoescape("newsletter.html.j2") is True
    assert env.autoescape("partials/html/deals.html.j2") is True
    assert env.autoescape("newsletter.txt.j2") is False
    assert env.autoescape("newsletter.md.j2") is False
    assert env.autoescape(None) is True  # string templates: escaped


def test_every_format_has_the_same_sections():
    """A section added to one format must be added to the other two (see README)."""
    suffixes = {"html": ".html.j2", "text": ".txt.j2", "markdown": ".md.j2"}
    sections = {
        fmt: sorted(p.name[: -len(suffix)] for p in (TEMPLATE_DIR / "partials" / fmt).glob("*" + suffix))
        for fmt, suffix in suffixes.items()
    }
    html_only = {"preheader"}  # the hidden preview line exists only in email HTML
    assert sorted(set(sections["html"]) - html_only) == sections["text"] == sections["markdown"]
    for fmt, (template, _) in FORMATS.items():
        main = (TEMPLATE_DIR / template).read_text(encoding="utf-8")
        for section in sections[fmt]:
            if section != "macros":
                assert f"partials/{fmt}/{section}{suffixes[fmt]}" in main, (fmt, section)


@pytest.mark.parametrize(("fmt", "suffix"), [("text", ".txt"), ("markdown", ".md")])
def test_snapshot(rendered, fmt, suffix):
    """Pins the example's plain-text and Markdown output byte for byte.

    After an intended change, regenerate with:
        UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/newsletter -k snapshot
    and review the diff of tests/newsletter/snapshots/ before committing.
    """
    expected_path = SNAPSHOTS / f"example_context{suffix}"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        expected_path.parent.mkdir(parents=True, exist_ok=True)
        expected_path.write_text(rendered[fmt], encoding="utf-8", newline="\n")
    assert expected_path.exists(), f"missing snapshot {expected_path}; run with UPDATE_SNAPSHOTS=1"
    assert rendered[fmt] == expected_path.read_text(encoding="utf-8")
