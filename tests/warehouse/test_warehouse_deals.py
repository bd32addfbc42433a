"""Deal clustering on the warehouse fixtures: one deal per real-world deal, stable ids, no over-merging.

The clustering rules one by one, on handmade figures: test_warehouse_deals_rules.py."""

from __future__ import annotations

from warehouse.db import connect
from warehouse.deals import build_deals
from warehouse.load import load_documents, load_extractions


def deal_of(con, doc_id: str) -> set[str]:
    return {r[0] for r in con.execute(
        "select distinct deal_id from deal_evidence where doc_id = ?", [doc_id]
    ).fetchall()}


def deal_row(con, deal_id: str) -> dict:
    cursor = con.execute("select * from deals where deal_id = ?", [deal_id])
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchall()[0], strict=True))


def test_four_deals_from_the_fixtures(seeded):
    titles = sorted(r[0] for r in seeded.execute("select title from deals").fetchall())
    # told from each record: its parties, a verb for its type, its main figure and its host
    assert titles == [
        "Microsoft and G42 plan a 200 MW AI data centre in the United Arab Emirates",
        "Nvidia to supply 18,000 GB300 chips to Humain and PIF in Saudi Arabia",
        "OpenAI, G42 and Oracle plan a 1 GW AI data centre in the United Arab Emirates",
        "OpenAI, Nscale and Aker plan a 230 MW AI data centre in Norway",
    ]


def test_each_deal_has_a_one_sentence_summary_with_its_figures(seeded, doc):
    (deal_id,) = deal_of(seeded, doc.humain_gov)
    summary = deal_row(seeded, deal_id)["summary"]
    assert summary == (
        "Nvidia to supply 18,000 GB300 chips to Humain and PIF in Saudi Arabia; "
        "SAR 37.5 billion (about $10 billion) committed; first reported in May 2025."
    )
    summaries = [r[0] for r in seeded.execute("select summary from deals").fetchall()]
    assert all(s.endswith(".") and ". " not in s and len(s) <= 220 for s in summaries), summaries
    # the current alias row carries the told title, so a saved id shows what readers saw
    aliases = dict(seeded.execute("select alias_id, title from deal_aliases where reason = 'current'").fetchall())
    assert aliases[deal_id] == deal_row(seeded, deal_id)["title"]


def test_stargate_uae_is_one_deal_with_two_sources(seeded, doc):
    (deal_id,) = deal_of(seeded, doc.stargate_uae_openai)
    assert deal_of(seeded, doc.stargate_uae_dcwire) == {deal_id}
    deal = deal_row(seeded, deal_id)
    assert deal["n_documents"] == 2
    assert deal["n_sources"] == 2
    assert deal["countries"] == ["AE"]
    assert deal["mw"] == 1000.0  # the largest capacity of the latest report (1GW, not 200MW)
    assert deal["deal_type"] == "data_center"
    assert deal["status"] == "announced"
    assert str(deal["first_reported"]) == "2025-05-22"
    assert str(deal["last_reported"]) == "2025-05-23"
    assert deal["confidence"] == 0.75


def test_microsoft_uae_is_a_separate_deal(seeded, doc):
    stargate = deal_of(seeded, doc.stargate_uae_openai)
    microsoft = deal_of(seeded, doc.microsoft_uae)
    assert len(microsoft) == 1
    assert microsoft != stargate
    deal = deal_row(seeded, microsoft.pop())
    # the latest money: the larger of the two figures of the same report
    assert (deal["money_value"], deal["money_currency"], deal["money_usd"]) == (15.2e9, "USD", 15.2e9)
    assert deal["companies"] == ["G42", "Microsoft"]


def test_humain_gathers_the_government_and_trade_reports(seeded, doc):
    (deal_id,) = deal_of(seeded, doc.humain_gov)
    assert deal_of(seeded, doc.humain_dcwire) == {deal_id}
    deal = deal_row(seeded, deal_id)
    assert deal["deal_type"] == "chip_supply"
    assert (deal["money_value"], deal["money_currency"], deal["money_usd"]) == (37.5e9, "SAR", 1e10)
    assert (deal["chip_count"], deal["chip_model"]) == (18000, "GB300")
    assert deal["mw"] is None
    assert deal["n_sources"] == 2


def test_figures_of_one_article_stay_together(seeded, doc):
    # "230MW" names OpenAI, Nscale, Aker; "100,000 Nvidia GPUs" names only Nvidia
    (deal_id,) = deal_of(seeded, doc.stargate_norway)
    deal = deal_row(seeded, deal_id)
    assert (deal["mw"], deal["chip_count"]) == (230.0, 100000)
    assert deal["countries"] == ["NO"]


def test_documents_without_figures_make_no_deal(seeded, doc):
    assert deal_of(seeded, doc.no_deal) == set()


def test_deal_ids_are_stable_across_rebuilds_and_databases(seeded, tmp_path, fixtures, rows):
    first = (rows(seeded, "deals"), rows(seeded, "deal_evidence"))
    assert build_deals(seeded) == {"deals": 4, "evidence": 10}
    assert (rows(seeded, "deals"), rows(seeded, "deal_evidence")) == first

    other = connect(tmp_path / "other.duckdb")
    load_documents(other, fixtures / "documents.jsonl")
    load_extractions(other, fixtures / "extractions.jsonl")
    build_deals(other)
    assert (rows(other, "deals"), rows(other, "deal_evidence")) == first
    other.close()


def test_deal_id_hashes_the_earliest_commitment(seeded, doc):
    import hashlib

    (deal_id,) = deal_of(seeded, doc.humain_dcwire)
    earliest = seeded.execute(
        "select commitment_id from deal_evidence where deal_id = ? order by published, commitment_id",
        [deal_id],
    ).fetchall()[0][0]
    assert deal_id == "d-" + hashlib.sha256(earliest.encode()).hexdigest()[:12]




def test_keyword_patterns_matched_one_at_a_time_give_the_joined_hits(seeded):
    # warehouse/deal_texts.py matches each pattern in its own statement (a joined pattern column is
    # compiled once per text); the hits must be those of one join of every text and every pattern
    from warehouse.db import DATA_DIR, run_sql

    run_sql(seeded, "stage_deal_keywords", {"path": str(DATA_DIR / "deal_keywords.csv")})
    expected = seeded.execute("""
        with texts as (
            select distinct e.deal_id, lower(e.sentence) as text from deal_evidence as e
            where e.sentence is not null
            union
            select distinct e.deal_id, lower(d.title) from deal_evidence as e
            join documents as d on d.doc_id = e.doc_id where d.title is not null
        ),
        hits as (
            select t.deal_id, k.field, k.label, min(k.priority) as priority, count(*) as hits
            from texts as t join deal_keywords as k on regexp_matches(t.text, k.pattern)
            group by all
        )
        select
            d.deal_id,
            coalesce((select label from hits as h where h.deal_id = d.deal_id and field = 'deal_type'
                      order by hits desc, priority, label limit 1), 'partnership'),
            (select label from hits as h where h.deal_id = d.deal_id and field = 'status'
             order by priority, label limit 1)
        from deals as d order by d.deal_id
    """).fetchall()
    assert len({row[1] for row in expected}) > 1
    assert seeded.execute("select deal_id, deal_type, status from deals order by deal_id").fetchall() == expected
