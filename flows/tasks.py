"""Prefect tasks: each names one step and calls the layer that owns its logic.

Network steps retry with back-off; pure steps do not. The crawl and extraction tasks persist their
results and are cached on their inputs, so a flow run that is retried after a later stage failed
skips the work it already finished. Tasks pass file paths, records and small summaries, never
database connections. Stage tasks open an existing warehouse file (``connect(create=False)``): a
working copy that is gone is an error, never a new, empty warehouse that the run would publish.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.exceptions import MissingContextError
from prefect.cache_policies import NONE

from flows.faults import inject_fault
from tracker.settings import EXTRACT_BATCH  # documents per extraction task (re-exported)



def _logger() -> logging.Logger | logging.LoggerAdapter:
    """Prefect's run logger inside a run; a plain logger when a task's `.fn` is called directly."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("tracker.flows")


def _pipeline_fingerprint() -> str:
    """A hash of the extraction pipeline's code, config and data files: changes when they do."""
    import nlp

    digest = hashlib.sha256()
    root = Path(nlp.__file__).parent
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".cfg", ".json", ".jsonl", ".csv", ".txt"}:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    from nlp.currencies import table_path

    digest.update(table_path().read_bytes())  # the rate table in use (a refreshed one changes it)
    return digest.hexdigest()


def _crawl_key(context: Any, parameters: dict[str, Any]) -> str:
    """Crawl cache key: the top-level flow run, the task's arguments and the registry's content.

    A retried flow run reuses the crawl it already finished; a new run crawls again.
    """
    from prefect.runtime import flow_run

    digest = hashlib.sha256(str(flow_run.root_flow_run_id).encode())
    digest.update(json.dumps(parameters, sort_keys=True, default=str).encode())
    registry = parameters.get("sources_file")
    if registry and Path(registry).is_file():
        digest.update(Path(registry).read_bytes())
    return f"crawl-{digest.hexdigest()[:32]}"


def _batch_key(context: Any, parameters: dict[str, Any]) -> str:
    """Extraction cache key: the pipeline's fingerprint plus the batch's exact texts."""
    digest = hashlib.sha256(_pipeline_fingerprint().encode())
    for record in parameters["records"]:
        digest.update(json.dumps(record, sort_keys=True, ensure_ascii=False).encode())
    return f"extract-{digest.hexdigest()[:32]}"


@task(name="crawl-sources", retries=2, retry_delay_seconds=[10, 60], cache_key_fn=_crawl_key, persist_result=True)
def crawl_sources(sources_file: str, crawl_dir: str, state_file: str | None = None) -> dict:
    """Fetch feeds and listing pages of a registry; write documents.jsonl and crawl_errors.jsonl.

    With the state of earlier crawls, feeds are fetched conditionally and known, unchanged
    articles are not fetched again.
    """
    from spiders.crawl import run_crawl

    with _crawl_progress() as on_progress:
        counts = run_crawl(sources_file, crawl_dir, state_file=state_file, on_progress=on_progress)
    _log_crawl(counts)
    return {**counts, "registry": sources_file}


@task(name="crawl-sample", retries=2, retry_delay_seconds=[5, 20], cache_key_fn=_crawl_key, persist_result=True)
def crawl_sample(work_dir: str, crawl_dir: str, state_file: str | None = None, edition: str | None = None) -> dict:
    """Serve the bundled sample web (or one of its earlier editions) on a loopback port and crawl it
    like the real web: incrementally, from the warehouse's crawl state when given."""
    from spiders.crawl import run_crawl
    from tracker.sample import localize_state, publish_crawl, serve_sample

    with serve_sample(work_dir, edition) as site, _crawl_progress() as on_progress:
        live_state = None
        if state_file:
            live_state = localize_state(state_file, Path(work_dir) / "crawl-state.live.json", site.base_url)
        counts = run_crawl(site.sources_file, crawl_dir, state_file=live_state, on_progress=on_progress)
    publish_crawl(crawl_dir, site.base_url)
    _log_crawl(counts)
    return {**counts, "registry": str(site.public_sources_file), "edition": Path(edition).name if edition else None}


@contextmanager
def _crawl_progress() -> Iterator[Callable[[int, int], None] | None]:
    """The crawl's progress bar (pages fetched, items scraped) as a callback; None when bars are
    off (not a terminal, or CI): then the crawl runs exactly as without."""
    from tracker.progress import progress_bar, progress_enabled

    if not progress_enabled():
        yield None
        return
    with progress_bar(desc="crawl", unit="page") as bar:

        def update(pages: int, items: int) -> None:
            bar.update(max(0, pages - bar.n))
            bar.set_postfix_str(f"{items} items", refresh=False)

        yield update


def _log_crawl(counts: dict) -> None:
    _logger().info(
        "crawl: %s documents, %s duplicates dropped, %s errors in %.1fs",
        counts.get("documents"), counts.get("duplicates"), counts.get("errors"), counts.get("seconds", 0.0),
    )
    if counts.get("cut_sources"):
        _logger().warning("crawl: sources cut off at their budget (see crawl_errors, stage 'budget'): %s",
                          ", ".join(map(str, counts["cut_sources"])))
    if counts.get("stopped"):
        _logger().warning("crawl stopped early (%s); what was fetched is kept", counts["stopped"])


@task(name="plan-sample-history", cache_policy=NONE)
def sample_history(db: str) -> list[str]:
    """The earlier editions of the sample web this warehouse has not crawled (tracker/sample.py)."""
    from tracker.sample import editions_to_replay
    from warehouse.db import connect

    con = connect(db, create=False)
    try:
        return [str(path) for path in editions_to_replay(con)]
    finally:
        con.close()


@task(name="export-crawl-state", cache_policy=NONE)
def export_state(db: str, state_file: str) -> dict:
    """Write what earlier crawls saw (feed validators, known articles) for the next crawl."""
    from warehouse.crawl_state import export_crawl_state
    from warehouse.db import connect

    con = connect(db, create=False)
    try:
        return export_crawl_state(con, state_file)
    finally:
        con.close()


@task(name="refresh-fx-rates", retries=1, retry_delay_seconds=5, cache_policy=NONE)
def refresh_fx_rates(dest: str, url: str | None) -> dict:
    """Refresh the USD rate table from the ECB's history file into `dest`, and use it.

    Never fails the run: without the file (no network, the ECB down, a broken file) the table of
    an earlier refresh at `dest`, or else the bundled one, stays in use, and the log says which
    month it ends with. Figures reported after that month are marked `fx_stale`.
    """
    import os
    import tempfile

    from nlp.currencies import load_rates, table_path, use_table
    from nlp.fx_table import RateFileError, render_table
    from spiders.reference_rates import RateFetchError, fetch_history

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
        _logger().info("FX rates refreshed from %s: %s, to %s", url, used, last)
    else:
        _logger().warning("FX rates not refreshed (%s): using %s, which ends %s; later figures are marked fx_stale",
                          reason, table_path(), last)
    return result


@task(name="load-documents", cache_policy=NONE)
def load_crawl(db: str, sources_file: str, crawl_dir: str) -> dict:
    """Load the registry, the crawled documents and the crawl errors into the warehouse."""
    from spiders.registry import load_sources as read_registry
    from warehouse.crawl_state import load_crawl_state
    from warehouse.db import connect
    from warehouse.load import load_crawl_errors, load_documents, load_sources

    crawl = Path(crawl_dir)
    started = time.perf_counter()
    con = connect(db, create=False)
    try:
        load_sources(con, read_registry(sources_file))
        counts = load_documents(con, crawl / "documents.jsonl")
        errors_file = crawl / "crawl_errors.jsonl"
        counts["crawl_errors"] = load_crawl_errors(con, errors_file) if errors_file.exists() else 0
        state_file = crawl / "crawl_state.jsonl"
        if state_file.exists():
            load_crawl_state(con, state_file)
    finally:
        con.close()
    _logger().info("load: documents %s in %.1fs", counts, time.perf_counter() - started)
    return counts


@task(name="count-documents", cache_policy=NONE)
def count_documents(db: str) -> int:
    """How many documents' current content has not been extracted yet."""
    from warehouse.db import connect
    from warehouse.load import count_documents_to_extract

    con = connect(db, create=False)
    try:
        return count_documents_to_extract(con)
    finally:
        con.close()


@task(name="select-documents", cache_policy=NONE)
def select_documents(db: str, after: str = "", limit: int = EXTRACT_BATCH) -> list[dict]:
    """One page of documents whose current content has not been extracted yet: at most `limit`,
    doc_id after `after`, in doc_id order (the extract stage reads page by page)."""
    from warehouse.db import connect
    from warehouse.load import documents_to_extract_page

    con = connect(db, create=False)
    try:
        return documents_to_extract_page(con, after=after, limit=limit)
    finally:
        con.close()


@task(name="extract-batch", cache_key_fn=_batch_key, persist_result=True)
def extract_batch(records: list[dict]) -> list[dict]:
    """Run the spaCy pipeline over one batch; return the extraction lines (with mentions).

    A document whose extraction fails gets a line with its "error" instead of stopping the batch
    (nlp.extract.extract_records); it is logged here and the load records it in crawl_errors."""
    from nlp.extract import extract_records, line_problems

    started = time.perf_counter()
    lines = list(extract_records(records, with_mentions=True))
    for problem in (problem for line in lines for problem in line_problems(line)):
        _logger().warning("extract: %s", problem)
    words = sum(len(record.get("text", "").split()) for record in records)
    seconds = time.perf_counter() - started
    _logger().info("extract: %s documents, %s words in %.2fs (%.0f words/s)", len(records), words, seconds,
                   words / seconds if seconds else 0.0)
    return lines


@task(name="load-extractions", cache_policy=NONE)
def load_extraction_lines(db: str, batches: list[list[dict]], work_dir: str, first: int = 0) -> dict:
    """Write the batches as JSON Lines (extractions-NNNNN.jsonl, numbered from `first`) and
    bulk-load each into the warehouse in its own transaction, in batch order."""
    from warehouse.db import connect
    from warehouse.load import load_extraction_batch

    inject_fault("load-extractions")
    started = time.perf_counter()
    work = Path(work_dir)
    totals = {"documents": 0, "commitments": 0, "mentions": 0, "failed": 0}
    con = connect(db, create=False)
    try:
        for number, lines in enumerate(batches, start=first):
            counts = load_extraction_batch(con, lines, work / f"extractions-{number:05d}.jsonl")
            for key in totals:
                totals[key] += int(counts.get(key, 0) or 0)
    finally:
        con.close()
    _logger().info("load: extractions %s in %.1fs", totals, time.perf_counter() - started)
    return totals


DEAL_RESOLVERS = ("rules", "model")  # TRACKER_DEAL_RESOLVER: warehouse.deals or warehouse.resolution
DEFAULT_DEAL_RESOLVER = "rules"


def deal_resolver() -> Callable:
    """The build_deals of the resolver TRACKER_DEAL_RESOLVER names (default: DEFAULT_DEAL_RESOLVER)."""
    import os

    name = os.environ.get("TRACKER_DEAL_RESOLVER", "").strip() or DEFAULT_DEAL_RESOLVER
    if name not in DEAL_RESOLVERS:
        raise ValueError(f"TRACKER_DEAL_RESOLVER={name!r}: expected one of {', '.join(DEAL_RESOLVERS)}")
    if name == "model":
        from warehouse.resolution import build_deals
    else:
        from warehouse.deals import build_deals
    return build_deals


@task(name="build-deals", cache_policy=NONE)
def build_deal_records(db: str) -> dict:
    from warehouse.db import connect

    build_deals = deal_resolver()
    started = time.perf_counter()
    con = connect(db, create=False)
    try:
        counts = build_deals(con)
    finally:
        con.close()
    _logger().info("deals: %s deals, %s evidence rows in %.1fs", counts["deals"], counts["evidence"],
                   time.perf_counter() - started)
    return counts


@task(name="render-newsletter", cache_policy=NONE)
def render_week(db: str, out_dir: str, week: str | None, read_only: bool = False, for_readers: bool = False) -> dict:
    """Build the week's context from the warehouse and render the three formats.

    `read_only` for the public file (analysts may hold it); the flow renders from its working copy.
    `for_readers` renders the issue readers get: low-confidence deals only when an editor kept them.
    A draft also gets its review page, `review-<week>.html`, in the same folder.
    """
    from newsletter_templates.archive import archive_context
    from newsletter_templates.render import render_newsletter
    from newsletter_templates.review import write_review
    from tracker.weeks import current_week
    from warehouse.db import connect
    from warehouse.decisions import apply_decisions, week_decisions
    from warehouse.report import changed_deals, latest_week, week_context
    from warehouse.review import review_context

    con = connect(db, read_only=read_only, create=False)
    try:
        week = week or latest_week(con) or current_week().label
        context = apply_decisions(week_context(con, week), week_decisions(con, week), for_readers=for_readers)
        changed = changed_deals(con, week)
        review = None if for_readers else review_context(con, week)
    finally:
        con.close()
    files = render_newsletter(context, out_dir)
    # The draft's review page (each deal with its marked-up source sentences) goes next to it.
    review_page = None if review is None else str(write_review(review, out_dir))
    _logger().info("newsletter %s: %s deals -> %s", week, len(context["deals"]), out_dir)
    return {
        "week": week,
        "review": review_page,
        "deals": len(context["deals"]),
        "new_deals": context["summary"]["new_deals"],
        "changed_deals": changed,
        "files": {kind: str(path) for kind, path in files.items()},
        "archive": archive_context(context),
        "table": [
            {
                "deal": deal["title"],
                "new": "yes" if deal.get("is_new") else "",
                "countries": ", ".join(c["code"] for c in deal["countries"]),
                "money_usd": deal.get("money_usd"),
                "mw": deal.get("mw"),
                "chips": deal.get("chips"),
                "sources": len(deal["sources"]),
                "confidence": deal.get("confidence"),
            }
            for deal in context["deals"]
        ],
    }


# Who writes the warehouse when a review is recorded, by `via` (named to a writer that has to wait).
REVIEW_WRITERS = {"cli": "tracker approve", "prefect": "a weekly run recording its review",
                  "review-desk": "an editor at the review desk"}


@task(name="record-review", cache_policy=NONE)
def record_review(db: str, week: str, review: dict, via: str) -> int:
    """Store an editor's review (approve/reject, drops, corrections) in the warehouse."""
    from warehouse.decisions import decisions_from_review, record_decisions
    from warehouse.snapshot import writing

    with writing(db, holder=REVIEW_WRITERS.get(via, "a review")) as con:
        count = record_decisions(con, decisions_from_review(week, review), via=via)
    _logger().info("review of %s by %s: %s decisions stored", week, review.get("editor"), count)
    return count


@task(name="open-working-copy", cache_policy=NONE)
def open_working_copy(db: str) -> str:
    """Copy the published warehouse to a private working file that this run writes to.

    The flow's process must hold the warehouse's writer lock (flows/weekly.py takes it)."""
    from warehouse.snapshot import working_copy

    return str(working_copy(db))


@task(name="publish-warehouse", cache_policy=NONE)
def publish_warehouse(work: str, db: str) -> str:
    """Atomically replace the published warehouse with the run's working copy."""
    from warehouse.snapshot import publish

    published = publish(work, db)
    _logger().info("warehouse published: %s", published)
    return str(published)

