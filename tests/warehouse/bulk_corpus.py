"""A deterministic generated corpus (documents.jsonl and extraction batches) for load tests.

Run as a script, it loads such a corpus into a warehouse file the way the flow does (documents,
then each extraction batch in its own transaction, then deals), printing a line before and after
each step: ``python tests/warehouse/bulk_corpus.py DB CORPUS_DIR``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import date, timedelta
from pathlib import Path

COUNTRIES = ("AE", "SA", "NO", "FR", "IN", "GB", "DE", "JP")
COMPANIES = ("OpenAI", "Nvidia", "G42", "Oracle", "Humain", "Mistral", "Nscale", "Microsoft")


def _doc_id(n: int) -> str:
    return hashlib.sha1(f"https://example.test/a/{n}".encode()).hexdigest()[:16]


def write_corpus(directory: Path, documents: int, mentions: int, batches: int) -> dict:
    """documents.jsonl plus ``batches`` extraction files with ``mentions`` mentions per document."""
    directory.mkdir(parents=True, exist_ok=True)
    start = date(2025, 1, 6)
    per_batch = -(-documents // batches)
    files = [(directory / f"extractions-{b:05d}.jsonl").open("w") for b in range(batches)]
    with (directory / "documents.jsonl").open("w") as docs:
        for n in range(documents):
            country = COUNTRIES[n % len(COUNTRIES)]
            pair = [COMPANIES[n % 5], COMPANIES[(n // 5) % 3 + 5]]
            text = f"{pair[0]} and {pair[1]} plan a {100 + n % 7 * 50}MW campus in {country}. " * 3
            docs.write(json.dumps({
                "doc_id": _doc_id(n), "source_id": f"src-{n % 6}",
                "url": f"https://example.test/a/{n}", "canonical_url": f"https://example.test/a/{n}",
                "title": f"Story {n}", "published": (start + timedelta(days=n % 300)).isoformat(),
                "published_source": "meta", "text": text,
                "content_hash": hashlib.sha256(f"{n}|{text}".encode()).hexdigest(),
                "fetched_at": "2025-11-01T06:00:00+00:00", "discovered_via": "feed",
                "language": "en",
            }) + "\n")
            sentence = f"{pair[0]} and {pair[1]} plan a {100 + n % 7 * 50}MW campus in {country}."
            mention_rows = []
            for m in range(mentions):
                if m % 3 == 0:
                    kind, value = "country", country
                else:
                    kind, value = "company", pair[m % 3 - 1]
                mention_rows.append({"kind": kind, "value": value, "text": value,
                                     "start": 10 * m, "end": 10 * m + len(value),
                                     "sentence": sentence})
            files[n // per_batch].write(json.dumps({
                "id": _doc_id(n), "countries": [country], "companies": sorted(pair),
                "commitments": [{"kind": "power", "mw": float(100 + n % 7 * 50), "text": "MW",
                                 "start": 30, "end": 35, "sentence": sentence,
                                 "countries": [country], "companies": sorted(pair)}],
                "mentions": mention_rows,
            }) + "\n")
    for handle in files:
        handle.close()
    return {"documents": documents, "mentions": documents * mentions, "batches": batches}


def load_corpus(db: Path, directory: Path) -> None:
    from warehouse.db import connect
    from warehouse.deals import build_deals
    from warehouse.load import load_documents, load_extractions

    con = connect(db)
    print("begin documents", flush=True)
    load_documents(con, directory / "documents.jsonl")
    print("end documents", flush=True)
    for path in sorted(directory.glob("extractions-*.jsonl")):
        print(f"begin {path.name}", flush=True)
        load_extractions(con, path)
        print(f"end {path.name}", flush=True)
    print("begin deals", flush=True)
    build_deals(con)
    print("end deals", flush=True)
    con.close()
    print("done", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    load_corpus(Path(sys.argv[1]), Path(sys.argv[2]))
