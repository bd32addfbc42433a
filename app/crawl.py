"""The crawl's use cases: crawl a registry or the bundled sample web, load what was found,
export the crawl state for the next crawl, and refresh the USD rate table.

The weekly flow's tasks (flows/tasks.py) call these and add retries and caching; the benchmarks
and tests call them directly.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from app.sample import editions_to_replay, localize_state, publish_crawl, serve_sample
from common.progress import progress_bar, progress_enabled
from nlp.currencies import load_rates, table_path, use_table
from nlp.fx_table import RateFileError, render_table
from spiders.crawl import run_crawl
from spiders.reference_rates import RateFetchError, fetch_history
from spiders.registry import load_sources as read_registry
from warehouse.crawl_state import export_crawl_state, load_crawl_state
from warehouse.db import connect
from warehouse.load import load_crawl_errors, load_documents, load_sources

log = logging.getLogger("tracker.app")

Logger = logging.Logger | logging.LoggerAdapter


def crawl(sources_file: str, crawl_dir: str, state_file: str | None = None, logger: Logger = log) -> dict:
    """Fetch feeds and listing pages of a registry; write documents.jsonl and crawl_errors.jsonl.

    With the state of earlier crawls, feeds are fetched conditionally and known, unchanged
    articles are not fetched again.
    """
    with crawl_progress() as on_progress:
        counts = run_crawl(sources_file, crawl_dir, state_file=state_file, on_progress=on_progress)
    log_crawl(counts, logger)
    return {**counts, "registry": sources_file}


def crawl_sample(work_dir: str, crawl_dir: str, state_file: str | None = None, edition: str | None = None,
                 logger: Logger = log) -> dict:
    """Serve the bundled sample web (or one of its earlier editions) on a loopback port and crawl it
    like the real web: incrementally, from the warehouse's crawl state when given."""
    with serve_sample(work_dir, edition) as site, crawl_progress() as on_progress:
        live_state = None
        if state_file:
            live_state = localize_state(state_file, Path(work_dir) / "crawl-state.live.json", site.base_url)
        counts = run_crawl(site.sources_file, crawl_dir, state_file=live_state, on_progress=on_progress)
    publish_crawl(crawl_dir, site.base_url)
    log_crawl(counts, logger)
    return {**counts, "registry": str(site.public_sources_file), "edition": Path(edition).name if edition else None}


@contextmanager
def crawl_progress() -> Iterator[Callable[[int, int], None] | None]:
    """The crawl's progress bar (pages fetched, items scraped) as a callback; None when bars are
    off (not a terminal, or CI): then the crawl runs exactly as without."""
    if not progress_enabled():
        yield None
        return
    with progress_bar(desc="crawl", unit="page") as bar:

        def update(pages: int, items: int) -> None:
            bar.update(max(0, pages - bar.n))
            bar.set_postfix_str(f"{items} items", refresh=False)

        yield update


def log_crawl(counts: dict, logger: Logger = log) -> None:
    """One line for the crawl's counts; warnings for sources cut off and a crawl stopped early."""
    logger.info(
        "crawl: %s documents, %s duplicates dropped, %s errors in %.1fs",
        counts.get("documents"), counts.get("duplicates"), counts.get("errors"), counts.get("seconds", 0.0),
    )
    if counts.get("cut_sources"):
        logger.warning("crawl: sources cut off at their budget (see crawl_errors, stage 'budget'): %s",
                       ", ".join(map(str, counts["cut_sources"])))
    if counts.get("stopped"):
        logger.warning("crawl stopped early (%s); what was fetched is kept", counts["stopped"])


def sample_history(db: str) -> list[str]:
    """The earlier editions of the sample web this warehouse has not crawled (app/sample.py)."""
    con = connect(db, create=False)
    try:
        return [str(path) for path in editions_to_replay(con)]
    finally:
        con.close()


def export_state(db: str, state_file: str) -> dict:
    """Write what earlier crawls saw (feed validators, known articles) for the next crawl."""
    con = connect(db, create=False)
    try:
        return export_crawl_state(con, state_file)
    finally:
        con.close()


def load_crawl(db: str, sources_file: str, crawl_dir: str, logger: Logger = log) -> dict:
    """Load the registry, the crawled documents and the crawl errors into the warehouse."""
    crawl_path = Path(crawl_dir)
    started = time.perf_counter()
    con = connect(db, create=False)
    try:
        load_sources(con, read_registry(sources_file))
        counts = load_documents(con, crawl_path / "documents.jsonl")
        errors_file = crawl_path / "crawl_errors.jsonl"
        counts["crawl_errors"] = load_crawl_errors(con, errors_file) if errors_file.exists() else 0
        state_file = crawl_path / "crawl_state.jsonl"
        if state_file.exists():
            load_crawl_state(con, state_file)
    finally:
        con.close()
    logger.info("load: documents %s in %.1fs", counts, time.perf_counter() - started)
    return counts


def refresh_fx_rates(dest: str, url: str | None, logger: Logger = log) -> dict:
    """Refresh the USD rate table from the ECB's history file into `dest`, and use it.

    Never fails the run: without the file (no network, the ECB down, a broken file) the table of
    an earlier refresh at `dest`, or else the bundled one, stays in use, and the log says which
    month it ends with. Figures reported after that month are marked `fx_stale`.
    """
    target = Path(dest)
    status, reason = "refreshed", None
    if url is None:
        status, reason = "off", "no FX URL configured"
    else:
        try:
            text = render_table(fetch_history(url), url, whole_months=False,
                                generated="the weekly run's FX refresh (flows/tasks.py refresh_fx_rates)")
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, partial = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".partial")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(partial, target)
        except (RateFetchError, RateFileError, OSError) as exc:
            status, reason = "kept", str(exc).splitlines()[0]
    used = use_table(target if target.is_file() else None)
    last = max((f"{y:04d}-{m:02d}" for months in load_rates().values() for y, m in months), default=None)
    result = {"status": status, "table": str(used), "last_month": last, "reason": reason}
    if status == "refreshed":
        logger.info("FX rates refreshed from %s: %s, to %s", url, used, last)
    else:
        logger.warning("FX rates not refreshed (%s): using %s, which ends %s; later figures are marked fx_stale",
                       reason, table_path(), last)
    return result
