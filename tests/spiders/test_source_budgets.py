"""One source never sinks the crawl: per-source budgets on a real crawl of hostile publishers.

A loopback server generates, on the fly, a feed of 50,000 entries (in shuffled order), a listing
page of 100,000 article links, and a tarpit whose pages take a second each, next to a calm
publisher. One real crawl (Scrapy in its subprocess) must finish in seconds, store every calm
article, cut each hostile source at its budget with one recorded reason, take the newest entries
first, and load into a real DuckDB warehouse through the flow's own load task.
"""

from __future__ import annotations

import json
import random
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from spiders.crawl import run_crawl

FEED_ENTRIES = 50_000
LISTING_LINKS = 100_000
TARPIT_ENTRIES = 40
CALM = 6
EPOCH = 1_750_000_000  # entry i of a feed is published EPOCH + i hours: the higher i, the newer
WORDS = ("sovereign compute cluster ministry gigawatt campus grid fibre accelerator tender partnership "
         "investment region cooling supercomputer startup fund chips capacity agreement").split()


def story(seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "." for _ in range(12))


class HostileWeb(ThreadingHTTPServer):
    request_queue_size = 256  # the stock backlog of 5 drops a crawler's burst
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), HostileHandler)
        self.port = self.server_address[1]
        self.paths: list[str] = []
        self.lock = threading.Lock()

    def base(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}"

    def hits(self, prefix: str) -> list[str]:
        with self.lock:
            return [p for p in self.paths if p.startswith(prefix)]


class HostileHandler(BaseHTTPRequestHandler):
    server: HostileWeb
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def send(self, body: bytes, content_type: str = "text/html; charset=utf-8", status: int = 200):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", '"v1"')
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with self.server.lock:
            self.server.paths.append(self.path)
        host = self.headers.get("Host", "127.0.0.1").split(":")[0]
        base = self.server.base(host)
        path = self.path
        if path == "/robots.txt":
            return self.send(b"User-agent: *\nAllow: /\n", "text/plain")
        if path == "/hostile/feed.xml":  # newest entries scattered all over the feed
            order = list(range(FEED_ENTRIES))
            random.Random(1).shuffle(order)
            return self.send(rss(base, "hostile", order), "application/rss+xml")
        if path == "/calm/feed.xml":
            return self.send(rss(base, "calm", range(CALM)), "application/rss+xml")
        if path == "/tarpit/feed.xml":
            return self.send(rss(base, "tarpit", range(TARPIT_ENTRIES)), "application/rss+xml")
        if path == "/bulk/news/":
            links = "".join(f'<li><a href="/bulk/a/{i}.html">Story {i}</a></li>' for i in range(LISTING_LINKS))
            body = f'<html><body><ul>{links}</ul><a rel="next" href="/bulk/news/?page=2">Older</a></body></html>'
            return self.send(body.encode())
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[1] == "a" and parts[2].endswith(".html"):
            if parts[0] == "tarpit":
                time.sleep(1)
            number = int(parts[2].removesuffix(".html"))
            title = f"{parts[0].title()} story {number}"
            body = (f"<html lang='en'><head><title>{title}</title></head><body><article><h1>{title}</h1>"
                    f"<p>{story(sum(map(ord, parts[0])) * 1_000_003 + number)}</p></article></body></html>")
            return self.send(body.encode())
        return self.send(b"not found", "text/plain", 404)


def rss(base: str, name: str, numbers) -> bytes:
    items = "".join(
        f"<item><title>{name} {i}</title><link>{base}/{name}/a/{i}.html</link>"
        f"<pubDate>{formatdate(EPOCH + i * 3600, usegmt=True)}</pubDate></item>"
        for i in numbers
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}</title>'
            f"{items}</channel></rss>").encode()


REGISTRY = """
[[source]]
id = "calm"
name = "Calm Ministry"
kind = "government"
country = "NO"
feeds = ["{base}/calm/feed.xml"]
allowed_domains = ["127.0.0.1"]

[[source]]
id = "hostile"
name = "Firehose Feed"
kind = "media"
country = "GB"
feeds = ["{base}/hostile/feed.xml"]
allowed_domains = ["127.0.0.1"]
max_articles = 20

[[source]]
id = "bulk"
name = "Endless Listing"
kind = "trade"
country = "US"
start_urls = ["{base}/bulk/news/"]
article_pattern = '/bulk/a/\\d+\\.html$'
allowed_domains = ["127.0.0.1"]
max_requests = 15

[[source]]
id = "tarpit"
name = "Tarpit Wire"
kind = "media"
country = "FR"
feeds = ["{local}/tarpit/feed.xml"]
allowed_domains = ["localhost"]
max_articles = 100
max_seconds = 2
"""
# The tarpit lives on "localhost": its own download slot, as another site would have.


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    from app.crawl import load_crawl
    from warehouse.db import connect

    work = tmp_path_factory.mktemp("budgets")
    server = HostileWeb()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        registry = work / "sources.toml"
        registry.write_text(REGISTRY.format(base=server.base(), local=server.base("localhost")), encoding="utf-8")
        started = time.monotonic()
        counts = run_crawl(registry, work / "out", timeout=120, settings={"TRACKER_SOURCE_MAX_ARTICLES": 30})
        seconds = time.monotonic() - started
        connect(work / "tracker.duckdb").close()  # a new warehouse, as `tracker crawl` makes one
        loaded = load_crawl(str(work / "tracker.duckdb"), str(registry), str(work / "out"))
    finally:
        server.shutdown()
        server.server_close()
    return {
        "counts": counts, "seconds": seconds, "loaded": loaded, "server": server, "db": work / "tracker.duckdb",
        "documents": read_jsonl(work / "out" / "documents.jsonl"),
        "errors": read_jsonl(work / "out" / "crawl_errors.jsonl"),
        "state": read_jsonl(work / "out" / "crawl_state.jsonl"),
    }


def stored(crawl, source_id: str) -> list[int]:
    return sorted(int(doc["url"].rsplit("/", 1)[1].removesuffix(".html"))
                  for doc in crawl["documents"] if doc["source_id"] == source_id)


def test_the_crawl_finishes_in_seconds_and_keeps_every_calm_article(crawl):
    assert crawl["seconds"] < 60, crawl["seconds"]
    assert crawl["counts"]["stopped"] is None
    assert stored(crawl, "calm") == list(range(CALM))
    assert crawl["counts"]["cut_sources"] == ["bulk", "hostile", "tarpit"]


def test_each_hostile_source_is_cut_once_with_its_budget_named(crawl):
    budget = {e["source_id"]: e for e in crawl["errors"] if e["stage"] == "budget"}
    assert set(budget) == {"hostile", "bulk", "tarpit"}
    assert "budget of 20 new articles per run (max_articles)" in budget["hostile"]["reason"]
    assert "budget of 15 requests per run (max_requests)" in budget["bulk"]["reason"]
    assert "budget of 2 seconds per run (max_seconds)" in budget["tarpit"]["reason"]
    assert all(e["retryable"] is False for e in budget.values())
    # Dropped requests are not recorded one by one: the only other errors would be real failures.
    assert [e for e in crawl["errors"] if e["stage"] != "budget"] == []


def test_the_newest_feed_entries_are_the_ones_taken(crawl):
    assert stored(crawl, "hostile") == list(range(FEED_ENTRIES - 20, FEED_ENTRIES))
    requested = crawl["server"].hits("/hostile/a/")
    assert len(requested) == 20  # 49,980 entries never requested


def test_listing_links_are_taken_in_page_order_up_to_the_request_budget(crawl):
    assert stored(crawl, "bulk") == list(range(14))  # the listing page itself is the 15th request
    assert crawl["server"].hits("/bulk/news/?page=2") == []


def test_a_slow_source_is_cut_at_its_time_budget_newest_first(crawl):
    taken = stored(crawl, "tarpit")
    assert 0 < len(taken) < TARPIT_ENTRIES
    assert taken == list(range(TARPIT_ENTRIES - len(taken), TARPIT_ENTRIES))


def test_cut_feeds_are_read_whole_next_run(crawl):
    feeds = {row["source_id"]: row for row in crawl["state"] if row["kind"] == "feed"}
    assert feeds["calm"]["etag"] == '"v1"'
    assert feeds["hostile"]["etag"] is None and feeds["tarpit"]["etag"] is None


def test_everything_fetched_is_loaded_into_the_warehouse(crawl):
    import duckdb

    con = duckdb.connect(str(crawl["db"]), read_only=True)
    try:
        per_source = dict(con.execute("select source_id, count(*) from documents group by 1").fetchall())
        reasons = con.execute("select source_id, reason from crawl_errors where stage = 'budget' order by 1").fetchall()
    finally:
        con.close()
    assert per_source["calm"] == CALM and per_source["hostile"] == 20 and per_source["bulk"] == 14
    assert [source for source, _ in reasons] == ["bulk", "hostile", "tarpit"]
    assert crawl["loaded"]["new"] == len(crawl["documents"])


# -- the ledger and the feed trim, without a crawl ----------------------------------------------------
def test_the_ledger_cuts_a_source_once_and_keeps_what_it_admitted():
    from spiders.budgets import Budget, SourceBudgets

    now = [0.0]
    budgets = SourceBudgets({"s": Budget(requests=5, articles=2, seconds=10), "t": Budget(5, 5, 10)},
                            clock=lambda: now[0])
    assert budgets.admit("s") is None  # the feed
    assert [budgets.admit("s", article=True) for _ in range(3)] == [None, None, "max_articles"]
    assert budgets.admit("s") == "max_articles"  # cut for the rest of the run
    first = budgets.cut_item("s", "https://s.example/a/3", "2026-01-05T08:00:00Z")
    assert first["stage"] == "budget" and "budget of 2 new articles per run (max_articles)" in first["reason"]
    assert budgets.cut_item("s", "https://s.example/a/4", "2026-01-05T08:00:00Z") is None
    # Articles admitted before the cut are still downloaded; a queued listing page is not.
    assert budgets.check_download("s", "article") is None
    assert budgets.check_download("s", "listing") == "max_articles"
    assert budgets.admit("t") is None
    now[0] = 10.0  # time is up for every source: queued requests are dropped, articles too
    assert budgets.check_download("t", "article") == "max_seconds"
    assert budgets.admit("t", article=True) == "max_seconds"


def test_retries_count_against_the_request_budget():
    from spiders.budgets import Budget, SourceBudgets

    budgets = SourceBudgets({"s": Budget(requests=2, articles=10, seconds=60)})
    assert budgets.admit("s", article=True) is None and budgets.admit("s", article=True) is None
    assert [budgets.check_download("s", "article") for _ in range(3)] == [None, None, "max_requests"]


def test_a_huge_feed_is_trimmed_to_its_newest_entries_before_parsing():
    from spiders.budgets import newest_feed_entries, read_feed_newest

    stamps = [f"2026-01-{day:02d}T08:00:00Z" for day in (3, 9, 1, 7, 5)]
    entries = "".join(f"<entry><title>Café {i}</title><link href='https://s.example/{i}'/><updated>{stamp}</updated>"
                      f"</entry>" for i, stamp in enumerate(stamps))
    undated = "<entry><title>Undated</title><link href='https://s.example/u'/></entry>"
    atom = (f"<?xml version='1.0' encoding='iso-8859-1'?><feed xmlns='http://www.w3.org/2005/Atom'><title>S</title>"
            f"{undated}{entries}</feed>").encode("iso-8859-1")
    assert newest_feed_entries(atom, 6) is None  # small enough: read as it is
    kept, total = read_feed_newest(atom, "https://s.example/feed", "application/atom+xml; charset=iso-8859-1", 3)
    assert total == 6
    assert [entry.link for entry in kept] == ["https://s.example/1", "https://s.example/3", "https://s.example/4"]
    assert kept[0].title == "Café 1"
    kept, total = read_feed_newest(atom, "https://s.example/feed", None, 10)
    assert [entry.link for entry in kept][-1] == "https://s.example/u"  # undated entries last
