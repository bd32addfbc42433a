"""Tell each rebuilt deal for readers: write ``deals.deal_type``, ``deals.status``, ``deals.title``
and ``deals.summary``.

Type and status first (``record_keywords``): the keyword patterns of data/deal_keywords.csv
(``deal_keywords``, staged by stage_deal_keywords.sql) are matched against the deal's evidence
sentences and document titles one pattern at a time (match_deal_keyword.sql: a constant pattern is
compiled once, a pattern read from a joined table once per text), and record_deal_keywords.sql
picks the type with most hits and the most advanced status. Then the words, from
warehouse/resolution/telling.py (pure); this module gathers what it needs once the deals are
rebuilt, because the record's headline figures are chosen by warehouse/sql/build_deals.sql:
``deal_facts.sql`` reads them with the deal type, status and the project most of the deal's
commitment figures name, and the clustering hands over the deal's parties in order, with their
roles when it knows them (the ``parties`` column of ``deal_clusters``: a list of
``{name, role}``; without it, the deal's companies are its parties, roles unknown).
``record_deal_texts.sql`` writes the texts into ``deals`` and the current ``deal_aliases`` rows.
Runs inside the rebuild's transaction: readers never see a deal without its title.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from warehouse.db import fetch_dicts, fetch_rows, run_sql
from warehouse.resolution.telling import DealFacts, Party, deal_summary, deal_title

TEXTS_SCHEMA = pa.schema([("deal_id", pa.string()), ("title", pa.string()), ("summary", pa.string())])
#: The Arrow type of deal_clusters.parties: the deal's parties in the order the title names them.
PARTIES_TYPE = pa.list_(pa.struct([("name", pa.string()), ("role", pa.string())]))


def facts_of(row: dict, parties: list[dict] | None = None) -> DealFacts:
    """A ``deal_facts.sql`` row (and the clustering's parties) as the neutral description."""
    listed = parties if parties is not None else [{"name": c, "role": None} for c in row.get("companies") or ()]
    return DealFacts(
        project=row.get("project"),
        parties=tuple(Party(p["name"], p.get("role")) for p in listed if p.get("name")),
        deal_type=row.get("deal_type"),
        host=row.get("host"),
        site=row.get("site"),
        money_value=row.get("money_value"),
        money_currency=row.get("money_currency"),
        money_usd=row.get("money_usd"),
        mw=row.get("mw"),
        chip_count=row.get("chip_count"),
        chip_model=row.get("chip_model"),
        first_reported=row.get("first_reported"),
        status=row.get("status"),
    )


def cluster_parties(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict]]:
    """deal_id -> its parties, from the staged ``deal_clusters`` when it has a ``parties`` column."""
    columns = {row[0] for row in con.execute("select * from deal_clusters limit 0").description}
    if "parties" not in columns:
        return {}
    rows = con.sql("select deal_id, parties from deal_clusters").to_arrow_table().to_pylist()
    return {row["deal_id"]: row["parties"] for row in rows if row["parties"] is not None}


def record_keywords(con: duckdb.DuckDBPyConnection) -> None:
    """Write every rebuilt deal's type and status from its keyword hits (record_deal_keywords.sql)."""
    run_sql(con, "stage_deal_keyword_texts")
    for field, label, priority, pattern in fetch_rows(con, "deal_keyword_patterns"):
        run_sql(con, "match_deal_keyword", {"field": field, "label": label, "priority": priority, "pattern": pattern})
    run_sql(con, "record_deal_keywords")


def tell_deals(con: duckdb.DuckDBPyConnection, only_staged: bool = False) -> int:
    """Write every deal's type, status, title and summary (see the module docstring); returns the
    deals told. ``only_staged``: only the deals of ``deal_clusters`` (an increment's changed and
    new deals; the others keep the texts they were told)."""
    record_keywords(con)
    parties = cluster_parties(con)
    staged = {row[0] for row in con.execute("select deal_id from deal_clusters").fetchall()} if only_staged else None
    rows = []
    for row in fetch_dicts(con, "deal_facts"):
        if staged is not None and row["deal_id"] not in staged:
            continue
        facts = facts_of(row, parties.get(row["deal_id"]))
        rows.append({"deal_id": row["deal_id"], "title": deal_title(facts), "summary": deal_summary(facts)})
    con.register("deal_texts", pa.Table.from_pylist(rows, schema=TEXTS_SCHEMA))
    try:
        run_sql(con, "record_deal_texts")
    finally:
        con.unregister("deal_texts")
    return len(rows)
