"""Open the DuckDB warehouse and keep its schema current.

Tables and their data live in ``warehouse/migrations/NNN_name.sql`` (ordered, each run once per
file and recorded in ``schema_migrations``); the analysts' views live in
``warehouse/views/<name>.sql`` (one view per file, its current definition), re-applied by every
read-write ``connect()`` after the migrations, so a view changes by editing its file. Migrations
009-033 created views too: they stay as they were, because older warehouse files recorded them by
number and a new file still runs them in order; the view files then replace what they created.
Queries used by the other modules live in ``warehouse/sql/*.sql``. This module only finds, reads
and runs those files: no SQL is written here.
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
VIEWS_DIR = PACKAGE_DIR / "views"
SQL_DIR = PACKAGE_DIR / "sql"
DATA_DIR = PACKAGE_DIR / "data"

_MIGRATION_NAME = re.compile(r"^(?P<version>\d{3})_(?P<name>[a-z0-9_]+)\.sql$")
# a view file: <name>.sql, first line the grain, then `create or replace view <name> as`
_VIEW_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_VIEW_GRAIN = "-- grain: one row per"
# what is not a name a view can read: comments and string literals (column descriptions)
_SQL_NOISE = re.compile(r"--[^\n]*|'(?:[^']|'')*'")
_SQL_WORD = re.compile(r"[a-z_][a-z0-9_]*")
# DuckDB's rendering of a view's query, by query text (fixed for a process: one DuckDB version)
_RENDERED: dict[str, str] = {}
# a comment statement of a view file: the view's description or one column's
_VIEW_COMMENT = re.compile(
    r"^comment on (?:view (?P<view>\w+)|column (?P<view_>\w+)\.(?P<column>\w+)) "
    r"is '(?P<text>(?:[^']|'')*)';$",
    re.M,
)


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


@dataclass(frozen=True)
class View:
    name: str
    path: Path
    sql: str  # the whole file: create or replace view, then its comments
    query: str  # the view's query as written (after `as`, without the final semicolon)
    comments: dict[str | None, str]  # the view's comment (key None) and its columns'
    reads: frozenset[str]  # the other views of warehouse/views/ its query names


def _parse_view(path: Path, names: set[str]) -> View:
    """Read one view file; its query and comments are kept apart to compare them with the
    warehouse's, and the other views (``names``) its query reads give the load order."""
    name, sql = path.stem, path.read_text(encoding="utf-8")
    if not sql.startswith(_VIEW_GRAIN):
        raise WarehouseError(f"{path}: the first line states the grain ({_VIEW_GRAIN} ...)")
    create = re.search(rf"^create or replace view {name} as\n(?P<query>.*?);$", sql, re.M | re.S)
    if create is None:
        raise WarehouseError(f"{path}: expected `create or replace view {name} as` and its query")
    comments: dict[str | None, str] = {}
    for match in _VIEW_COMMENT.finditer(sql):
        target = match["view"] or match["view_"]
        if target != name:
            raise WarehouseError(f"{path}: a comment on {target}, not on {name}")
        comments[match["column"]] = match["text"].replace("''", "'")
    words = set(_SQL_WORD.findall(_SQL_NOISE.sub(" ", create["query"].lower())))
    return View(name, path, sql, create["query"], comments, frozenset(words & names - {name}))


def list_views(directory: Path = VIEWS_DIR) -> list[View]:
    """The view files in load order: each view after the views it reads, otherwise by name.

    A file must state its grain on its first line, then create or replace the view it is named
    after and comment on it and its columns; views that read each other in a cycle are an error.
    """
    paths = sorted(directory.glob("*.sql"))
    for path in paths:
        if _VIEW_NAME.match(path.stem) is None:
            raise WarehouseError(f"{path}: view files are named <view_name>.sql")
    names = {path.stem for path in paths}
    pending = {view.name: view for view in (_parse_view(path, names) for path in paths)}
    ordered: list[View] = []
    while pending:
        ready = sorted(name for name, view in pending.items() if not view.reads & pending.keys())
        if not ready:
            raise WarehouseError(f"{directory}: these views read each other: {sorted(pending)}")
        ordered.append(pending.pop(ready[0]))
    return ordered


def _stored_sql(con: duckdb.DuckDBPyConnection, view: View) -> str:
    """How DuckDB stores the view's definition (``create view`` with its own rendering of the
    query), worked out without creating the view; kept per query text for the process."""
    rendered = _RENDERED.get(view.query)
    if rendered is None:
        rendered = _RENDERED[view.query] = fetch_rows(con, "render_query", {"query": view.query})[0][0]
    return f"CREATE VIEW {view.name} AS {rendered};"


def views_current(con: duckdb.DuckDBPyConnection, views: list[View]) -> bool:
    """Whether the warehouse already holds these views: same definitions, same comments."""
    stored: dict[str, str] = {}
    comments: dict[str, dict[str | None, str | None]] = {}
    for view_name, column_name, definition, comment in fetch_rows(con, "view_definitions"):
        if column_name is None:
            stored[view_name] = definition
        comments.setdefault(view_name, {})[column_name] = comment
    try:
        return all(
            view.name in stored
            and stored[view.name] == _stored_sql(con, view)
            and comments[view.name] == view.comments
            for view in views
        )
    except duckdb.Error:  # a query DuckDB cannot render: create it, and let DuckDB say what is wrong
        return False


def apply_views(
    con: duckdb.DuckDBPyConnection, directory: Path = VIEWS_DIR, *, force: bool = False
) -> bool:
    """Create or replace every view of ``warehouse/views/`` with its comments, in one transaction,
    unless the warehouse holds them already; return whether they were applied.

    The check costs a few milliseconds where re-creating them costs tens, and it leaves an
    up-to-date file unwritten. ``force`` skips the check: after a migration, a view's column types
    may have to follow its tables'. A view whose file was removed is left in the warehouse.
    """
    views = list_views(directory)
    if not force and views_current(con, views):
        return False
    with transaction(con):
        for view in views:
            con.execute(view.sql)
            con.complete()
    return True


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
    """Open the warehouse file, creating it and its folders, apply pending migrations, then the
    views of ``warehouse/views/`` (``apply_views``: nothing is written when they are current).

    ``read_only=True`` opens an existing file without migrating it or re-applying its views
    (DuckDB then lets several reading processes share the file, but no writer): it reads the views
    as the last writer left them. ``create=False`` opens an existing file only:
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
            applied = apply_migrations(con)
            apply_views(con, force=bool(applied))
        except BaseException:
            con.close()
            raise
    return con
