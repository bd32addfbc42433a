"""Scaling: time and peak memory of the batch path (load documents, extract, load) at 1k, 10k and
100k documents.

One generated corpus of 100,000 news-like documents (``benchmarks/corpus.py``: 300 to 900 words,
about 620 on average, over 600 days of publication dates) in crawl files of 2,000 documents, each
file generated from its own seed; the 1k and 10k corpora are its first 1,000 and 10,000
documents, so the per-document work is the same at every scale. For each scale, a
fresh process on a fresh warehouse runs the pipeline's streaming batch path, the one
``tracker reextract`` uses:

1. the documents stored the way crawls store them: ``load_documents`` of one crawler output file
   (``documents.jsonl``) per 2,000 documents, a few weeks of crawling each;
2. ``tracker.reextract.extract_and_load``: every stored document read back in keyset pages of
   1,000 (``EXTRACT_BATCH``), extracted by 2 worker processes (the machine's cores; each builds
   the pipeline once), each batch bulk-loaded in its own transaction as soon as it is back.

Full extraction at every scale, no sampling: 100k documents are ~62M words, about two minutes on
two cores. Peak memory is the process tree's (main process plus workers; see
``benchmarks/measure.py``); it must stay flat: under 2 GiB at 100k and within 1.5x of the 10k
figure. Time should grow linearly (the same time per document at every scale).

    .venv/bin/python -m benchmarks.scaling                       # 1k, 10k, 100k
    .venv/bin/python -m benchmarks.scaling --scales 1000 10000 --no-save

Merges ``peak_rss_mb_1k``/``_10k``/``_100k``, ``scaling_seconds_*``, ``scaling_ms_per_doc_*``
and ``scaling`` (details, targets) into ``benchmarks/results/latest.json``. Exit status 1 when a
run fails or loses documents; a missed target is reported, not an error.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import SOURCE_ID, crawl_document, generate, registry
from benchmarks.measure import bench_env, describe_machine, last_json_line, merge_results, now, python, run_measured
from tracker.settings import EXTRACT_BATCH

SCALES = (1_000, 10_000, 100_000)
CRAWL_FILE = 2_000  # documents per crawler output file
MAX_PEAK_MB = 2048
MAX_GROWTH = 1.5  # peak RSS at 100k / at 10k


def label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def write_crawl_file(folder: Path, number: int, seed: int) -> Path:
    """Crawl file `number` of the corpus: CRAWL_FILE documents of their own seed."""
    path = folder / f"documents-{number:04d}.jsonl"
    with path.open("w", encoding="utf-8") as sink:
        for record in generate(CRAWL_FILE, f"{seed}-{number}"):
            sink.write(json.dumps(crawl_document(record), ensure_ascii=False, sort_keys=True) + "\n")
    return path


def write_corpus(folder: Path, documents: int, seed: int, processes: int = 2) -> list[Path]:
    """The crawler's documents.jsonl files of the corpus, CRAWL_FILE documents each, in order.

    Each file has its own seed, so the first k files of a bigger corpus are those of a smaller
    one, and files are written in parallel."""
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    folder.mkdir(parents=True, exist_ok=True)
    numbers = range(-(-documents // CRAWL_FILE))
    with ProcessPoolExecutor(max_workers=processes) as pool:
        return list(pool.map(partial(write_crawl_file, folder, seed=seed), numbers))


def child(corpus: str, documents: int, db: str, workers: int, batch_size: int) -> int:
    """One scale in a fresh process: store the documents, then stream extract and load."""
    from spiders.registry import load_sources as read_registry
    from tracker.reextract import extract_and_load
    from warehouse.db import connect
    from warehouse.load import iter_documents_to_extract, load_documents, load_sources

    sources = Path(db).with_name("sources.toml")
    sources.write_text(registry("https://bench.tracker.test", SOURCE_ID), encoding="utf-8")
    files = sorted(Path(corpus).glob("documents-*.jsonl"))[: -(-documents // CRAWL_FILE)]
    if documents % CRAWL_FILE:  # the first documents of the last file only
        part = Path(db).with_name("documents-part.jsonl")
        with files[-1].open(encoding="utf-8") as source, part.open("w", encoding="utf-8") as sink:
            sink.writelines(line for _, line in zip(range(documents % CRAWL_FILE), source))
        files[-1] = part
    started = time.perf_counter()
    con = connect(db)
    try:
        load_sources(con, read_registry(sources))
        loaded = {"new": 0}
        for path in files:
            loaded["new"] += load_documents(con, path)["new"]
        documents_seconds = time.perf_counter() - started
        totals = extract_and_load(con, iter_documents_to_extract(con, batch_size), Path(db).parent,
                                  workers=workers)
        stored = con.execute("select count(*) from documents where extracted_content_hash = content_hash").fetchone()[0]
    finally:
        con.close()
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "documents_seconds": documents_seconds,
                      "extract_load_seconds": seconds - documents_seconds, "new": loaded["new"],
                      "extracted": stored, **totals}), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=list(SCALES),
                        help="corpus sizes in documents (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=3, help="corpus seed (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=2, help="extraction processes (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=EXTRACT_BATCH,
                        help="documents per batch (default: %(default)s, as the flow and reextract)")
    parser.add_argument("--no-save", action="store_true", help="do not write benchmarks/results/latest.json")
    parser.add_argument("--child", nargs=5, metavar=("CORPUS", "DOCUMENTS", "DB", "WORKERS", "BATCH"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        corpus, documents, db, workers, batch = args.child
        return child(corpus, int(documents), db, int(workers), int(batch))

    scales = sorted(set(args.scales))
    runs: dict[int, dict] = {}
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as tmp:
        tmp_path = Path(tmp)
        started = time.perf_counter()
        corpus = tmp_path / "corpus"
        files = write_corpus(corpus, max(scales), args.seed)
        corpus_mb = sum(path.stat().st_size for path in files) / 1e6
        print(f"corpus written in {time.perf_counter() - started:.0f} s: {max(scales):,} documents in "
              f"{len(files)} crawl files, {corpus_mb:.0f} MB", flush=True)
        for n in scales:
            folder = tmp_path / label(n)
            folder.mkdir()
            command = [python(), "-m", "benchmarks.scaling", "--child", str(corpus), str(n),
                       str(folder / "tracker.duckdb"), str(args.workers), str(args.batch_size)]
            run = run_measured(command, env=bench_env())
            if run["returncode"] != 0:
                print(f"{label(n)}: failed (exit status {run['returncode']})")
                failed = True
                continue
            figures = last_json_line(run["stdout"])
            if figures["extracted"] != n or figures["new"] != n:
                print(f"{label(n)}: {figures['new']} documents loaded, {figures['extracted']} extracted, expected {n}")
                failed = True
            runs[n] = dict(run, figures=figures)
            print(f"{label(n):>5}: {figures['seconds']:7.1f} s ({figures['seconds'] / n * 1000:.2f} ms/document: "
                  f"documents {figures['documents_seconds']:.1f} s, extract+load {figures['extract_load_seconds']:.1f} s), "
                  f"peak RSS {run['peak_rss_mb']:.0f} MB (largest process {run['largest_process_rss_mb']:.0f} MB), "
                  f"{figures['mentions']:,} mentions, {figures['commitments']:,} commitments", flush=True)

    results: dict = {}
    targets: dict = {}
    for n, run in runs.items():
        figures = run["figures"]
        results[f"peak_rss_mb_{label(n)}"] = run["peak_rss_mb"]
        results[f"scaling_seconds_{label(n)}"] = round(figures["seconds"], 2)
        results[f"scaling_ms_per_doc_{label(n)}"] = round(figures["seconds"] / n * 1000, 3)
    if 10_000 in runs and 100_000 in runs:
        growth = runs[100_000]["peak_rss_mb"] / runs[10_000]["peak_rss_mb"]
        time_growth = (runs[100_000]["figures"]["seconds"] / 100_000) / (runs[10_000]["figures"]["seconds"] / 10_000)
        targets = {
            "peak_rss_100k_under_2gib": runs[100_000]["peak_rss_mb"] < MAX_PEAK_MB,
            "peak_rss_growth_10k_to_100k": round(growth, 3),
            "peak_rss_growth_within_1_5x": growth <= MAX_GROWTH,
            "time_per_doc_growth_10k_to_100k": round(time_growth, 3),
        }
        print(f"10k -> 100k: peak RSS x{growth:.2f} (target <= {MAX_GROWTH}), time per document x{time_growth:.2f} "
              f"(1.00 = linear); 100k peak {runs[100_000]['peak_rss_mb']:.0f} MB (target < {MAX_PEAK_MB} MB)")
        for name in ("peak_rss_100k_under_2gib", "peak_rss_growth_within_1_5x"):
            if not targets[name]:
                print(f"target missed: {name}")
    if not args.no_save and runs:
        results["scaling"] = {
            "seed": args.seed, "workers": args.workers, "batch_size": args.batch_size, "crawl_file": CRAWL_FILE,
            "corpus_mb": round(corpus_mb, 1),
            "runs": {label(n): {
                "documents": n, "seconds": round(run["figures"]["seconds"], 2),
                "documents_seconds": round(run["figures"]["documents_seconds"], 2),
                "extract_load_seconds": round(run["figures"]["extract_load_seconds"], 2),
                "process_seconds": round(run["seconds"], 2), "peak_rss_mb": run["peak_rss_mb"],
                "largest_process_rss_mb": run["largest_process_rss_mb"], "batches": run["figures"]["batches"],
                "mentions": run["figures"]["mentions"], "commitments": run["figures"]["commitments"],
            } for n, run in runs.items()},
            "targets": targets,
            "measured_at": now(),
        }
        results["machine"] = describe_machine()
        merge_results(results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
