"""History: an updated article keeps its old figures; deal ids that a rebuild retires still resolve."""

from __future__ import annotations

import hashlib
import json

from warehouse.deals import build_deals
from warehouse.load import documents_to_extract, load_documents, load_extractions

STARGATE_UAE_DEAL = "d-00cf09925db6"


def read_lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_lines(path, lines):
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def content_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def update_article(con, fixtures, tmp_path, doc_id, mw, surface, fetched_at):
    """A later crawl in which one article's power figure changed; load and extract it."""
    documents = read_lines(fixtures / "documents.jsonl")
    article = next(line for line in documents if line["doc_id"] == doc_id)
    article["text"] = article["text"].replace("1GW", surface)
    article["content_hash"] = content_hash(article["text"])
    article["fetched_at"] = fetched_at
    assert load_documents(con, write_lines(tmp_path / "documents.jsonl", documents))["updated"] == 1
    assert [d["id"] for d in documents_to_extract(con)] == [doc_id]
    extraction = next(
        line for line in read_lines(fixtures / "extractions.jsonl") if line["id"] == doc_id
    )
    for commitment in extraction["commitments"]:
        if commitment.get("mw") == 1000:
            commitment.update(mw=mw, text=surface, sentence=commitment["sentence"].replace("1GW", surface))
    load_extractions(con, write_lines(tmp_path / "extractions.jsonl", [extraction]))
    build_deals(con)
    return article


def test_first_load_has_one_current_version_per_document(seeded):
    versions = seeded.execute(
        "select count(*), count(*) filter (where is_current and extracted and version_no = 1) "
        "from document_versions"
    ).fetchall()[0]
    assert versions == (7, 7)
    current = seeded.execute(
        "select count(*) from commitment_history where is_current and superseded_at is null"
    ).fetchall()[0][0]
    assert current == seeded.execute("select count(*) from commitments").fetchall()[0][0] == 10
    assert seeded.execute(
        "select count(*) from commitment_history where deal_id is null"
    ).fetchall()[0][0] == 0


def test_an_updated_article_keeps_its_old_figures(seeded, fixtures, tmp_path, doc):
    update_article(seeded, fixtures, tmp_path, doc.stargate_uae_dcwire, 1500.0, "1.5GW",
                   "2025-06-02T08:00:00+00:00")
    history = seeded.execute(
        "select mw, surface, is_current, superseded_at is not null from commitment_history "
        "where doc_id = ? order by is_current",
        [doc.stargate_uae_dcwire],
    ).fetchall()
    assert history == [(1000.0, "1GW", False, True), (1500.0, "1.5GW", True, False)]
    assert seeded.execute(
        "select mw from commitments where doc_id = ?", [doc.stargate_uae_dcwire]
    ).fetchall() == [(1500.0,)]
    versions = seeded.execute(
        "select version_no, is_current, strftime(reported_on, '%Y-%m-%d'), superseded_at is null "
        "from document_versions where doc_id = ? order by version_no",
        [doc.stargate_uae_dcwire],
    ).fetchall()
    assert versions == [(1, False, "2025-05-23", False), (2, True, "2025-06-02", True)]
    assert "1GW" in seeded.execute(
        "select text from document_versions where doc_id = ? and version_no = 1",
        [doc.stargate_uae_dcwire],
    ).fetchall()[0][0]


def test_the_deal_shows_the_latest_figure_and_its_history(seeded, fixtures, tmp_path, doc):
    update_article(seeded, fixtures, tmp_path, doc.stargate_uae_dcwire, 1500.0, "1.5GW",
                   "2025-06-02T08:00:00+00:00")
    assert seeded.execute(
        "select mw from deals where deal_id = ?", [STARGATE_UAE_DEAL]
    ).fetchall() == [(1500.0,)]
    history = seeded.execute(
        "select strftime(reported_on, '%Y-%m-%d'), doc_id, source_id, mw, is_current "
        "from deal_figure_history where deal_id = ? and kind = 'power' "
        "order by reported_on, doc_id, mw",
        [STARGATE_UAE_DEAL],
    ).fetchall()
    assert history == [
        ("2025-05-22", doc.stargate_uae_openai, "openai-news", 200.0, True),
        ("2025-05-22", doc.stargate_uae_openai, "openai-news", 1000.0, True),
        ("2025-05-23", doc.stargate_uae_dcwire, "dc-wire", 1000.0, False),
        ("2025-06-02", doc.stargate_uae_dcwire, "dc-wire", 1500.0, True),
    ]


def test_figure_changes_lists_the_document_and_the_deal_change(seeded, fixtures, tmp_path, doc):
    assert seeded.execute("select count(*) from figure_changes").fetchall()[0][0] == 0
    update_article(seeded, fixtures, tmp_path, doc.stargate_uae_dcwire, 1500.0, "1.5GW",
                   "2025-06-02T08:00:00+00:00")
    changes = seeded.execute(
        "select scope, deal_id, doc_id, kind, change, strftime(changed_on, '%Y-%m-%d'), "
        "old_value, new_value, old_unit, old_text, new_text, old_doc_id, old_source_id, "
        "strftime(old_reported_on, '%Y-%m-%d'), new_doc_id, new_source_id "
        "from figure_changes order by scope"
    ).fetchall()
    assert changes == [
        ("deal", STARGATE_UAE_DEAL, None, "power", "changed", "2025-06-02", 1000.0, 1500.0, "MW",
         "1GW", "1.5GW", doc.stargate_uae_dcwire, "dc-wire", "2025-05-23",
         doc.stargate_uae_dcwire, "dc-wire"),
        ("document", STARGATE_UAE_DEAL, doc.stargate_uae_dcwire, "power", "changed", "2025-06-02",
         1000.0, 1500.0, "MW", "1GW", "1.5GW", doc.stargate_uae_dcwire, "dc-wire", "2025-05-23",
         doc.stargate_uae_dcwire, "dc-wire"),
    ]


def test_a_figure_added_by_an_update_is_listed_as_added(seeded, fixtures, tmp_path, doc):
    documents = read_lines(fixtures / "documents.jsonl")
    article = next(line for line in documents if line["doc_id"] == doc.humain_dcwire)
    article["text"] += " The first 100MW site opens in 2026."
    article["content_hash"] = content_hash(article["text"])
    article["fetched_at"] = "2025-06-01T00:00:00+00:00"
    load_documents(seeded, write_lines(tmp_path / "documents.jsonl", documents))
    extraction = next(
        line for line in read_lines(fixtures / "extractions.jsonl") if line["id"] == doc.humain_dcwire
    )
    extraction["commitments"].append(
        {"kind": "power", "mw": 100.0, "text": "100MW", "start": 400, "end": 405,
         "sentence": "The first 100MW site opens in 2026.", "countries": [], "companies": []}
    )
    load_extractions(seeded, write_lines(tmp_path / "extractions.jsonl", [extraction]))
    rows = seeded.execute(
        "select change, kind, old_value, new_value from figure_changes where scope = 'document'"
    ).fetchall()
    assert rows == [("added", "power", None, 100.0)]


def test_extracting_the_same_version_again_replaces_its_figures(seeded, fixtures, tmp_path, doc):
    """A new extractor run on unchanged text is not a change at the source: no history row."""
    extraction = next(
        line for line in read_lines(fixtures / "extractions.jsonl") if line["id"] == doc.humain_gov
    )
    extraction["commitments"][0]["value_usd"] = 1.01e10
    load_extractions(seeded, write_lines(tmp_path / "extractions.jsonl", [extraction]))
    rows = seeded.execute(
        "select value_usd, is_current from commitment_history where doc_id = ?", [doc.humain_gov]
    ).fetchall()
    assert rows == [(1.01e10, True)]


def test_new_extraction_keys_are_stored_when_present(seeded, fixtures, tmp_path, doc):
    extraction = next(
        line for line in read_lines(fixtures / "extractions.jsonl") if line["id"] == doc.humain_gov
    )
    extraction["commitments"][0].update(
        fx_rate=0.2667, fx_month="2025-05", deal_type="fund", link_scope="sentence"
    )
    load_extractions(seeded, write_lines(tmp_path / "extractions.jsonl", [extraction]))
    row = seeded.execute(
        "select fx_rate, fx_month, deal_type, link_scope from commitments where doc_id = ?",
        [doc.humain_gov],
    ).fetchall()
    assert row == [(0.2667, "2025-05", "fund", "sentence")]
    assert seeded.execute(
        "select fx_month from commitment_history where doc_id = ?", [doc.humain_gov]
    ).fetchall() == [("2025-05",)]
    others = seeded.execute(
        "select count(*) from commitments where fx_rate is null and deal_type is null"
    ).fetchall()[0][0]
    assert others == 9


def test_a_retired_deal_id_resolves_to_its_successor(seeded, fixtures, tmp_path, doc):
    """Moving the founding figure of a deal changes its id; the old id points to the new deal."""
    extraction = next(
        line for line in read_lines(fixtures / "extractions.jsonl")
        if line["id"] == doc.stargate_uae_openai
    )
    for commitment in extraction["commitments"]:
        commitment["start"] += 7  # a re-extraction with other offsets: new commitment ids
        commitment["end"] += 7
    load_extractions(seeded, write_lines(tmp_path / "extractions.jsonl", [extraction]))
    build_deals(seeded)
    current = seeded.execute(
        "select deal_id from deals where title like 'OpenAI, G42 and Oracle%'"
    ).fetchall()[0][0]
    assert current != STARGATE_UAE_DEAL
    alias = seeded.execute(
        "select deal_id, successor_id, reason, retired_at is not null from deal_aliases "
        "where alias_id = ?",
        [STARGATE_UAE_DEAL],
    ).fetchall()
    assert alias == [(current, current, "superseded", True)]
    resolved = seeded.execute(
        "select d.title from deal_aliases as a join deals as d using (deal_id) where a.alias_id = ?",
        [STARGATE_UAE_DEAL],
    ).fetchall()
    assert resolved == [("OpenAI, G42 and Oracle plan a 1 GW AI data centre in the United Arab Emirates",)]
    # every current deal id is its own alias; a rebuild of the same data changes nothing
    assert seeded.execute(
        "select count(*) from deals as d join deal_aliases as a on a.alias_id = d.deal_id "
        "where a.reason = 'current' and a.deal_id = d.deal_id"
    ).fetchall()[0][0] == 4
    before = seeded.execute("select * from deal_aliases order by all").fetchall()
    build_deals(seeded)
    assert seeded.execute("select * from deal_aliases order by all").fetchall() == before
