"""Run the `articles` spider in a subprocess and report what it wrote.

Scrapy's Twisted reactor cannot restart inside one process, so every crawl is a fresh
`python -m scrapy crawl articles` with the repository root (where scrapy.cfg lives) as its
working directory. Output, in `out_dir`: documents.jsonl, crawl_errors.jsonl, crawl_state.jsonl,
crawl_stats.json and crawl.log (the Scrapy log of the run).

Incremental runs: pass `state_file`, the JSON that `warehouse.crawl_state.export_crawl_state`
writes; load `out_dir/crawl_state.jsonl` back with `warehouse.crawl_state.load_crawl_state`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from spiders.registry import load_sources
from spiders.state import CrawlState

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SETTINGS_MODULE = "spiders.settings"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
# Applied when every source lives on the loopback interface (tests, the sample): no politeness
# delay towards ourselves. Settings passed to run_crawl override these.
LOOPBACK_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_TIMEOUT": 10,
    "RETRY_TIMES": 1,
    "TRACKER_BACKOFF_BASE_DELAY": 0.5,
}


# Scrapy's LogStats line, written every LOGSTATS_INTERVAL seconds (1 s when progress is followed).
_LOGSTATS = re.compile(rb"Crawled (\d+) pages \(at \d+ pages/min\), scraped (\d+) items")


class CrawlError(RuntimeError):
    """The crawl process failed; the message ends with the last lines of its log."""


def run_crawl(
    sources_file: str | Path,
    out_dir: str | Path,
    *,
    settings: dict | None = None,
    timeout: float = 600,
    state_file: str | Path | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Crawl every source of the registry into `out_dir`.

    `state_file` (optional) is the crawl state of earlier runs (spiders/state.py): feeds are
    requested conditionally, unchanged known articles are skipped, retryable failures retried.
    Returns {"documents", "errors", "duplicates", "retryable_errors", "requests",
    "feeds_not_modified", "articles_unchanged", "seconds"}. Raises RegistryError for a bad
    registry and StateError for a bad state file (before starting anything), CrawlError when the
    process fails or times out. Failed requests are not failures of the crawl: they are lines
    of crawl_errors.jsonl. `on_progress(pages, items)`, when given, is called about once a second
    with Scrapy's running counts (responses received, items scraped), e.g. for a progress bar.
    """
    sources_file = Path(sources_file).resolve()
    out_dir = Path(out_dir).resolve()
    sources = load_sources(sources_file)  # one-line RegistryError here, not a traceback later
    if state_file is not None:
        state_file = Path(state_file).resolve()
        CrawlState.load(state_file)  # one-line StateError here too
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in ("documents.jsonl", "crawl_errors.jsonl", "crawl_state.jsonl", "crawl_stats.json"):
        (out_dir / name).unlink(missing_ok=True)

    overrides: dict = {}
    if _all_loopback(sources):
        overrides.update(LOOPBACK_SETTINGS)
    overrides.update(settings or {})
    overrides.update({"TRACKER_SOURCES": str(sources_file), "TRACKER_OUTPUT_DIR": str(out_dir)})
    if state_file is not None:
        overrides["TRACKER_STATE_FILE"] = str(state_file)
    if on_progress is not None:
        overrides.setdefault("LOGSTATS_INTERVAL", 1.0)

    command = [sys.executable, "-m", "scrapy", "crawl", "articles"]
    for name, value in overrides.items():
        command += ["-s", f"{name}={_setting_text(value)}"]
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE=SETTINGS_MODULE)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))

    log_path = out_dir / "crawl.log"
    started = time.monotonic()
    with open(log_path, "wb") as log:
        try:
            if on_progress is None:
                process = subprocess.run(
                    command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout
                )
            else:
                process = _run_following(command, env, log, log_path, timeout, on_progress)
        except subprocess.TimeoutExpired:
            raise CrawlError(f"crawl timed out after {timeout:g}s; log: {log_path}\n{_tail(log_path)}") from None
    seconds = round(time.monotonic() - started, 2)

    stats_path = out_dir / "crawl_stats.json"
    if process.returncode != 0 or not stats_path.exists():
        raise CrawlError(
            f"crawl failed (exit status {process.returncode}); log: {log_path}\n{_tail(log_path)}"
        )
    stats = json.loads(stats_path.read_text(encoding="utf-8"))
    counts = {name: stats.get(name, 0) for name in (
        "documents", "errors", "duplicates", "retryable_errors", "requests", "feeds_not_modified",
        "articles_unchanged",
    )}
    counts["seconds"] = seconds
    return counts


def _run_following(command, env, log, log_path: Path, timeout: float, on_progress) -> subprocess.Popen:
    """Run the crawl process, reading its log as it grows and reporting LogStats counts."""
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    pending = b""
    with open(log_path, "rb") as reader:
        while True:
            try:
                process.wait(timeout=0.5)
                finished = True
            except subprocess.TimeoutExpired:
                finished = False
            pending += reader.read()
            complete, _, pending = pending.rpartition(b"\n")
            counts = _LOGSTATS.findall(complete)
            if counts:
                on_progress(int(counts[-1][0]), int(counts[-1][1]))
            if finished:
                return process
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise subprocess.TimeoutExpired(command, timeout)


def _all_loopback(sources) -> bool:
    urls = [url for source in sources for url in (*source.feeds, *source.start_urls)]
    return bool(urls) and all(urlsplit(url).hostname in LOOPBACK_HOSTS for url in urls)


def _setting_text(value) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
