"""Newsletter render time for a week with 1,000 deals, next to a week with 10.

Builds one warehouse with the real pipeline: generated news documents (``benchmarks/corpus.py``)
published in ISO week 2025-W47 are loaded, extracted and clustered into deals, topped up with
more documents of that week until the week reports 1,000 deals; then documents of 2025-W48 until
that week reports 10 deals. Then, measured:

- ``tracker newsletter --week 2025-W47`` as a whole process (start-up included; best of 2): what an
  editor runs, the week context read from the warehouse, decisions applied, the HTML email (CSS
  inlined), text and Markdown rendered and written;
- reference: the same command for 2025-W48 (10 deals): the fixed cost (Python, imports, opening
  the warehouse, compiling the templates), so the difference is the cost of 990 deals;
- in-process, after imports (one child process): the context query and the rendering, each timed.

    .venv/bin/python -m benchmarks.render_speed
    .venv/bin/python -m benchmarks.render_speed --deals 200 --no-save

Merges ``render_seconds_1000_deals``, ``render_seconds_10_deals``, ``render_ms_per_deal``,
``render_peak_rss_mb_1000_deals`` and ``render`` (details) into ``benchmarks/results/latest.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from benchmarks.corpus import SOURCE_ID, generate, registry, write_documents
from benchmarks.measure import bench_env, describe_machine, last_json_line, merge_results, now, python, run_measured

BIG_WEEK, BIG_START = "2025-W47", date(2025, 11, 17)
SMALL_WEEK, SMALL_START = "2025-W48", date(2025, 11, 24)


def deals_in_week(con, week: str) -> int:
    return con.execute("select count(distinct deal_id) from weekly_deals where iso_week = ?", [week]).fetchone()[0]


def fill_week(con, folder: Path, week: str, start: date, target: int, seed: int) -> tuple[int, int]:
    """Add documents of one week (the first n of a seeded corpus) until it reports `target` deals.

    Returns (documents, deals). Each round loads the grown corpus (known documents are unchanged),
    extracts the new ones and rebuilds the deals; the next n is estimated from the deals per
    document so far (a document may report several deals), a little short of the target, so the
    week ends at the target or a few deals over it.
    """
    from app.extraction import extract_and_load
    from warehouse.deals import build_deals
    from warehouse.load import iter_documents_to_extract, load_documents

    n, deals = max(1, target // 4), 0
    for _ in range(20):
        path = folder / f"documents-{week}.jsonl"
        write_documents(path, generate(n, seed, start=start, days=6))
        load_documents(con, path)
        extract_and_load(con, iter_documents_to_extract(con, 1000), folder, workers=2)
        build_deals(con)
        deals = deals_in_week(con, week)
        if deals >= target:
            break
        per_document = deals / n if deals else 1.0
        n += max(1, int((target - deals) / per_document * 0.8))
    return n, deals


def build_warehouse(db: Path, deals: int, seed: int) -> dict:
    from spiders.registry import load_sources as read_registry
    from warehouse.db import connect
    from warehouse.load import load_sources

    sources = db.with_name("sources.toml")
    sources.write_text(registry("https://bench.tracker.test", SOURCE_ID), encoding="utf-8")
    con = connect(db)
    try:
        load_sources(con, read_registry(sources))
        big = fill_week(con, db.parent, BIG_WEEK, BIG_START, deals, seed)
        small = fill_week(con, db.parent, SMALL_WEEK, SMALL_START, 10, seed + 1)
    finally:
        con.close()
    return {BIG_WEEK: {"documents": big[0], "deals": big[1]}, SMALL_WEEK: {"documents": small[0], "deals": small[1]}}


def child(db: str, week: str, out: str) -> int:
    """In-process: the week's context and the rendering, timed after the imports."""
    from newsletter_templates.render import render_newsletter
    from warehouse.db import connect
    from warehouse.decisions import apply_decisions, week_decisions
    from warehouse.report import week_context

    started = time.perf_counter()
    con = connect(db, read_only=True)
    try:
        context = apply_decisions(week_context(con, week), week_decisions(con, week))
    finally:
        con.close()
    context_seconds = time.perf_counter() - started
    started = time.perf_counter()
    files = render_newsletter(context, out)
    render_seconds = time.perf_counter() - started
    sizes = {kind: Path(path).stat().st_size for kind, path in files.items()}
    print(json.dumps({"context_seconds": context_seconds, "render_seconds": render_seconds,
                      "deals": len(context["deals"]), "bytes": sizes}))
    return 0


def best_command(command: list[str], repeat: int) -> dict:
    runs = []
    for _ in range(repeat):
        run = run_measured(command, env=bench_env())
        if run["returncode"] != 0:
            raise RuntimeError(f"{' '.join(command[2:])}: exit status {run['returncode']}")
        runs.append(run)
    return min(runs, key=lambda run: run["seconds"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=1000, help="deals in the measured week (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=4, help="corpus seed (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each command, best kept (default: %(default)s)")
    parser.add_argument("--no-save", action="store_true", help="do not write benchmarks/results/latest.json")
    parser.add_argument("--child", nargs=3, metavar=("DB", "WEEK", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(*args.child)

    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        tmp_path = Path(tmp)
        db = tmp_path / "data" / "tracker.duckdb"
        db.parent.mkdir()
        started = time.perf_counter()
        weeks = build_warehouse(db, args.deals, args.seed)
        print(f"warehouse built in {time.perf_counter() - started:.0f} s: "
              + ", ".join(f"{week}: {w['deals']} deals from {w['documents']} documents" for week, w in weeks.items()),
              flush=True)
        try:
            big = best_command([python(), "-m", "tracker", "newsletter", "--week", BIG_WEEK, "--db", str(db),
                                "--out", str(tmp_path / "out-big")], args.repeat)
            small = best_command([python(), "-m", "tracker", "newsletter", "--week", SMALL_WEEK, "--db", str(db),
                                  "--out", str(tmp_path / "out-small")], args.repeat)
            inner = best_command([python(), "-m", "benchmarks.render_speed", "--child", str(db), BIG_WEEK,
                                  str(tmp_path / "out-child")], 1)
        except RuntimeError as exc:
            print(f"render failed: {exc}")
            return 1
    figures = last_json_line(inner["stdout"])
    n_big, n_small = weeks[BIG_WEEK]["deals"], weeks[SMALL_WEEK]["deals"]
    per_deal_ms = (big["seconds"] - small["seconds"]) / max(1, n_big - n_small) * 1000
    print(f"tracker newsletter, {n_big:,} deals:  {big['seconds']:.2f} s (peak RSS {big['peak_rss_mb']:.0f} MB)")
    print(f"tracker newsletter, {n_small} deals (reference): {small['seconds']:.2f} s "
          f"(peak RSS {small['peak_rss_mb']:.0f} MB)")
    print(f"per deal: {per_deal_ms:.2f} ms; in-process for {figures['deals']:,} deals: context "
          f"{figures['context_seconds']:.2f} s, render {figures['render_seconds']:.2f} s "
          f"(HTML {figures['bytes'].get('html', 0) / 1e6:.1f} MB)")
    if not args.no_save:
        merge_results({
            f"render_seconds_{args.deals}_deals": round(big["seconds"], 3),
            "render_seconds_10_deals": round(small["seconds"], 3),
            "render_ms_per_deal": round(per_deal_ms, 3),
            f"render_peak_rss_mb_{args.deals}_deals": big["peak_rss_mb"],
            "render": {
                "weeks": weeks, "repeat": args.repeat, "seed": args.seed,
                "command": "tracker newsletter --week WEEK --db DB --out DIR",
                "peak_rss_mb_10_deals": small["peak_rss_mb"],
                "largest_process_rss_mb": big["largest_process_rss_mb"],
                "inprocess_context_seconds": round(figures["context_seconds"], 3),
                "inprocess_render_seconds": round(figures["render_seconds"], 3),
                "inprocess_deals": figures["deals"], "bytes": figures["bytes"],
                "measured_at": now(),
            },
            "machine": describe_machine(),
        })
    return 0


if __name__ == "__main__":
    sys.exit(main())
