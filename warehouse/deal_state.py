"""What the rule-based clustering keeps between runs (migration 044: deal_rule_state,
deal_rule_documents, deal_rule_deals, deal_rule_figures), so a weekly run attaches its new
documents to the existing deals (warehouse/deals.py, ``update_deals``) instead of clustering all
history again. The learned resolver's incremental.py keeps its own state the same way; this module
borrows its document hashes and deal checksum.

``record_state`` writes it after every rules build, full or incremental; ``plan_update`` says
whether the next run may be an increment; ``restore_deals`` gives back the deals a set of new
figures could join, as ``warehouse.deal_clustering.Deal`` objects the clustering continues from.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.deal_clustering import Deal
from warehouse.deal_figures import REVISION_WINDOW_DAYS, STATED_KINDS, TIER_S, TIER_W, Figure, figure_keys, lookup_keys
from warehouse.resolution.store import SQL_DIR as RESOLUTION_SQL
from warehouse.resolution.store import evidence_checksum

WAREHOUSE = Path(__file__).resolve().parent
# what the rules' deals depend on besides the data: a change to any of these makes the next build a full one
FINGERPRINT_FILES = (
    "deals.py", "deal_figures.py", "deal_clustering.py", "deal_linking.py", "deal_texts.py", "deal_state.py",
    "data/deal_keywords.csv", "data/deal_links.json",
    "resolution/features.py", "resolution/telling.py", "resolution/frames.py",
)
FINGERPRINT_SQL = ("*deal*.sql", "build_deals.sql")  # under warehouse/sql
REGISTRY = WAREHOUSE.parent / "nlp" / "data" / "companies.jsonl"
# the places a figure's sentence names (nlp/places.py) and the names they are read from, and the
# projects' hosts that place a document naming no country (deal_figures.place_unplaced)
PLACES = tuple(WAREHOUSE.parent / "nlp" / name
               for name in ("places.py", "data/places.jsonl", "data/countries.jsonl", "data/projects.jsonl"))

_STRINGS = pa.list_(pa.string())
FIGURES_SCHEMA = pa.schema([
    ("commitment_id", pa.string()), ("deal_id", pa.string()), ("doc_id", pa.string()), ("kind", pa.string()),
    ("amount", pa.float64()), ("currency", pa.string()), ("usd", pa.float64()), ("tier", pa.int8()),
    ("amount_keys", _STRINGS),
])
PARTIES = pa.list_(pa.struct([("name", pa.string()), ("role", pa.string())]))
DEALS_SCHEMA = pa.schema([
    ("deal_id", pa.string()), ("founded", pa.int32()), ("anchor", pa.string()), ("core", _STRINGS),
    ("principal", _STRINGS), ("named", _STRINGS), ("companies", _STRINGS), ("first_reported", pa.date32()),
    ("last_reported", pa.date32()), ("families", _STRINGS), ("countries_named", _STRINGS), ("parties", PARTIES),
    ("summary", pa.string()), ("reports", pa.int32()), ("tallies", pa.string()),
])
STAND_IN = ""  # the commitment_id of a restored deal's stand-in figures (``restore_deals``)


@dataclass
class Described:
    """A deal as step 4 described it: its id, parties and summary (warehouse/deals.py)."""

    deal_id: str
    deal: Deal
    parties: list[dict]
    summary: str  # Summary.to_json()


def fingerprint() -> str:
    """sha256 (16 hex) of FINGERPRINT_FILES, the clustering's SQL, the company registry and PLACES."""
    digest = hashlib.sha256()
    queries = sorted({path for pattern in FINGERPRINT_SQL for path in (WAREHOUSE / "sql").glob(pattern)})
    for path in [*(WAREHOUSE / name for name in FINGERPRINT_FILES), *queries, REGISTRY, *PLACES]:
        if path.exists():
            digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def key_text(key: tuple) -> str:
    """An amount bucket (figure_keys) as text: kind|unit|bucket."""
    return "|".join(str(part) for part in key)


def document_hashes(con: duckdb.DuckDBPyConnection) -> str:
    """The query of every dated document's figure hash (the learned resolver's document_hashes.sql)."""
    return (RESOLUTION_SQL / "document_hashes.sql").read_text(encoding="utf-8").strip().rstrip(";")


def plan_update(con: duckdb.DuckDBPyConnection) -> tuple[str, list[str], str]:
    """("incremental", new doc ids, "") or ("full", [], why) or ("none", [], why): an increment
    needs a rules state of today's fingerprint, the deals that build left, no clustered document
    changed or gone, and some new documents."""
    rows = con.execute("select fingerprint, evidence_checksum from deal_rule_state").fetchall()
    if not rows:
        return "full", [], "no rules state yet"
    if rows[0][0] != fingerprint():
        return "full", [], "the rules (code, SQL, keywords or registry) changed"
    if rows[0][1] != evidence_checksum(con):
        return "full", [], "the deals were rebuilt by another resolver since"
    changed, new = con.execute(
        f"""with current as ({document_hashes(con)})
            select
                (select count(*) from deal_rule_documents as k
                 left join current as c on c.doc_id = k.doc_id
                 where c.figures_hash is distinct from k.figures_hash),
                (select list(c.doc_id order by c.doc_id) from current as c
                 anti join deal_rule_documents as k on k.doc_id = c.doc_id)""").fetchall()[0]
    if changed:
        return "full", [], f"{changed} clustered documents changed or went"
    if not new:
        return "none", [], "no new documents"
    return "incremental", list(new), ""


def record_state(con: duckdb.DuckDBPyConnection, mode: str, described: list[Described], figures: list[Figure],
                 doc_ids: list[str] | None, renamed: dict[str, str] | None = None, next_order: int = 0) -> None:
    """Record what the next increment starts from, inside the caller's transaction.

    ``described``: every deal (a full build, ``doc_ids`` None) or the deals an increment changed
    or founded; ``figures``: the figures clustered this run (a full build: all of them; an
    increment: the new ones), those in no deal kept with a null deal; ``doc_ids``: the documents
    an increment added; ``renamed``: the stored ids of the deals it changed -> their ids now (a
    deal gaining an earlier report takes its id)."""
    full = doc_ids is None
    if full:
        for table in ("deal_rule_documents", "deal_rule_deals", "deal_rule_figures"):
            con.execute(f"delete from {table}")
    deal_of = {f.commitment_id: d.deal_id for d in described for f in d.deal.figures}
    con.register("deal_rule_new_figures", figure_table(figures, deal_of))
    con.register("deal_rule_new_deals", pa.Table.from_pylist([
        {"deal_id": d.deal_id, "founded": d.deal.order, "anchor": d.deal.anchor, "core": sorted(d.deal.core),
         "principal": sorted(d.deal.principal), "named": sorted(d.deal.named), "companies": sorted(d.deal.companies),
         "first_reported": d.deal.first_reported, "last_reported": d.deal.last_reported,
         "families": sorted(d.deal.types()), "countries_named": sorted(d.deal.countries_named),
         "parties": d.parties, "summary": d.summary, "reports": d.deal.reports, "tallies": tallies_json(d.deal)}
        for d in described], schema=DEALS_SCHEMA))
    con.register("deal_rule_new_docs", pa.table({"doc_id": pa.array(sorted(set(doc_ids or ())), pa.string())}))
    con.register("deal_rule_renamed", pa.table({
        "old_id": pa.array(sorted(renamed or {}), pa.string()),
        "new_id": pa.array([renamed[k] for k in sorted(renamed or {})], pa.string())}))
    try:
        if not full:
            con.execute("delete from deal_rule_deals where deal_id in (select old_id from deal_rule_renamed) "
                        "or deal_id in (select deal_id from deal_rule_new_deals)")
            con.execute("update deal_rule_figures set deal_id = r.new_id from deal_rule_renamed as r "
                        "where deal_rule_figures.deal_id = r.old_id and r.old_id <> r.new_id")
            # (no unique index on these two since migration 046: an increment's rows replace by hand)
            con.execute("delete from deal_rule_figures "
                        "where commitment_id in (select commitment_id from deal_rule_new_figures)")
            con.execute("delete from deal_rule_documents where doc_id in (select doc_id from deal_rule_new_docs)")
        con.execute("insert into deal_rule_deals by name select * from deal_rule_new_deals")
        con.execute("insert into deal_rule_figures by name select * from deal_rule_new_figures")
        only_new = "" if full else "where doc_id in (select doc_id from deal_rule_new_docs)"
        con.execute(f"insert into deal_rule_documents select doc_id, figures_hash "
                    f"from ({document_hashes(con)}) {only_new}")
        con.execute("delete from deal_rule_state")
        con.execute(
            "insert into deal_rule_state values ($fingerprint, $mode, (select count(*) from deal_rule_documents), "
            "$checksum, $next_order, (select max(fetched_at) from documents))",
            {"fingerprint": fingerprint(), "mode": mode, "checksum": evidence_checksum(con), "next_order": next_order})
    finally:
        for name in ("deal_rule_new_figures", "deal_rule_new_deals", "deal_rule_new_docs", "deal_rule_renamed"):
            con.unregister(name)


def tallies_json(deal: Deal) -> str:
    """How many of its documents name each company and country (Deal.known), as JSON."""
    return json.dumps({what: dict(sorted(counts.items())) for what, counts in deal.tallies().items()},
                      sort_keys=True, separators=(",", ":"))


def figure_table(figures: list[Figure], deal_of: dict[str, str]) -> pa.Table:
    """deal_rule_figures rows of these figures (``deal_of``: commitment_id -> deal id), built by
    columns (hundreds of thousands of rows at 100k documents)."""
    keys: dict[tuple, list[str]] = {}  # figure_keys -> as text, once per amount
    texts = []
    for f in figures:
        amount = (f.kind, f.currency, f.amount, f.usd)
        known = keys.get(amount)
        if known is None:
            known = keys[amount] = [key_text(key) for key in figure_keys(f)]
        texts.append(known)
    return pa.table({
        "commitment_id": pa.array([f.commitment_id for f in figures], pa.string()),
        "deal_id": pa.array([deal_of.get(f.commitment_id) for f in figures], pa.string()),
        "doc_id": pa.array([f.doc_id for f in figures], pa.string()),
        "kind": pa.array([f.kind for f in figures], pa.string()),
        "amount": pa.array([f.amount for f in figures], pa.float64()),
        "currency": pa.array([f.currency for f in figures], pa.string()),
        "usd": pa.array([f.usd for f in figures], pa.float64()),
        "tier": pa.array([f.tier for f in figures], pa.int8()),
        "amount_keys": pa.array(texts, _STRINGS),
    }, schema=FIGURES_SCHEMA)


def deals_to_restore(con: duckdb.DuckDBPyConnection, figures: list[Figure], anchors: set) -> list[str]:
    """The stored deals new ``figures`` could join: those of one of their possible ``anchors``
    (the figures' and their documents' main countries), and those holding a figure in the
    amount buckets of one of them (``Clustering.pool``, ``matching_deal``), reported within
    REVISION_WINDOW_DAYS (the longest a join reaches) of them."""
    if not figures:
        return []
    keys = sorted({key_text(key) for f in figures for key in lookup_keys(f)})
    days = [f.reported_on for f in figures]
    con.register("deal_rule_keys", pa.table({"key": pa.array(keys, pa.string())}))
    try:
        rows = con.execute(
            """with holding as (
                   select distinct f.deal_id
                   from (select deal_id, unnest(amount_keys) as key from deal_rule_figures where deal_id is not null)
                       as f
                   semi join deal_rule_keys as k
                       on k.key = f.key
               )
               select d.deal_id
               from deal_rule_deals as d
               where d.last_reported >= $low - $reach and d.first_reported <= $high + $reach
                   and (d.anchor is null or list_contains($anchors, d.anchor)
                        or d.deal_id in (select deal_id from holding))
               order by d.deal_id""",
            {"low": min(days), "high": max(days), "reach": REVISION_WINDOW_DAYS,
             "anchors": sorted(a for a in anchors if a)}).fetchall()
    finally:
        con.unregister("deal_rule_keys")
    return [row[0] for row in rows]


def restore_deals(con: duckdb.DuckDBPyConnection, deal_ids: list[str], figures: list[Figure]
                  ) -> dict[str, tuple[Deal, str]]:
    """The stored deals ``deal_ids`` as the clustering left them, for the new ``figures`` to join
    (deal id -> (Deal, its stored summary)): the founder's fields and what its figures added, but
    of its figures only stand-ins (commitment_id STAND_IN) for those in two amount buckets or
    fewer of a new figure's (what ``joins`` and headline_figures compare them with), at most two
    documents per amount and tier: how many documents report a figure is counted up to two.
    Their members are the figures added from now on."""
    if not deal_ids:
        return {}
    keys = sorted({key_text((kind, unit, bucket + step)) for f in figures for kind, unit, bucket in figure_keys(f)
                   for step in (-2, -1, 0, 1, 2)})
    con.register("deal_rule_wanted", pa.table({"deal_id": pa.array(deal_ids, pa.string())}))
    try:
        heads = con.sql("select * from deal_rule_deals where deal_id in (select deal_id from deal_rule_wanted) "
                        "order by deal_id").to_arrow_table().to_pylist()
        con.register("deal_rule_keys", pa.table({"key": pa.array(keys, pa.string())}))
        amounts = con.execute(
            """with near as (
                   select f.commitment_id
                   from (select commitment_id, deal_id, unnest(amount_keys) as key from deal_rule_figures) as f
                   semi join deal_rule_keys as k
                       on k.key = f.key
                   where f.deal_id in (select deal_id from deal_rule_wanted)
               )
               select deal_id, kind, currency, amount, usd, tier = 2 as weak,
                   list(distinct doc_id order by doc_id)[1:2] as docs
               from deal_rule_figures
               where commitment_id in (select commitment_id from near)
               group by all
               order by all""").fetchall()
        stated = con.execute(
            """select deal_id, doc_id, kind, amount, currency, usd, tier
               from deal_rule_figures
               where deal_id in (select deal_id from deal_rule_wanted) and tier < 2 and list_contains($kinds, kind)
               order by deal_id, commitment_id""", {"kinds": list(STATED_KINDS)}).fetchall()
    finally:
        con.unregister("deal_rule_wanted")
        con.unregister("deal_rule_keys")
    deals: dict[str, tuple[Deal, str]] = {}
    for head in heads:
        deal = Deal(
            anchor=head["anchor"], core=frozenset(head["core"]), principal=frozenset(head["principal"]),
            first_reported=head["first_reported"], last_reported=head["last_reported"], order=head["founded"],
            named=set(head["named"]), companies=frozenset(head["companies"]),
            countries_named=set(head["countries_named"]),
        )
        deal.families.update(head["families"])
        deal.restore_tallies(head["reports"] or 0, json.loads(head["tallies"] or "{}"))
        deals[head["deal_id"]] = (deal, head["summary"])
    for deal_id, kind, currency, amount, usd, weak, docs in amounts:
        deal = deals[deal_id][0]
        for doc_id in docs:
            stand_in = Figure(commitment_id=STAND_IN, doc_id=doc_id, reported_on=deal.first_reported, kind=kind,
                              amount=amount, currency=currency, usd=usd, tier=TIER_W if weak else TIER_S)
            for key in figure_keys(stand_in):
                deal.by_amount.setdefault(key, []).append(stand_in)
    for deal_id, doc_id, kind, amount, currency, usd, tier in stated:  # what ``disagrees`` compares
        deal = deals[deal_id][0]
        deal.state(Figure(commitment_id=STAND_IN, doc_id=doc_id, reported_on=deal.first_reported, kind=kind,
                          amount=amount, currency=currency, usd=usd, tier=tier))
    return deals
