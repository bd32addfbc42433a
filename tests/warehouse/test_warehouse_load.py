"""Bulk loads: counts, idempotence, syndicated copies, changed content, bad lines."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from warehouse.deals import build_deals
from warehouse.load import (
    documents_to_extract,
    load_crawl_errors,
    load_documents,
    load_extractions,
    load_sources,
    settle_document_entities,
)

FIXTURES = Path(__file__).parent / "fixtures"

ALL_TABLES = (
    "sources",
    "documents",
    "crawl_errors",
    "mentions",
    "commitments",
    "deals",
    "deal_evidence",
)


def read_lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_lines(path, lines):
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def content_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def test_load_documents_counts(con, fixtures):
    counts = load_documents(con, fixtures / "documents.jsonl")
    assert counts == {
        "new": 7,
        "updated": 0,
        "unchanged": 0,
        "duplicate": 1,
        "superseded": 0,
        "rejected": 0,
    }
    assert con.execute("select count(*) from documents").fetchall()[0][0] == 7


def test_syndicated_copy_is_stored_once(con, fixtures, doc):
    load_documents(con, fixtures / "documents.jsonl")
    ids = {r[0] for r in con.execute("select doc_id from documents").fetchall()}
    assert doc.stargate_uae_dcwire in ids
    assert doc.stargate_uae_syndicated not in ids


def test_documents_get_their_iso_week(con, fixtures, doc):
    load_documents(con, fixtures / "documents.jsonl")
    row = con.execute(
        "select published, iso_week, fetched_at, first_seen_at from documents where doc_id = ?",
        [doc.humain_gov],
    ).fetchall()[0]
    assert str(row[0]) == "2025-05-13"
    assert row[1] == "2025-W20"
    assert row[2] == row[3]


def test_loading_everything_twice_keeps_the_same_rows(con, fixtures, sources, rows):
    def load_all():
        load_sources(con, sources)
        load_documents(con, fixtures / "documents.jsonl")
        load_crawl_errors(con, fixtures / "crawl_errors.jsonl")
        load_extractions(con, fixtures / "extractions.jsonl")
        build_deals(con)
        return {table: rows(con, table) for table in ALL_TABLES}

    first = load_all()
    second = load_all()
    assert second == first
    assert len(first["documents"]) == 7
    assert len(first["crawl_errors"]) == 2
    assert len(first["commitments"]) == 10
    assert load_documents(con, fixtures / "documents.jsonl")["unchanged"] == 7


def test_documents_to_extract_lists_new_documents_in_id_order(con, fixtures, doc):
    load_documents(con, fixtures / "documents.jsonl")
    todo = documents_to_extract(con)
    assert [d["id"] for d in todo] == sorted(d["id"] for d in todo)
    assert len(todo) == 7
    humain = next(d for d in todo if d["id"] == doc.humain_gov)
    assert set(humain) == {"id", "title", "text", "published"}
    assert humain["title"] == "Saudi Arabia launches Humain"
    assert humain["published"] == "2025-05-13"
    load_extractions(con, fixtures / "extractions.jsonl")
    assert documents_to_extract(con) == []


def test_changed_content_is_updated_and_extracted_again(con, fixtures, tmp_path, doc):
    load_documents(con, fixtures / "documents.jsonl")
    load_extractions(con, fixtures / "extractions.jsonl")
    lines = read_lines(fixtures / "documents.jsonl")
    changed = next(line for line in lines if line["doc_id"] == doc.stargate_uae_dcwire)
    changed["text"] += " Update: the first 200MW will be ready in 2026."
    changed["content_hash"] = content_hash(changed["text"])
    changed["fetched_at"] = "2025-05-27T06:00:00+00:00"
    counts = load_documents(con, write_lines(tmp_path / "documents.jsonl", lines))
    assert counts["updated"] == 1
    assert counts["unchanged"] == 6
    row = con.execute(
        "select text, content_hash, fetched_at, first_seen_at from documents where doc_id = ?",
        [doc.stargate_uae_dcwire],
    ).fetchall()[0]
    assert row[0].endswith("ready in 2026.")
    assert row[1] == changed["content_hash"]
    assert row[2] != row[3]  # fetched again, first seen earlier

    assert [d["id"] for d in documents_to_extract(con)] == [doc.stargate_uae_dcwire]

    extraction = next(
        line for line in read_lines(fixtures / "extractions.jsonl") if line["id"] == doc.stargate_uae_dcwire
    )
    extraction["commitments"].append(
        {"kind": "power", "mw": 200.0, "text": "200MW", "start": 300, "end": 305,
         "sentence": "Update: the first 200MW will be ready in 2026.", "countries": [], "companies": []}
    )
    counts = load_extractions(con, write_lines(tmp_path / "extractions.jsonl", [extraction]))
    assert counts["documents"] == 1
    assert counts["commitments"] == 2
    assert documents_to_extract(con) == []
    n = con.execute("select count(*) from commitments where doc_id = ?", [doc.stargate_uae_dcwire]).fetchall()[0][0]
    assert n == 2


def entity_lists(con) -> dict:
    return {doc_id: (countries, companies) for doc_id, countries, companies in con.execute(
        "select doc_id, countries, companies from documents where countries is not null order by doc_id").fetchall()}


def test_a_streaming_load_sets_the_entity_lists_when_it_settles(con, fixtures, tmp_path, doc):
    """settle=False (tracker reextract's batches): figures at once, documents' lists at the end;
    lists an interrupted stream left waiting are copied by the next load that settles."""
    load_documents(con, fixtures / "documents.jsonl")
    lines = read_lines(fixtures / "extractions.jsonl")
    load_extractions(con, fixtures / "extractions.jsonl")
    expected = entity_lists(con)
    assert expected[doc.humain_gov] == (["SA"], ["Humain", "Nvidia", "PIF"])

    con.execute("update documents set countries = null, companies = null, extracted_content_hash = null")
    first, second = lines[:3], lines[3:]
    load_extractions(con, write_lines(tmp_path / "first.jsonl", first), settle=False)
    waiting = con.execute("select count(*) from document_entities_pending").fetchall()[0][0]
    assert waiting == len(first)
    assert entity_lists(con) == {}  # the lists wait ...
    assert con.execute("select count(*) from mentions where doc_id = ?", [first[0]["id"]]).fetchall()[0][0] > 0
    assert {d["id"] for d in documents_to_extract(con)} == {line["id"] for line in second}  # done: not again

    # ... the stream is interrupted here; the next load settles its own lines and the waiting ones
    load_extractions(con, write_lines(tmp_path / "second.jsonl", second))
    assert entity_lists(con) == expected
    assert con.execute("select count(*) from document_entities_pending").fetchall()[0][0] == 0
    assert settle_document_entities(con) == 0


def test_bad_lines_are_recorded_and_skipped(con, tmp_path):
    good = read_lines(FIXTURES / "documents.jsonl")[0]
    missing_id = dict(good, doc_id=None, url="http://127.0.0.1:8000/broken.html",
                      canonical_url="http://127.0.0.1:8000/broken.html")
    path = tmp_path / "documents.jsonl"
    path.write_text(
        json.dumps(good) + "\n" + "{not json\n" + json.dumps(missing_id) + "\n", encoding="utf-8"
    )
    counts = load_documents(con, path)
    assert counts["new"] == 1
    assert counts["rejected"] == 2
    reasons = sorted(r[0] for r in con.execute("select reason from crawl_errors").fetchall())
    assert reasons[0].startswith("malformed JSON line 2 of ")
    assert reasons[1].startswith("missing doc_id (line 3 of ")
    load_documents(con, path)
    assert con.execute("select count(*) from crawl_errors").fetchall()[0][0] == 2


def test_same_doc_twice_in_one_file_keeps_the_newest(con, tmp_path):
    first = read_lines(FIXTURES / "documents.jsonl")[0]
    newer = dict(first, text=first["text"] + " More.", fetched_at="2025-05-27T00:00:00+00:00")
    newer["content_hash"] = content_hash(newer["text"])
    counts = load_documents(con, write_lines(tmp_path / "d.jsonl", [newer, first]))
    assert counts["new"] == 1
    assert counts["superseded"] == 1
    assert con.execute("select text from documents").fetchall()[0][0].endswith("More.")


def test_missing_input_file_is_a_clear_error(con, tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_documents(con, tmp_path / "absent.jsonl")


def test_crawl_errors_are_loaded_once(con, fixtures):
    assert load_crawl_errors(con, fixtures / "crawl_errors.jsonl") == 2
    assert load_crawl_errors(con, fixtures / "crawl_errors.jsonl") == 0
    row = con.execute(
        "select source_id, stage, reason, \"at\" from crawl_errors order by \"at\" limit 1"
    ).fetchall()[0]
    assert row[:3] == ("dc-wire", "fetch", "HTTP 404")
    assert str(row[3]) == "2025-05-26 06:07:00"


def test_extractions_for_unknown_documents_are_skipped(con, fixtures, tmp_path):
    load_documents(con, fixtures / "documents.jsonl")
    line = {"id": "0000000000000000", "countries": ["FR"], "companies": [], "commitments": [],
            "mentions": []}
    counts = load_extractions(con, write_lines(tmp_path / "x.jsonl", [line]))
    assert counts["documents"] == 0
    assert counts["unknown"] == 1


def test_extraction_fields_are_stored(seeded, doc):
    row = seeded.execute(
        "select kind, value, currency, value_usd, surface, countries, companies "
        "from commitments where doc_id = ?",
        [doc.humain_gov],
    ).fetchall()[0]
    assert row == ("money", 37.5e9, "SAR", 1e10, "SAR37.5bn", [], [])
    countries, companies = seeded.execute(
        "select countries, companies from documents where doc_id = ?", [doc.humain_gov]
    ).fetchall()[0]
    assert countries == ["SA"]
    assert companies == ["Humain", "Nvidia", "PIF"]


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    kind: str
    country: str
    feeds: tuple[str, ...]
    start_urls: tuple[str, ...]
    article_pattern: str
    allowed_domains: tuple[str, ...]


def test_load_sources_upserts_registry_objects(con, rows):
    source = Source("gov-fr", "Elysee", "government", "FR", ("http://127.0.0.1/feed",), (), "",
                    ("127.0.0.1",))
    load_sources(con, [source])
    first = rows(con, "sources")
    load_sources(con, [source])
    assert rows(con, "sources") == first
    load_sources(con, [Source(**{**source.__dict__, "name": "Elysée"})])
    stored = rows(con, "sources")
    assert len(stored) == 1
    assert stored[0][1] == "Elysée"
    assert stored[0][4] == ["http://127.0.0.1/feed"]


def _stored(con, doc_id):
    return con.execute(
        "select source_id, url, canonical_url, title, text, content_hash from documents where doc_id = ?", [doc_id]
    ).fetchall()


def test_a_document_never_changes_hands(con, sources, tmp_path, doc):
    """Publisher B's page claiming A's canonical URL leaves A's article as it was; B's attempt is recorded."""
    load_sources(con, sources)
    load_documents(con, FIXTURES / "documents.jsonl")
    before = _stored(con, doc.stargate_uae_openai)
    original = read_lines(FIXTURES / "documents.jsonl")[0]
    text = "Breaking: OpenAI cancels Stargate UAE, says a page of another publisher. " * 5
    claim = dict(original, source_id="dc-wire", title="OpenAI cancels Stargate UAE", text=text,
                 content_hash=content_hash(text), url="http://127.0.0.1:8000/sites/dcwire/claim.html",
                 alternate_urls=["http://127.0.0.1:8000/sites/dcwire/claim.html?amp=1"],
                 fetched_at="2025-05-30T00:00:00+00:00")
    counts = load_documents(con, write_lines(tmp_path / "claim.jsonl", [claim]))
    assert counts["rejected"] == 1 and counts["updated"] == 0
    assert _stored(con, doc.stargate_uae_openai) == before
    assert before[0][:1] == ("openai-news",) and before[0][3] == "Introducing Stargate UAE"
    versions = con.execute("select count(*) from document_versions where doc_id = ?", [doc.stargate_uae_openai])
    assert versions.fetchall()[0][0] == 1
    errors = con.execute("select source_id, url, stage, reason from crawl_errors").fetchall()
    assert errors == [(
        "dc-wire", "http://127.0.0.1:8000/sites/dcwire/claim.html", "load",
        f"claims the canonical URL {original['canonical_url']} of a document of source openai-news: "
        "not applied, the stored article is kept",
    )]
    named = con.execute("select url from document_urls where url like '%claim.html%'").fetchall()
    assert named == []  # B's URLs do not lead to A's article either
    # the same claim again: nothing changes, the record is not repeated
    load_documents(con, tmp_path / "claim.jsonl")
    assert _stored(con, doc.stargate_uae_openai) == before
    assert con.execute("select count(*) from crawl_errors").fetchall()[0][0] == 1


def test_the_owner_still_updates_its_own_document(con, sources, tmp_path, doc):
    load_sources(con, sources)
    load_documents(con, FIXTURES / "documents.jsonl")
    original = read_lines(FIXTURES / "documents.jsonl")[0]
    text = original["text"] + " Update: the first 200 MW go live in 2026."
    counts = load_documents(con, write_lines(tmp_path / "update.jsonl", [
        dict(original, text=text, content_hash=content_hash(text), fetched_at="2025-05-30T00:00:00+00:00")]))
    assert counts["updated"] == 1 and counts["rejected"] == 0
    assert _stored(con, doc.stargate_uae_openai)[0][4].endswith("go live in 2026.")


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("canonical_url", "https://phish.example/login", "host phish.example is outside the source's allowed domains"),
        ("canonical_url", "http://127.0.0.1:9999/sites/openai/x.html", "port 9999 of 127.0.0.1 is not a port the "
                                                                       "source uses"),
        ("url", "http://user@127.0.0.1:8000/sites/openai/x.html", "the URL carries a user name or password"),
        ("url", "http://phish.example\\@127.0.0.1:8000/x.html", "ambiguous URL"),
    ],
)
def test_urls_outside_the_source_are_not_stored(con, sources, tmp_path, field, value, reason):
    """A documents.jsonl line (older crawler, hand-made file) naming off-site URLs is refused at the door."""
    load_sources(con, sources)
    line = dict(read_lines(FIXTURES / "documents.jsonl")[0], **{field: value})
    if field == "canonical_url":
        line["doc_id"] = hashlib.sha1(value.encode()).hexdigest()[:16]
    counts = load_documents(con, write_lines(tmp_path / "d.jsonl", [line]))
    assert counts["rejected"] == 1 and counts["new"] == 0
    assert con.execute("select count(*) from documents").fetchall()[0][0] == 0
    url, stage, stored_reason = con.execute("select url, stage, reason from crawl_errors").fetchall()[0]
    assert (url, stage) == (line["url"], "load")
    assert reason in stored_reason and stored_reason.endswith("(not stored)")
