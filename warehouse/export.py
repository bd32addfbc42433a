"""Export the analyst tables and views as Parquet, with a README describing every column.

``export_parquet(con, out_dir)`` writes ``out_dir/<name>.parquet`` for each table and view of the
warehouse (all but ``schema_migrations``), rows sorted, and ``out_dir/README.md`` listing each file
with its grain and its columns' types and ``COMMENT ON`` descriptions (read from
``duckdb_columns()``, so it never drifts from the schema). The ``tracker export --parquet DIR``
command calls it.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from warehouse.db import fetch_dicts, read_sql, transaction


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def export_parquet(con: duckdb.DuckDBPyConnection, out_dir: str | os.PathLike) -> list[Path]:
    """Write every analyst table and view as Parquet plus README.md into out_dir; return the paths.

    The files are written from one snapshot of the warehouse (one read transaction), so they agree
    with each other. The README is the last path returned.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    sections = [
        "# Tracker warehouse export",
        "",
        "One Parquet file per table and view of the DuckDB warehouse, rows sorted. Read them with",
        "DuckDB (`select * from 'deals.parquet'`), pyarrow or pandas. Descriptions come from the",
        "warehouse's `COMMENT ON` statements.",
        "",
    ]
    with transaction(con):
        objects = fetch_dicts(con, "export_objects")
        for obj in objects:
            path = out / f"{obj['name']}.parquet"
            con.execute(
                read_sql("export_parquet").format(
                    name=_identifier(obj["name"]), path=_literal(str(path))
                )
            )
            con.complete()
            written.append(path)
            sections += [
                f"## `{path.name}` ({obj['kind']} `{obj['name']}`)",
                "",
                obj["comment"] or "",
                "",
                "| column | type | description |",
                "| --- | --- | --- |",
            ]
            sections += [
                f"| `{col['column_name']}` | {_cell(col['data_type'])} | {_cell(col['comment'])} |"
                for col in fetch_dicts(con, "export_columns", {"name": obj["name"]})
            ]
            sections.append("")
    readme = out / "README.md"
    readme.write_text("\n".join(sections), encoding="utf-8")
    written.append(readme)
    return written
