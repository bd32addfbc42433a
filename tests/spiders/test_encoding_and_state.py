"""Decoding page bytes whatever their declaration says, and the crawl state decisions."""

import json

import pytest

from spiders.encoding import decode_html
from spiders.state import CrawlState, StateError, merge_state_lines

PAGE = '<html><head>{meta}<title>Café à Zürich – “Łódź”</title></head><body><p>Éléphant naïve</p></body></html>'


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (PAGE.format(meta='<meta charset="iso-8859-1">').encode("utf-8"), "text/html; charset=iso-8859-1"),
        (PAGE.format(meta="").encode("utf-8"), "text/html"),
        (b"\xef\xbb\xbf" + PAGE.format(meta="").encode("utf-8"), "text/html; charset=windows-1252"),
        (PAGE.format(meta="").encode("utf-16"), "text/html"),
        (PAGE.format(meta='<meta charset="utf-8">').encode("utf-8"), None),
    ],
)
def test_decoded_text_is_right(body, content_type):
    decoded = decode_html(body, content_type)
    assert decoded.problem is None
    assert "Café à Zürich – “Łódź”" in decoded.text and "\ufeff" not in decoded.text


def test_declared_single_byte_page_is_decoded_with_its_declaration():
    body = PAGE.format(meta="").replace("– “Łódź”", "").encode("latin-1")
    assert "Café à Zürich" in decode_html(body, "text/html; charset=iso-8859-1").text


def test_undecodable_and_binary_bodies_are_reported():
    assert decode_html(bytes(range(128, 256)) * 20, "text/html; charset=utf-8").problem.startswith("undecodable bytes")
    assert decode_html(b"%PDF\x00\x01\x02" * 50, "text/html").problem.startswith("undecodable bytes")


def test_fetch_decisions(tmp_path):
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"format": "tracker-crawl-state/1", "feeds": [
        {"url": "https://a.org/feed", "etag": '"v1"', "last_modified": "Tue, 16 Sep 2025 08:00:00 GMT"}],
        "articles": [
            {"url": "https://a.org/1", "source_id": "a", "status": "stored", "entry_updated": "2025-09-16T08:00:00Z"},
            {"url": "https://a.org/2", "source_id": "a", "status": "failed", "retryable": True},
            {"url": "https://a.org/3", "source_id": "a", "status": "failed", "retryable": False},
            {"url": "https://a.org/4", "source_id": "gone", "status": "failed", "retryable": True},
        ]}), encoding="utf-8")
    state = CrawlState.load(path)
    assert state.conditional_headers("https://a.org/feed") == {
        "If-None-Match": '"v1"', "If-Modified-Since": "Tue, 16 Sep 2025 08:00:00 GMT"}
    assert state.conditional_headers("https://b.org/feed") == {}
    assert state.fetch_decision("https://a.org/new", None) == "new"
    assert state.fetch_decision("https://a.org/1", "2025-09-16T08:00:00Z") is None
    assert state.fetch_decision("https://a.org/1", None) is None
    assert state.fetch_decision("https://a.org/1", "2025-09-17T09:00:00Z") == "updated"
    assert state.fetch_decision("https://a.org/2", None) == "retry"
    assert state.fetch_decision("https://a.org/3", None) is None
    assert [row["url"] for row in state.retries({"a"})] == ["https://a.org/2"]

    lines = tmp_path / "crawl_state.jsonl"
    lines.write_text(
        json.dumps({"kind": "feed", "url": "https://a.org/feed", "http_status": 304}) + "\n"
        + json.dumps({"kind": "article", "url": "https://a.org/1", "source_id": "a", "status": "failed",
                      "retryable": True}) + "\n"
        + json.dumps({"kind": "article", "url": "https://a.org/2", "source_id": "a", "status": "stored"}) + "\n",
        encoding="utf-8",
    )
    merged = CrawlState.load(merge_state_lines(path, lines, tmp_path / "merged.json"))
    assert merged.feeds["https://a.org/feed"]["etag"] == '"v1"'  # a 304 keeps the validators
    assert merged.articles["https://a.org/1"]["status"] == "stored"  # a failed refetch keeps the story
    assert merged.articles["https://a.org/2"]["status"] == "stored"


def test_bad_state_files(tmp_path):
    with pytest.raises(StateError, match="no such state file"):
        CrawlState.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(StateError, match="not a crawl state file"):
        CrawlState.load(bad)
    assert CrawlState.load(None).articles == {}
