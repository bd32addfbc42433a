"""Incremental deal resolution: a weekly run attaches its new documents to the existing deals
instead of re-clustering all history.

When (``plan_update``): the learned resolver keeps its state in the warehouse (migration 042:
resolver_state, resolver_documents, resolver_frames, resolver_corpus, resolver_parties; migration
043: resolver_frame_facts, resolver_document_states), written by every build. A run is
incremental when all of these hold, and a full rebuild (store.rebuild_deals) otherwise, with the
reason logged:

- there is a state, from the same resolver: its fingerprint (the package's code and SQL,
  weights.json, the company registry) is today's;
- the deals are the ones that build left (deal_evidence's checksum): the rule-based resolver
  did not rebuild them since;
- no document it resolved has changed or gone: a re-extraction after a pipeline change, or a page
  whose text changed, gives new figure ids, and the deals are rebuilt in full;
- and some documents are new.

How (``attach``), with the clustering's own functions:

1. frames are built for the new documents only (frames.build_frames, resolve.build_all_frames);
2. each new frame's blocking keys (blocking.blocking_keys: host, party, project, figure bucket)
   are looked up in resolver_frames: the existing frames sharing a key are its candidates (a key
   shared by more than blocking.MAX_BLOCK frames: its blocking.NEIGHBOURS latest frames, as
   candidate_pairs compares a late frame with its nearest neighbours in report order); a
   shortlist of SHORTLIST of them per new frame, those sharing the strongest keys (summed
   blocking.KEY_WEIGHTS, ties to the latest: candidate_frames.sql);
3. the shortlisted frames are read back as the build that resolved them kept them (saved.py:
   frames are deterministic, same code, same figures, so they are the frames framing again
   would give), and each new frame keeps the blocking.BUDGET most alike (blocking.similarity,
   as a full rebuild's budget ranks: ``most_alike``);
4. pairs are scored with clustering.score_pairs, new against kept frames and new against new
   (blocking.candidate_pairs, with its budget), with the stored corpus counts plus the new
   documents', so a pair gets the score a full rebuild over the same documents would give it;
5. clustering.cluster_average merges best first by average link over items: each candidate deal
   (the deal of a kept frame) is one item, weighted by its figures, each new frame another, under
   clustering.merge_rule's constraints on the frames they hold (a deal's frames not read back
   stand in as saved.FrameStub: document, owners, host, from resolver_frame_facts); two existing
   deals are never merged. A new frame joins the deal whose linkage reaches the learned ``cross``
   threshold, or founds a new deal with other new frames, or alone;
6. the changed and new deals (their other frames read back now; describe.describe_deal: the id
   is the earliest figure's, so a deal that gains later reports keeps its id) and every
   unchanged deal as stored are staged and written by the same SQL as a full rebuild
   (store.persist_plan: aliases, deals, evidence, texts, figure history).

What an increment does not do that a full rebuild would: re-split or re-merge existing deals
(a new report bridging two old deals joins the better one; they stay two), and re-score old pairs
with the grown corpus counts. A full rebuild (any resolver change, any changed document, or
``update_deals(con, full=True)``) redoes everything; unchanged deals keep their ids.
"""

from __future__ import annotations

import logging
from collections import Counter

import duckdb
import numpy as np
import pyarrow as pa

from warehouse.db import transaction
from warehouse.resolution.blocking import (
    BUDGET,
    KEY_WEIGHTS,
    MAX_BLOCK,
    NEIGHBOURS,
    blocking_keys,
    candidate_pairs,
    ranks_in_groups,
    similarity,
)
from warehouse.resolution.clustering import (
    MergeRule,
    cluster_average,
    same_document_rule,
    score_pairs,
)
from warehouse.resolution.describe import describe_deal
from warehouse.resolution.features import Corpus
from warehouse.resolution.frames import Frame, read_documents, read_figures
from warehouse.resolution.model import load_model
from warehouse.resolution.resolve import build_all_frames, to_tables
from warehouse.resolution.saved import FrameStub, unpack
from warehouse.resolution.store import (
    SQL_DIR,
    evidence_checksum,
    fingerprint,
    key_text,
    persist_plan,
    read_corpus,
    read_inputs,
    read_query,
    rebuild_deals,
    record_state,
    run_sql_file,
)

log = logging.getLogger("tracker.warehouse")
SHORTLIST = 4 * BUDGET  # existing frames per new frame read back (by shared keys), then ranked by similarity


def plan_update(con: duckdb.DuckDBPyConnection) -> tuple[str, list[str], str]:
    """("incremental", new doc ids, "") or ("full", [], why) or ("none", [], why): module docstring."""
    rows = con.execute("select fingerprint, evidence_checksum from resolver_state").fetchall()
    state = rows[0] if rows else None
    if state is None:
        return "full", [], "no resolver state yet"
    if state[0] != fingerprint():
        return "full", [], "the resolver (code, weights or registry) changed"
    if state[1] != evidence_checksum(con):
        return "full", [], "the deals were rebuilt by another resolver since"
    current = {row["doc_id"]: row["figures_hash"] for row in read_query(con, "document_hashes")}
    known = dict(con.execute("select doc_id, figures_hash from resolver_documents").fetchall())
    changed = sum(1 for doc_id, value in known.items() if current.get(doc_id) != value)
    if changed:
        return "full", [], f"{changed} resolved documents changed or went"
    new = sorted(set(current) - set(known))
    if not new:
        return "none", [], "no new documents"
    return "incremental", new, ""


def update_deals(con: duckdb.DuckDBPyConnection, full: bool = False, model=None) -> dict:
    """Bring the deals up to date: attach new documents when the state allows, else rebuild.
    Returns ``{"deals": n, "evidence": n, "mode": "full" | "incremental" | "none", ...}``."""
    mode, new, why = ("full", [], "asked for") if full else plan_update(con)
    if mode == "full":
        log.info("deals: full rebuild (%s)", why)
        return rebuild_deals(con, model=model)
    if mode == "none":
        deals, evidence = con.execute(
            "select (select count(*) from deals), (select count(*) from deal_evidence)").fetchall()[0]
        return {"deals": deals, "evidence": evidence, "mode": "none"}
    counts = attach(con, new, model or load_model())
    log.info("deals: %s new documents attached incrementally (%s deals changed, %s new)", len(new),
             counts["changed"], counts["new"])
    return counts


def candidate_frames(con: duckdb.DuckDBPyConnection, new_frames: list[Frame]) -> list[dict]:
    """The existing frames each new frame is compared with (new_frame: its number), with their
    deal: those sharing a blocking key, at most blocking.BUDGET per new frame (module docstring)."""
    rows = [(key_text(key), number, KEY_WEIGHTS[key[0]])
            for number, frame in enumerate(new_frames) for key in blocking_keys(frame)]
    if not rows:
        return []
    keys = pa.table({"blocking_key": pa.array([r[0] for r in rows], pa.string()),
                     "new_frame": pa.array([r[1] for r in rows], pa.int64()),
                     "weight": pa.array([r[2] for r in rows], pa.int64())})
    con.register("resolver_new_keys", keys)
    try:
        query = (SQL_DIR / "candidate_frames.sql").read_text(encoding="utf-8")
        params = {"max_block": MAX_BLOCK, "neighbours": NEIGHBOURS, "budget": SHORTLIST}
        return con.sql(query, params=params).to_arrow_table().to_pylist()
    finally:
        con.unregister("resolver_new_keys")


def frames_of(con: duckdb.DuckDBPyConnection, doc_ids: list[str], model):
    """(frames, docs, figures) of these documents, built as a full rebuild builds them."""
    figure_rows, mention_rows, document_rows = read_inputs(con, doc_ids)
    docs = read_documents(document_rows, mention_rows)
    figures = read_figures(figure_rows, docs)
    return build_all_frames(figures, docs, model), docs, figures


def stored_frames(con: duckdb.DuckDBPyConnection, doc_ids, model) -> tuple[dict, dict]:
    """({(doc_id, index): frame}, {doc_id: document}) of these documents as the build that
    resolved them kept them (saved.py); a document without a kept state is framed again."""
    frames: dict[tuple[str, int], Frame] = {}
    docs: dict = {}
    wanted = sorted(set(doc_ids))
    if not wanted:
        return frames, docs
    rows = con.execute("select doc_id, state from resolver_document_states where doc_id in (select unnest($ids))",
                       {"ids": wanted}).fetchall()
    for doc_id, state in rows:
        docs[doc_id], kept = unpack(state)
        frames.update(((f.doc_id, f.index), f) for f in kept)
    missing = sorted(set(wanted) - docs.keys())
    if missing:
        framed, missing_docs, _ = frames_of(con, missing, model)
        docs.update(missing_docs)
        frames.update(((f.doc_id, f.index), f) for f in framed)
    return frames, docs


def most_alike(found: list[dict], new_frames: list[Frame], loaded: dict, docs: dict, corpus: Corpus, model
               ) -> list[dict]:
    """Of each new frame's shortlisted existing frames, the BUDGET most alike (blocking.similarity,
    as a full rebuild's budget ranks; ties to the shortlist's order)."""
    rows = [row for row in found if (row["doc_id"], row["frame_index"]) in loaded]
    if not rows:
        return []
    olds = list(dict.fromkeys((row["doc_id"], row["frame_index"]) for row in rows))
    place = {key: len(new_frames) + n for n, key in enumerate(olds)}
    both = new_frames + [loaded[key] for key in olds]
    i = np.fromiter((row["new_frame"] for row in rows), np.int64, len(rows))
    j = np.fromiter((place[(row["doc_id"], row["frame_index"])] for row in rows), np.int64, len(rows))
    alike = similarity(both, docs, corpus, i, j, model.component("cross").weights)
    order = np.lexsort((np.arange(len(rows)), -alike, i))
    return [rows[n] for n in sorted(order[ranks_in_groups(i[order]) < BUDGET].tolist())]


def deal_frames(con: duckdb.DuckDBPyConnection, deal_ids: list[str]) -> list[tuple]:
    """(deal_id, doc_id, frame_index, figures, host, owners) of every stored frame of these deals."""
    if not deal_ids:
        return []
    return con.execute(
        """select e.deal_id, f.doc_id, f.frame_index, f.figures, f.host, f.owners
           from resolver_frame_facts as f
           join deal_evidence as e on e.commitment_id = f.commitment_id
           where e.deal_id in (select unnest($ids))
           order by e.deal_id, f.doc_id, f.frame_index""", {"ids": deal_ids}).fetchall()


def attach(con: duckdb.DuckDBPyConnection, new_ids: list[str], model) -> dict:
    """Attach the frames of the documents ``new_ids`` to the existing deals or make new deals of
    them, and persist (module docstring, steps 1 to 6)."""
    new_frames, docs, figures = frames_of(con, new_ids, model)
    new_frames.sort(key=lambda f: f.key)
    added = Corpus.of(docs, [f for f in figures if f.is_commitment])
    corpus = read_corpus(con)
    corpus.documents += added.documents
    corpus.word_docs.update(added.word_docs)
    corpus.amount_docs.update(added.amount_docs)

    found = candidate_frames(con, new_frames)
    loaded, old_docs = stored_frames(con, {row["doc_id"] for row in found}, model)
    docs.update(old_docs)
    found = most_alike(found, new_frames, loaded, docs, corpus, model)
    wanted = {(r["doc_id"], r["frame_index"]) for r in found}
    compared = [loaded[key] for key in sorted(wanted) if key in loaded]
    frames: list = sorted(new_frames + compared, key=lambda f: f.key)
    number = {(f.doc_id, f.index): i for i, f in enumerate(frames)}
    fresh = [number[(f.doc_id, f.index)] for f in new_frames]
    rule = same_document_rule(model)
    pairs = {tuple(sorted((fresh[i], fresh[j])))
             for i, j in candidate_pairs(new_frames, rule, docs, corpus, model.component("cross").weights)}
    for row in found:
        old = number.get((row["doc_id"], row["frame_index"]))
        if old is not None:
            pairs.add(tuple(sorted((fresh[row["new_frame"]], old))))
    scores = score_pairs(frames, sorted(pairs), docs, corpus, model)

    # items: each candidate deal whole (its frames not compared stand in as stubs), then each new frame
    deal_ids = sorted({row["deal_id"] for row in found if (row["doc_id"], row["frame_index"]) in number})
    by_deal: dict[str, list[int]] = {}
    figures_of: dict[int, int] = {}
    for deal_id, doc_id, index, count, host, owners in deal_frames(con, deal_ids):
        key = (doc_id, index)
        if key not in number:
            number[key] = len(frames)
            frames.append(FrameStub(doc_id, index, host, owners))
        figures_of[number[key]] = count
        by_deal.setdefault(deal_id, []).append(number[key])
    items = [by_deal[deal_id] for deal_id in deal_ids if deal_id in by_deal]
    deal_ids = [deal_id for deal_id in deal_ids if deal_id in by_deal]
    existing = len(items)
    items += [[i] for i in fresh]
    for i in fresh:
        figures_of[i] = len(frames[i].figures)
    item_of = {frame: item for item, members in enumerate(items) for frame in members}
    item_scores: Counter = Counter()
    for (i, j), value in scores.items():
        a, b = item_of[i], item_of[j]
        if a != b and frames[i].doc_id != frames[j].doc_id:
            item_scores[(min(a, b), max(a, b))] += value
    # two existing deals stay two (module docstring); MergeRule's constraints on the frames items hold
    may_merge = MergeRule(frames, rule, items=items, existing=existing)

    groups = cluster_average(
        len(items), dict(item_scores), model.threshold("cross"),
        sizes=[sum(figures_of[f] for f in members) for members in items], may_merge=may_merge,
        groups=[frames[m[0]].doc_id if i >= existing else f"deal:{i}" for i, m in enumerate(items)]
        if rule in ("through", "guarded") else None,
    )
    grown = [group for group in groups if any(i >= existing for i in group)]  # the others: unchanged
    # the changed deals' frames not read back yet
    stubs = {frames[f].doc_id for group in grown for i in group for f in items[i] if isinstance(frames[f], FrameStub)}
    more, more_docs = stored_frames(con, stubs, model)
    changed, replaced, founded = [], [], 0
    for group in grown:
        replaced += [deal_ids[i] for i in group if i < existing]
        founded += not any(i < existing for i in group)
        members = [frames[f] for i in group for f in items[i]]
        members = [more[(f.doc_id, f.index)] if isinstance(f, FrameStub) else f for f in members]
        changed.append(describe_deal(sorted(members, key=lambda f: f.key)))
    write_increment(con, changed, replaced, new_frames, added, new_ids, {d: docs[d] for d in new_ids if d in docs})
    return {"deals": con.execute("select count(*) from deals").fetchall()[0][0],
            "evidence": con.execute("select count(*) from deal_evidence").fetchall()[0][0],
            "mode": "incremental", "documents": len(new_ids), "changed": len(changed) - founded, "new": founded,
            "candidate_deals": len(deal_ids), "pairs": len(pairs), "frames_read_back": len(loaded) + len(more)}


def write_increment(con: duckdb.DuckDBPyConnection, changed, replaced: list[str], new_frames, added,
                    new_ids: list[str], new_docs: dict) -> None:
    """Stage the changed deals and every unchanged one as stored, persist, record the state."""
    clusters, members = to_tables(changed, with_parties=True)
    con.register("resolver_changed_clusters", clusters)
    con.register("resolver_changed_members", members)
    con.register("resolver_replaced", pa.table({"deal_id": pa.array(sorted(set(replaced)), pa.string())}))
    try:
        with transaction(con):
            run_sql_file(con, "stage_increment")
            persist_plan(con)
            retired = sorted(set(replaced) - {deal.deal_id for deal in changed})
            record_state(con, "incremental", new_frames, added, changed, new_ids, retired, docs=new_docs)
    finally:
        for name in ("resolver_changed_clusters", "resolver_changed_members", "resolver_replaced"):
            con.unregister(name)
        con.execute("drop table if exists deal_clusters")
        con.execute("drop table if exists deal_members")
