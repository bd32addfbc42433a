"""The archive of published issues: week folders, issues.json, index.html and the Atom feed."""

from __future__ import annotations

import copy
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest

from newsletter_templates.archive import DEFAULT_BASE_URL, archive_context, update_archive
from newsletter_templates.render import render_newsletter
from tests.newsletter.helpers import HOSTILE_IMG, HOSTILE_TEXT, parse_html

ATOM = "{http://www.w3.org/2005/Atom}"


def next_week(context: dict) -> dict:
    """The example moved one week on (2025-W22), with a third deal."""
    ctx = copy.deepcopy(context)
    ctx.update(week="2025-W22", week_start="2025-05-26", week_end="2025-06-01",
               title="AI Infrastructure Deals Tracker: week 2025-W22")
    extra = copy.deepcopy(ctx["deals"][1])
    extra.update(deal_id="d-000000000022", title="Mistral, Nvidia in France")
    ctx["deals"].append(extra)
    ctx["summary"].update(deals=3, new_deals=2, money_usd=2.5e10)
    return ctx


def publish(context: dict, tmp_path: Path, **kwargs) -> dict[str, Path]:
    files = render_newsletter(context, tmp_path / "drafts" / context["week"])
    return update_archive(files, context, tmp_path / "archive", **kwargs)


@pytest.fixture
def two_weeks(example_context, tmp_path) -> dict[str, Path]:
    publish(example_context, tmp_path)
    return publish(next_week(example_context), tmp_path)


def test_copies_the_issue_into_its_week_folder(two_weeks, tmp_path):
    archive = tmp_path / "archive"
    assert two_weeks["html"] == archive / "2025-W22" / "tracker-2025-W22.html"
    assert two_weeks["text"] == archive / "2025-W22" / "tracker-2025-W22.txt"
    assert two_weeks["markdown"] == archive / "2025-W22" / "tracker-2025-W22.md"
    for kind in ("index", "feed", "issues"):
        assert two_weeks[kind].parent == archive
    assert sorted(p.name for p in (archive / "2025-W21").iterdir()) == [
        "tracker-2025-W21.html", "tracker-2025-W21.md", "tracker-2025-W21.txt"]
    draft = tmp_path / "drafts" / "2025-W22" / "tracker-2025-W22.html"
    assert two_weeks["html"].read_bytes() == draft.read_bytes()


def test_archive_context_archives_the_same_issue(example_context, tmp_path):
    """What a render task returns for publishing (a few kB) makes the same archive as the whole context."""
    big = next_week(example_context)
    for number in range(40):  # a busy week: more deals than the archive keeps headlines of
        extra = copy.deepcopy(big["deals"][0])
        extra.update(deal_id=f"d-{number:012d}", title=f"Deal {number} in Kenya")
        big["deals"].append(extra)
    small = archive_context(big)
    assert len(json.dumps(small)) < len(json.dumps(big)) / 10
    files = render_newsletter(big, tmp_path / "drafts")
    whole = update_archive(files, big, tmp_path / "whole")
    trimmed = update_archive(files, small, tmp_path / "trimmed")
    for kind in ("issues", "index", "feed"):
        assert whole[kind].read_text(encoding="utf-8") == trimmed[kind].read_text(encoding="utf-8")


def test_issues_json(two_weeks):
    issues = json.loads(two_weeks["issues"].read_text(encoding="utf-8"))["issues"]
    assert [i["week"] for i in issues] == ["2025-W22", "2025-W21"]
    first = issues[1]
    assert first["title"] == "AI Infrastructure Deals Tracker: week 2025-W21"
    assert first["summary"] == {"deals": 2, "new_deals": 1, "countries": 3, "documents": 4,
                                "money_usd": 1e10, "mw": 1000.0, "chips": 18000}
    assert first["files"] == {"html": "2025-W21/tracker-2025-W21.html",
                              "markdown": "2025-W21/tracker-2025-W21.md",
                              "text": "2025-W21/tracker-2025-W21.txt"}
    assert issues[0]["headlines"][-1] == "Mistral, Nvidia in France"


def parse_feed(path: Path) -> feedparser.FeedParserDict:
    return feedparser.parse(io.BytesIO(path.read_bytes()))


def test_feed_parses_without_bozo_newest_first(two_weeks):
    feed = parse_feed(two_weeks["feed"])
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "AI Infrastructure Deals Tracker"
    assert [e.title for e in feed.entries] == [
        "AI Infrastructure Deals Tracker: week 2025-W22",
        "AI Infrastructure Deals Tracker: week 2025-W21",
    ]
    assert [e.link for e in feed.entries] == [
        DEFAULT_BASE_URL + "2025-W22/tracker-2025-W22.html",
        DEFAULT_BASE_URL + "2025-W21/tracker-2025-W21.html",
    ]
    assert [e.id for e in feed.entries] == [
        "tag:tracker.example.org,2025:newsletter/2025-W22",
        "tag:tracker.example.org,2025:newsletter/2025-W21",
    ]
    assert [e.updated for e in feed.entries] == ["2025-06-01T00:00:00Z", "2025-05-25T00:00:00Z"]
    assert feed.feed.updated == "2025-06-01T00:00:00Z"  # the newest issue's week end, not the clock
    links = {(link.rel, link.href) for link in feed.feed.links}
    assert ("self", DEFAULT_BASE_URL + "feed.xml") in links
    assert ("alternate", DEFAULT_BASE_URL) in links
    entry = feed.entries[1]
    assert entry.summary == "2 deals (1 new) in 3 countries; US$10 billion committed; 1,000 MW (1 GW); 18,000 chips."
    content = entry.content[0]
    assert content.type == "text/html"
    assert "<li>Nvidia to supply 18,000 GB300 chips to Humain in Saudi Arabia</li>" in content.value
    assert f'href="{DEFAULT_BASE_URL}2025-W21/tracker-2025-W21.html"' in content.value


def test_feed_meets_rfc_4287(two_weeks):
    """The requirements of RFC 4287 that can be checked on the document itself."""
    root = ET.fromstring(two_weeks["feed"].read_bytes())
    assert root.tag == ATOM + "feed"

    def once(parent, name):
        found = parent.findall(ATOM + name)
        assert len(found) == 1, (parent.tag, name, len(found))
        return found[0]

    # 4.1.1: exactly one id, title, updated; an author (or one on every entry); a rel=self link.
    for name in ("id", "title", "updated"):
        assert once(root, name).text
    assert root.find(ATOM + "author/" + ATOM + "name").text
    links = root.findall(ATOM + "link")
    assert {(link.get("rel"), link.get("type")) for link in links} == {
        ("self", "application/atom+xml"), ("alternate", "text/html")}
    entries = root.findall(ATOM + "entry")
    assert len(entries) == 2
    ids = [once(root, "id").text]
    for entry in entries:
        # 4.1.2: exactly one id, title, updated; a summary or content; alternate links unique by type.
        ids.append(once(entry, "id").text)
        assert once(entry, "title").text
        once(entry, "updated")
        assert entry.find(ATOM + "summary") is not None
        alternates = [
            link.get("type") for link in entry.findall(ATOM + "link") if link.get("rel", "alternate") == "alternate"
        ]
        assert "text/html" in alternates and len(alternates) == len(set(alternates))
        for link in entry.findall(ATOM + "link"):
            assert link.get("href").startswith(DEFAULT_BASE_URL)  # absolute, never file:
        assert once(entry, "content").get("type") == "html"
    # 4.2.6: ids are IRIs, unique; 3.3: dates are RFC 3339 with a time zone.
    assert len(ids) == len(set(ids))
    assert all(i.startswith("tag:tracker.example.org,2025:") for i in ids)
    for updated in root.iter(ATOM + "updated"):
        assert len(updated.text) == 20 and updated.text.endswith("Z")
    assert b"file:" not in two_weeks["feed"].read_bytes()


def test_index_lists_every_issue_newest_first(two_weeks):
    html = two_weeks["index"].read_text(encoding="utf-8")
    doc = parse_html(html)
    assert html.index("week 2025-W22") < html.index("week 2025-W21")
    assert "2025-W21/tracker-2025-W21.html" in doc.hrefs
    assert "2025-W22/tracker-2025-W22.md" in doc.hrefs
    assert "feed.xml" in doc.hrefs
    assert "US$10 billion" in html and "US$25 billion" in html and "1,000 MW (1 GW)" in html
    assert "26 May – 1 June 2025" in html
    assert "script" not in doc.tags


def test_republishing_a_week_replaces_it(two_weeks, example_context, tmp_path):
    changed = copy.deepcopy(example_context)
    changed["title"] = "Corrected issue"
    result = publish(changed, tmp_path)
    feed = parse_feed(result["feed"])
    assert len(feed.entries) == 2
    assert [e.title for e in feed.entries] == ["AI Infrastructure Deals Tracker: week 2025-W22", "Corrected issue"]
    assert [e.id for e in feed.entries][1] == "tag:tracker.example.org,2025:newsletter/2025-W21"
    issues = json.loads(result["issues"].read_text(encoding="utf-8"))["issues"]
    assert [i["week"] for i in issues] == ["2025-W22", "2025-W21"]
    html = result["index"].read_text(encoding="utf-8")
    assert html.count('class="issue"') == 2 and "Corrected issue" in html


def test_deterministic(example_context, tmp_path):
    """The same issues, published in another order, give the same bytes."""
    a = tmp_path / "a"
    publish(example_context, a)
    publish(next_week(example_context), a)
    b = tmp_path / "b"
    publish(next_week(example_context), b)
    publish(example_context, b)
    publish(example_context, b)
    for name in ("feed.xml", "index.html", "issues.json"):
        assert (a / "archive" / name).read_bytes() == (b / "archive" / name).read_bytes(), name


def test_hostile_text_stays_text(hostile_context, tmp_path):
    hostile_context["deals"][0]["title"] = f"Deal {HOSTILE_TEXT} \ufffe\x0b end"
    result = publish(hostile_context, tmp_path)
    raw = result["feed"].read_bytes()
    ET.fromstring(raw)  # well-formed XML despite the characters XML forbids
    feed = parse_feed(result["feed"])
    assert feed.bozo == 0
    entry = feed.entries[0]
    assert entry.title.startswith("Tracker <script>alert(1)</script>")  # text, shown as text
    assert "<script" not in entry.content[0].value  # escaped once more inside the HTML
    assert "&lt;script&gt;" in entry.content[0].value
    index = result["index"].read_text(encoding="utf-8")
    assert "<script" not in index and HOSTILE_IMG not in index
    assert "Tracker &lt;script&gt;alert(1)&lt;/script&gt;" in index


@pytest.mark.parametrize("base_url", ["file:///srv/archive/", "/newsletter/", "javascript:alert(1)", ""])
def test_base_url_must_be_http(example_context, tmp_path, base_url):
    with pytest.raises(ValueError, match="base_url"):
        publish(example_context, tmp_path, base_url=base_url)


def test_base_url_is_used_for_every_feed_link(example_context, tmp_path):
    result = publish(example_context, tmp_path, base_url="https://news.example.com/ai")
    feed = parse_feed(result["feed"])
    assert feed.entries[0].link == "https://news.example.com/ai/2025-W21/tracker-2025-W21.html"
    assert feed.entries[0].id == "tag:news.example.com,2025:newsletter/2025-W21"


def test_a_bad_week_writes_nothing(example_context, tmp_path):
    files = render_newsletter(example_context, tmp_path / "drafts")
    example_context["week"] = "../../etc"
    with pytest.raises(ValueError, match="'week'"):
        update_archive(files, example_context, tmp_path / "archive")
    assert not (tmp_path / "archive").exists()
