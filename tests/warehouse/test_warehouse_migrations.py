"""Migrations are ordered, recorded once, and every warehouse object is documented."""

from __future__ import annotations

import duckdb
import pytest

from warehouse.db import WarehouseError, connect, list_migrations, list_views

TABLES = {
    "schema_migrations",
    "sources",
    "documents",
    "crawl_errors",
    "mentions",
    "commitments",
    "deals",
    "deal_evidence",
    "document_versions",
    "commitment_history",
    "deal_aliases",
}
VIEWS = {
    "weekly_deals",
    "country_ledger",
    "deal_figure_history",
    "figure_changes",
    "company_country_links",
} | {view.name for view in list_views()}  # warehouse/views/<name>.sql


def test_connect_creates_the_file_and_its_folders(db_path):
    assert not db_path.parent.exists()
    connect(db_path).close()
    assert db_path.is_file()


def test_migrations_are_recorded_in_order(con):
    rows = con.execute("select version, name from schema_migrations order by version").fetchall()
    expected = [(m.version, m.name) for m in list_migrations()]
    assert rows == expected
    versions = [version for version, _ in rows]
    assert versions[0] == 1
    assert versions == sorted(set(versions))


def test_migrations_are_not_applied_twice(db_path):
    connect(db_path).close()
    con = connect(db_path)
    first = con.execute("select version, applied_at from schema_migrations order by 1").fetchall()
    con.close()
    con = connect(db_path)
    again = con.execute("select version, applied_at from schema_migrations order by 1").fetchall()
    con.close()
    assert first == again


def test_every_migration_states_its_grain():
    for migration in list_migrations():
        assert migration.sql.startswith("-- grain: one row per"), migration.path.name


def test_tables_and_views_exist(con):
    tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    views = {
        r[0] for r in con.execute("select view_name from duckdb_views() where not internal").fetchall()
    }
    assert tables >= TABLES
    assert views >= VIEWS


def test_every_table_view_and_column_has_a_comment(con):
    undocumented_tables = con.execute(
        "select table_name from duckdb_tables() where comment is null or comment = ''"
    ).fetchall()
    undocumented_views = con.execute(
        "select view_name from duckdb_views() where not internal and (comment is null or comment = '')"
    ).fetchall()
    undocumented_columns = con.execute(
        "select table_name, column_name from duckdb_columns() "
        "where not internal and (comment is null or comment = '')"
    ).fetchall()
    assert undocumented_tables == []
    assert undocumented_views == []
    assert undocumented_columns == []


def test_read_only_connection_needs_an_existing_file(tmp_path):
    with pytest.raises(WarehouseError, match="no such warehouse file"):
        connect(tmp_path / "missing.duckdb", read_only=True)


def test_read_only_connection_does_not_write(db_path):
    connect(db_path).close()
    con = connect(db_path, read_only=True)
    assert con.execute("select count(*) from documents").fetchall()[0][0] == 0
    with pytest.raises(duckdb.Error):
        con.execute("delete from documents")
    con.close()
