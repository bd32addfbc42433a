"""Run the `articles` spider in a subprocess and report what it wrote.

Scrapy's Twisted reactor cannot restart inside one process, so every crawl is a fresh
`python -m scrapy crawl articles` with the repository root (where scrapy.cfg lives) as its
working directory. Output, in `out_dir`: documents.jsonl, crawl_errors.jsonl, crawl_state.jsonl,
crawl_stats.json and crawl.log (the Scrapy log of the run).

Incremental runs: pass `state_file`, the JSON that `warehouse.crawl_state.export_crawl_state`
writes; load `out_dir/crawl_state.jsonl` back with `warehouse.crawl_state.load_crawl_state`.

A crawl is never lost to a stop. A margin before its time limit the crawl is asked to close
(SIGTERM: Scrapy's graceful shutdown, which finishes the requests in flight and writes the output;
Scrapy's own CLOSESPIDER_TIMEOUT backs this up inside the crawl); SIGTERM or SIGINT to this
process is forwarded once to the crawl, which closes the same way. A crawl still running at its
time limit, or STOP_GRACE_SECONDS after a signal, is killed, and its output is rebuilt from the
journal it wrote as it went (spiders/journal.py). Either way run_crawl returns what was fetched
(no exception: a retry would start from nothing), the reason is a crawl_errors line (stage
"crawl"), and feeds lose their validators in crawl_state.jsonl so the next run reads them whole.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from spiders.budgets import STAGE as BUDGET_STAGE
from spiders.journal import JOURNAL, replay_journal
from spiders.pipelines import utc_now
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
STOP_GRACE_SECONDS = 5.0  # after a stop is asked for, seconds the crawl gets to write its files before it is killed
CLOSE_MARGIN_SECONDS = 60.0  # at most this much of the time limit is kept for the crawl to close itself
STOP_STAGE = "crawl"  # the crawl_errors stage of a crawl stopped before it finished
POLL_SECONDS = 0.25  # how often the runner looks at the crawl process, its log and stop requests
OUTPUTS = ("documents.jsonl", "crawl_errors.jsonl", "crawl_state.jsonl", "crawl_stats.json", JOURNAL)


# Scrapy's LogStats line, written every LOGSTATS_INTERVAL seconds (1 s when progress is followed).
_LOGSTATS = re.compile(rb"Crawled (\d+) pages \(at \d+ pages/min\), scraped (\d+) items")
_CLOSED_BY_TIMEOUT = b"Closing spider (closespider_timeout)"


class CrawlError(RuntimeError):
    """The crawl process failed; the message ends with the last lines of its log."""


class _Stop:
    """Why the crawl is being stopped early: set by a signal handler or by the runner."""

    def __init__(self):
        self.signum: int | None = None
        self.signals = 0
        self.reason: str | None = None

    def on_signal(self, signum, frame) -> None:
        self.signals += 1
        if self.signum is None:
            self.signum = signum


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
    "feeds_not_modified", "articles_unchanged", "seconds", "stopped", "cut_sources"}: `stopped`
    is None, or why the crawl ended early with what it had fetched (its time limit, a signal);
    `cut_sources` the ids of sources cut off at their budget (spiders/budgets.py). Raises
    RegistryError for a bad registry and StateError for a bad state file (before starting
    anything), CrawlError when the crawl process fails without output. Failed requests are not
    failures of the crawl: they are lines of crawl_errors.jsonl. `on_progress(pages, items)`,
    when given, is called about once a second with Scrapy's running counts (responses
    received, items scraped), e.g. for a progress bar.

    SIGTERM and SIGINT (when called from the main thread) end the crawl within seconds: the
    output is written, then the signal goes on to the handler that was in place before (Python's
    KeyboardInterrupt, Prefect's termination, or the default: the process ends).
    """
    sources_file = Path(sources_file).resolve()
    out_dir = Path(out_dir).resolve()
    sources = load_sources(sources_file)  # one-line RegistryError here, not a traceback later
    if state_file is not None:
        state_file = Path(state_file).resolve()
        CrawlState.load(state_file)  # one-line StateError here too
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in OUTPUTS:
        (out_dir / name).unlink(missing_ok=True)

    overrides: dict = {}
    if _all_loopback(sources):
        overrides.update(LOOPBACK_SETTINGS)
    overrides["CLOSESPIDER_TIMEOUT"] = _close_after(timeout)
    overrides.update(settings or {})
    overrides.update({"TRACKER_SOURCES": str(sources_file), "TRACKER_OUTPUT_DIR": str(out_dir),
                      "TRACKER_PARENT_PID": os.getpid()})
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
    stop = _Stop()
    with _signals_to(stop) as previous, open(log_path, "wb") as log:
        process = _supervise(command, env, log, log_path, timeout, on_progress, stop)
        if stop.reason is None and _closed_by_time_limit(log_path):
            stop.reason = f"its {timeout:g} s time limit"
        counts = _collect(out_dir, process, stop, log_path, overrides, sources_file)
    counts["seconds"] = round(time.monotonic() - started, 2)
    if stop.signum is not None:
        _pass_on(stop.signum, previous.get(stop.signum))
    return counts


def _collect(out_dir: Path, process, stop: _Stop, log_path: Path, overrides: dict, sources_file: Path) -> dict:
    """The crawl's counts, after rebuilding its output from the journal if it did not close."""
    stats_path = out_dir / "crawl_stats.json"
    # Stopped early, the crawl may still have closed cleanly: its own files are then the best.
    finished = stats_path.exists() and (process.returncode == 0 or stop.reason is not None)
    if not finished:
        if stop.reason is None and not (out_dir / JOURNAL).exists():
            raise CrawlError(f"crawl failed (exit status {process.returncode}); log: {log_path}\n{_tail(log_path)}")
        if stop.reason is None:
            stop.reason = f"the crawl process ended unexpectedly (exit status {process.returncode})"
        replay_journal(out_dir, _near_threshold(overrides))
    (out_dir / JOURNAL).unlink(missing_ok=True)

    errors_path = out_dir / "crawl_errors.jsonl"
    if stop.reason is not None:
        line = {"source_id": None, "url": str(sources_file), "stage": STOP_STAGE, "at": utc_now(), "retryable": False,
                "reason": f"crawl stopped early by {stop.reason}; what was fetched is kept, "
                          "the rest waits for the next run"}
        with open(errors_path, "a", encoding="utf-8") as errors:
            errors.write(json.dumps(line, ensure_ascii=False) + "\n")
    cut = sorted({row["source_id"] for row in _read_lines(errors_path) if row.get("stage") == BUDGET_STAGE})
    _forget_feed_validators(out_dir / "crawl_state.jsonl", None if stop.reason else set(cut))

    stats = json.loads(stats_path.read_text(encoding="utf-8"))
    counts = {name: stats.get(name, 0) for name in (
        "documents", "errors", "duplicates", "retryable_errors", "requests", "feeds_not_modified",
        "articles_unchanged",
    )}
    counts["errors"] += stop.reason is not None
    counts["stopped"] = stop.reason
    counts["cut_sources"] = cut
    return counts


def _forget_feed_validators(state_path: Path, source_ids: set[str] | None) -> None:
    """Drop the ETag/Last-Modified of feeds whose entries were not all read (None: every feed),
    so the next run fetches them whole instead of hearing "304 Not Modified" and missing the rest."""
    if (source_ids is not None and not source_ids) or not state_path.exists():
        return
    rows = _read_lines(state_path)
    for row in rows:
        if row.get("kind") == "feed" and row.get("http_status") != 304 and (
            source_ids is None or row.get("source_id") in source_ids
        ):
            row["etag"] = row["last_modified"] = None
    tmp = state_path.with_name(f".{state_path.name}.tmp")
    tmp.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    os.replace(tmp, state_path)


def _run_following(command, env, log, log_path: Path, timeout: float, on_progress=None) -> subprocess.Popen:
    """`_supervise` without stop requests; raises subprocess.TimeoutExpired (once the process has
    ended) when it went over `timeout`."""
    stop = _Stop()
    process = _supervise(command, env, log, log_path, timeout, on_progress, stop)
    if stop.reason is not None:
        raise subprocess.TimeoutExpired(command, timeout)
    return process


def _supervise(command, env, log, log_path: Path, timeout: float, on_progress, stop: _Stop) -> subprocess.Popen:
    """Run the crawl process to its end, reporting LogStats counts from its log as it grows.

    The crawl runs in its own session, so a terminal's Ctrl-C reaches this process only; a stop
    (a signal recorded in `stop`, the calling program exiting, or `timeout`) is passed on as one
    signal, `stop.reason` says which, and the crawl is killed STOP_GRACE_SECONDS later if it has
    not ended by then.
    """
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    started = time.monotonic()
    close_at, deadline = started + _close_after(timeout), started + timeout
    kill_at = None
    pending = b""
    with open(log_path, "rb") as reader:
        while True:
            try:
                process.wait(timeout=POLL_SECONDS)
                finished = True
            except subprocess.TimeoutExpired:
                finished = False
            if on_progress is not None:
                pending += reader.read()
                complete, _, pending = pending.rpartition(b"\n")
                counts = _LOGSTATS.findall(complete)
                if counts:
                    on_progress(int(counts[-1][0]), int(counts[-1][1]))
            if finished:
                break
            now = time.monotonic()
            if kill_at is None:
                signum = signal.SIGTERM
                if stop.signum is not None:
                    signum = stop.signum
                    stop.reason = f"a {signal.Signals(signum).name} signal"
                elif not threading.main_thread().is_alive():
                    stop.reason = "the program that started it exiting"
                elif now > close_at:
                    stop.reason = f"its {timeout:g} s time limit"
                if stop.reason is not None:
                    process.send_signal(signum)
                    kill_at = now + STOP_GRACE_SECONDS if stop.signum is not None else max(deadline, now + 1)
            elif now > kill_at or stop.signals > 1:  # a second Ctrl-C: do not wait
                process.kill()
                process.wait()
                break
    return process


@contextmanager
def _signals_to(stop: _Stop) -> Iterator[dict]:
    """Record SIGTERM and SIGINT in `stop` while the crawl runs; yields the handlers replaced.

    Signal handlers can only be set from the main thread; elsewhere the runner notices the main
    thread ending instead (a program shutting down after its own signal handler ran)."""
    if threading.current_thread() is not threading.main_thread():
        yield {}
        return
    previous = {signum: signal.signal(signum, stop.on_signal) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield previous
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def _pass_on(signum: int, handler) -> None:
    """Deliver a signal the crawl stopped for to the handler that was in place before."""
    if callable(handler):
        handler(signum, None)  # KeyboardInterrupt, Prefect's TerminationSignal, ...
    elif handler in (signal.SIG_DFL, None):
        os.kill(os.getpid(), signum)  # the default action: the process ends (output is written)


def _close_after(timeout: float) -> float:
    """Seconds after which the crawl is asked to close: the time limit minus a margin (a tenth of
    it, at least STOP_GRACE_SECONDS, at most CLOSE_MARGIN_SECONDS, never over half) to finish
    what is in flight and write its files before the limit, when it is killed."""
    margin = min(CLOSE_MARGIN_SECONDS, max(STOP_GRACE_SECONDS, timeout / 10))
    return max(timeout / 2, timeout - margin)


def _closed_by_time_limit(log_path: Path) -> bool:
    try:
        with open(log_path, "rb") as log:
            log.seek(max(0, log_path.stat().st_size - 1_000_000))
            return _CLOSED_BY_TIMEOUT in log.read()
    except OSError:
        return False


def _near_threshold(overrides: dict) -> float | None:
    from spiders import settings as defaults

    value = overrides.get("TRACKER_NEAR_DUPLICATE_THRESHOLD", defaults.TRACKER_NEAR_DUPLICATE_THRESHOLD)
    return None if value in (None, "", "off", 0, "0") else float(value)


def _read_lines(path: Path) -> list[dict]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.strip()]


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
