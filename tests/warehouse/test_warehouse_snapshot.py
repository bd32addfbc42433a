"""The flow works on a private copy and publishes it atomically, while analysts hold the file open.

Real second processes hold the public file: one read-only connection (Python, notebooks) and one
read-write connection (the DuckDB CLI's default). Both keep working and keep their old view; a
connection opened after publishing sees the new rows.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from warehouse.db import connect
from warehouse.deals import build_deals
from warehouse.load import load_documents, load_extractions, load_sources
from warehouse.snapshot import publish, working_copy, working_path

READER = textwrap.dedent(
    """
    import sys
    import duckdb

    con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
    query = "select (select count(*) from documents), (select count(*) from deals)"
    print(con.execute(query).fetchall()[0], flush=True)
    sys.stdin.readline()  # the test publishes meanwhile
    print(con.execute(query).fetchall()[0], flush=True)
    con.close()
    """
)


def counts(path: Path) -> tuple[int, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "select (select count(*) from documents), (select count(*) from deals)"
        ).fetchall()[0]
    finally:
        con.close()


def start_reader(public: Path, mode: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", READER, str(public), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process


@pytest.fixture
def published(db_path, fixtures, sources):
    """A public warehouse with the documents loaded but nothing extracted yet (no deals)."""
    con = connect(db_path)
    load_sources(con, sources)
    load_documents(con, fixtures / "documents.jsonl")
    con.close()
    return db_path


# DuckDB lets several read-only processes share a file, or one read-write process hold it alone
@pytest.mark.parametrize("modes", [("ro",), ("rw",), ("ro", "ro")])
def test_load_and_publish_while_readers_hold_the_file(published, fixtures, modes):
    readers = [start_reader(published, mode) for mode in modes]
    try:
        before = [r.stdout.readline().strip() for r in readers]
        assert before == ["(7, 0)"] * len(modes)

        work = working_copy(published)
        con = connect(work)
        load_extractions(con, fixtures / "extractions.jsonl")
        build_deals(con)
        con.close()
        assert publish(work, published) == published
        assert not work.exists()

        assert counts(published) == (7, 4)  # a new connection sees the new rows
        for reader in readers:
            reader.stdin.write("\n")
            reader.stdin.flush()
        after = [r.stdout.readline().strip() for r in readers]
        assert after == ["(7, 0)"] * len(modes)  # old connections keep their consistent view
        for reader in readers:
            assert reader.wait(timeout=30) == 0, reader.stderr.read()
    finally:
        for reader in readers:
            if reader.poll() is None:
                reader.kill()
                reader.wait()


def test_first_run_without_a_published_file(db_path, fixtures):
    work = working_copy(db_path)
    assert work == working_path(db_path) == db_path.with_name("tracker.duckdb.work")
    assert not db_path.exists()
    con = connect(work)
    load_documents(con, fixtures / "documents.jsonl")
    con.close()
    publish(work, db_path)
    assert counts(db_path) == (7, 0)


def test_a_working_file_left_by_a_killed_run_is_discarded(published):
    stale = working_path(published)
    con = duckdb.connect(str(stale))
    con.execute("create table leftovers as select 1 as x")
    con.close()
    work = working_copy(published)
    con = duckdb.connect(str(work), read_only=True)
    tables = {row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()}
    con.close()
    assert "leftovers" not in tables
    assert "documents" in tables


def test_the_working_copy_is_migrated_and_the_public_file_untouched(published):
    before = published.read_bytes()
    work = working_copy(published)
    assert published.read_bytes() == before
    con = duckdb.connect(str(work), read_only=True)
    assert con.execute("select count(*) from document_versions").fetchall()[0][0] == 7
    con.close()


def test_publish_needs_a_working_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no working warehouse"):
        publish(tmp_path / "absent.work", tmp_path / "tracker.duckdb")


def test_writing_publishes_on_success_and_discards_on_error(published, fixtures):
    from warehouse.snapshot import writing

    with pytest.raises(RuntimeError):
        with writing(published) as con:
            load_extractions(con, fixtures / "extractions.jsonl")
            raise RuntimeError("the command failed")
    assert not working_path(published).exists()
    assert counts(published) == (7, 0)
    with writing(published) as con:
        load_extractions(con, fixtures / "extractions.jsonl")
        build_deals(con)
    assert counts(published) == (7, 4)
