"""Parquet export: every analyst table and view, read back with DuckDB and pyarrow, plus a README."""

from __future__ import annotations

import duckdb
import pyarrow.parquet as pq

from warehouse.export import export_parquet


def test_export_writes_every_table_and_view_with_the_same_rows(seeded, tmp_path):
    out = tmp_path / "parquet"
    paths = export_parquet(seeded, out)
    names = {
        row[0]
        for row in seeded.execute(
            "select table_name from duckdb_tables() where not temporary "
            "and table_name not in ('schema_migrations', 'document_entities_pending') "
            "union select view_name from duckdb_views() where not internal"
        ).fetchall()
    }
    parquet = [p for p in paths if p.suffix == ".parquet"]
    assert {p.stem for p in parquet} == names
    assert {"deals", "commitments", "figure_changes", "company_country_links"} <= names
    assert not (out / "document_entities_pending.parquet").exists()  # bookkeeping, always empty after a load
    reader = duckdb.connect()
    for path in parquet:
        expected = seeded.execute(f'select count(*) from "{path.stem}"').fetchall()[0][0]
        assert pq.read_table(path).num_rows == expected, path.name
        assert reader.execute("select count(*) from read_parquet(?)", [str(path)]).fetchall()[0][0] == expected
    assert pq.read_table(out / "deals.parquet").num_rows == 4
    rows = reader.execute(
        "select * from read_parquet(?) order by all", [str(out / "deals.parquet")]
    ).fetchall()
    assert rows == seeded.execute("select * from deals order by all").fetchall()
    reader.close()


def test_the_readme_describes_every_file_and_column(seeded, tmp_path):
    paths = export_parquet(seeded, tmp_path)
    readme = paths[-1]
    assert readme.name == "README.md"
    text = readme.read_text(encoding="utf-8")
    for path in paths[:-1]:
        assert f"## `{path.name}`" in text
    columns = seeded.execute(
        "select column_name, comment from duckdb_columns() where table_name = 'deals'"
    ).fetchall()
    for name, comment in columns:
        assert f"| `{name}` |" in text
        assert comment.replace("|", "\\|") in text


def test_export_from_a_read_only_connection(seeded, db_path, tmp_path):
    seeded.close()
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        paths = export_parquet(con, tmp_path / "ro")
    finally:
        con.close()
    assert len(paths) > 10
