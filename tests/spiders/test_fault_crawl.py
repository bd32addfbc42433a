"""Two real crawls against a fault-injecting HTTP server on 127.0.0.1.

The server serves good pages next to every failure the crawler must survive (timeout, DNS and
connection errors, 4xx/5xx, 429 with Retry-After, redirect loop, redirects off-site and to
another scheme, truncated and oversized bodies, non-HTML and undecodable pages, a malformed
feed, robots.txt), mis-declared encodings, and a syndicated copy. The first crawl must store
every good page once and record every failure with its reason; the second, given the state of
the first (through the warehouse, as the flow does), must retry only the retryable failures and
fetch nothing unchanged: the assertions read the server's own request log.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from spiders.crawl import run_crawl

WORDS = (
    "national compute partnership government sovereign cloud data center capacity megawatts chips "
    "investment ministry agreement gigafactory infrastructure grid supercomputer training region "
    "energy cooling campus startup fund cluster accelerator network fibre tender procurement"
).split()


def story(seed: int, words: int = 220) -> str:
    """Deterministic text, different for every seed (near-duplicate detection must not merge them)."""
    rng = random.Random(seed)
    sentences = []
    while sum(len(s.split()) for s in sentences) < words:
        sentences.append(" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + ".")
    return " ".join(sentences)


DEAL = (
    "Norway and Alpha signed an agreement on Tuesday to build a sovereign AI data center near Narvik "
    "with 230 MW of capacity and 100,000 GPUs by 2027, the ministry said. "
)
ORIGINAL = DEAL + story(1)
OTHER_STORY = (
    "Analysts questioned the financing of the Narvik project announced by Norway and Alpha this week. "
    "The 230 MW site would draw on hydropower, and critics asked who pays for the grid upgrade. "
) + story(2)


def page(title: str, text: str, *, head: str = "", charset_meta: str = "") -> str:
    paragraphs = "".join(f"<p>{p.strip()}.</p>" for p in text.split(".") if p.strip())
    return (
        f"<!DOCTYPE html><html lang=\"en\"><head>{charset_meta}<title>{title}</title>"
        f"<meta property=\"article:published_time\" content=\"2025-09-16T08:00:00Z\">{head}</head>"
        f"<body><nav>Home | About</nav><article><h1>{title}</h1>{paragraphs}</article>"
        f"<footer>All rights reserved</footer></body></html>"
    )


class FaultServer(ThreadingHTTPServer):
    request_queue_size = 256  # the stock backlog of 5 drops a crawler's burst
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), FaultHandler)
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        self.log: list[dict] = []
        self.lock = threading.Lock()
        self.feed_version = 1
        self.hits: dict[str, int] = {}

    def record(self, handler) -> int:
        with self.lock:
            self.log.append({"at": time.monotonic(), "path": handler.path, "headers": dict(handler.headers)})
            self.hits[handler.path] = self.hits.get(handler.path, 0) + 1
            return self.hits[handler.path]

    def requests(self, since: int = 0) -> list[str]:
        return [entry["path"] for entry in self.log[since:]]


class FaultHandler(BaseHTTPRequestHandler):
    server: FaultServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def send(self, status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # one branch per fault, on purpose
        hit = self.server.record(self)
        base = self.server.base
        path = self.path.split("?")[0]
        if path == "/robots.txt":
            return self.send(200, b"User-agent: *\nDisallow: /f/private/\n", "text/plain")
        if path == "/f/feed.xml":
            return self.feed()
        if path == "/f/wire.xml":
            return self.rss("wire", [(f"{base}/f/wire/copy.html?utm_source=partner&utm_medium=rss#top", None),
                                     (f"{base}/f/wire/other-story.html", None)], etag='"wire-1"')
        if path == "/f/bad-feed.xml":
            return self.send(200, b"<html><body>this is not a feed <rss", "application/rss+xml")
        if path == "/f/good/1.html":
            return self.send(200, page("Norway and Alpha sign Narvik AI data center deal", ORIGINAL).encode())
        if path == "/f/good/2.html":  # declared latin-1, sent as UTF-8
            html = page("Café déjà vu: Zürich’s “sovereign” cloud", "Zürich café déjà naïve " + story(3))
            return self.send(200, html.encode("utf-8"), "text/html; charset=iso-8859-1")
        if path == "/f/good/3.html":  # no declaration at all
            html = page("São Paulo data center—phase two", "São Paulo ação região " + story(4))
            return self.send(200, html.encode("utf-8"), "text/html")
        if path == "/f/good/4.html":  # a BOM contradicting the header
            html = page("Łódź gigafactory bid", "Łódź Kraków Gdańsk " + story(5))
            return self.send(200, b"\xef\xbb\xbf" + html.encode("utf-8"), "text/html; charset=windows-1252")
        if path == "/f/good/5.html":
            return self.send(301, headers={"Location": "/f/good/5-final.html"})
        if path == "/f/good/5-final.html":
            return self.send(200, page("Redirected story", story(6)).encode())
        if path == "/f/good/6.html":  # reached through its AMP link
            amp = f'<link rel="amphtml" href="{base}/f/amp/good/6.html">'
            return self.send(200, page("AMP story", story(7), head=amp).encode())
        if path == "/f/flaky-429.html":
            if hit == 1:
                return self.send(429, b"slow down", "text/plain", {"Retry-After": "1"})
            return self.send(200, page("Patient crawler", story(8)).encode())
        if path == "/f/retry-date.html":
            if hit == 1:
                return self.send(503, b"busy", "text/plain", {"Retry-After": formatdate(time.time() + 2, usegmt=True)})
            return self.send(200, page("Retry after a date", story(9)).encode())
        if path == "/f/wire/copy.html":  # syndicated: new headline, credit line, same body
            text = "This story first appeared on Alpha News and is republished with permission. " + ORIGINAL
            return self.send(200, page("Nordic nation inks giant AI compute pact", text).encode())
        if path == "/f/wire/other-story.html":
            return self.send(200, page("Questions over Narvik AI project funding", OTHER_STORY).encode())
        if path == "/f/slow.html":
            time.sleep(3)
            return self.send(200, page("Too slow", story(10)).encode())
        if path.startswith("/f/status/"):
            status = int(path.rsplit("/", 1)[1].split(".")[0])
            headers = {"Retry-After": "3600"} if status == 503 else {}
            return self.send(status, b"error page", "text/plain", headers)
        if path == "/f/loop-a.html":
            return self.send(302, headers={"Location": f"{base}/f/loop-b.html"})
        if path == "/f/loop-b.html":
            return self.send(302, headers={"Location": f"{base}/f/loop-a.html"})
        if path == "/f/offsite.html":
            return self.send(302, headers={"Location": f"http://localhost:{self.server.server_address[1]}/f/good/1.html"})
        if path == "/f/ftp.html":
            return self.send(302, headers={"Location": "ftp://127.0.0.1/pub/story.html"})
        if path == "/f/truncated.html":
            body = page("Cut short", story(11)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body) + 5000))
            self.end_headers()
            self.wfile.write(body[:200])
            self.wfile.flush()
            self.close_connection = True
            return None
        if path == "/f/huge.html":
            return self.send(200, b"<html><body>" + b"x" * 300_000 + b"</body></html>")
        if path == "/f/huge-chunked.html":  # no Content-Length: the limit must hold while reading
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for _ in range(60):
                    self.wfile.write(b"<p>" + b"y" * 5000 + b"</p>")
            except OSError:
                pass
            self.close_connection = True
            return None
        if path == "/f/doc.pdf":
            return self.send(200, b"%PDF-1.4\n" + bytes(range(256)) * 10, "application/pdf")
        if path == "/f/binary.html":
            rng = random.Random(7)
            return self.send(200, bytes(rng.randrange(128, 256) for _ in range(8000)), "text/html; charset=utf-8")
        if path == "/f/empty.html":
            return self.send(200, page("Stub", "Short.").encode())
        return self.send(404, b"not found", "text/plain")

    def feed(self):
        version = self.server.feed_version
        etag = f'"feed-{version}"'
        base = self.server.base
        good1_updated = "2025-09-16T08:00:00Z" if version == 1 else "2025-09-18T10:30:00Z"
        items = [(f"{base}/f/good/1.html?utm_source=rss", good1_updated)]
        items += [(f"{base}{p}", "2025-09-16T08:00:00Z") for p in (
            "/f/good/2.html", "/f/good/3.html", "/f/good/4.html", "/f/good/5.html",
            "/f/amp/good/6.html?amp=1", "/f/flaky-429.html", "/f/retry-date.html", "/f/slow.html",
            "/f/status/404.html", "/f/status/500.html", "/f/status/503.html", "/f/loop-a.html",
            "/f/offsite.html", "/f/ftp.html", "/f/truncated.html", "/f/huge.html", "/f/huge-chunked.html",
            "/f/doc.pdf", "/f/binary.html", "/f/private/secret.html", "/f/empty.html",
        )]
        return self.rss("alpha", items, etag=etag)

    def rss(self, name: str, items, etag: str):
        if self.headers.get("If-None-Match") == etag:
            return self.send(304, headers={"ETag": etag})
        entries = "".join(
            f"<item><title>{name} {i}</title><link>{link.replace('&', '&amp;')}</link>"
            + (f"<atom:updated>{updated}</atom:updated>" if updated else "")
            + "</item>"
            for i, (link, updated) in enumerate(items)
        )
        body = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
            f"<channel><title>{name}</title><link>{self.server.base}/</link>{entries}</channel></rss>"
        ).encode()
        return self.send(200, body, "application/rss+xml; charset=utf-8",
                         {"ETag": etag, "Last-Modified": "Tue, 16 Sep 2025 08:00:00 GMT"})


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


REGISTRY = """
[[source]]
id = "alpha"
name = "Alpha newsroom"
kind = "company"
country = "NO"
feeds = ["{base}/f/feed.xml"]
allowed_domains = ["127.0.0.1"]

[[source]]
id = "wire"
name = "Wire service"
kind = "media"
country = "GB"
feeds = ["{base}/f/wire.xml", "{base}/f/bad-feed.xml"]
allowed_domains = ["127.0.0.1"]

[[source]]
id = "broken"
name = "Unreachable publisher"
kind = "government"
country = "DE"
feeds = ["http://127.0.0.1:{closed}/feed.xml", "http://feeds.tracker-test.invalid/feed.xml"]
allowed_domains = ["127.0.0.1", "feeds.tracker-test.invalid"]
"""
# feeds.tracker-test.invalid: the .invalid TLD never resolves (RFC 6761), so this is a DNS
# failure without any traffic beyond the local resolver.

SETTINGS = {
    # Loopback speed (run_crawl applies these itself only when every source is on 127.0.0.1).
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_TIMEOUT": 1,
    "RETRY_TIMES": 0,
    "DOWNLOAD_MAXSIZE": 100_000,
    "DOWNLOAD_WARNSIZE": 0,
    "TRACKER_RETRY_AFTER_MAX": 5,
    "TRACKER_BACKOFF_RETRIES": 2,
    "DNS_TIMEOUT": 5,
}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from warehouse.crawl_state import export_crawl_state, load_crawl_state
    from warehouse.db import connect

    work = tmp_path_factory.mktemp("fault-crawl")
    server = FaultServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        registry = work / "sources.toml"
        registry.write_text(REGISTRY.format(base=server.base, closed=closed_port()), encoding="utf-8")
        first = run_crawl(registry, work / "run1", settings=SETTINGS, timeout=120)
        first_log = list(server.log)

        con = connect(work / "tracker.duckdb")
        loaded = load_crawl_state(con, work / "run1" / "crawl_state.jsonl")
        exported = export_crawl_state(con, work / "state.json")
        con.close()

        server.feed_version = 2  # good/1's entry is updated; nothing else changed
        mark = len(server.log)
        second = run_crawl(registry, work / "run2", settings=SETTINGS, timeout=120, state_file=work / "state.json")
        second_log = server.log[mark:]
    finally:
        server.shutdown()
        server.server_close()
    return {
        "base": server.base, "first": first, "second": second, "loaded": loaded, "exported": exported,
        "first_log": first_log, "second_log": second_log,
        "docs1": read_jsonl(work / "run1" / "documents.jsonl"),
        "errors1": read_jsonl(work / "run1" / "crawl_errors.jsonl"),
        "docs2": read_jsonl(work / "run2" / "documents.jsonl"),
        "errors2": read_jsonl(work / "run2" / "crawl_errors.jsonl"),
        "state1": read_jsonl(work / "run1" / "crawl_state.jsonl"),
    }


GOOD = ["good/1.html", "good/2.html", "good/3.html", "good/4.html", "good/5-final.html", "good/6.html",
        "flaky-429.html", "retry-date.html", "wire/other-story.html"]
# path: (reason starts with, retryable)
FAILURES = {
    "slow.html": ("timeout after 1s", True),
    "status/404.html": ("HTTP 404", False),
    "status/500.html": ("HTTP 500", True),
    "status/503.html": ("HTTP 503 (Retry-After: 3600)", True),
    "loop-a.html": ("redirect loop", False),
    "offsite.html": ("refused: redirect to http://localhost", False),
    "ftp.html": ("refused: redirect to a non-http(s) URL ftp://", False),
    "truncated.html": ("incomplete response", True),
    "huge.html": ("response too large", False),
    "huge-chunked.html": ("response too large", False),
    "doc.pdf": ("not an HTML page (application/pdf)", False),
    "binary.html": ("undecodable bytes", False),
    "private/secret.html": ("Forbidden by robots.txt", False),
    "empty.html": ("article text too short", False),
}


def url(runs, path: str) -> str:
    return f"{runs['base']}/f/{path}"


def test_first_crawl_stores_every_good_page_once(runs):
    stored = sorted(doc["canonical_url"] for doc in runs["docs1"])
    assert stored == sorted(url(runs, path) for path in GOOD)
    assert runs["first"]["documents"] == len(GOOD)
    assert runs["first"]["duplicates"] == 1  # the syndicated copy
    article_hits = [p.split("?")[0] for p in (e["path"] for e in runs["first_log"]) if p.startswith("/f/good/")]
    assert sorted(article_hits) == sorted(f"/f/{p}" for p in ["good/1.html", "good/2.html", "good/3.html",
                                                            "good/4.html", "good/5.html", "good/5-final.html",
                                                            "good/6.html"])


def test_every_failure_recorded_with_reason_and_retryable(runs):
    by_url = {error["url"]: error for error in runs["errors1"]}
    for path, (reason, retryable) in FAILURES.items():
        error = by_url.get(url(runs, path))
        assert error is not None, f"{path}: not recorded; errors: {sorted(by_url)}"
        assert error["reason"].startswith(reason), (path, error["reason"])
        assert error["retryable"] is retryable, (path, error)
        assert error["stage"] == "article" and error["source_id"] == "alpha"
    feeds = {error["url"]: error for error in runs["errors1"] if error["stage"] == "feed"}
    assert feeds[url(runs, "bad-feed.xml")]["reason"].startswith(("unparseable feed", "not an RSS"))
    refused = [e for u, e in feeds.items() if "127.0.0.1" in u and "/feed.xml" in u and "/f/" not in u]
    assert refused and refused[0]["reason"] == "connection refused" and refused[0]["retryable"]
    dns = feeds["http://feeds.tracker-test.invalid/feed.xml"]
    assert dns["reason"].startswith("DNS lookup failed") and dns["retryable"]
    assert len(runs["errors1"]) == len(FAILURES) + 3
    assert all(set(e) == {"source_id", "url", "stage", "reason", "at", "retryable"} for e in runs["errors1"])


def test_text_is_decoded_whatever_the_declared_charset(runs):
    docs = {doc["canonical_url"]: doc for doc in runs["docs1"]}
    assert docs[url(runs, "good/2.html")]["title"] == "Café déjà vu: Zürich’s “sovereign” cloud"
    assert "Zürich café déjà naïve" in docs[url(runs, "good/2.html")]["text"]
    assert "São Paulo ação região" in docs[url(runs, "good/3.html")]["text"]
    assert docs[url(runs, "good/4.html")]["title"] == "Łódź gigafactory bid"
    for doc in runs["docs1"]:
        assert "Ã" not in doc["text"] and "\ufffd" not in doc["text"] and "\ufeff" not in doc["text"]


def test_syndicated_copy_is_one_story_with_alternate_urls(runs):
    docs = {doc["canonical_url"]: doc for doc in runs["docs1"]}
    original = docs[url(runs, "good/1.html")]
    assert original["title"] == "Norway and Alpha sign Narvik AI data center deal"
    assert url(runs, "wire/copy.html") in original["alternate_urls"]  # tracking parameters gone
    assert url(runs, "wire/other-story.html") in docs  # same deal, another story: its own document
    assert docs[url(runs, "good/6.html")]["alternate_urls"] == [url(runs, "amp/good/6.html")]
    assert url(runs, "good/5.html") in docs[url(runs, "good/5-final.html")]["alternate_urls"]


def test_429_and_503_back_off_for_retry_after(runs):
    for path in ("/f/flaky-429.html", "/f/retry-date.html"):
        times = [e["at"] for e in runs["first_log"] if e["path"] == path]
        assert len(times) == 2, path
        assert times[1] - times[0] >= 0.9, f"{path}: retried after {times[1] - times[0]:.2f}s"
    # A Retry-After over the cap is not waited for: one request, recorded, retried next run.
    assert [e["path"] for e in runs["first_log"]].count("/f/status/503.html") == 1


def test_robots_and_user_agent(runs):
    paths = [e["path"] for e in runs["first_log"]]
    assert "/robots.txt" in paths and "/f/private/secret.html" not in paths
    agents = {e["headers"].get("User-Agent") for e in runs["first_log"]}
    assert all(agent and agent.startswith("ai-infra-tracker/") and "+" in agent for agent in agents)


def test_nothing_fetched_twice_in_one_run(runs):
    paths = [e["path"] for e in runs["first_log"] if e["path"] not in ("/robots.txt",)]
    repeated = {p for p in paths if paths.count(p) > 1}
    assert repeated == {"/f/flaky-429.html", "/f/retry-date.html"}  # the two back-off retries


def test_state_round_trip_through_the_warehouse(runs):
    assert runs["loaded"]["stored"] == len(GOOD)
    assert runs["loaded"]["duplicates"] == 1
    assert runs["loaded"]["retryable"] == sum(1 for _, r in FAILURES.values() if r)
    assert runs["exported"]["feeds"] == 3  # the three feeds that answered


def test_second_crawl_retries_the_retryable_and_fetches_nothing_unchanged(runs):
    log = runs["second_log"]
    feeds = {e["path"]: e for e in log if e["path"].endswith(".xml")}
    assert feeds["/f/feed.xml"]["headers"].get("If-None-Match") == '"feed-1"'
    assert feeds["/f/wire.xml"]["headers"].get("If-None-Match") == '"wire-1"'
    articles = sorted(e["path"].split("?")[0] for e in log if not e["path"].endswith((".xml", ".txt")))
    retried = sorted(f"/f/{path}" for path, (_, retryable) in FAILURES.items() if retryable)
    assert articles == sorted([*retried, "/f/good/1.html"])  # good/1: its feed entry was updated
    assert runs["second"]["feeds_not_modified"] == 1  # wire.xml answered 304
    assert runs["second"]["articles_unchanged"] >= len(GOOD) - 2
    assert [doc["canonical_url"] for doc in runs["docs2"]] == [url(runs, "good/1.html")]
    assert {e["url"] for e in runs["errors2"] if e["stage"] == "article"} == {
        url(runs, path) for path, (_, retryable) in FAILURES.items() if retryable
    }
