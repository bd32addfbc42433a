"""One document never stops the extract stage: a hostile page, an absurd figure and a document that
breaks a pipeline component, next to calm articles, on a real warehouse file and a real Prefect
run of the extract stage. The calm articles are extracted, loaded and clustered; the bad ones are
recorded in crawl_errors (stage extract) with their reason; the absurd figure stays in
commitments, marked implausible, and is no deal's figure nor the story of the week."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import duckdb
import pytest

from app.deals import build_deals
from nlp.extract import load_pipeline
from tests.nlp.hostile_documents import (
    ABSURD,
    BIG_TEXT,
    FAULT_MARKER,
    HUGE_DIGITS,
    crawled_document,
    fault_in_pipeline,
)
from warehouse.db import connect
from warehouse.decisions import apply_decisions
from warehouse.load import load_documents, load_sources
from warehouse.report import week_context

FIXTURES = Path(__file__).resolve().parents[1] / "warehouse" / "fixtures"
WEEK = "2025-W21"  # the calm fixtures' Stargate UAE, Microsoft UAE and Humain week


@pytest.fixture(scope="module")
def stage(prefect_server, tmp_path_factory) -> dict:
    """The calm fixtures and four bad documents crawled into a warehouse, then the extract stage
    (batches of 4, one with a component fault triggered by one document) and the deals."""
    from flows.weekly import extract_stage

    root = tmp_path_factory.mktemp("bad-documents")
    documents = [json.loads(line) for line in (FIXTURES / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    bad = {
        "big": crawled_document("big", "Microsoft in Kenya", BIG_TEXT),
        "digits": crawled_document("digits", "OpenAI and the UAE", HUGE_DIGITS),
        "absurd": crawled_document("absurd", "OpenAI and G42 in the UAE", ABSURD),
        # a new text each run, so no cached extraction of an earlier run stands in for this one
        "broken": crawled_document("broken", "G42 in Kenya", f"G42 will invest $2bn in Kenya. {FAULT_MARKER} "
                                                             f"{uuid.uuid4()}"),
    }
    (root / "documents.jsonl").write_text("".join(json.dumps(d) + "\n" for d in documents + list(bad.values())),
                                          encoding="utf-8")
    db = root / "tracker.duckdb"
    con = connect(db)
    try:
        load_sources(con, json.loads((FIXTURES / "sources.json").read_text(encoding="utf-8")))
        load_documents(con, root / "documents.jsonl")
    finally:
        con.close()

    with fault_in_pipeline(load_pipeline()):
        result = extract_stage(str(db), str(root / "out"), batch_size=4)
    deals = build_deals(str(db))
    return {"db": db, "out": root / "out", "result": result, "deals": deals,
            "ids": {name: doc["doc_id"] for name, doc in bad.items()},
            "calm": [doc["doc_id"] for doc in documents]}


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_every_calm_article_is_extracted_and_clustered(stage):
    db, calm = stage["db"], stage["calm"]
    extracted = rows(db, "select doc_id from documents where extracted_content_hash = content_hash")
    extracted = {doc_id for (doc_id,) in extracted}
    # the fixtures' syndicated copy is stored once: every stored calm article is extracted
    stored_calm = {doc_id for (doc_id,) in rows(db, "select doc_id from documents where doc_id in (select "
                                                    "unnest(?))", [calm])}
    assert stored_calm and stored_calm <= extracted
    assert rows(db, "select count(*) from mentions where doc_id in (select unnest(?))", [calm])[0][0] > 20
    figures = rows(db, "select kind, value_usd, mw, chip_count from commitments "
                       "where doc_id in (select unnest(?)) order by all", [calm])
    assert ("money", 15_200_000_000.0, None, None) in figures and ("chips", None, None, 18_000) in figures
    titles = [title for (title,) in rows(db, "select title from deals")]
    assert any("Microsoft" in t and "United Arab Emirates" in t for t in titles), titles
    assert any("Humain" in t and "Saudi Arabia" in t for t in titles), titles
    assert stage["result"]["documents"] == len(stored_calm) + 4  # every document was read


def test_the_failing_document_is_recorded_with_its_reason_and_left_to_retry(stage):
    db, broken = stage["db"], stage["ids"]["broken"]
    errors = rows(db, "select source_id, url, reason from crawl_errors where stage = 'extract' and url like "
                      "'%/broken.html'")
    assert errors == [("gulf-tech", "http://127.0.0.1:8000/sites/gulftech/broken.html",
                       "extraction failed: InjectedExtractionFault: a component failed on this document")]
    # not marked extracted (the next run tries again), nothing half-loaded
    assert rows(db, "select extracted_content_hash from documents where doc_id = ?", [broken]) == [(None,)]
    assert rows(db, "select count(*) from mentions where doc_id = ?", [broken]) == [(0,)]
    assert rows(db, "select count(*) from commitments where doc_id = ?", [broken]) == [(0,)]


def test_the_long_page_is_extracted_up_to_the_cut_and_the_cut_is_recorded(stage):
    db, big = stage["db"], stage["ids"]["big"]
    figures = rows(db, "select kind, value_usd, mw from commitments where doc_id = ?", [big])
    assert figures == [("money", 1_000_000_000.0, None)]  # the 5GW near the end is beyond the cut
    (reason,) = rows(db, "select reason from crawl_errors where stage = 'extract' and url like '%/big.html'")[0]
    assert reason.startswith("text cut at ") and reason.endswith("the rest was not extracted")
    kept, whole = (int(reason.split()[i].replace(",", "")) for i in (3, 5))
    assert kept <= 200_000 and whole > 1_270_000
    assert any("Kenya" in title for (title,) in rows(db, "select title from deals"))


def test_320_digits_are_no_figure_and_the_rest_of_the_article_loads(stage):
    db, digits = stage["db"], stage["ids"]["digits"]
    assert rows(db, "select count(*) from commitments where doc_id = ?", [digits]) == [(0,)]
    assert rows(db, "select countries from documents where doc_id = ?", [digits]) == [(["AE"],)]
    assert rows(db, "select count(*) from crawl_errors where url like '%/digits.html'") == [(0,)]


def test_the_absurd_figure_is_kept_for_provenance_but_is_no_deal_figure(stage):
    db, absurd = stage["db"], stage["ids"]["absurd"]
    kept = rows(db, "select commitment_id, surface, value_usd, plausible from commitments where doc_id = ?", [absurd])
    assert [row[1:] for row in kept] == [("$99999999999999999999 billion", 1e29, False)]
    assert rows(db, "select count(*) from deal_evidence where commitment_id = ?", [kept[0][0]]) == [(0,)]
    assert rows(db, "select max(money_usd) from deals")[0][0] < 1e12
    (reason,) = rows(db, "select reason from crawl_errors where stage = 'extract' and url like '%/absurd.html'")[0]
    assert reason == "implausible money figure kept out of deals: $99999999999999999999 billion"


def test_the_story_of_the_week_is_a_real_deal(stage):
    con = duckdb.connect(str(stage["db"]), read_only=True)
    try:
        context = apply_decisions(week_context(con, WEEK), [], for_readers=True)
    finally:
        con.close()
    lead = context["lead"]
    assert lead is not None and "Microsoft" in lead["title"] and "United Arab Emirates" in lead["title"]
    assert all(deal.get("money_usd") is None or deal["money_usd"] < 1e12 for deal in context["deals"])
