"""The review page: each deal with its source sentences marked up from stored offsets, its
confidence, its state in the issue and its sources; safe against hostile text."""

from __future__ import annotations

import copy
import html
import re

import pytest

from newsletter_templates.review import render_review, write_review
from tests.newsletter.helpers import HOSTILE_IMG, HOSTILE_QUOTES, HOSTILE_TEXT, parse_html
from tests.warehouse.week_corpus import DOCUMENTS, SOURCES, WEEK, build_week, hostile, url
from warehouse.db import connect
from warehouse.decisions import decisions_from_review, record_decisions
from warehouse.review import mark_segments, review_context

HUMAIN, KENYA, RUMOUR = "d-humain000001", "d-kenya0000002", "d-rumour000003"
# Every element the review template writes; anything else would have come from the input.
PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "div", "main", "section", "article", "h1", "h2",
             "h3", "p", "span", "strong", "a", "code", "mark", "form", "input", "label", "select", "option",
             "button", "table", "tr", "th", "td", "details", "summary", "ul", "li"}


def build(tmp_path, documents=DOCUMENTS, sources=SOURCES, decisions=()):
    con = connect(tmp_path / "tracker.duckdb")
    try:
        build_week(con, tmp_path / "corpus", documents=documents, sources=sources)
        if decisions:
            record_decisions(con, decisions, via="cli")
        return review_context(con, WEEK)
    finally:
        con.close()


@pytest.fixture
def context(tmp_path) -> dict:
    return build(tmp_path)


def deal(context: dict, deal_id: str) -> dict:
    return next(d for d in context["deals"] if d["deal_id"] == deal_id)


def article(page: str, deal_id: str) -> str:
    start = page.index(f'id="{deal_id}"')
    return page[start:page.index("</article>", start)]


def text_of(fragment: str) -> str:
    """What a reader sees: tags removed, entities decoded, the marks' labels dropped."""
    fragment = re.sub(r'<span class="ent-label">.*?</span>', "", fragment)
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_every_deal_with_its_state_and_confidence(context):
    page = render_review(context)
    assert [(d["number"], d["deal_id"], d["state"]) for d in context["deals"]] == [
        (1, KENYA, "published"), (2, RUMOUR, "hidden"), (3, HUMAIN, "published")]
    rumour = article(page, RUMOUR)
    assert "Hidden from readers: low confidence" in rumour and "confidence 0.30: below 0.5" in rumour
    assert "In the issue" in article(page, KENYA) and "confidence 0.90" in article(page, KENYA)
    assert "Awaiting an editor's decision." in page


def test_sentences_are_marked_up_from_the_stored_offsets(context):
    page = render_review(context)
    humain = article(page, HUMAIN)
    assert ('<mark class="ent ent-power ent-evidence">5GW<span class="ent-label">power 5,000 MW (5 GW)</span></mark>'
            in humain)
    assert '<mark class="ent ent-country">Saudi Arabia<span class="ent-label">country SA</span></mark>' in humain
    assert '<mark class="ent ent-company">Nvidia<span class="ent-label">company</span></mark>' in humain
    assert ('<mark class="ent ent-chips ent-evidence">18,000 GB300 chips<span class="ent-label">chips 18,000 GB300 '
            'chips</span></mark>') in humain
    # each sentence reads back exactly as stored: the marks add labels, never change the text
    sentences = [text_of(s) for s in re.findall(r'<p class="sentence">(.*?)</p>', humain)]
    assert sentences == ["Humain now plans 5GW of capacity in Saudi Arabia.",
                         "Nvidia will ship 18,000 GB300 chips to Humain.",
                         "Humain will build a 1GW AI campus in Saudi Arabia with Nvidia."]


def test_every_source_with_publisher_date_and_link(context):
    reports = [(r["publisher"], r["published"], r["url"], r["this_week"]) for r in deal(context, HUMAIN)["reports"]]
    assert reports == [("DC Wire", "2025-05-20", url("humain-5gw"), True),
                       ("Saudi Press Office", "2025-05-13", url("humain-1gw"), False)]
    humain = article(render_review(context), HUMAIN)
    assert (f'DC Wire, 20 May 2025: <a href="{url("humain-5gw")}" rel="noreferrer noopener">Humain lifts its '
            'campus plan to 5GW</a> <span class="badge">this week</span>') in humain
    assert f'Saudi Press Office, 13 May 2025: <a href="{url("humain-1gw")}"' in humain
    assert "1,000 MW (1 GW) &rarr; 5,000 MW (5 GW)" in humain  # what changed since its last report


def test_older_reports_beyond_the_limit_are_listed_as_links(tmp_path, monkeypatch):
    monkeypatch.setattr("warehouse.review.REVIEW_REPORTS", 1)
    context = build(tmp_path)
    humain = deal(context, HUMAIN)
    assert [r["url"] for r in humain["reports"]] == [url("humain-5gw")]  # the newest, with its sentences
    assert humain["reports"][0]["sentences"]
    assert [(r["publisher"], r["published"], r["url"], r["this_week"]) for r in humain["more_reports"]] == [
        ("Saudi Press Office", "2025-05-13", url("humain-1gw"), False)]
    page = article(render_review(context), HUMAIN)
    assert "<summary>1 older report, links only</summary>" in page
    assert f'<li>Saudi Press Office, 13 May 2025: <a href="{url("humain-1gw")}" rel="noreferrer noopener">' in page
    assert "Humain will build a 1GW AI campus" not in text_of(page)  # its sentence is not shown


def test_decisions_show_on_their_deals_and_in_the_log(tmp_path):
    rows = decisions_from_review(WEEK, {"approve": False, "editor": "Rosa", "note": "one more check",
                                        "drop": [KENYA], "keep": [RUMOUR],
                                        "corrections": [{"deal_id": HUMAIN, "field": "mw", "value": "6000"}]})
    context = build(tmp_path, decisions=rows)
    assert [(d["deal_id"], d["state"]) for d in context["deals"]] == [
        (RUMOUR, "kept"), (HUMAIN, "published"), (KENYA, "dropped")]
    assert deal(context, HUMAIN)["mw"] == 6000.0 and deal(context, HUMAIN)["corrected"] == ["mw"]
    page = render_review(context)
    assert "Dropped by Rosa on " in article(page, KENYA) and "(via cli): “one more check”" in article(page, KENYA)
    assert "6,000 MW (6 GW)</strong> (corrected)" in article(page, HUMAIN)
    assert "Rejected by Rosa" in page
    log = page[page.index("<h2>Decisions</h2>"):]
    assert log.count("<tr><td>") == 4  # drop, keep, correct, reject
    assert "<td>Correct: power (MW) set to 6000</td>" in log and "<td>Rosa</td>" in log
    assert "Power (MW) set to 6000: Corrected by Rosa" in article(page, HUMAIN)


def test_static_page_has_no_forms_and_the_desk_page_has_tokens(context, tmp_path):
    static = render_review(context)
    assert "<form" not in static and "tracker desk --week 2025-W21" in static
    assert 'href="tracker-2025-W21.html"' in static  # the draft next to it
    desk = render_review(context, desk={"csrf": "t0k3n", "editor": "Ana", "notice": "Saved.", "error": None})
    forms = re.findall(r"<form .*?</form>", desk)
    assert len(forms) == 2 + 2 * 3 + 1  # approve, reject; drop and correct per deal; keep the hidden one
    assert all('name="csrf" value="t0k3n"' in form for form in forms)
    assert all('method="post" action="/decide"' in form for form in forms)
    path = write_review(context, tmp_path / "drafts")
    assert path.name == "review-2025-W21.html" and path.read_text(encoding="utf-8") == static


def test_deterministic(context):
    assert render_review(context) == render_review(copy.deepcopy(context))


def test_hostile_text_in_sentences_titles_and_names_stays_text(tmp_path):
    evil = f"{HOSTILE_TEXT} {HOSTILE_IMG} {HOSTILE_QUOTES}"
    sources = [dict(s, name=f"{s['name']} {HOSTILE_IMG}") for s in SOURCES]
    context = build(tmp_path, documents=hostile(DOCUMENTS, evil), sources=sources)
    page = render_review(context, desk={"csrf": "t", "editor": f"Ana {HOSTILE_TEXT}", "notice": HOSTILE_IMG,
                                        "error": HOSTILE_TEXT})
    lowered = page.lower()
    assert "<script" not in lowered and "<img" not in lowered and "javascript:" not in lowered
    doc = parse_html(page)
    assert set(doc.tags) <= PAGE_TAGS, set(doc.tags) - PAGE_TAGS
    assert not [a for a in doc.attributes if a[1].startswith("on")]
    for _tag, _name, value in doc.attributes:
        assert "<" not in (value or "") and ">" not in (value or "")
    # The hostile text is shown, escaped, and the marks still sit on the right words.
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;" in page
    humain = article(page, HUMAIN)
    assert '<mark class="ent ent-power ent-evidence">5GW<span class="ent-label">' in humain
    first = text_of(re.findall(r'<p class="sentence">(.*?)</p>', humain)[0])
    assert first == f"{evil} Humain now plans 5GW of capacity in Saudi Arabia."
    assert f"DC Wire {HOSTILE_IMG}".replace("<", "&lt;").replace(">", "&gt;") in humain


def test_hostile_urls_are_not_linked(context):
    context = copy.deepcopy(context)
    report = deal(context, HUMAIN)["reports"][0]
    report["url"] = "javascript:alert(document.cookie)"
    deal(context, HUMAIN)["changes"][0]["new"]["url"] = "data:text/html,<script>alert(1)</script>"
    page = render_review(context)
    assert "javascript:" not in page and "data:text" not in page
    assert page.count("link removed: not an http or https address") == 2
    assert all(re.match(r"https?://|tracker-2025-W21\.", href) for href in parse_html(page).hrefs)


def test_marks_whose_offsets_do_not_match_the_text_are_skipped():
    text = "Nvidia will ship 18,000 chips to Humain."
    marks = [
        {"kind": "company", "start": 0, "end": 6, "surface": "Nvidia", "name": "Nvidia"},
        {"kind": "chips", "start": 17, "end": 29, "surface": "18,000 chips", "commitment_id": "c-1",
         "figure": {"kind": "chips", "count": 18000}},
        {"kind": "company", "start": 34, "end": 40, "surface": "Humain", "name": "Humain"},  # off by one
        {"kind": "country", "start": 20, "end": 23, "surface": "000", "name": "XX"},  # overlaps the figure
    ]
    segments = mark_segments(text, 0, len(text), marks)
    assert [(s["text"], s["kind"]) for s in segments] == [
        ("Nvidia", "company"), (" will ship ", None), ("18,000 chips", "chips"), (" to Humain.", None)]
    assert "".join(s["text"] for s in segments) == text
