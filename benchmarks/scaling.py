"""Scaling: time and peak memory of the batch path (store documents, extract, load) at 1k, 10k
and 100k documents.

One generated corpus of 100,000 news-like documents (``benchmarks/corpus.py``: 300 to 900 words,
about 620 on average, over 600 days of publication dates) in crawl files of 2,000 documents, each
file generated from its own seed; the 1k and 10k corpora are its first 1,000 and 10,000
documents, so the per-document work is the same at every scale. Each scale gets a fresh
warehouse and two phases, each a fresh, measured process:

1. storing the documents the way crawls store them: ``load_documents`` of one crawler output
   file (``documents.jsonl``) per 2,000 documents, a few weeks of crawling each;
2. extraction and loading, the streaming path of ``tracker reextract``
   (``app.extraction.extract_and_load``): every stored document read back in pages (doc_id ranges) of
   1,000 (``EXTRACT_BATCH``), extracted by 2 worker processes (the machine's cores; each builds
   the pipeline once, and writes each batch's lines to a file); the batches that are back are
   bulk-loaded together in one transaction (at most 4) while the workers extract the next.

Full extraction at every scale, no sampling: 100k documents are ~62M words, about two minutes on
two cores. Below 100k, phase 2 runs twice (``--repeat-small``) on copies of the stored warehouse
and the fastest run counts: a 10-second run is at the mercy of a shared machine's noise, so
comparing one such run with the 100k run said more about the machine than the code. Peak memory is
the process tree's (main process plus workers; see ``benchmarks/measure.py``). Targets for phase 2:
peak memory flat (under 2 GiB at 100k and within 1.5x of the 10k figure) and time linear (the same
time per document at every scale). Phase 1 is reported next to it.

    .venv/bin/python -m benchmarks.scaling                       # 1k, 10k, 100k
    .venv/bin/python -m benchmarks.scaling --scales 1000 10000 --no-save

Merges ``peak_rss_mb_1k``/``_10k``/``_100k`` (phase 2), ``scaling_seconds_*`` and
``scaling_ms_per_doc_*`` (both phases) and ``scaling`` (each phase's time and peak, targets)
into ``benchmarks/results/latest.json``. Exit status 1 when a run fails or loses documents; a
missed target is reported, not an error.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import SOURCE_ID, crawl_document, generate, registry
from benchmarks.measure import bench_env, describe_machine, last_json_line, merge_results, now, python, run_measured
from common.settings import EXTRACT_BATCH

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


def store(corpus: str, documents: int, db: str) -> int:
    """Phase 1 in a fresh process: store the first `documents` of the corpus, crawl file by file."""
    from spiders.registry import load_sources as read_registry
    from warehouse.db import connect
    from warehouse.load import load_documents, load_sources

    sources = Path(db).with_name("sources.toml")
    sources.write_text(registry("https://bench.tracker.test", SOURCE_ID), encoding="utf-8")
    files = sorted(Path(corpus).glob("documents-*.jsonl"))[: -(-documents // CRAWL_FILE)]
    if documents % CRAWL_FILE:  # the first documents of the last file only
        part = Path(db).with_name("documents-part.jsonl")
        with files[-1].open(encoding="utf-8") as source, part.open("w", encoding="utf-8") as sink:
            sink.writelines(itertools.islice(source, documents % CRAWL_FILE))
        files[-1] = part
    started = time.perf_counter()
    con = connect(db)
    try:
        load_sources(con, read_registry(sources))
        new = sum(load_documents(con, path)["new"] for path in files)
    finally:
        con.close()
    print(json.dumps({"seconds": time.perf_counter() - started, "new": new}), flush=True)
    return 0


def extract(db: str, workers: int, batch_size: int) -> int:
    """Phase 2 in a fresh process: every stored document through the streaming extract+load."""
    from app.extraction import extract_and_load
    from warehouse.db import connect
    from warehouse.load import iter_documents_to_extract

    started = time.perf_counter()
    con = connect(db)
    try:
        totals = extract_and_load(con, iter_documents_to_extract(con, batch_size), Path(db).parent, workers=workers)
        extracted = con.execute(
            "select count(*) from documents where extracted_content_hash = content_hash").fetchone()[0]
    finally:
        con.close()
    print(json.dumps({"seconds": time.perf_counter() - started, "extracted": extracted, **totals}), flush=True)
    return 0


def measure_scale(corpus: Path, n: int, folder: Path, workers: int, batch_size: int, repeat: int = 1) -> dict:
    """Both phases of one scale, each a measured child process; raises RuntimeError on failure.

    With `repeat` > 1, phase 2 runs that many times, each on a copy of the warehouse phase 1
    stored, and the fastest run counts."""
    db = folder / "tracker.duckdb"
    stored_db = folder / "stored.duckdb"

    def measured(phase: str, extra: list[str]) -> dict:
        run = run_measured([python(), "-m", "benchmarks.scaling", f"--{phase}", *extra], env=bench_env())
        if run["returncode"] != 0:
            raise RuntimeError(f"{label(n)}: {phase} failed (exit status {run['returncode']})")
        return dict(run, figures=last_json_line(run["stdout"]))

    phases = {"store": measured("store", [str(corpus), str(n), str(db)])}
    if repeat > 1:
        shutil.copyfile(db, stored_db)
    tries = []
    for attempt in range(repeat):
        if attempt:
            shutil.copyfile(stored_db, db)
        tries.append(measured("extract", [str(db), str(workers), str(batch_size)]))
    phases["extract"] = min(tries, key=lambda run: run["figures"]["seconds"])
    stored, extracted = phases["store"]["figures"], phases["extract"]["figures"]
    if stored["new"] != n or extracted["extracted"] != n:
        raise RuntimeError(f"{label(n)}: {stored['new']} documents stored, {extracted['extracted']} extracted, "
                           f"expected {n}")
    return {
        "documents": n,
        "seconds": stored["seconds"] + extracted["seconds"],
        "documents_seconds": stored["seconds"],
        "extract_load_seconds": extracted["seconds"],
        "peak_rss_mb": phases["extract"]["peak_rss_mb"],
        "largest_process_rss_mb": phases["extract"]["largest_process_rss_mb"],
        "documents_peak_rss_mb": phases["store"]["peak_rss_mb"],
        "batches": extracted["batches"], "mentions": extracted["mentions"], "commitments": extracted["commitments"],
        "extract_load_seconds_each": [round(run["figures"]["seconds"], 2) for run in tries],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=list(SCALES),
                        help="corpus sizes in documents (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=3, help="corpus seed (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=2, help="extraction processes (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=EXTRACT_BATCH,
                        help="documents per batch (default: %(default)s, as the flow and reextract)")
    parser.add_argument("--repeat-small", type=int, default=2,
                        help="runs of phase 2 below 100k documents, the fastest counts (default: %(default)s; "
                             "a 10-second run is at the mercy of a shared machine's noise, 100k is not)")
    parser.add_argument("--no-save", action="store_true", help="do not write benchmarks/results/latest.json")
    parser.add_argument("--store", nargs=3, metavar=("CORPUS", "DOCUMENTS", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--extract", nargs=3, metavar=("DB", "WORKERS", "BATCH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.store:
        corpus, documents, db = args.store
        return store(corpus, int(documents), db)
    if args.extract:
        db, workers, batch = args.extract
        return extract(db, int(workers), int(batch))

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
            try:
                repeat = args.repeat_small if n < 100_000 else 1
                run = runs[n] = measure_scale(corpus, n, folder, args.workers, args.batch_size, repeat)
            except RuntimeError as exc:
                print(exc)
                failed = True
                continue
            print(f"{label(n):>5}: {run['seconds']:7.1f} s, {run['seconds'] / n * 1000:.2f} ms/document (storing "
                  f"documents {run['documents_seconds']:.1f} s, peak RSS {run['documents_peak_rss_mb']:.0f} MB; "
                  f"extract+load {run['extract_load_seconds']:.1f} s, peak RSS {run['peak_rss_mb']:.0f} MB, largest "
                  f"process {run['largest_process_rss_mb']:.0f} MB), {run['mentions']:,} mentions, "
                  f"{run['commitments']:,} commitments", flush=True)

    results: dict = {}
    targets: dict = {}
    for n, run in runs.items():
        results[f"peak_rss_mb_{label(n)}"] = run["peak_rss_mb"]
        results[f"scaling_seconds_{label(n)}"] = round(run["seconds"], 2)
        results[f"scaling_ms_per_doc_{label(n)}"] = round(run["seconds"] / n * 1000, 3)
    if 10_000 in runs and 100_000 in runs:
        small, big = runs[10_000], runs[100_000]
        growth = big["peak_rss_mb"] / small["peak_rss_mb"]

        def per_doc_growth(key: str) -> float:
            return (big[key] / 100_000) / (small[key] / 10_000)

        targets = {
            "peak_rss_100k_under_2gib": big["peak_rss_mb"] < MAX_PEAK_MB,
            "peak_rss_growth_10k_to_100k": round(growth, 3),
            "peak_rss_growth_within_1_5x": growth <= MAX_GROWTH,
            "extract_load_time_per_doc_growth_10k_to_100k": round(per_doc_growth("extract_load_seconds"), 3),
            "documents_time_per_doc_growth_10k_to_100k": round(per_doc_growth("documents_seconds"), 3),
            "time_per_doc_growth_10k_to_100k": round(per_doc_growth("seconds"), 3),
        }
        print(f"10k -> 100k: peak RSS x{growth:.2f} (target <= {MAX_GROWTH}); 100k peak {big['peak_rss_mb']:.0f} MB "
              f"(target < {MAX_PEAK_MB} MB); time per document (1.00 = linear): extract+load "
              f"x{targets['extract_load_time_per_doc_growth_10k_to_100k']:.2f}, storing documents "
              f"x{targets['documents_time_per_doc_growth_10k_to_100k']:.2f}, both "
              f"x{targets['time_per_doc_growth_10k_to_100k']:.2f}")
        for name in ("peak_rss_100k_under_2gib", "peak_rss_growth_within_1_5x"):
            if not targets[name]:
                print(f"target missed: {name}")
    if not args.no_save and runs:
        results["scaling"] = {
            "seed": args.seed, "workers": args.workers, "batch_size": args.batch_size, "crawl_file": CRAWL_FILE,
            "corpus_mb": round(corpus_mb, 1),
            "runs": {label(n): {key: round(value, 2) if isinstance(value, float) else value
                                for key, value in run.items()} for n, run in runs.items()},
            "targets": targets,
            "measured_at": now(),
        }
        results["machine"] = describe_machine()
        merge_results(results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
