"""Deals kept up to date week by week, on a real DuckDB file with the warehouse fixtures: the learned
resolver's increment (warehouse/resolution/incremental.py) gives the deals of a full rebuild,
deal ids stay stable across rebuilds, and editors' decisions made before a rebuild still apply
after it, with either resolver."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from warehouse.deals import build_deals as build_by_rules
from warehouse.decisions import apply_decisions, record_decisions, week_decisions
from warehouse.load import load_documents, load_extractions, load_sources
from warehouse.report import week_context
from warehouse.resolution.incremental import plan_update, update_deals

FIXTURES = Path(__file__).parent / "fixtures"
WEEK = "2025-W21"
STARGATE_UAE_LATER = "f21555a08f6cebe5"  # reported 2025-05-23
STARGATE_UAE_FIRST = "145883bd2a006289"  # the same deal, reported 2025-05-22


def fixture_rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines()]


def load_some(con, tmp_path: Path, doc_ids) -> None:
    """Load the fixture documents (and their extractions) ``doc_ids`` names, as a week's run does."""
    documents = [d for d in fixture_rows("documents.jsonl") if d["doc_id"] in doc_ids]
    extractions = [e for e in fixture_rows("extractions.jsonl") if e["id"] in doc_ids]
    for name, rows in (("documents.jsonl", documents), ("extractions.jsonl", extractions)):
        (tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    load_documents(con, tmp_path / "documents.jsonl")
    load_extractions(con, tmp_path / "extractions.jsonl")


def all_doc_ids() -> list[str]:
    return [d["doc_id"] for d in fixture_rows("documents.jsonl")]


def deals(con) -> list[tuple]:
    """Each deal with its figures: (deal_id, [commitment ids])."""
    return con.execute(
        "select deal_id, list(commitment_id order by commitment_id) from deal_evidence group by deal_id order by all"
    ).fetchall()


def deal_of(con, doc_id: str, amount: float) -> str:
    """The deal of a document's figure of this amount (MW, US dollars or chips)."""
    (deal_id,) = {r[0] for r in con.execute(
        "select e.deal_id from deal_evidence as e join commitments as c using (commitment_id) "
        "where e.doc_id = ? and coalesce(c.mw, c.value_usd, c.chip_count) = ?", [doc_id, amount]).fetchall()}
    return deal_id


@pytest.fixture
def warehouse(con, sources):
    load_sources(con, sources)
    return con


def test_an_increment_gives_the_deals_of_a_full_rebuild(warehouse, tmp_path):
    first_week = {STARGATE_UAE_FIRST, "ff99da95c58b709d", "b88afe0373ef2dc9", "5d28ffa7267b50c0"}
    load_some(warehouse, tmp_path, first_week)
    assert update_deals(warehouse)["mode"] == "full"  # no state yet
    before = dict(deals(warehouse))
    load_some(warehouse, tmp_path, set(all_doc_ids()) - first_week)
    assert plan_update(warehouse)[0] == "incremental"
    counts = update_deals(warehouse)
    assert counts["mode"] == "incremental" and counts["documents"] == 3
    incremental = deals(warehouse)
    # the later reports of Stargate UAE joined its deal, which kept its id
    stargate = deal_of(warehouse, STARGATE_UAE_FIRST, 1000)
    assert stargate in before and deal_of(warehouse, STARGATE_UAE_LATER, 1000) == stargate
    assert update_deals(warehouse, full=True)["mode"] == "full"
    assert deals(warehouse) == incremental
    assert warehouse.execute("select count(*) from deal_aliases where reason <> 'current'").fetchall() == [(0,)]
    assert update_deals(warehouse)["mode"] == "none"


def test_a_changed_resolver_or_document_means_a_full_rebuild(warehouse, tmp_path):
    load_some(warehouse, tmp_path, set(all_doc_ids()))
    update_deals(warehouse)
    build_by_rules(warehouse)
    assert plan_update(warehouse) == ("full", [], "the deals were rebuilt by another resolver since")
    update_deals(warehouse)
    warehouse.execute("delete from commitments where doc_id = ? and kind = 'power'", [STARGATE_UAE_LATER])
    mode, _, why = plan_update(warehouse)
    assert (mode, why) == ("full", "1 resolved documents changed or went")


BUILDS = {
    "rules": build_by_rules,
    "model": lambda con: update_deals(con, full=True),
    "model-increment": update_deals,  # the second build attaches the new report to the deal
}


@pytest.mark.parametrize("resolver", sorted(BUILDS))
def test_editors_decisions_made_before_a_rebuild_still_apply_after_it(warehouse, tmp_path, resolver):
    build = BUILDS[resolver]
    load_some(warehouse, tmp_path, set(all_doc_ids()) - {STARGATE_UAE_FIRST})
    build(warehouse)
    stargate, microsoft = deal_of(warehouse, STARGATE_UAE_LATER, 1000), deal_of(warehouse, "ff99da95c58b709d", 15.2e9)
    record_decisions(warehouse, [
        {"week": WEEK, "deal_id": stargate, "action": "correct", "field": "mw", "value": "1200", "editor": "Ana"},
        {"week": WEEK, "deal_id": microsoft, "action": "drop", "editor": "Ana"},
    ], via="cli")
    # an earlier report of Stargate UAE arrives; the rebuild gives the deal its earliest figure's id
    load_some(warehouse, tmp_path, {STARGATE_UAE_FIRST})
    counts = build(warehouse)
    assert counts.get("mode", "full") == ("incremental" if resolver == "model-increment" else "full")
    renamed = deal_of(warehouse, STARGATE_UAE_FIRST, 1000)
    assert deal_of(warehouse, STARGATE_UAE_LATER, 1000) == renamed != stargate
    assert warehouse.execute("select deal_id from deal_aliases where alias_id = ?", [stargate]).fetchall() == [
        (renamed,)]
    context = apply_decisions(week_context(warehouse, WEEK), week_decisions(warehouse, WEEK))
    shown = {deal["deal_id"]: deal for deal in context["deals"]}
    assert microsoft not in shown  # still dropped
    assert shown[renamed]["mw"] == 1200.0 and shown[renamed]["corrected"] == ["mw"]  # still corrected
