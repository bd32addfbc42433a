"""Deal clustering on stories that single-link clustering chains (fixtures/chaining, see its README)."""

from __future__ import annotations

import pytest

from warehouse.deals import build_deals
from warehouse.load import load_documents, load_extractions

DOCS = {
    "chain-1": "5c82b296fa44a87e",
    "chain-2": "76f433fcdcafb3c5",
    "chain-3": "d8d6ab7df394c942",
    "uae-1": "6455deed6d48ab23",
    "uae-2": "00f24d8cb3556ed8",
    "uae-3": "e31a13b825b58238",
    "msft-1": "2d45da1cfe047b3d",
}


@pytest.fixture
def chaining(con, fixtures):
    load_documents(con, fixtures / "chaining" / "documents.jsonl")
    load_extractions(con, fixtures / "chaining" / "extractions.jsonl")
    build_deals(con)
    return con


def deals_of(con, slug: str, surface: str | None = None) -> set[str]:
    query = (
        "select distinct e.deal_id from deal_evidence e join commitments c using (commitment_id) "
        "where e.doc_id = ? and (? is null or c.surface = ?)"
    )
    return {r[0] for r in con.execute(query, [DOCS[slug], surface, surface]).fetchall()}


def deal(con, deal_id: str) -> dict:
    cursor = con.execute("select * from deals where deal_id = ?", [deal_id])
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchall()[0], strict=True))


def test_three_stories_with_shifting_partners_do_not_chain(chaining):
    first, second, third = (deals_of(chaining, f"chain-{n}") for n in (1, 2, 3))
    assert first == second  # Alpha, Beta, Gamma then Beta, Gamma, Delta: Jaccard 2/4 with the core
    assert third.isdisjoint(first)  # Gamma, Delta, Epsilon: 1/5 with the core, though 2/4 with chain-2
    row = deal(chaining, first.pop())
    assert row["companies"] == ["Alpha", "Beta", "Delta", "Gamma"]  # Delta: in half of the reports
    assert row["countries"] == ["GB"]


def test_one_deal_from_two_outlets_and_a_later_report(chaining):
    (deal_id,) = deals_of(chaining, "uae-1")
    assert deals_of(chaining, "uae-2") == {deal_id}
    assert deals_of(chaining, "uae-3") == {deal_id}
    row = deal(chaining, deal_id)
    assert row["n_documents"] == 3
    assert row["n_sources"] == 3
    assert row["countries"] == ["AE"]
    assert (str(row["first_reported"]), str(row["last_reported"])) == ("2025-03-03", "2025-03-07")
    assert row["chip_count"] == 20000


def test_another_deal_in_the_same_country_and_week_stays_apart(chaining):
    stargate = deals_of(chaining, "uae-1")
    microsoft = deals_of(chaining, "msft-1", "$15 billion")
    assert len(microsoft) == 1 and microsoft != stargate
    row = deal(chaining, microsoft.pop())
    assert row["companies"] == ["G42", "Microsoft"]
    assert (row["money_value"], row["countries"]) == (15e9, ["AE"])


def test_a_figure_about_another_country_goes_to_another_deal(chaining):
    uae = deals_of(chaining, "msft-1", "$15 billion")
    kenya = deals_of(chaining, "msft-1", "$1 billion")
    assert len(kenya) == 1 and kenya != uae
    row = deal(chaining, kenya.pop())
    assert row["countries"] == ["KE"]
    assert row["title"] == "Microsoft and G42 plan a $1 billion investment in AI data centres in Kenya"
    assert row["money_value"] == 1e9


def test_no_deal_spans_more_than_the_window(chaining):
    spans = chaining.execute("select max(last_reported - first_reported) from deals").fetchone()[0]
    assert spans <= 45


def test_rebuilding_gives_the_same_rows(chaining, rows):
    first = (rows(chaining, "deals"), rows(chaining, "deal_evidence"))
    build_deals(chaining)
    assert (rows(chaining, "deals"), rows(chaining, "deal_evidence")) == first
