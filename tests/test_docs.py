"""The README is part of the product: every command and every warehouse table is documented."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

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


# What a file of the project must not point to: the two documents that lived outside the
# repository, and paths outside it (the work folder's absolute path, the sibling shared folder).
# Spelled in pieces so that this file does not name them itself.
OUTSIDE = re.compile(
    "|".join([r"\bDESIGN" + r"\.md\b", r"\bSTYLE" + r"\.md\b", r"(?<![\w.~-])/" + r"work/", r"\.\./" + r"shared\b"])
)


# The CI entry point knows where CI machines put the shared test fixtures (feedparser's corpus);
# it is infrastructure, not a document a reader follows.
CI_LAYOUT = {".ci/run"}


def tracked_text_files() -> list[Path]:
    """Every file git tracks in the repository, except binary ones."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode().split("\0")
    files = []
    for name in filter(None, listed):
        path = REPO / name
        if path.is_file() and b"\0" not in path.read_bytes()[:8192]:
            files.append(path)
    return files


def test_no_file_points_outside_the_repository():
    """The docs stand alone: a newcomer can follow every reference from a clone."""
    found = []
    for path in tracked_text_files():
        if path.relative_to(REPO).as_posix() in CI_LAYOUT:
            continue
        text = path.read_text(errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            match = OUTSIDE.search(line)
            if match:
                found.append(f"{path.relative_to(REPO)}:{number}: {match.group(0)}")
    assert not found, "\n".join(found)
