"""The end-to-end fixture: the whole weekly pipeline on the sample web, run twice per session.

`sample_run` runs `tracker run --sample --auto-approve` into a new warehouse (which replays the
sample's earlier editions first, then crawls the current site), then once more on the same
warehouse, and keeps what a user would compare: the outputs, row counts, and the full sorted
contents of the deal tables after each run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
TABLES = ["sources", "documents", "mentions", "commitments", "deals", "deal_evidence"]
#: Tables and views whose whole content a rerun must leave as it was.
DEAL_TABLES = [
    "deals", "deal_evidence", "deal_aliases", "deal_figure_history", "figure_changes",
    "commitment_history", "document_versions",
]


def run_tracker(*args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "tracker", *args], capture_output=True, text=True, cwd=REPO, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return result


def counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}
    finally:
        con.close()


def contents(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"select * from {t} order by all").fetchall() for t in DEAL_TABLES}
    finally:
        con.close()


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    db, out = root / "tracker.duckdb", root / "out"
    first = run_tracker("run", "--sample", "--auto-approve", "--db", str(db), "--out", str(out))
    first_counts, first_tables = counts(db), contents(db)
    second = run_tracker("run", "--sample", "--auto-approve", "--db", str(db), "--out", str(out))
    return {"db": db, "out": out, "stdout": first.stdout, "first": first_counts,
            "second": counts(db), "second_stdout": second.stdout,
            "first_tables": first_tables, "second_tables": contents(db)}


@pytest.fixture(scope="session")
def con(sample_run):
    connection = duckdb.connect(str(sample_run["db"]), read_only=True)
    yield connection
    connection.close()
