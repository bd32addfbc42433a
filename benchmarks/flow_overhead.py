"""Orchestration overhead: the ``weekly_tracker`` Prefect flow against the same stages in-process.

A 10,000-document week (``benchmarks/corpus.py``, every document published in ISO week
2025-W47) goes through the whole weekly pipeline on each side, each time in a fresh process with a
fresh warehouse, the same code and the same batches; the sides alternate ``--repeat`` times (2)
and the fastest run of each is compared, so one slow spell of a shared machine does not decide
the figure (every run's time is kept in ``flow_overhead_details``):

- flow: ``weekly_tracker(sources=REGISTRY, replay_crawl=DIR, auto_approve=True)`` with the
  default task runner: working copy, load the documents, extract and load in batches of 1,000
  (Prefect tasks, results persisted, cache keys computed), build deals, render the draft (with its
  artifacts), publish, record the approval, render and publish the issue, run summary artifact;
- in-process: the very same use cases (app/) the tasks wrap, called directly in the same order,
  with the same one-thread overlap of extraction and loading, and no Prefect run at all.

How documents get in: not through a 10,000-page crawl (minutes of HTML parsing that would drown
the overhead; ``benchmarks/crawl_speed.py`` measures the crawl). The crawl stage *replays* a
prepared crawl output (``documents.jsonl`` as the spider writes it): the flow's
``replay_crawl`` parameter, the same ``load_crawl`` task on both sides.

Prefect runs without a server here, so the first flow of a process starts a temporary local
server; that start is timed separately (``prefect_server_start_seconds``, a trivial flow run
first) and left out of ``flow_seconds_10k``, because a scheduled deployment runs against a
server that is already up. ``tracker run`` from a shell pays it once per command.

    .venv/bin/python -m benchmarks.flow_overhead              # 10,000 documents
    .venv/bin/python -m benchmarks.flow_overhead --docs 1000 --no-save

Merges ``flow_seconds_10k``, ``inprocess_seconds_10k``, ``flow_overhead`` (flow / in-process - 1),
``prefect_server_start_seconds``, ``flow_peak_rss_mb_10k``, ``inprocess_peak_rss_mb_10k`` and
``flow_overhead_details`` into ``benchmarks/results/latest.json``. Exit status 1 when a side
fails or the warehouses of the runs differ. The overhead target (under 15 %) is reported, not
enforced: it is noisy on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from benchmarks.corpus import SOURCE_ID, generate, registry, write_documents
from benchmarks.measure import bench_env, describe_machine, last_json_line, merge_results, now, python, run_measured

WEEK_START = date(2025, 11, 17)  # Monday of 2025-W47
DOCS_PER_STORY = 50  # a busy week: each deal retold by about 50 articles across outlets
TARGET = 0.15
TABLES = ("documents", "mentions", "commitments", "deals", "deal_evidence")


def run_flow(crawl_dir: str, sources: str, db: str, out: str) -> dict:
    """Child: the Prefect flow (after a trivial flow that starts the temporary server)."""
    from prefect import flow

    from flows.weekly import weekly_tracker

    @flow(name="benchmark-warm-up")
    def warm_up() -> int:
        return 1

    started = time.perf_counter()
    warm_up()
    server_start = time.perf_counter() - started
    started = time.perf_counter()
    result = weekly_tracker(sources=sources, db=db, out=out, replay_crawl=crawl_dir, auto_approve=True)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "server_start_seconds": server_start, "week": result["week"],
            "status": result["status"], "documents": result["extract"]["documents"],
            "batches": result["extract"]["batches"], "deals_in_week": result["deals"]["week"]}


def run_inprocess(crawl_dir: str, sources: str, db: str, out: str) -> dict:
    """Child: the flow's stages as plain calls of the same use cases (app/), no Prefect run."""
    from app.crawl import load_crawl
    from app.deals import build_deals, deal_resolver
    from app.extraction import count_documents, extract_batch, extract_pages, load_extraction_lines
    from app.newsletter import approve, render_draft
    from warehouse.decisions import decisions_from_review
    from warehouse.lock import acquire, release
    from warehouse.snapshot import publish, working_copy

    started = time.perf_counter()
    stages: dict[str, float] = {}

    last_lap = started

    def lap(name: str) -> None:
        nonlocal last_lap
        now_ = time.perf_counter()
        stages[name] = round(now_ - last_lap, 2)
        last_lap = now_

    Path(db).parent.mkdir(parents=True, exist_ok=True)
    acquire(db, holder="a benchmark run")  # the writer lock, as the flow takes it
    work = str(working_copy(db))
    load_crawl(work, sources, crawl_dir)
    lap("crawl_stage")
    # extract-stage: one extraction thread, at most 3 batches ahead of the load (as the flow)
    count_documents(work)
    work_dir = str(Path(out) / "extract")
    with ThreadPoolExecutor(max_workers=1) as pool:
        extracted = extract_pages(work, lambda records: pool.submit(extract_batch, records),
                                  lambda lines, number, _: load_extraction_lines(work, [lines], work_dir, first=number))
    lap("extract_stage")
    build_deals(work, deal_resolver())
    lap("build_deals")
    rendered = render_draft(work, out, None, read_only=False)
    week = rendered["week"]
    lap("render_draft")
    publish(work, db)
    release(db)
    review = {"approve": True, "editor": "auto-approve"}
    approve(db, out, week, decisions_from_review(week, review), via="prefect")
    lap("approve_and_publish")
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "week": week, "status": "approved", "documents": extracted["documents"],
            "batches": extracted["batches"], "deals_in_week": rendered["deals"], "stages": stages}


def table_counts(db: str) -> dict:
    import duckdb

    con = duckdb.connect(db, read_only=True)
    try:
        return {table: con.execute(f"select count(*) from {table}").fetchone()[0] for table in TABLES}
    finally:
        con.close()


def child(mode: str, crawl_dir: str, sources: str, db: str, out: str) -> int:
    figures = (run_flow if mode == "flow" else run_inprocess)(crawl_dir, sources, db, out)
    figures["rows"] = table_counts(db)
    print(json.dumps(figures), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000, help="documents in the week (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=2, help="corpus seed (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of each side, alternating; the fastest of each is compared (default: %(default)s)")
    parser.add_argument("--no-save", action="store_true", help="do not write benchmarks/results/latest.json")
    parser.add_argument("--child", nargs=5, metavar=("MODE", "CRAWL_DIR", "SOURCES", "DB", "OUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(*args.child)

    trials: dict[str, list[dict]] = {"inprocess": [], "flow": []}
    with tempfile.TemporaryDirectory(prefix="bench-flow-") as tmp:
        tmp_path = Path(tmp)
        crawl_dir = tmp_path / "crawl"
        crawl_dir.mkdir()
        stories = max(1, args.docs // DOCS_PER_STORY)
        write_documents(crawl_dir / "documents.jsonl",
                        generate(args.docs, args.seed, start=WEEK_START, days=6, stories=stories))
        sources = tmp_path / "sources.toml"
        sources.write_text(registry("https://bench.tracker.test", SOURCE_ID), encoding="utf-8")
        # the two sides alternate, so a slow spell of a shared machine hits both alike
        for trial in range(args.repeat):
            for mode in ("inprocess", "flow"):
                side = tmp_path / f"{mode}-{trial}"
                (side / "prefect-home").mkdir(parents=True)
                env = bench_env(prefect_home=str(side / "prefect-home"))
                env["PREFECT_LOGGING_LEVEL"] = "INFO"  # what `make run` and a deployment log
                command = [python(), "-m", "benchmarks.flow_overhead", "--child", mode, str(crawl_dir), str(sources),
                           str(side / "data" / "tracker.duckdb"), str(side / "out")]
                run = run_measured(command, env=env)
                if run["returncode"] != 0:
                    print(f"{mode}: failed (exit status {run['returncode']})")
                    return 1
                trials[mode].append(dict(run, figures=last_json_line(run["stdout"])))
                shutil.rmtree(side)

    # each side's fastest run: the least disturbed measurement of the same work
    runs = {mode: min(found, key=lambda run: run["figures"]["seconds"]) for mode, found in trials.items()}
    flow, inprocess = runs["flow"]["figures"], runs["inprocess"]["figures"]
    overhead = flow["seconds"] / inprocess["seconds"] - 1
    same = all(run["figures"]["rows"] == inprocess["rows"] for found in trials.values() for run in found)
    print(f"week {flow['week']}: {flow['documents']:,} documents in {flow['batches']} batches, "
          f"{flow['deals_in_week']:,} deals in the week, rows {flow['rows']}")
    for mode, label in (("inprocess", "in-process"), ("flow", "flow")):
        print(f"{label} runs: " + ", ".join(f"{run['figures']['seconds']:.1f} s" for run in trials[mode])
              + " (the fastest is compared)")
    print(f"in-process stages:    {inprocess['seconds']:.1f} s (peak RSS {runs['inprocess']['peak_rss_mb']:.0f} MB): "
          + ", ".join(f"{name} {value:.1f} s" for name, value in inprocess.get("stages", {}).items()))
    print(f"weekly_tracker flow:  {flow['seconds']:.1f} s (peak RSS {runs['flow']['peak_rss_mb']:.0f} MB, "
          f"Prefect's temporary server included)")
    print(f"overhead:             {overhead:+.1%} (target under {TARGET:.0%}); temporary server start, "
          f"not included: {flow['server_start_seconds']:.1f} s")
    if not same:
        print("the warehouses differ: " + "; ".join(
            f"{mode} {run['figures']['rows']}" for mode, found in trials.items() for run in found))
    if not args.no_save:
        suffix = "10k" if args.docs == 10_000 else f"{args.docs}"
        merge_results({
            f"flow_seconds_{suffix}": round(flow["seconds"], 2),
            f"inprocess_seconds_{suffix}": round(inprocess["seconds"], 2),
            "flow_overhead": round(overhead, 3),
            "prefect_server_start_seconds": round(flow["server_start_seconds"], 2),
            f"flow_peak_rss_mb_{suffix}": runs["flow"]["peak_rss_mb"],
            f"inprocess_peak_rss_mb_{suffix}": runs["inprocess"]["peak_rss_mb"],
            "flow_overhead_details": {
                "documents": args.docs, "seed": args.seed, "week": flow["week"], "batches": flow["batches"],
                "repeat": args.repeat,
                "flow_seconds_each": [round(run["figures"]["seconds"], 2) for run in trials["flow"]],
                "inprocess_seconds_each": [round(run["figures"]["seconds"], 2) for run in trials["inprocess"]],
                "deals_in_week": flow["deals_in_week"], "rows": flow["rows"], "same_rows": same,
                "flow_largest_process_rss_mb": runs["flow"]["largest_process_rss_mb"],
                "inprocess_largest_process_rss_mb": runs["inprocess"]["largest_process_rss_mb"],
                "flow_process_seconds": round(runs["flow"]["seconds"], 2),
                "inprocess_process_seconds": round(runs["inprocess"]["seconds"], 2),
                "inprocess_stage_seconds": inprocess.get("stages"),
                "target": TARGET,
                "measured_at": now(),
            },
            "machine": describe_machine(),
        })
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
