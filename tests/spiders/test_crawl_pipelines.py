"""The deduplication rule and the runner's failure modes (no full crawl here)."""

import hashlib
import random

import pytest

from spiders.crawl import CrawlError, run_crawl
from spiders.pipelines import make_content_hash, make_doc_id, select_documents
from spiders.registry import RegistryError


def doc(url, canonical=None, text="same text", published="2025-09-16", via="listing", source="s"):
    canonical = canonical or url
    return {
        "doc_id": make_doc_id(canonical), "source_id": source, "url": url, "canonical_url": canonical,
        "published": published, "discovered_via": via, "content_hash": make_content_hash(text),
    }


def test_ids_and_hashes():
    assert make_doc_id("https://x.org/a") == hashlib.sha1(b"https://x.org/a").hexdigest()[:16]
    assert make_content_hash("a  b\n\tc ") == make_content_hash("a b c")


def test_original_kept_whatever_the_arrival_order():
    original = doc("https://a.org/post", published="2025-09-16", via="feed")
    copy = doc("https://wire.org/copy", published="2025-09-17", source="wire")
    amp = doc("https://a.org/amp/post", canonical="https://a.org/post", text="amp text")
    other = doc("https://a.org/other", text="different")
    for _ in range(5):
        docs = [original, copy, amp, other]
        random.shuffle(docs)
        kept, duplicates = select_documents(docs)
        assert {d["url"] for d in kept} == {"https://a.org/post", "https://a.org/other"}
        assert len(duplicates) == 2
        assert [d["doc_id"] for d in kept] == sorted(d["doc_id"] for d in kept)


def test_bad_registry_fails_before_crawling(tmp_path):
    bad = tmp_path / "sources.toml"
    bad.write_text('[[source]]\nid = "x"\n', encoding="utf-8")
    with pytest.raises(RegistryError, match="missing field 'name'"):
        run_crawl(bad, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_failed_process_raises_crawl_error_with_log_tail(tmp_path):
    registry = tmp_path / "sources.toml"
    registry.write_text(
        '[[source]]\nid = "x"\nname = "X"\nkind = "media"\ncountry = "FR"\n'
        'feeds = ["http://127.0.0.1:9/feed.xml"]\nallowed_domains = ["127.0.0.1"]\n',
        encoding="utf-8",
    )
    with pytest.raises(CrawlError) as info:
        run_crawl(registry, tmp_path / "out", settings={"TRACKER_MAX_LISTING_PAGES": "many"})
    assert "exit status" in str(info.value) and "many" in str(info.value)


def test_scrapy_list_finds_the_spider():
    import subprocess
    import sys

    from spiders.crawl import PROJECT_ROOT

    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["articles"]


@pytest.mark.parametrize(
    ("exception", "reason"),
    [
        ("DownloadTimeoutError", "timeout after 7s"),
        ("DownloadConnectionRefusedError", "connection refused"),
        ("CannotResolveHostError", "DNS lookup failed for news.example.org"),
        ("ResponseDataLossError", "incomplete response (connection lost)"),
        ("IgnoreRequest", "Forbidden by robots.txt"),
    ],
)
def test_failure_reasons(exception, reason):
    import scrapy.exceptions
    from scrapy import Request
    from twisted.python.failure import Failure

    from spiders.spiders.articles import describe_failure

    request = Request("https://news.example.org/a", meta={"download_timeout": 7})
    try:
        raise getattr(scrapy.exceptions, exception)("Forbidden by robots.txt")
    except Exception:
        failure = Failure()
    failure.request = request
    assert describe_failure(failure, request) == reason
