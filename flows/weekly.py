"""The `weekly_tracker` flow: crawl -> load -> extract -> deals -> newsletter.

Each stage is a sub-flow so operators see it as its own run in the Prefect UI, and the command
line can run one stage alone (`tracker crawl`, `tracker newsletter`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from prefect import flow, get_run_logger

from flows.tasks import (
    EXTRACT_BATCH,
    batched,
    build_deal_records,
    crawl_sources,
    extract_batch,
    load_crawl,
    load_extraction_files,
    render_week,
    select_documents,
)


@flow(name="crawl-stage")
def crawl_stage(sources: str | None, db: str, out: str, sample: bool = False) -> dict:
    """Crawl the sources (or the bundled sample web) and load what was found."""
    crawl_dir = Path(out) / "crawl"
    if crawl_dir.exists():
        shutil.rmtree(crawl_dir)
    if sample:
        from tracker.sample import publish_urls, serve_sample

        with serve_sample(Path(out) / "work") as site:
            counts = crawl_sources(str(site.sources_file), str(crawl_dir))
        for name in ("documents.jsonl", "crawl_errors.jsonl"):
            publish_urls(crawl_dir / name, site.base_url)
        registry = str(site.public_sources_file)
    else:
        if sources is None:
            raise ValueError("crawl_stage needs a sources file or sample=True")
        counts = crawl_sources(sources, str(crawl_dir))
        registry = sources
    loaded = load_crawl(db, registry, str(crawl_dir))
    return {"crawl": counts, "documents": loaded}


@flow(name="extract-stage")
def extract_stage(db: str, out: str) -> dict:
    """Extract countries, companies and commitments from documents not yet extracted."""
    records = select_documents(db)
    work = Path(out) / "extract"
    if work.exists():
        shutil.rmtree(work)
    files = []
    for number, batch in enumerate(batched(records, EXTRACT_BATCH)):
        out_file = work / f"extractions-{number:05d}.jsonl"
        extract_batch(batch, str(out_file))
        files.append(str(out_file))
    load_extraction_files(db, files)
    get_run_logger().info("extract: %s documents in %s batches", len(records), len(files))
    return {"documents": len(records), "batches": len(files)}


@flow(name="render-stage")
def render_stage(db: str, out: str, week: str | None = None, approved: bool = False) -> dict:
    """Render the week's draft; an approved draft is also published to the newsletter folder."""
    draft = render_week(db, str(Path(out) / "drafts"), week)
    result = {"week": draft["week"], "deals": draft["deals"], "draft": draft["files"], "db": db}
    if approved:
        published = Path(out) / "newsletter"
        published.mkdir(parents=True, exist_ok=True)
        result["newsletter"] = {}
        for kind, file in draft["files"].items():
            target = published / Path(file).name
            shutil.copyfile(file, target)
            result["newsletter"][kind] = str(target)
    else:
        result["newsletter"] = draft["files"]
        get_run_logger().info("draft for %s awaits an editor's approval: %s", draft["week"], draft["files"])
    return result


@flow(name="weekly_tracker")
def weekly_tracker(
    week: str | None = None,
    sources: str | None = None,
    db: str = "data/tracker.duckdb",
    out: str = "out",
    sample: bool = False,
    auto_approve: bool = False,
) -> dict:
    """Run the whole weekly pipeline.

    Args:
        week: ISO week to render (YYYY-Www); default the latest week with deals.
        sources: the sources registry (TOML); ignored when `sample` is true.
        db: the DuckDB warehouse file.
        out: folder for crawl files, drafts and the published newsletter.
        sample: crawl the bundled sample web from a loopback server instead of `sources`.
        auto_approve: publish the draft without waiting for an editor.
    """
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    crawled = crawl_stage(sources, db, out, sample)
    extracted = extract_stage(db, out)
    deals = build_deal_records(db)
    rendered = render_stage(db, out, week, approved=auto_approve)
    return {
        "week": rendered["week"],
        "db": db,
        "crawl": crawled,
        "extract": extracted,
        "deals": deals,
        "newsletter": rendered["newsletter"],
        "draft": rendered["draft"],
    }
