"""Migrations upgrade a database in place: a file left by an older release keeps every row."""

from __future__ import annotations

import duckdb
import pytest

from warehouse.db import apply_migrations, connect, fetch_rows, list_migrations
from warehouse.deals import build_deals
from warehouse.load import load_extractions

LATEST = list_migrations()[-1].version
# 011 is the schema of the first release with deals; every later state is an older release too
OLDER = [m.version for m in list_migrations() if 11 <= m.version < LATEST]


def old_database(path, through: int, seeded_path) -> dict[str, int]:
    """A file migrated only through ``through``, filled with the seeded rows its tables can hold."""
    con = duckdb.connect(str(path))
    apply_migrations(con, through=through)
    con.execute(f"attach '{seeded_path}' as seeded (read_only)")
    counts = {}
    tables = [
        row[0]
        for row in con.execute(
            "select table_name from duckdb_tables() where database_name = current_database() "
            "and table_name <> 'schema_migrations'"
        ).fetchall()
    ]
    for table in tables:
        columns = [
            row[0]
            for row in con.execute(
                "select column_name from duckdb_columns() where database_name = current_database() "
                "and table_name = ? order by column_index",
                [table],
            ).fetchall()
        ]
        names = ", ".join(f'"{c}"' for c in columns)
        con.execute(f'delete from "{table}"')  # backfills of later migrations are redone below
        con.execute(f'insert into "{table}" ({names}) select {names} from seeded."{table}"')
        counts[table] = con.execute(f'select count(*) from "{table}"').fetchall()[0][0]
    con.execute("detach seeded")
    con.close()
    return counts


@pytest.mark.parametrize("through", OLDER)
def test_an_older_database_is_upgraded_without_losing_rows(seeded, db_path, tmp_path, fixtures,
                                                           through):
    seeded.close()
    old = tmp_path / f"release-{through:03d}.duckdb"
    before = old_database(old, through, db_path)
    assert before["documents"] == 7 and before["deals"] == 4

    con = connect(old)  # the current code: pending migrations apply
    versions = [row[0] for row in con.execute("select version from schema_migrations").fetchall()]
    assert versions == [m.version for m in list_migrations()]
    for table, n in before.items():
        assert con.execute(f'select count(*) from "{table}"').fetchall()[0][0] == n, table

    # the new objects are filled from the old rows, and the loads work on the upgraded file
    assert con.execute("select count(*) from document_versions").fetchall()[0][0] == 7
    assert con.execute("select count(*) from commitment_history").fetchall()[0][0] == 10
    assert con.execute("select count(*) from deal_aliases").fetchall()[0][0] == 4
    load_extractions(con, fixtures / "extractions.jsonl")
    build_deals(con)
    upgraded = {
        table: con.execute(f'select * from "{table}" order by all').fetchall()
        for table in ("documents", "mentions", "commitments", "deals", "deal_evidence",
                      "commitment_history", "document_versions", "deal_aliases")
    }
    views = sorted(fetch_rows(con, "view_definitions"), key=repr)  # warehouse/views/, re-applied
    con.close()
    fresh = connect(db_path)
    for table, rows in upgraded.items():
        assert rows == fresh.execute(f'select * from "{table}" order by all').fetchall(), table
    assert views == sorted(fetch_rows(fresh, "view_definitions"), key=repr)
    fresh.close()
