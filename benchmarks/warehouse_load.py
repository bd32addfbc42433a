"""Speed of the warehouse's extraction load against DuckDB's own ``read_json`` of the same file.

Generates a deterministic extraction file (JSON Lines, the extractor's output with mentions) of at
least 1,000,000 mention rows, loads its documents, then times, in one process and on the same file:

- the project's path: ``warehouse.load.load_extractions`` (stage with ``read_json``, replace the
  documents' mentions and commitments, record history, in one transaction);
- DuckDB alone: ``read_json`` of the file unnested into a plain table of mention rows.

    .venv/bin/python -m benchmarks.warehouse_load                 # 1,000,000 mentions, best of 3
    .venv/bin/python -m benchmarks.warehouse_load --mentions 200000 --repeat 1

Prints rows/s of both and the ratio, and merges ``load_rows_per_s``, ``read_json_rows_per_s``,
``load_vs_read_json`` and ``warehouse_load`` (details) into ``benchmarks/results/latest.json``
(read-modify-write of the other benchmarks' keys). Exit status 1 when the ratio is under
``--floor`` (default 0.5).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from warehouse.db import connect
from warehouse.load import load_documents, load_extractions

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
MENTIONS_PER_DOC = 100
COUNTRIES = ("AE", "SA", "NO", "FR", "IN", "GB", "DE", "JP", "KR", "BR")
COMPANIES = ("OpenAI", "Nvidia", "G42", "Oracle", "Humain", "Mistral", "Nscale", "Microsoft",
             "AMD", "Aker", "Reliance", "SoftBank")

READ_JSON_PLAIN = """
create or replace table plain_mentions as
select
    id as doc_id,
    unnest(mentions, recursive := true)
from read_json(?, format = 'newline_delimited')
"""


def doc_id(n: int) -> str:
    return hashlib.sha1(f"https://bench.test/a/{n}".encode()).hexdigest()[:16]


def write_files(directory: Path, mentions: int) -> dict:
    """documents.jsonl and extractions.jsonl with ``mentions`` mention rows (deterministic)."""
    n_docs = -(-mentions // MENTIONS_PER_DOC)
    start = date(2025, 1, 6)
    with (directory / "documents.jsonl").open("w") as docs, \
            (directory / "extractions.jsonl").open("w") as extractions:
        for n in range(n_docs):
            country = COUNTRIES[n % len(COUNTRIES)]
            pair = sorted({COMPANIES[n % len(COMPANIES)], COMPANIES[(n * 7 + 3) % len(COMPANIES)]})
            sentence = f"{' and '.join(pair)} will build a {50 + n % 20 * 10}MW campus in {country}."
            text = (sentence + " ") * 20
            docs.write(json.dumps({
                "doc_id": doc_id(n), "source_id": f"src-{n % 12}",
                "url": f"https://bench.test/a/{n}", "canonical_url": f"https://bench.test/a/{n}",
                "title": f"Story {n}", "published": (start + timedelta(days=n % 330)).isoformat(),
                "published_source": "meta", "text": text,
                "content_hash": hashlib.sha256(f"{n}|{text}".encode()).hexdigest(),
                "fetched_at": "2025-12-01T06:00:00+00:00", "discovered_via": "feed", "language": "en",
            }) + "\n")
            rows = []
            for m in range(min(MENTIONS_PER_DOC, mentions - n * MENTIONS_PER_DOC)):
                kind = "country" if m % 4 == 0 else "company"
                value = country if kind == "country" else pair[m % len(pair)]
                rows.append({"kind": kind, "value": value, "text": value, "start": 12 * m,
                             "end": 12 * m + len(value), "sentence": sentence})
            extractions.write(json.dumps({
                "id": doc_id(n), "countries": [country], "companies": pair,
                "commitments": [
                    {"kind": "power", "mw": float(50 + n % 20 * 10), "text": "MW", "start": 30,
                     "end": 35, "sentence": sentence, "countries": [country], "companies": pair},
                    {"kind": "money", "value": 1e9 * (1 + n % 9), "currency": "USD",
                     "value_usd": 1e9 * (1 + n % 9), "text": "$1bn", "start": 60, "end": 64,
                     "sentence": sentence, "countries": [country], "companies": pair},
                ],
                "mentions": rows,
            }) + "\n")
    return {"documents": n_docs, "mentions": mentions}


def time_project(directory: Path, db: Path) -> tuple[float, int]:
    """Seconds of load_extractions on a warehouse holding the documents; mention rows stored."""
    for leftover in (db, db.with_name(db.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = connect(db)
    try:
        load_documents(con, directory / "documents.jsonl")
        started = time.perf_counter()
        load_extractions(con, directory / "extractions.jsonl")
        seconds = time.perf_counter() - started
        rows = con.execute("select count(*) from mentions").fetchall()[0][0]
    finally:
        con.close()
    return seconds, rows


def time_read_json(directory: Path, db: Path) -> tuple[float, int]:
    """Seconds of read_json of the same file into a plain table of mention rows."""
    for leftover in (db, db.with_name(db.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    try:
        started = time.perf_counter()
        con.execute(READ_JSON_PLAIN, [str(directory / "extractions.jsonl")])
        seconds = time.perf_counter() - started
        rows = con.execute("select count(*) from plain_mentions").fetchall()[0][0]
    finally:
        con.close()
    return seconds, rows


def merge_results(values: dict, path: Path = RESULTS) -> None:
    """Merge keys into the shared results file (read-modify-write, replaced atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    current.update(values)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(partial, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=1_000_000,
                        help="mention rows to generate (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, best kept (default: %(default)s)")
    parser.add_argument("--floor", type=float, default=0.5,
                        help="minimum ratio project/read_json (default: %(default)s)")
    parser.add_argument("--no-save", action="store_true", help="do not write benchmarks/results/latest.json")
    parser.add_argument("--report-only", action="store_true",
                        help="exit 0 under the floor too, only reporting it (make bench fails on errors, not targets)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="warehouse-load-") as tmp:
        directory = Path(tmp)
        sizes = write_files(directory, args.mentions)
        project, plain = [], []
        for _ in range(args.repeat):
            seconds, rows = time_project(directory, directory / "project.duckdb")
            assert rows == args.mentions, rows
            project.append(seconds)
            seconds, rows = time_read_json(directory, directory / "plain.duckdb")
            assert rows == args.mentions, rows
            plain.append(seconds)
        file_mb = (directory / "extractions.jsonl").stat().st_size / 1e6

    load_rate = args.mentions / min(project)
    read_rate = args.mentions / min(plain)
    ratio = load_rate / read_rate
    print(f"mention rows:          {args.mentions:,} in {sizes['documents']:,} documents ({file_mb:.0f} MB)")
    print(f"load_extractions:      {load_rate:,.0f} rows/s (best of {args.repeat}: {min(project):.2f} s)")
    print(f"read_json (plain):     {read_rate:,.0f} rows/s (best of {args.repeat}: {min(plain):.2f} s)")
    print(f"ratio:                 {ratio:.2f} (floor {args.floor})")
    if not args.no_save:
        merge_results({
            "load_rows_per_s": round(load_rate),
            "read_json_rows_per_s": round(read_rate),
            "load_vs_read_json": round(ratio, 3),
            "warehouse_load": {
                "mentions": args.mentions,
                "documents": sizes["documents"],
                "file_mb": round(file_mb, 1),
                "load_seconds": round(min(project), 3),
                "read_json_seconds": round(min(plain), 3),
                "repeat": args.repeat,
                "duckdb": duckdb.__version__,
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "measured_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            },
        })
    if ratio < args.floor:
        print(f"target missed: the ratio is under the floor of {args.floor}")
        return 0 if args.report_only else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
