"""One real crawl (subprocess, Scrapy over HTTP on 127.0.0.1) of the fixture web, many checks."""

from __future__ import annotations

import hashlib
import re

import pytest

DOCUMENT_KEYS = {
    "doc_id", "source_id", "url", "canonical_url", "title", "published", "published_source",
    "text", "content_hash", "fetched_at", "discovered_via", "language", "alternate_urls",
}
EXPECTED = {
    # path: (source, title, published, published_source, discovered_via, language)
    "alpha/post-1.html": ("alpha-ai", "Alpha signs compute deal with Norway", "2025-09-16", "meta", "feed", "en"),
    "alpha/post-2.html": ("alpha-ai", "Alpha opens a data center in India", "2025-09-15", "meta", "feed", "en"),
    "alpha/post-4.html": ("alpha-ai", "Alpha funds startups in Kenya", "2025-09-13", "feed", "feed", "en"),
    "alpha/post-5.html":
        ("alpha-ai", "Alpha partners with Saudi Arabia on chips", "2025-09-16", "page", "listing", "en"),
    "alpha/post-6.html": ("alpha-ai", "Alpha and France plan an AI campus", "2025-09-10", "meta", "listing", "en"),
    "alpha/post-7.html":
        ("alpha-ai", "Alpha joins an EU AI gigafactory consortium", "2025-03-03", "page", "listing", "en"),
    "beta/2025/stargate-uae.html":
        ("beta-wire", "Stargate UAE switches on its first 200 MW", "2025-09-19", "meta", "feed", "en"),
    "gamma/press/2025/ai-factory.html":
        ("gamma-gov", "Ministry selects site for national AI factory", "2025-09-12", "meta", "listing", "nb"),
    "gamma/press/2025/gigafactory.html":
        ("gamma-gov", "Norway backs an AI gigafactory bid", "2025-08-28", "meta", "listing", "nb"),
}


def test_counts(crawl):
    assert crawl.counts["documents"] == len(EXPECTED) == len(crawl.documents)
    assert crawl.counts["errors"] == len(crawl.errors) == 5
    assert crawl.counts["duplicates"] == 1  # the syndicated copy of post-1
    assert 0 < crawl.counts["seconds"] < 60


def test_every_article_stored_once(crawl):
    stored = sorted(doc["canonical_url"] for doc in crawl.documents)
    assert stored == sorted(crawl.url(path) for path in EXPECTED)
    assert len({doc["content_hash"] for doc in crawl.documents}) == len(crawl.documents)


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_document_fields(crawl, path):
    source_id, title, published, published_source, via, language = EXPECTED[path]
    doc = crawl.document(path)
    assert set(doc) == DOCUMENT_KEYS
    assert (doc["source_id"], doc["title"], doc["published"], doc["published_source"]) == (
        source_id, title, published, published_source,
    )
    assert (doc["discovered_via"], doc["language"]) == (via, language)
    assert doc["url"] == doc["canonical_url"]
    assert doc["doc_id"] == hashlib.sha1(doc["canonical_url"].encode()).hexdigest()[:16]
    assert doc["content_hash"] == hashlib.sha256(" ".join(doc["text"].split()).encode()).hexdigest()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", doc["fetched_at"])


def test_tracking_parameters_never_reach_the_output(crawl):
    for doc in crawl.documents:
        assert "utm_" not in doc["url"] and "fbclid" not in doc["url"]
        assert "?" not in doc["canonical_url"] and "#" not in doc["canonical_url"]


def test_feed_and_listing_and_syndicated_copy_give_one_document(crawl):
    norway = [doc for doc in crawl.documents if "Narvik" in doc["text"]]
    assert len(norway) == 1
    assert norway[0]["url"] == crawl.url("alpha/post-1.html")  # the original, not the wire copy
    assert norway[0]["discovered_via"] == "feed"


def test_text_is_the_article_without_boilerplate(crawl):
    text = crawl.document("alpha/post-6.html")["text"]
    assert "EUR 109 billion" in text and "research lab in Paris employing 300 people" in text
    for boilerplate in ("cookies", "Related stories", "Subscribe to our newsletter", "All rights reserved",
                        "Careers at Alpha", "Share on LinkedIn", "More from Alpha", "We are hiring"):
        assert boilerplate not in text


def test_future_meta_date_is_ignored(crawl):
    assert crawl.document("alpha/post-7.html")["published"] == "2025-03-03"


def test_documents_sorted_by_doc_id(crawl):
    lines = (crawl.out_dir / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    assert [line.split('"doc_id": "')[1][:16] for line in lines] == sorted(doc["doc_id"] for doc in crawl.documents)


def test_errors_are_recorded_with_reasons(crawl):
    found = {(e["source_id"], e["url"], e["stage"]): e["reason"] for e in crawl.errors}
    assert found[("alpha-ai", crawl.url("alpha/missing.html"), "article")] == "HTTP 404"
    assert found[("alpha-ai", crawl.url("alpha/post-8.html"), "article")].startswith("article text too short")
    assert found[("beta-wire", crawl.url("beta/broken.xml"), "feed")].startswith("unparseable feed:")
    assert found[("gamma-gov", f"{crawl.dead}/feed.xml", "feed")] == "connection refused"
    assert found[("delta-slow", f"{crawl.slow}/feed.xml", "feed")] == "timeout after 1s"
    for error in crawl.errors:
        assert set(error) == {"source_id", "url", "stage", "reason", "at", "retryable"}
        assert "\n" not in error["reason"]


def test_failed_feed_does_not_stop_the_source(crawl):
    # gamma's only feed is unreachable; its listing pages (» pagination) were still walked.
    assert crawl.stats["by_source"]["gamma-gov"]["documents"] == 2


def test_listing_walk_stays_on_articles(crawl):
    urls = {doc["url"] for doc in crawl.documents}
    assert not any(part in url for url in urls for part in ("about", "news/", "contact", "example.com"))


def test_crawl_log_is_kept(crawl):
    log = (crawl.out_dir / "crawl.log").read_text(encoding="utf-8")
    assert "Spider closed (finished)" in log
