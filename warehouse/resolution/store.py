"""The resolver's database side: read its inputs from the warehouse, persist its plan.

Everything else in the package is pure. ``read_inputs`` turns the warehouse rows into the plain
records frames.py reads (figures, mentions, documents); ``build_deals`` runs the resolver and
hands its two Arrow tables, ``deal_clusters`` and ``deal_members``, to the same SQL the rule-based
clustering uses (warehouse/sql/record_deal_aliases.sql, build_deals.sql,
record_commitment_deals.sql), so deal ids, aliases, titles, headline figures and the figure
history are kept exactly as before.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.db import DATA_DIR, fetch_dicts, run_sql, transaction

SQL_DIR = Path(__file__).resolve().parent / "sql"


def read_query(con: duckdb.DuckDBPyConnection, name: str) -> list[dict]:
    """All rows of ``warehouse/resolution/sql/<name>.sql`` as dicts."""
    return con.sql((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")).to_arrow_table().to_pylist()


def read_inputs(con: duckdb.DuckDBPyConnection) -> tuple[list[dict], list[dict], list[dict]]:
    """(figure rows, mention rows, document rows) of every dated document with figures."""
    figures = read_query(con, "figures")
    mentions = fetch_dicts(con, "deal_mentions")
    documents = read_query(con, "documents")
    return figures, mentions, documents


def plan_deals(con: duckdb.DuckDBPyConnection, model=None) -> tuple[pa.Table, pa.Table]:
    """The resolver's deals as the two Arrow tables the persistence SQL reads."""
    from warehouse.resolution.resolve import resolve, to_tables

    figures, mentions, documents = read_inputs(con)
    return to_tables(resolve(figures, mentions, documents, model=model))


def build_deals(con: duckdb.DuckDBPyConnection) -> dict:
    """Rebuild ``deals`` and ``deal_evidence`` with the resolver, in one transaction.

    Same contract as warehouse.deals.build_deals: deterministic, retired ids kept in
    ``deal_aliases`` with their successor, the figure history recorded. Returns
    ``{"deals": n, "evidence": n}``.
    """
    clusters, members = plan_deals(con)
    con.register("deal_clusters", clusters)
    con.register("deal_members", members)
    try:
        with transaction(con):
            run_sql(con, "stage_deal_keywords", {"path": str(DATA_DIR / "deal_keywords.csv")})
            run_sql(con, "record_deal_aliases")
            run_sql(con, "build_deals")
            run_sql(con, "record_commitment_deals")
    finally:
        con.unregister("deal_clusters")
        con.unregister("deal_members")
    return {"deals": clusters.num_rows, "evidence": members.num_rows}
