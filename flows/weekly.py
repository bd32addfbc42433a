"""The `weekly_tracker` flow: crawl -> load -> extract -> deals -> draft -> review -> publish.

Each stage is a sub-flow so operators see it as its own run in the Prefect UI, and the command
line can run one stage alone (`tracker crawl`, `tracker newsletter`). The flow only orchestrates:
every step calls the layer that owns the logic (see flows/tasks.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.task_runners import ThreadPoolTaskRunner

from flows.review import ReviewDecision, wait_for_review
from flows.tasks import (
    EXTRACT_BATCH,
    batched,
    build_deal_records,
    crawl_sample,
    crawl_sources,
    export_state,
    extract_batch,
    load_crawl,
    load_extraction_lines,
    open_working_copy,
    publish_warehouse,
    record_review,
    render_week,
    select_documents,
)


@flow(name="crawl-stage")
def crawl_stage(sources: str | None, db: str, out: str, sample: bool = False) -> dict:
    """Crawl the sources (or the bundled sample web) and load what was found."""
    crawl_dir = str(Path(out) / "crawl")
    if sample:
        crawled = crawl_sample(str(Path(out) / "work"), crawl_dir)
    elif sources is not None:
        # The sample web is crawled statelessly (its port changes every run); real sources are
        # crawled incrementally from the state the warehouse keeps.
        state = str(Path(out) / "work" / "crawl-state.json")
        export_state(db, state)
        crawled = crawl_sources(sources, crawl_dir, state)
    else:
        raise ValueError("crawl_stage needs a sources file or sample=True")
    loaded = load_crawl(db, crawled["registry"], crawl_dir)
    return {"crawl": crawled, "documents": loaded}


@flow(name="crawl-only")
def crawl_only(sources: str | None, db: str, out: str, sample: bool = False) -> dict:
    """The crawl stage alone (`tracker crawl`), on a working copy published at the end."""
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    work = open_working_copy(db)
    result = crawl_stage(sources, work, out, sample)
    publish_warehouse(work, db)
    return result


# One worker thread: spaCy pipelines are not shared between threads. Scale out with Dask instead
# (`extract_stage.with_options(task_runner=DaskTaskRunner(...))`, see extraction_runner()).
@flow(name="extract-stage", task_runner=ThreadPoolTaskRunner(max_workers=1))
def extract_stage(db: str, out: str, batch_size: int = EXTRACT_BATCH) -> dict:
    """Extract countries, companies and commitments from documents not yet extracted."""
    records = select_documents(db)
    batches = batched(records, batch_size)
    futures = extract_batch.map(batches)
    results = [future.result() for future in futures]
    loaded = load_extraction_lines(db, results, str(Path(out) / "extract"))
    get_run_logger().info("extract: %s documents in %s batches", len(records), len(batches))
    return {"documents": len(records), "batches": len(batches), **{f"loaded_{k}": v for k, v in loaded.items()}}


def extraction_runner(dask_address: str | None):
    """The extract stage on the default runner, or on a Dask cluster ("local" starts one here)."""
    if not dask_address:
        return extract_stage
    from prefect_dask import DaskTaskRunner

    if dask_address == "local":
        runner = DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True})
    else:
        runner = DaskTaskRunner(address=dask_address)
    return extract_stage.with_options(task_runner=runner)


@flow(name="render-stage")
def render_stage(db: str, out: str, week: str | None = None, read_only: bool = False, for_readers: bool = False) -> dict:
    """Render the week's draft (editors' earlier decisions applied) and publish it as artifacts.

    With `for_readers`, render the approved issue instead (into out/work/issue, for publish_issue).
    """
    folder = Path(out) / ("work/issue" if for_readers else "drafts")
    draft = render_week(db, str(folder), week, read_only, for_readers)
    week = draft["week"]
    key = week.lower()
    markdown = Path(draft["files"]["markdown"]).read_text(encoding="utf-8")
    create_markdown_artifact(markdown, key=f"newsletter-draft-{key}", description=f"Newsletter draft for {week}")
    if draft["table"]:
        create_table_artifact(draft["table"], key=f"deals-{key}", description=f"Deals reported in {week}")
    return {"week": week, "deals": draft["deals"], "new_deals": draft["new_deals"],
            "changed_deals": draft["changed_deals"], "draft": draft["files"], "context": draft["context"], "db": db}


def publish_issue(draft_files: dict[str, str], out: str, context: dict) -> dict[str, str]:
    """Copy an approved draft into the newsletter folder and add it to the archive and its feed."""
    from newsletter_templates.archive import update_archive

    published = Path(out) / "newsletter"
    published.mkdir(parents=True, exist_ok=True)
    result = {}
    for kind, file in draft_files.items():
        target = published / Path(file).name
        shutil.copyfile(file, target)
        result[kind] = str(target)
    archived = update_archive({k: Path(v) for k, v in result.items()}, context, published / "archive")
    result["archive"] = str(archived["index"])
    result["feed"] = str(archived["feed"])
    return result


@flow(name="weekly_tracker")
def weekly_tracker(
    week: str | None = None,
    sources: str | None = None,
    db: str = "data/tracker.duckdb",
    out: str = "out",
    sample: bool = False,
    auto_approve: bool = False,
    wait_for_approval: bool = True,
    approval_timeout: int = 3 * 24 * 3600,
    dask_address: str | None = None,
) -> dict:
    """Run the whole weekly pipeline.

    Args:
        week: ISO week to render (YYYY-Www); default the latest week with deals.
        sources: the sources registry (TOML); ignored when `sample` is true.
        db: the DuckDB warehouse file analysts open.
        out: folder for crawl files, drafts and the published newsletter.
        sample: crawl the bundled sample web from a loopback server instead of `sources`.
        auto_approve: publish the draft without an editor (demo and tests).
        wait_for_approval: pause for the editor's decision (Prefect's input form); when false the
            draft waits in `out/drafts` for `tracker approve`.
        approval_timeout: seconds to wait for the editor; a timed-out draft is kept.
        dask_address: run extraction on a Dask cluster (scheduler address, or "local").
    """
    logger = get_run_logger()
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    # Every stage writes a private working copy; analysts keep the published file open meanwhile.
    work = open_working_copy(db)
    crawled = crawl_stage(sources, work, out, sample)
    extracted = extraction_runner(dask_address)(work, out)
    deals = build_deal_records(work)
    rendered = render_stage(work, out, week)
    week = rendered["week"]
    publish_warehouse(work, db)  # before the review pause: analysts get the week's data at once

    if auto_approve:
        decision: ReviewDecision | None = ReviewDecision(approve=True, editor="auto-approve")
    elif wait_for_approval:
        decision = wait_for_review(week, rendered["deals"], approval_timeout)
    else:
        decision = None

    status, newsletter = "awaiting approval", rendered["draft"]
    if decision is None and wait_for_approval and not auto_approve:
        status = "timed out"
    if decision is not None:
        record_review(db, week, decision.model_dump(), via="prefect")
        if decision.approve:
            final = render_stage(db, out, week, read_only=True, for_readers=True)
            newsletter = publish_issue(final["draft"], out, final["context"])
            status = "approved"
        else:
            status = "rejected"
    logger.info("newsletter %s: %s (draft kept in %s)", week, status, Path(out) / "drafts")

    summary = {
        "week": week,
        "status": status,
        "db": db,
        "crawl": crawled,
        "extract": extracted,
        "deals": {**deals, "week": rendered["deals"], "new": rendered["new_deals"],
                  "changed": rendered["changed_deals"]},
        "newsletter": newsletter,
        "draft": rendered["draft"],
    }
    create_markdown_artifact(_summary_markdown(summary), key=f"run-summary-{week.lower()}",
                             description="Documents, mentions and deals of this run")
    return summary


def _summary_markdown(summary: dict) -> str:
    crawl = summary["crawl"]["crawl"]
    docs = summary["crawl"]["documents"]
    extract = summary["extract"]
    deals = summary["deals"]
    rows = [
        ("documents fetched", crawl.get("documents")),
        ("documents new", docs.get("new")),
        ("documents updated", docs.get("updated")),
        ("duplicates dropped", crawl.get("duplicates")),
        ("fetch errors", crawl.get("errors")),
        ("documents extracted", extract.get("documents")),
        ("mentions loaded", extract.get("loaded_mentions")),
        ("commitments loaded", extract.get("loaded_commitments")),
        ("deals in the warehouse", deals.get("deals")),
        ("deals this week", deals.get("week")),
        ("deals new this week", deals.get("new")),
        ("deals with changed figures this week", deals.get("changed")),
        ("newsletter", summary["status"]),
    ]
    lines = [f"# Weekly tracker run, {summary['week']}", "", "| what | count |", "| --- | --- |"]
    lines += [f"| {name} | {value if value is not None else '-'} |" for name, value in rows]
    return "\n".join(lines) + "\n"
