"""A load killed mid-way (SIGKILL) leaves a consistent file; the rerun ends with a clean run's rows."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.bulk_corpus import write_corpus

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("bulk_corpus.py")


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table (schema_migrations without its wall-clock applied_at)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'main' order by 1"
            ).fetchall()
        ]
        rows = {
            table: con.execute(f'select * from "{table}" order by all').fetchall()
            for table in tables
            if table != "schema_migrations"
        }
        rows["schema_migrations"] = con.execute(
            "select version, name from schema_migrations order by all"
        ).fetchall()
        return rows
    finally:
        con.close()


def run_load(db: Path, corpus: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), str(db), str(corpus)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("bulk")
    write_corpus(directory, documents=4000, mentions=100, batches=4)
    return directory


def test_a_killed_load_is_completed_by_the_next_run(corpus, tmp_path):
    killed_db = tmp_path / "killed.duckdb"
    process = run_load(killed_db, corpus)
    seen = []
    for line in process.stdout:
        seen.append(line.strip())
        if line.startswith("begin extractions-00001"):
            time.sleep(0.1)  # inside the second batch's transaction
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, seen
    assert "done" not in seen

    # the file left behind opens and holds only whole batches: documents and the first batch
    con = duckdb.connect(str(killed_db), read_only=True)
    loaded = con.execute(
        "select count(*) from documents where extracted_content_hash is not null"
    ).fetchall()[0][0]
    mentions = con.execute("select count(*) from mentions").fetchall()[0][0]
    documents = con.execute("select count(*) from documents").fetchall()[0][0]
    con.close()
    assert documents == 4000
    assert loaded in (1000, 2000)  # the second batch is either all there or not at all
    assert mentions == loaded * 100

    rerun = run_load(killed_db, corpus)
    assert rerun.wait(timeout=300) == 0, rerun.stderr.read()
    clean_db = tmp_path / "clean.duckdb"
    clean = run_load(clean_db, corpus)
    assert clean.wait(timeout=300) == 0, clean.stderr.read()

    expected = snapshot(clean_db)
    assert len(expected["mentions"]) == 400_000
    assert expected["deals"]
    assert snapshot(killed_db) == expected
