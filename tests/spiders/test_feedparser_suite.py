"""feedparser's own test corpus (2,100 feeds, hostile `sanitize` cases included) through feed ingest.

Every file goes through `parse_feed` without an exception; a feed that carries entries with
http(s) links yields entries. Then all of them are served over loopback in one real crawl, links
rewritten to the loopback server, and the entries' articles become documents (or recorded
errors, each with its reason). The corpus is feedparser's own test feeds (the `tests/` folder of
feedparser's source: `encoding/`, `entities/`, `illformed/`, `json/`, `wellformed/`), not part of
this repository: put it at tests/fixtures/feedparser-suite (ignored by git) or name its folder in
$FEEDPARSER_SUITE; without it these tests are skipped.
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest

from spiders.crawl import run_crawl
from spiders.feeds import FeedError, parse_feed
from spiders.urls import canonicalize_url, is_http_url

REPO = Path(__file__).resolve().parents[2]
# feedparser's test feeds: $FEEDPARSER_SUITE, else this untracked folder of the repository
SUITE = Path(os.environ.get("FEEDPARSER_SUITE") or REPO / "tests" / "fixtures" / "feedparser-suite")
FILES = sorted(SUITE.rglob("*.xml")) if SUITE.is_dir() else []

pytestmark = pytest.mark.skipif(
    not FILES, reason=f"feedparser test corpus not found at {SUITE} (set FEEDPARSER_SUITE to its folder)"
)

_ABSOLUTE = re.compile(rb"https?://([A-Za-z0-9.-]+)(?::\d+)?")


def suite_url(base: str, path: Path) -> str:
    return f"{base}/feeds/{path.relative_to(SUITE).as_posix()}"


def test_every_suite_feed_goes_through_parse_feed():
    yielded = failed = 0
    missing = []
    for path in FILES:
        body = path.read_bytes()
        try:
            entries = parse_feed(body, suite_url("http://127.0.0.1:9", path))
            yielded += 1
        except FeedError as exc:
            assert str(exc) and "\n" not in str(exc)
            entries = []
            failed += 1
        # feedparser's own reading, independent of ours: entries with an http(s) link.
        raw = feedparser.parse(io.BytesIO(body))
        if any(is_http_url((entry.get("link") or "").strip()) for entry in raw.entries) and not entries:
            missing.append(path.relative_to(SUITE).as_posix())
        for entry in entries:
            assert is_http_url(entry.link)
            assert entry.title is None or "\n" not in entry.title
    assert not missing, f"feeds with http(s) entry links that yielded nothing: {missing[:20]}"
    assert yielded + failed == len(FILES) >= 2000
    assert yielded >= 80


def rewrite_links(body: bytes, base: str) -> bytes:
    """Point every absolute http(s) link of a feed at the loopback server (/ext/<host>/...)."""
    return _ABSOLUTE.sub(lambda m: f"{base}/ext/".encode() + m.group(1).lower() + b"/", body)


class SuiteServer(ThreadingHTTPServer):
    request_queue_size = 512
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SuiteHandler)
        self.base = f"http://127.0.0.1:{self.server_address[1]}"


WORDS = "sovereign compute data center megawatt chips investment ministry cloud grid cluster campus fund".split()


class SuiteHandler(BaseHTTPRequestHandler):
    server: SuiteServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        path = self.path.split("?")[0].split("#")[0]
        if path.startswith("/feeds/"):
            file = SUITE / path[len("/feeds/"):]
            if file.is_file() and SUITE.resolve() in file.resolve().parents:
                return self.send(rewrite_links(file.read_bytes(), self.server.base), "application/xml")
        if path == "/robots.txt":
            return self.send(b"not found", "text/plain", 404)
        # Any other URL is an article: distinct text per URL (no two pages are near-duplicates).
        seed = zlib.crc32(self.path.encode())
        words = [WORDS[(seed >> (i % 24) ^ i * 7919) % len(WORDS)] + str((seed * (i + 1)) % 997) for i in range(160)]
        text = " ".join(words)
        html = (f"<html lang='en'><head><title>Article {seed}</title></head>"
                f"<body><article><h1>Article {seed}</h1><p>{text}.</p></article></body></html>")
        return self.send(html.encode(), "text/html; charset=utf-8")

    def send(self, body: bytes, content_type: str, status: int = 200):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_suite_feeds_crawled_over_loopback_give_documents(tmp_path):
    server = SuiteServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        expected: set[str] = set()
        lines = []
        for number, path in enumerate(FILES):
            url = suite_url(server.base, path)
            try:
                entries = parse_feed(rewrite_links(path.read_bytes(), server.base), url)
            except FeedError:
                entries = []
            expected.update(canonicalize_url(e.link) for e in entries if e.link.startswith(server.base))
            lines.append(
                f'[[source]]\nid = "suite-{number}"\nname = "feedparser suite {number}"\nkind = "media"\n'
                f'country = "US"\nfeeds = ["{url}"]\nallowed_domains = ["127.0.0.1"]\n'
            )
        registry = tmp_path / "sources.toml"
        registry.write_text("\n".join(lines), encoding="utf-8")
        counts = run_crawl(registry, tmp_path / "out", settings={"TRACKER_MIN_WORDS": 5}, timeout=120)
    finally:
        server.shutdown()
        server.server_close()
    documents = [json.loads(line) for line in (tmp_path / "out" / "documents.jsonl").read_text().splitlines()]
    errors = [json.loads(line) for line in (tmp_path / "out" / "crawl_errors.jsonl").read_text().splitlines()]
    found = {doc["canonical_url"] for doc in documents} | {u for doc in documents for u in doc["alternate_urls"]}
    failed = {error["url"] for error in errors if error["stage"] == "article"}
    assert len(expected) >= 40  # distinct article URLs: many suite feeds share example.org links
    assert expected - found - failed == set(), sorted(expected - found - failed)[:10]
    assert len(expected & found) >= 0.9 * len(expected)
    assert counts["documents"] == len(documents) > 0
    assert all(error["reason"] for error in errors)
    feed_errors = [e for e in errors if e["stage"] == "feed"]
    assert len(feed_errors) <= len(FILES)  # a feed with nothing usable is recorded, never fatal
