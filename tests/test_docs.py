"""The README is part of the product: every command and every warehouse table is documented."""

from __future__ import annotations

import re
from pathlib import Path


from tracker.cli import build_parser

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()


def commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return sorted(sub.choices)


def test_every_command_is_documented():
    missing = [c for c in commands() if f"tracker {c}" not in README]
    assert not missing, missing


def test_every_warehouse_table_and_view_is_documented(tmp_path):
    from warehouse.db import connect

    con = connect(tmp_path / "docs.duckdb")
    names = [r[0] for r in con.execute(
        "select table_name from duckdb_tables() where schema_name = 'main' and table_name != 'schema_migrations' "
        "union all select view_name from duckdb_views() where not internal and schema_name = 'main'"
    ).fetchall()]
    con.close()
    assert names
    missing = [n for n in names if not re.search(rf"`{n}`", README)]
    assert not missing, missing


def test_the_first_screen_gives_the_two_commands():
    first_screen = "\n".join(README.splitlines()[:40])
    assert "make run" in first_screen and "make test" in first_screen


def test_make_help_lists_run_and_test():
    makefile = (REPO / "Makefile").read_text()
    for target in ("run", "test", "help"):
        assert re.search(rf"^{target}:.*## ", makefile, re.M), target
