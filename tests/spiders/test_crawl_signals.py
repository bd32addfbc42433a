"""A crawl stopped early keeps what it fetched: its time limit, SIGTERM/SIGINT, a killed parent.

Every test crawls a slow loopback publisher (each article takes half a second, 400 of them) with
the real runner, stops it part-way and checks the output a user gets: documents.jsonl holding every
article fetched before the stop, the reason in crawl_errors.jsonl, no crawl process left behind,
and the whole thing over within seconds.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from spiders.crawl import PROJECT_ROOT, run_crawl
from spiders.journal import JOURNAL, replay_journal

ARTICLES = 400
WORDS = ("sovereign compute cluster ministry gigawatt campus grid fibre accelerator tender partnership "
         "investment region cooling supercomputer startup fund chips capacity agreement").split()


def story(seed: int) -> str:
    """Different words for every article: near-duplicate detection must not merge them."""
    rng = random.Random(seed)
    return " ".join(" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "." for _ in range(10))


class SlowHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def send(self, body: bytes, content_type: str = "text/html; charset=utf-8", status: int = 200):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", '"slow-1"')
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path == "/robots.txt":
            return self.send(b"User-agent: *\nAllow: /\n", "text/plain")
        if self.path == "/slow/feed.xml":
            items = "".join(f"<item><title>Story {i}</title><link>{base}/slow/a/{i}.html</link>"
                            f"<pubDate>{formatdate(1_750_000_000 + i * 60, usegmt=True)}</pubDate></item>"
                            for i in range(ARTICLES))
            return self.send(f'<?xml version="1.0"?><rss version="2.0"><channel><title>slow</title>{items}'
                             "</channel></rss>".encode(), "application/rss+xml")
        if self.path.startswith("/slow/a/"):
            time.sleep(0.5)
            number = self.path.rsplit("/", 1)[1].removesuffix(".html")
            return self.send(f"<html><head><title>Story {number}</title></head><body><article>"
                             f"<h1>Story {number}</h1><p>{story(int(number))}</p></article></body></html>".encode())
        return self.send(b"not found", "text/plain", 404)


class SlowWeb(ThreadingHTTPServer):
    request_queue_size = 256
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture()
def slow_site(tmp_path):
    server = SlowWeb(("127.0.0.1", 0), SlowHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    registry = tmp_path / "sources.toml"
    registry.write_text(
        '[[source]]\nid = "slow"\nname = "Slow Ministry"\nkind = "government"\ncountry = "NO"\n'
        f'feeds = ["http://127.0.0.1:{server.server_address[1]}/slow/feed.xml"]\nallowed_domains = ["127.0.0.1"]\n'
        "max_articles = 1000\nmax_requests = 1000\n",
        encoding="utf-8",
    )
    yield registry
    server.shutdown()
    server.server_close()


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def journal_articles(out: Path) -> set[str]:
    try:
        lines = (out / JOURNAL).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return set()
    return {json.loads(line)["item"]["url"] for line in lines[:-1] if '"kind": "article"' in line}


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


RUNNER = """
import json, sys
from spiders.crawl import run_crawl
try:
    counts = run_crawl(sys.argv[1], sys.argv[2], timeout=120)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(130)
print(json.dumps(counts), flush=True)
"""


def start_runner(registry: Path, out: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    # started as from a terminal, Ctrl-C not ignored (a shell's background job would pass that on)
    return subprocess.Popen([sys.executable, "-c", RUNNER, str(registry), str(out)], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


# SIGTERM: the crawl closes itself. Ctrl-C twice: the crawl is killed at once and its output is
# rebuilt from its journal. Either way the runner then ends as the signal asks.
@pytest.mark.parametrize(("signum", "times", "status"), [(signal.SIGTERM, 1, -signal.SIGTERM), (signal.SIGINT, 2, 130)])
def test_a_signal_ends_the_crawl_within_seconds_keeping_what_was_fetched(slow_site, tmp_path, signum, times, status):
    out = tmp_path / "out"
    runner = start_runner(slow_site, out)
    try:
        fetched = wait_for(lambda: len(journal_articles(out)) >= 5 and journal_articles(out), 60, "five articles")
        crawl_pids = children(runner.pid)
        assert crawl_pids, "no crawl process"
        sent = time.monotonic()
        for _ in range(times):
            runner.send_signal(signum)
            time.sleep(0.1)
        output, _ = runner.communicate(timeout=15)
        took = time.monotonic() - sent
    finally:
        runner.kill()
    assert took < 10, f"{took:.1f}s"
    assert runner.returncode == status, output  # the signal's own outcome, after the files were written
    assert not any(running(pid) for pid in crawl_pids)
    documents = {doc["url"] for doc in read_jsonl(out / "documents.jsonl")}
    assert fetched <= documents and len(documents) < ARTICLES
    [stop] = [e for e in read_jsonl(out / "crawl_errors.jsonl") if e["stage"] == "crawl"]
    assert stop["reason"].startswith(f"crawl stopped early by a {signal.Signals(signum).name} signal")
    assert not (out / JOURNAL).exists()
    feeds = [row for row in read_jsonl(out / "crawl_state.jsonl") if row["kind"] == "feed"]
    assert feeds and all(row["etag"] is None for row in feeds)  # next run reads the feed whole


def test_the_time_limit_keeps_what_was_fetched_and_is_not_a_failure(slow_site, tmp_path):
    from app.crawl import load_crawl
    from warehouse.db import connect

    out = tmp_path / "out"
    started = time.monotonic()
    counts = run_crawl(slow_site, out, timeout=12)  # no exception: Prefect would retry from nothing
    took = time.monotonic() - started
    assert took < 12 + 2, f"{took:.1f}s"
    assert counts["stopped"] == "its 12 s time limit"
    documents = read_jsonl(out / "documents.jsonl")
    assert 0 < len(documents) == counts["documents"] < ARTICLES
    [stop] = [e for e in read_jsonl(out / "crawl_errors.jsonl") if e["stage"] == "crawl"]
    assert stop["reason"] == ("crawl stopped early by its 12 s time limit; what was fetched is kept, "
                              "the rest waits for the next run")
    db = tmp_path / "tracker.duckdb"
    connect(db).close()
    loaded = load_crawl(str(db), str(slow_site), str(out))
    assert loaded["new"] == len(documents) and loaded["crawl_errors"] == 1


def test_a_killed_parent_does_not_leave_the_crawl_running(slow_site, tmp_path):
    out = tmp_path / "out"
    runner = start_runner(slow_site, out)
    try:
        fetched = wait_for(lambda: len(journal_articles(out)) >= 3 and journal_articles(out), 60, "three articles")
        [crawl_pid] = children(runner.pid)
        runner.kill()  # kill -9: nothing forwards a signal
        runner.wait()
        wait_for(lambda: not running(crawl_pid), 10, "the orphaned crawl to end")
    finally:
        runner.kill()
    documents = {doc["url"] for doc in read_jsonl(out / "documents.jsonl")}  # written by the crawl itself
    assert fetched <= documents


def test_replaying_a_journal_skips_its_partial_last_line(tmp_path):
    item = {"doc_id": "a1", "source_id": "s", "url": "https://x.org/a", "canonical_url": "https://x.org/a",
            "title": "A", "published": None, "published_source": None, "text": "text " * 30,
            "content_hash": "h1", "fetched_at": "2026-01-05T08:00:00Z", "discovered_via": "feed",
            "language": "en", "alternate_urls": [], "request_url": "https://x.org/a", "entry_updated": None}
    second = dict(item, doc_id="b2", url="https://x.org/b", canonical_url="https://x.org/b", content_hash="h2",
                  request_url="https://x.org/b", text="other words " * 30)
    error = {"source_id": "s", "url": "https://x.org/c", "stage": "article", "reason": "HTTP 500",
             "at": "2026-01-05T08:00:01Z", "retryable": True, "request_url": "https://x.org/c"}
    lines = [json.dumps({"kind": "article", "item": item}), json.dumps({"kind": "error", "item": error}),
             json.dumps({"kind": "article", "item": second})[:90]]  # killed mid-write
    (tmp_path / JOURNAL).write_text("\n".join(lines), encoding="utf-8")
    assert replay_journal(tmp_path) == 2
    assert [doc["url"] for doc in read_jsonl(tmp_path / "documents.jsonl")] == ["https://x.org/a"]
    assert [e["reason"] for e in read_jsonl(tmp_path / "crawl_errors.jsonl")] == ["HTTP 500"]
    stats = json.loads((tmp_path / "crawl_stats.json").read_text())
    assert stats["documents"] == 1 and stats["errors"] == 1
    states = {row["url"]: row["status"] for row in read_jsonl(tmp_path / "crawl_state.jsonl")}
    assert states == {"https://x.org/a": "stored", "https://x.org/c": "failed"}
