"""Prefect tasks: each names one step of the weekly flow and calls its use case in app/.

The tasks add what only an orchestrated run needs: names, retries with back-off for network
steps, and caching. The crawl and extraction tasks persist their results and are cached on their
inputs, so a flow run that is retried after a later stage failed skips the work it already
finished. Tasks pass file paths, records and small summaries, never database connections. Stage
tasks open an existing warehouse file (``connect(create=False)``): a working copy that is gone is an
error, never a new, empty warehouse that the run would publish. Everything else (the command line,
the desk, the benchmarks) calls the use cases in app/ directly, never a task.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NONE
from prefect.exceptions import MissingContextError
from prefect.runtime import flow_run

import app.crawl
import app.deals
import app.extraction
import app.newsletter
import nlp
from common.settings import EXTRACT_BATCH  # documents per extraction task (re-exported)
from flows.faults import inject_fault
from nlp.currencies import table_path
from warehouse.decisions import decisions_from_review
from warehouse.snapshot import publish, working_copy


def _logger() -> logging.Logger | logging.LoggerAdapter:
    """Prefect's run logger inside a run; a plain logger outside one."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("tracker.flows")


def _pipeline_fingerprint() -> str:
    """A hash of the extraction pipeline's code, config and data files: changes when they do."""
    digest = hashlib.sha256()
    root = Path(nlp.__file__).parent
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".cfg", ".json", ".jsonl", ".csv", ".txt"}:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    digest.update(table_path().read_bytes())  # the rate table in use (a refreshed one changes it)
    return digest.hexdigest()


def _crawl_key(context: Any, parameters: dict[str, Any]) -> str:
    """Crawl cache key: the top-level flow run, the task's arguments and the registry's content.

    A retried flow run reuses the crawl it already finished; a new run crawls again.
    """
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
    """Fetch feeds and listing pages of a registry (app.crawl.crawl)."""
    return app.crawl.crawl(sources_file, crawl_dir, state_file, logger=_logger())


@task(name="crawl-sample", retries=2, retry_delay_seconds=[5, 20], cache_key_fn=_crawl_key, persist_result=True)
def crawl_sample(work_dir: str, crawl_dir: str, state_file: str | None = None, edition: str | None = None) -> dict:
    """Serve the bundled sample web (or one of its earlier editions) and crawl it (app.crawl.crawl_sample)."""
    return app.crawl.crawl_sample(work_dir, crawl_dir, state_file, edition, logger=_logger())


@task(name="plan-sample-history", cache_policy=NONE)
def sample_history(db: str) -> list[str]:
    """The earlier editions of the sample web this warehouse has not crawled (app/sample.py)."""
    return app.crawl.sample_history(db)


@task(name="export-crawl-state", cache_policy=NONE)
def export_state(db: str, state_file: str) -> dict:
    """Write what earlier crawls saw (feed validators, known articles) for the next crawl."""
    return app.crawl.export_state(db, state_file)


@task(name="refresh-fx-rates", retries=1, retry_delay_seconds=5, cache_policy=NONE)
def refresh_fx_rates(dest: str, url: str | None) -> dict:
    """Refresh the USD rate table from the ECB into `dest`; never fails the run (app.crawl.refresh_fx_rates)."""
    return app.crawl.refresh_fx_rates(dest, url, logger=_logger())


@task(name="load-documents", cache_policy=NONE)
def load_crawl(db: str, sources_file: str, crawl_dir: str) -> dict:
    """Load the registry, the crawled documents and the crawl errors into the warehouse."""
    return app.crawl.load_crawl(db, sources_file, crawl_dir, logger=_logger())


@task(name="count-documents", cache_policy=NONE)
def count_documents(db: str) -> int:
    """How many documents' current content has not been extracted yet."""
    return app.extraction.count_documents(db)


@task(name="select-documents", cache_policy=NONE)
def select_documents(db: str, after: str = "", limit: int = EXTRACT_BATCH) -> list[dict]:
    """One page of documents not extracted yet, in doc_id order after `after`."""
    return app.extraction.select_documents(db, after, limit)


@task(name="extract-batch", cache_key_fn=_batch_key, persist_result=True)
def extract_batch(records: list[dict]) -> list[dict]:
    """Run the spaCy pipeline over one batch; return the extraction lines (with mentions)."""
    return app.extraction.extract_batch(records, logger=_logger())


@task(name="load-extractions", cache_policy=NONE)
def load_extraction_lines(db: str, batches: list[list[dict]], work_dir: str, first: int = 0) -> dict:
    """Write the batches as JSON Lines and bulk-load each into the warehouse, in batch order."""
    inject_fault("load-extractions")
    return app.extraction.load_extraction_lines(db, batches, work_dir, first, logger=_logger())


@task(name="build-deals", cache_policy=NONE)
def build_deal_records(db: str) -> dict:
    """Bring the deals up to date with the resolver TRACKER_DEAL_RESOLVER names (app.deals.build_deals:
    the week's new documents attached to the stored deals, or a full rebuild when they cannot be)."""
    return app.deals.build_deals(db, app.deals.deal_resolver(), logger=_logger())


@task(name="render-newsletter", cache_policy=NONE)
def render_week(db: str, out_dir: str, week: str | None, read_only: bool = False, for_readers: bool = False) -> dict:
    """Render the week's draft, or with `for_readers` its issue, into `out_dir` (app.newsletter.render_week)."""
    return app.newsletter.render_week(db, out_dir, week, read_only, for_readers, logger=_logger())


@task(name="approve-issue", cache_policy=NONE)
def approve_issue(db: str, out: str, week: str, review: dict, via: str) -> dict:
    """Record an editor's review, render the draft again and, when approved, render and publish
    the readers' issue (app.newsletter.approve)."""
    decisions = decisions_from_review(week, review)
    return app.newsletter.approve(db, out, week, decisions, via, logger=_logger())


@task(name="open-working-copy", cache_policy=NONE)
def open_working_copy(db: str) -> str:
    """Copy the published warehouse to a private working file that this run writes to.

    The flow's process must hold the warehouse's writer lock (flows/weekly.py takes it)."""
    return str(working_copy(db))


@task(name="publish-warehouse", cache_policy=NONE)
def publish_warehouse(work: str, db: str) -> str:
    """Atomically replace the published warehouse with the run's working copy."""
    published = publish(work, db)
    _logger().info("warehouse published: %s", published)
    return str(published)
