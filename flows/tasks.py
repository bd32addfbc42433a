"""Prefect tasks: each names one step and calls the layer that owns its logic.

Network steps retry with back-off; pure steps do not. Tasks pass file paths and small summaries,
never database connections, so each task can run (and retry) alone.
"""

from __future__ import annotations

import json
from itertools import islice
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NONE

#: Documents per extraction task: big enough for spaCy's batching, small enough to retry cheaply.
EXTRACT_BATCH = 250


@task(name="crawl-sources", retries=2, retry_delay_seconds=[10, 60], cache_policy=NONE)
def crawl_sources(sources_file: str, crawl_dir: str) -> dict:
    """Fetch feeds and listing pages and write documents.jsonl / crawl_errors.jsonl."""
    from spiders.crawl import run_crawl

    counts = run_crawl(sources_file, crawl_dir)
    get_run_logger().info(
        "crawl: %s documents, %s duplicates dropped, %s errors in %.1fs",
        counts.get("documents"), counts.get("duplicates"), counts.get("errors"), counts.get("seconds", 0.0),
    )
    return counts


@task(name="load-documents", cache_policy=NONE)
def load_crawl(db: str, sources_file: str, crawl_dir: str) -> dict:
    """Load the registry, the crawled documents and the crawl errors into the warehouse."""
    from spiders.registry import load_sources as read_registry
    from warehouse.db import connect
    from warehouse.load import load_crawl_errors, load_documents, load_sources

    crawl = Path(crawl_dir)
    con = connect(db)
    try:
        load_sources(con, read_registry(sources_file))
        counts = load_documents(con, crawl / "documents.jsonl")
        errors_file = crawl / "crawl_errors.jsonl"
        if errors_file.exists():
            load_crawl_errors(con, errors_file)
    finally:
        con.close()
    get_run_logger().info("load: documents %s", counts)
    return counts


@task(name="select-documents", cache_policy=NONE)
def select_documents(db: str) -> list[dict]:
    """Documents whose current content has not been extracted yet."""
    from warehouse.db import connect
    from warehouse.load import documents_to_extract

    con = connect(db)
    try:
        return documents_to_extract(con)
    finally:
        con.close()


@task(name="extract-batch", cache_policy=NONE)
def extract_batch(records: list[dict], out_file: str) -> int:
    """Run the spaCy pipeline over one batch and write extraction lines (with mentions)."""
    from nlp.extract import extract_records

    path = Path(out_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as sink:
        for line in extract_records(records, with_mentions=True):
            sink.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    return count


@task(name="load-extractions", cache_policy=NONE)
def load_extraction_files(db: str, files: list[str]) -> int:
    from warehouse.db import connect
    from warehouse.load import load_extractions

    con = connect(db)
    try:
        for file in files:
            load_extractions(con, file)
    finally:
        con.close()
    return len(files)


@task(name="build-deals", cache_policy=NONE)
def build_deal_records(db: str) -> dict:
    from warehouse.db import connect
    from warehouse.deals import build_deals

    con = connect(db)
    try:
        counts = build_deals(con)
    finally:
        con.close()
    get_run_logger().info("deals: %s deals, %s evidence rows", counts["deals"], counts["evidence"])
    return counts


@task(name="render-newsletter", cache_policy=NONE)
def render_week(db: str, out_dir: str, week: str | None) -> dict:
    """Build the week's context from the warehouse and render the three formats."""
    from newsletter_templates.render import render_newsletter
    from tracker.weeks import week_of
    from warehouse.db import connect
    from warehouse.report import latest_week, week_context

    con = connect(db)
    try:
        if week is None:
            week = latest_week(con)
        if week is None:
            from datetime import date

            week = week_of(date.today()).label
        context = week_context(con, week)
    finally:
        con.close()
    files = render_newsletter(context, out_dir)
    get_run_logger().info("newsletter %s: %s deals -> %s", week, len(context["deals"]), out_dir)
    return {"week": week, "deals": len(context["deals"]), "files": {k: str(v) for k, v in files.items()}}


def batched(items: list, size: int) -> list[list]:
    iterator = iter(items)
    return [chunk for chunk in iter(lambda: list(islice(iterator, size)), [])]
