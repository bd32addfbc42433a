"""Reading documents to extract page by page, and loading batches of extraction lines."""

from __future__ import annotations

import json

import pytest

from warehouse.load import (
    count_documents_to_extract,
    documents_to_extract,
    documents_to_extract_page,
    iter_documents_to_extract,
    load_documents,
    load_extraction_batch,
    load_extractions,
)


@pytest.fixture
def loaded(con, fixtures):
    load_documents(con, fixtures / "documents.jsonl")
    return con


@pytest.mark.parametrize("size", [1, 3, 7, 50])
def test_pages_give_the_same_lines_in_the_same_order(loaded, size):
    everything = documents_to_extract(loaded)
    pages = list(iter_documents_to_extract(loaded, size))
    assert [line for page in pages for line in page] == everything
    assert all(1 <= len(page) <= size for page in pages)
    assert count_documents_to_extract(loaded) == len(everything) == 7


def test_a_page_starts_after_the_given_id(loaded):
    ids = [line["id"] for line in documents_to_extract(loaded)]
    page = documents_to_extract_page(loaded, after=ids[2], limit=2)
    assert [line["id"] for line in page] == ids[3:5]
    with pytest.raises(ValueError):
        documents_to_extract_page(loaded, limit=0)


def test_loading_between_pages_skips_nothing(loaded, fixtures, tmp_path):
    lines = {json.loads(line)["id"]: json.loads(line) for line in (fixtures / "extractions.jsonl").open()}
    seen = []
    for number, page in enumerate(iter_documents_to_extract(loaded, 2)):
        seen += [record["id"] for record in page]
        batch = [lines[record["id"]] for record in page if record["id"] in lines]
        load_extraction_batch(loaded, batch, tmp_path / f"extractions-{number}.jsonl")
    assert seen == sorted(seen) and len(seen) == 7
    assert documents_to_extract(loaded) == [] and count_documents_to_extract(loaded) == 0


def test_every_reads_extracted_documents_too(loaded, fixtures):
    load_extractions(loaded, fixtures / "extractions.jsonl")
    assert list(iter_documents_to_extract(loaded, 3)) == []
    again = [line for page in iter_documents_to_extract(loaded, 3, every=True) for line in page]
    assert len(again) == count_documents_to_extract(loaded, every=True) == 7


def test_a_loaded_batch_is_the_same_as_loading_its_file(con, fixtures, tmp_path, rows):
    load_documents(con, fixtures / "documents.jsonl")
    lines = [json.loads(line) for line in (fixtures / "extractions.jsonl").open()]
    counts = load_extraction_batch(con, lines, tmp_path / "batch" / "extractions.jsonl")
    assert (tmp_path / "batch" / "extractions.jsonl").read_text().count("\n") == len(lines)
    assert counts["documents"] == len(lines)
    batch_rows = {table: rows(con, table) for table in ("mentions", "commitments")}
    load_extractions(con, fixtures / "extractions.jsonl")
    assert {table: rows(con, table) for table in ("mentions", "commitments")} == batch_rows


def test_several_batch_files_load_in_one_transaction_like_one_file(loaded, fixtures, tmp_path):
    lines = (fixtures / "extractions.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    parts = [tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"]
    for number, part in enumerate(parts):
        part.write_text("".join(lines[number::3]), encoding="utf-8")
    counts = load_extractions(loaded, parts)
    together = {t: loaded.execute(f"select * from {t} order by all").fetchall() for t in ("mentions", "commitments")}
    assert counts["documents"] == len({json.loads(line)["id"] for line in lines})
    # the same lines from one file give the same rows
    single = load_extractions(loaded, fixtures / "extractions.jsonl")
    assert single["mentions"] == counts["mentions"] and single["commitments"] == counts["commitments"]
    assert {t: loaded.execute(f"select * from {t} order by all").fetchall() for t in together} == together
    with pytest.raises(ValueError):
        load_extractions(loaded, [])
