"""The rule-based clustering kept up to date week by week (warehouse/deals.py ``update_deals``,
warehouse/deal_state.py), on a real DuckDB file with the warehouse fixtures: an increment gives
the deals of a full rebuild where the order of reports does not matter, a changed document or
rules mean a full rebuild, deal ids stay stable, editors' decisions still apply, and the stored
state restores the deals the clustering left."""

from __future__ import annotations

import pytest

from tests.warehouse.test_resolution_incremental import (
    STARGATE_UAE_FIRST,
    STARGATE_UAE_LATER,
    WEEK,
    all_doc_ids,
    deal_of,
    deals,
    fixture_rows,
    load_some,
)
from tests.warehouse.test_warehouse_deals_rules import Article
from warehouse.deal_state import plan_update, record_state, restore_deals
from warehouse.deals import (
    TIER_W,
    Summary,
    attribute_figures,
    build_deals,
    cluster_figures,
    deal_id_for,
    describe_deals,
    headline_figures,
    new_headlines,
    read_figures,
    summary_of,
    update_deals,
)
from warehouse.decisions import apply_decisions, record_decisions, week_decisions
from warehouse.load import load_sources
from warehouse.report import week_context
from warehouse.resolution.incremental import update_deals as update_by_model

FIRST_WEEK = {STARGATE_UAE_FIRST, "ff99da95c58b709d", "b88afe0373ef2dc9", "5d28ffa7267b50c0"}


@pytest.fixture
def warehouse(con, sources):
    load_sources(con, sources)
    return con


def deal_rows(con) -> list[tuple]:
    """Every deals and deal_evidence row, and the deal and headline flag of every current figure."""
    return [con.execute(f"select * from {table} order by all").fetchall() for table in ("deals", "deal_evidence")] + [
        con.execute("select commitment_id, deal_id, deal_headline from commitment_history where is_current "
                    "order by all").fetchall()]


def test_an_increment_gives_the_deals_of_a_full_rebuild(warehouse, tmp_path):
    load_some(warehouse, tmp_path, FIRST_WEEK)
    assert update_deals(warehouse)["mode"] == "full"  # no state yet
    before = dict(deals(warehouse))
    load_some(warehouse, tmp_path, set(all_doc_ids()) - FIRST_WEEK)
    assert plan_update(warehouse)[0] == "incremental"
    counts = update_deals(warehouse)
    assert counts["mode"] == "incremental" and counts["documents"] == 3
    incremental, incremental_rows = deals(warehouse), deal_rows(warehouse)
    # the later reports of Stargate UAE joined its deal, which kept its id
    stargate = deal_of(warehouse, STARGATE_UAE_FIRST, 1000)
    assert stargate in before and deal_of(warehouse, STARGATE_UAE_LATER, 1000) == stargate
    assert update_deals(warehouse, full=True)["mode"] == "full"
    assert deals(warehouse) == incremental
    assert deal_rows(warehouse) == incremental_rows
    assert warehouse.execute("select count(*) from deal_aliases where reason <> 'current'").fetchall() == [(0,)]
    assert update_deals(warehouse)["mode"] == "none"


def test_increments_in_report_order_give_the_deals_of_a_full_rebuild(warehouse, tmp_path):
    published = {d["doc_id"]: d.get("published") or "" for d in fixture_rows("documents.jsonl")}
    for doc_id in sorted(all_doc_ids(), key=lambda d: (published[d], d)):  # one document a run, as reported
        load_some(warehouse, tmp_path, {doc_id})
        update_deals(warehouse)
    assert warehouse.execute("select mode from deal_rule_state").fetchall() == [("incremental",)]
    incremental, incremental_rows = deals(warehouse), deal_rows(warehouse)
    build_deals(warehouse)
    assert deals(warehouse) == incremental
    assert deal_rows(warehouse) == incremental_rows


def test_a_changed_document_rules_or_resolver_mean_a_full_rebuild(warehouse, tmp_path):
    load_some(warehouse, tmp_path, set(all_doc_ids()))
    assert update_deals(warehouse)["mode"] == "full"
    assert plan_update(warehouse) == ("none", [], "no new documents")
    update_by_model(warehouse, full=True)
    assert plan_update(warehouse) == ("full", [], "the deals were rebuilt by another resolver since")
    assert update_deals(warehouse)["reason"] == "the deals were rebuilt by another resolver since"
    warehouse.execute("update deal_rule_state set fingerprint = 'older rules'")
    assert plan_update(warehouse) == ("full", [], "the rules (code, SQL, keywords or registry) changed")
    update_deals(warehouse)
    warehouse.execute("delete from commitments where doc_id = ? and kind = 'power'", [STARGATE_UAE_LATER])
    assert plan_update(warehouse) == ("full", [], "1 clustered documents changed or went")


def test_the_stored_state_restores_the_deals_the_clustering_left(seeded):
    figures, contexts = read_figures(seeded)
    built = {deal_id_for(deal): deal for deal in cluster_figures(figures, contexts)}
    restored = restore_deals(seeded, sorted(built), figures)
    assert restored.keys() == built.keys()
    for deal_id, deal in built.items():
        again, summary = restored[deal_id]
        assert (again.anchor, again.core, again.principal, again.named, again.companies, again.order) == (
            deal.anchor, deal.core, deal.principal, deal.named, deal.companies, deal.order)
        assert (again.first_day, again.last_day, again.countries_named, again.types()) == (
            deal.first_day, deal.last_day, deal.countries_named, deal.types())
        assert summary == summary_of(deal, contexts).to_json()
        # what the join test knows it by, and the money and chips it states (Deal.known, disagrees)
        assert again.reports == deal.reports and again.tallies() == deal.tallies()
        assert [again.known(what) for what in ("companies", "principals", "countries")] == [
            deal.known(what) for what in ("companies", "principals", "countries")]
        assert (again.stated, again.stated_sums) == (deal.stated, deal.stated_sums)
        # stand-ins for its figures: how many documents report each figure, counted up to two
        assert again.members == [] and set(again.by_amount) == set(deal.by_amount)
        assert [again.documents_holding(f) for f in figures] == [deal.documents_holding(f) for f in figures]
    left_out = {f.commitment_id for f in figures} - {f.commitment_id for d in built.values() for f in d.figures}
    stored = dict(seeded.execute("select commitment_id, deal_id from deal_rule_figures").fetchall())
    assert stored.keys() == {f.commitment_id for f in figures}
    assert all(stored[c] is None for c in left_out)


@pytest.mark.parametrize("weekly", [False, True])
def test_editors_decisions_made_before_an_increment_still_apply_after_it(warehouse, tmp_path, weekly):
    load_some(warehouse, tmp_path, set(all_doc_ids()) - {STARGATE_UAE_FIRST})
    update_deals(warehouse)
    stargate, microsoft = deal_of(warehouse, STARGATE_UAE_LATER, 1000), deal_of(warehouse, "ff99da95c58b709d", 15.2e9)
    record_decisions(warehouse, [
        {"week": WEEK, "deal_id": stargate, "action": "correct", "field": "mw", "value": "1200", "editor": "Ana"},
        {"week": WEEK, "deal_id": microsoft, "action": "drop", "editor": "Ana"},
    ], via="cli")
    # an earlier report of Stargate UAE arrives; the increment gives the deal its earliest figure's id
    load_some(warehouse, tmp_path, {STARGATE_UAE_FIRST})
    assert update_deals(warehouse, full=not weekly)["mode"] == ("incremental" if weekly else "full")
    renamed = deal_of(warehouse, STARGATE_UAE_FIRST, 1000)
    assert deal_of(warehouse, STARGATE_UAE_LATER, 1000) == renamed != stargate
    assert warehouse.execute("select deal_id from deal_aliases where alias_id = ?", [stargate]).fetchall() == [
        (renamed,)]
    assert warehouse.execute("select count(*) from deal_rule_figures where deal_id = ?", [stargate]).fetchall() == [
        (0,)]
    context = apply_decisions(week_context(warehouse, WEEK), week_decisions(warehouse, WEEK))
    shown = {deal["deal_id"]: deal for deal in context["deals"]}
    assert microsoft not in shown  # still dropped
    assert shown[renamed]["mw"] == 1200.0 and shown[renamed]["corrected"] == ["mw"]  # still corrected
    # and a later full rebuild agrees with the increment
    incremental = deals(warehouse)
    build_deals(warehouse)
    assert deals(warehouse) == incremental


def attributed(*articles):
    figure_rows, mention_rows = [], []
    for article in articles:
        f, m = article.rows()
        figure_rows += f
        mention_rows += m
    return attribute_figures(figure_rows, mention_rows, {a.doc_id: a.text for a in articles})


@pytest.mark.parametrize("case", ["repeated", "first strong of its kind"])
def test_an_increment_flags_headline_figures_as_a_full_rebuild(con, case):
    """A held W figure becomes a headline when a new S figure repeats it, and a kind's W figures
    stop being headlines (unless repeated) when the kind gets its first S or M figure."""
    if case == "repeated":
        old = [Article("a", 1, "[Nvidia] and [Humain] deal",
                       ["[Nvidia] will supply [Humain] with AI factories of {500MW|power=500} in [Saudi Arabia|SA]."],
                       ["The first phase is {100MW|power=100} and the second {200MW|power=200}."])]
        new = [Article("b", 2, "Phase one",
                       ["[Nvidia] and [Humain] confirmed a first phase of {100MW|power=100} in [Saudi Arabia|SA]."])]
    else:
        old = [Article("a", 1, "[Humain] plan",
                       ["[Humain] will invest {$10bn|money=10e9 USD} in [Saudi Arabia|SA]."],
                       ["The campus will draw {300MW|power=300} at first and {600MW|power=600} later."],
                       deal_type="data_center")]
        new = [Article("b", 2, "Campus",
                       ["[Humain] confirmed a campus of {300MW|power=300} in [Saudi Arabia|SA]."],
                       deal_type="data_center")]
    old_figures, old_contexts = attributed(*old)
    new_figures, new_contexts = attributed(*new)
    every, contexts = attributed(*old, *new)
    (full,) = cluster_figures(every, contexts)  # one deal: the new report joins it
    _, _, described = describe_deals(cluster_figures(old_figures, old_contexts), old_contexts)
    (held,) = described
    record_state(con, "full", described, old_figures, None, next_order=1)
    restored = restore_deals(con, [held.deal_id], new_figures)
    deal, summary = restored[held.deal_id]
    (grown,) = cluster_figures(new_figures, new_contexts, seeded=[deal], next_order=1)
    assert grown is deal and {f.doc_id for f in deal.figures} == {"b"}
    headline, amounts, kinds = new_headlines(deal, Summary.from_json(summary))
    flags = {f.commitment_id: f.commitment_id in headline_figures(held.deal) for f in held.deal.figures}
    for f in held.deal.figures:  # the held figures' flags, changed as stage_deal_increment.sql changes them
        if f.tier == TIER_W and (f.kind, f.currency, f.amount, f.usd) in amounts:
            flags[f.commitment_id] = True
        elif f.tier == TIER_W and f.kind in kinds:
            flags[f.commitment_id] = False
    flags.update({f.commitment_id: f.commitment_id in headline for f in deal.figures})
    assert flags == {f.commitment_id: f.commitment_id in headline_figures(full) for f in full.figures}
    assert amounts if case == "repeated" else kinds == {"power"}


def test_an_increment_reads_the_new_documents_as_a_full_read_does(seeded, doc):
    every, contexts = read_figures(seeded)
    wanted = [doc.stargate_uae_dcwire, doc.humain_gov, "no such document"]
    figures, some = read_figures(seeded, wanted)
    assert figures == [f for f in every if f.doc_id in wanted] and figures
    assert some == {d: ctx for d, ctx in contexts.items() if d in wanted}
    assert read_figures(seeded, []) == ([], {})
