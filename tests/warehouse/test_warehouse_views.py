"""Views are files: warehouse/views/<name>.sql, re-applied by every read-write connect()."""

from __future__ import annotations

import hashlib

import duckdb
import pytest

from warehouse.db import (
    WarehouseError,
    apply_migrations,
    apply_views,
    connect,
    fetch_rows,
    list_views,
    views_current,
)
from warehouse.snapshot import writing

# Views whose file changed on purpose since the numbered migrations last defined them (009-033):
# a view changed in its file is listed here, so the comparison below still covers the others.
CHANGED_SINCE_MIGRATIONS: set[str] = set()


def view_definitions(con) -> list[tuple]:
    """Every view's stored definition, column types and comments, in a stable order."""
    return sorted(fetch_rows(con, "view_definitions"), key=repr)


def migrations_only(path, through: int | None = None):
    """A file as the code before warehouse/views/ left it: the numbered migrations, views included."""
    con = duckdb.connect(str(path))
    apply_migrations(con, through=through)
    return con


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_each_view_file_states_its_grain_and_comments_every_column(con):
    views = list_views()
    assert {v.name for v in views} >= {
        "weekly_deals", "country_ledger", "company_country_links", "deal_figure_history",
        "figure_changes",
    }
    for view in views:
        assert view.sql.startswith("-- grain: one row per"), view.path.name
        statements = con.extract_statements(view.sql)
        # one create or replace view, then only comments: the view's and one per column
        assert len(statements) == 1 + view.sql.count("\ncomment on "), view.path.name
        columns = [row[0] for row in con.execute(
            "select column_name from duckdb_columns() where table_name = ? order by column_index",
            [view.name],
        ).fetchall()]
        assert set(view.comments) == {None, *columns}, view.path.name


def test_the_view_files_give_the_views_the_migrations_gave(tmp_path, con):
    before = migrations_only(tmp_path / "migrations-only.duckdb")
    expected = [r for r in view_definitions(before) if r[0] not in CHANGED_SINCE_MIGRATIONS]
    before.close()
    migrated = {r[0] for r in expected}  # views added as files later have no migration to match
    actual = [r for r in view_definitions(con) if r[0] in migrated]
    assert actual == expected, "a view file differs from the view its migration created: " \
        "when on purpose, add the view to CHANGED_SINCE_MIGRATIONS"
    # comments included: e.g. migration 011's description of weekly_deals.countries
    assert ("weekly_deals", "countries", "VARCHAR[]",
            "Countries of the deal (deals.countries: anchor country first, then the others "
            "sorted).") in actual


def test_views_load_after_the_views_they_read():
    order = [v.name for v in list_views()]
    assert order.index("weekly_deals") < order.index("country_ledger")
    assert order == [v.name for v in list_views()]  # the same every time


@pytest.mark.parametrize("through", [16, 19, 33])
def test_an_older_warehouse_ends_up_with_the_current_views(tmp_path, con, through):
    old = tmp_path / f"release-{through:03d}.duckdb"
    migrations_only(old, through).close()  # with the views its migrations created then
    upgraded = connect(old)
    assert view_definitions(upgraded) == view_definitions(con)
    upgraded.close()


def test_an_outdated_view_or_comment_is_replaced_on_connect(db_path):
    connect(db_path).close()
    con = duckdb.connect(str(db_path))
    con.execute("create or replace view country_ledger as select 1 as country")
    con.execute("comment on column weekly_deals.title is 'stale'")
    con.close()

    con = connect(db_path)  # no migration pending: the views alone are re-applied
    assert views_current(con, list_views())
    columns = [row[0] for row in con.execute("describe country_ledger").fetchall()]
    assert columns[-1] == "new_partners"
    comment = con.execute(
        "select comment from duckdb_columns() where table_name = 'weekly_deals' "
        "and column_name = 'title'"
    ).fetchall()[0][0]
    assert comment == "Deal title (deals.title)."
    con.close()


def test_opening_an_up_to_date_warehouse_writes_nothing(db_path):
    connect(db_path).close()
    before = sha256(db_path)
    con = connect(db_path)
    assert views_current(con, list_views())
    assert apply_views(con) is False
    con.close()
    assert sha256(db_path) == before
    assert not db_path.with_name(db_path.name + ".wal").exists()


def test_a_read_only_connection_reads_the_views_the_last_writer_left(db_path):
    connect(db_path).close()
    con = duckdb.connect(str(db_path))
    con.execute("create or replace view country_ledger as select 1 as country")
    con.close()
    reader = connect(db_path, read_only=True)  # cannot create views: reads them as they are
    assert reader.execute("select * from country_ledger").fetchall() == [(1,)]
    reader.close()
    with writing(db_path, holder="test") as writer:  # a writer's working copy gets the current ones
        assert views_current(writer, list_views())
    reader = connect(db_path, read_only=True)
    assert views_current(reader, list_views())
    assert reader.execute("select count(*) from country_ledger").fetchall() == [(0,)]
    reader.close()


def write_view(folder, name: str, query: str, grain: str = "-- grain: one row per test row") -> None:
    (folder / f"{name}.sql").write_text(
        f"{grain}\ncreate or replace view {name} as\n{query};\n\n"
        f"comment on view {name} is 'A test view.';\n"
        f"comment on column {name}.x is 'A number.';\n",
        encoding="utf-8",
    )


def test_view_files_are_ordered_by_what_they_read_then_by_name(tmp_path):
    write_view(tmp_path, "a_top", "select x from m_middle")
    write_view(tmp_path, "m_middle", "-- reads z_base, not a_top\nselect x from z_base")
    write_view(tmp_path, "z_base", "select 1 as x")
    write_view(tmp_path, "b_alone", "select 'a_top' as x")  # a name inside a string is no read
    assert [v.name for v in list_views(tmp_path)] == ["b_alone", "z_base", "m_middle", "a_top"]

    con = duckdb.connect()
    assert apply_views(con, tmp_path) is True
    assert con.execute("select x from a_top").fetchall() == [(1,)]
    assert apply_views(con, tmp_path) is False
    con.close()


def test_malformed_view_files_are_refused_with_their_path(tmp_path):
    write_view(tmp_path, "a", "select x from b")
    write_view(tmp_path, "b", "select x from a")
    with pytest.raises(WarehouseError, match="read each other"):
        list_views(tmp_path)
    (tmp_path / "b.sql").unlink()
    write_view(tmp_path, "c", "select 1 as x", grain="-- one row per test row")
    with pytest.raises(WarehouseError, match=r"c\.sql: the first line states the grain"):
        list_views(tmp_path)


def test_a_broken_view_file_creates_none_of_the_views(tmp_path):
    write_view(tmp_path, "a_good", "select 1 as x")
    write_view(tmp_path, "b_broken", "select x from no_such_table")
    con = duckdb.connect()
    with pytest.raises(duckdb.CatalogException, match="no_such_table"):
        apply_views(con, tmp_path)
    assert con.execute("select count(*) from duckdb_views() where not internal").fetchall() == [(0,)]
    con.close()
