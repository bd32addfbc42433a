"""The `weekly_tracker` flow: crawl -> load -> extract -> deals -> draft -> review -> publish.

Each stage is a sub-flow so operators see it as its own run in the Prefect UI, and the command
line can run one stage alone (`tracker crawl`, `tracker newsletter`). The flow only orchestrates:
every step calls the layer that owns the logic (see flows/tasks.py).
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from app.extraction import extract_pages
from common.progress import progress_bar
from flows.review import ReviewDecision, wait_for_review
from flows.tasks import (
    EXTRACT_BATCH,
    approve_issue,
    build_deal_records,
    count_documents,
    crawl_sample,
    crawl_sources,
    export_state,
    extract_batch,
    load_crawl,
    load_extraction_lines,
    open_working_copy,
    publish_warehouse,
    refresh_fx_rates,
    render_week,
    sample_history,
)
from nlp.currencies import refreshed_path
from spiders.reference_rates import history_url
from warehouse.lock import writer_lock


@flow(name="crawl-stage")
def crawl_stage(
    sources: str | None, db: str, out: str, sample: bool = False, replay: str | None = None,
    edition: str | None = None,
) -> dict:
    """Crawl the sources (or the bundled sample web, or one of its `edition`s) and load what was found.

    Crawls are incremental: the crawl state the warehouse keeps (feed validators, articles seen)
    goes to the crawler, which fetches only new and updated articles.

    With `replay`, a folder holding an earlier crawl's output (documents.jsonl, and
    crawl_errors.jsonl if any) of the registry `sources`, nothing is fetched: that output is
    loaded as it is (replaying an archived crawl; the 10k-document benchmark).
    """
    crawl_dir = str(Path(out) / "crawl")
    if replay is not None:
        if sources is None:
            raise ValueError("crawl_stage needs the sources file of the crawl it replays")
        loaded = load_crawl(db, sources, replay)
        return {"crawl": {"documents": sum(loaded.values()), "replayed": replay, "registry": sources},
                "documents": loaded}
    state = str(Path(out) / "work" / "crawl-state.json")
    if sample:
        export_state(db, state)
        crawled = crawl_sample(str(Path(out) / "work"), crawl_dir, state, edition)
    elif sources is not None:
        export_state(db, state)
        crawled = crawl_sources(sources, crawl_dir, state)
    else:
        raise ValueError("crawl_stage needs a sources file or sample=True")
    loaded = load_crawl(db, crawled["registry"], crawl_dir)
    return {"crawl": crawled, "documents": loaded}


@flow(name="sample-history")
def sample_history_stage(db: str, out: str, dask_address: str | None = None) -> list[dict]:
    """Replay the sample web's earlier editions into a warehouse that has never seen it.

    Each edition is crawled, extracted and clustered as the weekly run of that date would have
    done, so an article updated later is stored first as it was then (app/sample.py).
    """
    replayed = []
    for edition in sample_history(db):
        edition_out = str(Path(out) / "work" / "editions" / Path(edition).name)
        crawled = crawl_stage(None, db, edition_out, sample=True, edition=edition)
        extracted = extraction_runner(dask_address)(db, edition_out)
        deals = build_deal_records(db)
        replayed.append({"edition": Path(edition).name, "crawl": crawled, "extract": extracted, "deals": deals})
    return replayed


@flow(name="crawl-only")
def crawl_only(sources: str | None, db: str, out: str, sample: bool = False) -> dict:
    """The crawl stage alone (`tracker crawl`), on a working copy published at the end."""
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    with writer_lock(db, holder="tracker crawl"):  # one writer at a time, until published
        work = open_working_copy(db)
        result = crawl_stage(sources, work, out, sample)
        publish_warehouse(work, db)
    return result


# One worker thread: spaCy pipelines are not shared between threads. Scale out with Dask instead
# (`extract_stage.with_options(task_runner=DaskTaskRunner(...))`, see extraction_runner()).
@flow(name="extract-stage", task_runner=ThreadPoolTaskRunner(max_workers=1))
def extract_stage(db: str, out: str, batch_size: int = EXTRACT_BATCH, in_flight: int = 3) -> dict:
    """Extract countries, companies and commitments from documents not yet extracted.

    Streams in batches: a page of `batch_size` documents is read, extracted and loaded (one
    transaction), with at most `in_flight` batches submitted ahead of the load, so memory stays
    flat however many documents wait and a Dask cluster's workers are kept busy.
    """
    work_dir = str(Path(out) / "extract")

    def load(lines: list[dict], number: int, future) -> dict:
        # quote(): otherwise Prefect walks and copies every nested value of the extraction
        # lines looking for futures, seconds per batch of 1,000 (benchmarks/flow_overhead.py);
        # wait_for keeps the extract -> load edge in the run's graph.
        return load_extraction_lines(db, quote([lines]), work_dir, first=number, wait_for=[future])

    with progress_bar(total=count_documents(db), desc="extract+load", unit="doc") as bar:
        result = extract_pages(db, extract_batch.submit, load, batch_size=batch_size, in_flight=in_flight,
                               on_batch=bar.update)
    get_run_logger().info("extract: %s documents in %s batches", result["documents"], result["batches"])
    return result


def extraction_runner(dask_address: str | None):
    """The extract stage on the default runner, or on a Dask cluster ("local" starts one here)."""
    if not dask_address:
        return extract_stage
    # imported only for a Dask run: it adds 0.7-0.9 s to every import of this module (measured:
    # `python -c "import flows.weekly"` 4.2-4.5 s with it at the top, 3.6 s without)
    from prefect_dask import DaskTaskRunner

    if dask_address == "local":
        runner = DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True})
    else:
        runner = DaskTaskRunner(address=dask_address)
    return extract_stage.with_options(task_runner=runner)


@flow(name="render-stage")
def render_stage(
    db: str, out: str, week: str | None = None, read_only: bool = False, for_readers: bool = False
) -> dict:
    """Render the week's draft (editors' earlier decisions applied) and publish it as artifacts.

    With `for_readers`, render the approved issue instead (into out/work/issue, for publish_issue).
    """
    folder = Path(out) / ("work/issue" if for_readers else "drafts")
    draft = render_week(db, str(folder), week, read_only, for_readers)
    week = draft["week"]
    create_draft_artifacts(draft)
    return {"week": week, "deals": draft["deals"], "new_deals": draft["new_deals"],
            "changed_deals": draft["changed_deals"], "draft": draft["files"], "review": draft["review"],
            "archive": draft["archive"], "db": db}


def create_draft_artifacts(draft: dict) -> None:
    """The rendered draft's markdown and its table of deals, as artifacts of the run."""
    week = draft["week"]
    key = week.lower()
    markdown = artifact_markdown(Path(draft["files"]["markdown"]))
    create_markdown_artifact(markdown, key=f"newsletter-draft-{key}", description=f"Newsletter draft for {week}")
    if draft["table"]:
        create_table_artifact(draft["table"], key=f"deals-{key}", description=f"Deals reported in {week}")


# Prefect's server refuses events over 1.5 MB (an artifact's creation is one), and its UI is slow
# with markdown of that size: a longer draft is cut (at a deal's heading where it can), with a
# note of where the whole of it is.
ARTIFACT_MAX_CHARS = 500_000


def artifact_markdown(path: Path, limit: int = ARTIFACT_MAX_CHARS) -> str:
    """The draft's markdown for its Prefect artifact: whole, or its first deals up to `limit` characters."""
    markdown = path.read_text(encoding="utf-8")
    if len(markdown) <= limit:
        return markdown
    cut = markdown.rfind("\n### ", 0, limit)  # at a deal's heading, unless that loses half
    if cut < limit // 2:
        cut = markdown.rfind("\n", 0, limit)
    if cut <= 0:  # one line longer than the limit
        cut = limit
    return (markdown[:cut].rstrip() + f"\n\n---\n\n*Cut for the Prefect UI after {cut:,} of "
            f"{len(markdown):,} characters: the whole draft is `{path}`.*\n")


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
    replay_crawl: str | None = None,
    refresh_fx: bool = True,
) -> dict:
    """Run the whole weekly pipeline.

    Args:
        week: ISO week to render (YYYY-Www); default the latest week with deals.
        sources: the sources registry (TOML); ignored when `sample` is true.
        db: the DuckDB warehouse file analysts open.
        out: folder for crawl files, drafts and the published newsletter.
        sample: crawl the bundled sample web from a loopback server instead of `sources` (a new
            warehouse first replays the sample's earlier editions: app/sample.py).
        auto_approve: publish the draft without an editor (demo and tests).
        wait_for_approval: pause for the editor's decision (Prefect's input form); when false the
            draft waits in `out/drafts` for `tracker approve`.
        approval_timeout: seconds to wait for the editor; a timed-out draft is kept.
        dask_address: run extraction on a Dask cluster (scheduler address, or "local").
        replay_crawl: load this folder's earlier crawl output (documents.jsonl) of the registry
            `sources` instead of crawling (archived crawls; benchmarks/flow_overhead.py).
        refresh_fx: refresh the USD rate table from the ECB (TRACKER_FX_URL) into `fx_rates.csv`
            next to the warehouse before extracting; never with `sample` (its rates are the
            bundled table's, so the sample run gives the same bytes every time).
    """
    logger = get_run_logger()
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    # Every stage writes a private working copy; analysts keep the published file open meanwhile.
    # The writer lock is held from the copy to its publish (released also when a stage raises, and
    # the copy then discarded): another writer waits, then is told this run holds the warehouse.
    # The rates are refreshed first: a download needs no lock.
    fx = refresh_fx_rates(str(refreshed_path(db)), history_url()) if refresh_fx and not sample else None
    with writer_lock(db, holder="a weekly run"):
        work = open_working_copy(db)
        history = sample_history_stage(work, out, dask_address) if sample else []
        crawl = crawl_stage(sources, work, out, sample, replay_crawl)
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
        decided = approve_issue(db, out, week, decision.model_dump(), via="prefect")
        if decided["issue"] is not None:
            create_draft_artifacts(decided["issue"])
            newsletter = decided["newsletter"]
            status = "approved"
        else:
            status = "rejected"
    logger.info("newsletter %s: %s (draft kept in %s)", week, status, Path(out) / "drafts")

    summary = {
        "week": week,
        "status": status,
        "db": db,
        "history": [{"edition": entry["edition"], **entry["crawl"]["documents"]} for entry in history],
        "crawl": crawl,
        "extract": extracted,
        "deals": {**deals, "week": rendered["deals"], "new": rendered["new_deals"],
                  "changed": rendered["changed_deals"]},
        "newsletter": newsletter,
        "draft": rendered["draft"],
        "review": rendered["review"],
        "fx": fx,
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
        ("earlier sample editions replayed", ", ".join(
            f"{h['edition']} ({h.get('new', 0)} new, {h.get('updated', 0)} updated)"
            for h in summary.get("history") or []
        ) or None),
        ("documents fetched", crawl.get("documents")),
        ("documents new", docs.get("new")),
        ("documents updated", docs.get("updated")),
        ("duplicates dropped", crawl.get("duplicates")),
        ("fetch errors", crawl.get("errors")),
        ("documents extracted", extract.get("documents")),
        ("documents that failed extraction (crawl_errors, stage extract)", extract.get("loaded_failed")),
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
