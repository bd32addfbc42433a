"""`tracker reextract`: the same rows as the first extraction, reflected in deals, editors'
decisions kept, idempotent, and a crash leaves the published warehouse as it was."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from app import extraction as reextract_module
from app.extraction import extract_and_load, reextract
from warehouse.db import connect
from warehouse.deals import build_deals
from warehouse.decisions import record_decisions
from warehouse.load import iter_documents_to_extract, load_documents, load_sources
from warehouse.lock import working_files

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "warehouse" / "fixtures"
TABLES = ("documents", "mentions", "commitments", "commitment_history", "deals", "deal_evidence",
          "editor_decisions", "deal_aliases")


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Path:
    """The warehouse fixtures' documents extracted in this process (batches of 3), deals built,
    and an editor's decision recorded."""
    folder = tmp_path_factory.mktemp("reextract")
    db = folder / "data" / "tracker.duckdb"
    con = connect(db)
    try:
        load_sources(con, json.loads((FIXTURES / "sources.json").read_text(encoding="utf-8")))
        load_documents(con, FIXTURES / "documents.jsonl")
        totals = extract_and_load(con, iter_documents_to_extract(con, 3), folder, workers=0)
        assert totals["documents"] == 7 and totals["batches"] == 3 and totals["commitments"] > 0
        build_deals(con)
        week, deal_id = con.execute(
            "select iso_week, deal_id from weekly_deals order by iso_week, deal_id limit 1").fetchone()
        record_decisions(con, [{"week": week, "deal_id": deal_id, "action": "drop", "editor": "Ana"}], via="cli")
        con.execute("checkpoint")
    finally:
        con.close()
    return db


@pytest.fixture
def db(original, tmp_path) -> Path:
    copy = tmp_path / "data" / "tracker.duckdb"
    copy.parent.mkdir()
    shutil.copyfile(original, copy)
    return copy


def table_rows(db: Path, tables=TABLES) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {table: con.execute(f"select * from {table} order by all").fetchall() for table in tables}
    finally:
        con.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_streaming_load_sets_every_documents_entity_lists(original):
    con = duckdb.connect(str(original), read_only=True)
    try:
        lists = con.execute("select count(*), count(countries), count(companies) from documents").fetchall()[0]
        waiting = con.execute("select count(*) from document_entities_pending").fetchall()[0][0]
        saudi = con.execute("select count(*) from documents where list_contains(countries, 'SA')").fetchall()[0][0]
    finally:
        con.close()
    assert lists == (7, 7, 7) and waiting == 0 and saudi > 0


def test_reextract_with_two_workers_gives_the_same_rows(original, db):
    run = subprocess.run(
        [sys.executable, "-m", "tracker", "reextract", "--db", str(db), "--workers", "2", "--batch-size", "3"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "Re-extracted 7 documents in 3 batches with 2 workers" in run.stdout
    assert run.stderr == ""  # no progress bar outside a terminal
    assert table_rows(db) == table_rows(original)
    assert working_files(db) == []  # no working copy left behind


def test_reextract_replaces_stale_extractions_and_rebuilds_deals(original, db):
    con = connect(db)
    try:  # what an older pipeline might have stored: other figures, missing mentions
        con.execute("update commitments set mw = mw * 3 where kind = 'power'")
        con.execute("delete from commitments where kind = 'money'")
        con.execute("delete from mentions where kind = 'company'")
        build_deals(con)
        con.execute("checkpoint")
    finally:
        con.close()
    stale = table_rows(db, ("deals",))["deals"]
    assert stale != table_rows(original, ("deals",))["deals"]

    result = reextract(db, workers=2, batch_size=3)

    assert result["documents"] == 7 and result["batches"] == 3 and result["workers"] == 2
    tables = ("mentions", "commitments", "deals", "deal_evidence", "editor_decisions")
    assert table_rows(db, tables) == table_rows(original, tables)


def test_reextract_is_idempotent(db):
    reextract(db, workers=0, batch_size=4)
    once = table_rows(db)
    reextract(db, workers=0, batch_size=2)
    assert table_rows(db) == once


def test_a_crash_leaves_the_published_warehouse_untouched(db, monkeypatch):
    before = digest(db)
    real = reextract_module.extract_lines
    calls = []

    def failing(records):
        calls.append(len(records))
        if len(calls) == 2:
            raise RuntimeError("worker died")
        return real(records)

    monkeypatch.setattr(reextract_module, "extract_lines", failing)
    with pytest.raises(RuntimeError, match="worker died"):
        reextract(db, workers=0, batch_size=3)
    assert len(calls) == 2
    assert digest(db) == before
    assert working_files(db) == []  # no working copy left behind


def test_reextract_needs_a_warehouse(tmp_path):
    run = subprocess.run([sys.executable, "-m", "tracker", "reextract", "--db", str(tmp_path / "none.duckdb")],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stderr.strip().startswith("tracker reextract: no warehouse at")
    assert len(run.stderr.strip().splitlines()) == 1


def add_documents(db: Path, documents: list[dict]) -> None:
    """Store crawled documents in the warehouse `db` (as a crawl's load would)."""
    path = db.with_name("more-documents.jsonl")
    path.write_text("".join(json.dumps(document) + "\n" for document in documents), encoding="utf-8")
    con = connect(db)
    try:
        load_documents(con, path)
    finally:
        con.close()


def test_a_document_that_fails_extraction_is_recorded_and_the_rest_published(original, db):
    from nlp.extract import load_pipeline
    from tests.nlp.hostile_documents import ABSURD, FAULT_MARKER, crawled_document, fault_in_pipeline

    broken = crawled_document("broken", "G42 in Kenya", f"G42 will invest $2bn in Kenya. {FAULT_MARKER}")
    absurd = crawled_document("absurd", "OpenAI and G42 in the UAE", ABSURD)
    add_documents(db, [broken, absurd])

    with fault_in_pipeline(load_pipeline()):
        result = reextract(db, workers=0, batch_size=3)

    assert result["documents"] == 8 and result["failed"] == 1
    calm = ("documents", "mentions", "deals", "deal_evidence", "editor_decisions")
    kept = {table: [row for row in rows if broken["doc_id"] not in row and absurd["doc_id"] not in row]
            for table, rows in table_rows(db, calm).items()}
    assert kept == table_rows(original, calm)  # the fixtures' rows and deals as before
    con = duckdb.connect(str(db), read_only=True)
    try:
        errors = con.execute("select url, reason from crawl_errors where stage = 'extract' order by url").fetchall()
        assert errors == [
            (absurd["url"], "implausible money figure kept out of deals: $99999999999999999999 billion"),
            (broken["url"], "extraction failed: InjectedExtractionFault: a component failed on this document"),
        ]
        assert con.execute("select count(*) from mentions where doc_id = ?", [broken["doc_id"]]).fetchone() == (0,)
        assert con.execute("select plausible from commitments where doc_id = ?",
                           [absurd["doc_id"]]).fetchall() == [(False,)]
    finally:
        con.close()
    assert working_files(db) == []


def test_reextract_in_worker_processes_gets_past_a_hostile_page(db):
    from tests.nlp.hostile_documents import BIG_TEXT, HUGE_DIGITS, crawled_document

    big = crawled_document("big", "Microsoft in Kenya", BIG_TEXT)
    digits = crawled_document("digits", "OpenAI and the UAE", HUGE_DIGITS)
    add_documents(db, [big, digits])

    run = subprocess.run(
        [sys.executable, "-m", "tracker", "reextract", "--db", str(db), "--workers", "2", "--batch-size", "3"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )

    assert run.returncode == 0, run.stderr
    assert "Re-extracted 9 documents" in run.stdout
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("select kind, value_usd from commitments where doc_id = ?",
                           [big["doc_id"]]).fetchall() == [("money", 1e9)]
        assert con.execute("select countries from documents where doc_id = ?",
                           [digits["doc_id"]]).fetchone() == (["AE"],)
        (reason,) = con.execute("select reason from crawl_errors where stage = 'extract'").fetchone()
    finally:
        con.close()
    assert reason.startswith("text cut at ")
