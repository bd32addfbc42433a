"""Open the DuckDB warehouse and keep its schema current.

The schema lives in ``warehouse/migrations/NNN_name.sql`` (ordered, one object per file); queries
used by the other modules live in ``warehouse/sql/*.sql``. This module only finds, reads and runs
those files: no SQL is written here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

PACKAGE_DIR = Path(__file__).resolve().parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
SQL_DIR = PACKAGE_DIR / "sql"
DATA_DIR = PACKAGE_DIR / "data"

_MIGRATION_NAME = re.compile(r"^(?P<version>\d{3})_(?P<name>[a-z0-9_]+)\.sql$")


class WarehouseError(RuntimeError):
    """The warehouse file cannot be opened or migrated."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def list_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files in version order; a malformed or duplicate number is an error."""
    migrations: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise WarehouseError(f"{path}: migration files are named NNN_name.sql")
        version = int(match["version"])
        if version in migrations:
            raise WarehouseError(f"{path}: migration number {version:03d} is used twice")
        migrations[version] = Migration(version, match["name"], path)
    return [migrations[v] for v in sorted(migrations)]


def read_sql(name: str) -> str:
    """The text of ``warehouse/sql/<name>.sql``."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def run_sql(
    con: duckdb.DuckDBPyConnection, name: str, params: dict | list | None = None
) -> None:
    """Execute ``warehouse/sql/<name>.sql`` to its end (parameters: single-statement files only).

    DuckDB 2 refuses other work on a connection while an ``execute()`` result is unfinished, so
    the result is completed here; use ``fetch_rows``/``fetch_dicts`` for queries.
    """
    con.execute(read_sql(name), params)
    con.complete()


def fetch_rows(
    con: duckdb.DuckDBPyConnection, name: str, params: dict | list | None = None
) -> list[tuple]:
    """All rows of a query file as tuples."""
    return con.execute(read_sql(name), params).fetchall()


def fetch_dicts(
    con: duckdb.DuckDBPyConnection, name: str, params: dict | list | None = None
) -> list[dict]:
    """All rows of a query file as dicts, via Arrow (no per-row conversion in DuckDB)."""
    return con.sql(read_sql(name), params=params).to_arrow_table().to_pylist()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction: committed when the block ends, rolled back when it raises."""
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    """Versions recorded in ``schema_migrations`` (empty before the first migration)."""
    if not fetch_rows(con, "migrations_table_exists")[0][0]:
        return set()
    return {row[0] for row in fetch_rows(con, "applied_migrations")}


def apply_migrations(
    con: duckdb.DuckDBPyConnection, *, through: int | None = None
) -> list[Migration]:
    """Apply the pending migrations in order, each in its own transaction; return them.

    ``through`` stops after that version (a database as an older release left it, for tests).
    """
    done = applied_versions(con)
    applied = []
    for migration in list_migrations():
        if through is not None and migration.version > through:
            break
        if migration.version in done:
            continue
        with transaction(con):
            con.execute(migration.sql)
            con.complete()
            run_sql(
                con,
                "record_migration",
                {
                    "version": migration.version,
                    "name": migration.name,
                    "applied_at": datetime.now().replace(microsecond=0),
                },
            )
        applied.append(migration)
    return applied


def connect(
    path: str | Path, *, read_only: bool = False, create: bool = True
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file, creating it and its folders, and apply pending migrations.

    ``read_only=True`` opens an existing file without migrating it (DuckDB then lets several
    reading processes share the file, but no writer). ``create=False`` opens an existing file only:
    a stage reconnecting to its working copy must fail if that file is gone, not start an empty
    warehouse that would then be published.
    """
    path = Path(path)
    if read_only or not create:
        if not path.is_file():
            raise WarehouseError(f"{path}: no such warehouse file")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        raise WarehouseError(f"{path}: cannot open the warehouse ({exc})") from exc
    if not read_only:
        try:
            apply_migrations(con)
        except BaseException:
            con.close()
            raise
    return con
