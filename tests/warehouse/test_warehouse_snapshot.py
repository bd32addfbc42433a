"""The flow works on a private copy and publishes it atomically, while analysts hold the file open.

Real second processes hold the public file: one read-only connection (Python, notebooks) and one
read-write connection (the DuckDB CLI's default). Both keep working and keep their old view; a
connection opened after publishing sees the new rows. A writer copies and publishes only under the
writer lock (tests/warehouse/test_writer_lock.py), and only its own working file.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from warehouse.db import WarehouseError, connect
from warehouse.deals import build_deals
from warehouse.load import load_documents, load_extractions, load_sources
from warehouse.lock import working_files, writer_lock
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

        with writer_lock(published, holder="a test run"):
            work = working_copy(published)
            con = connect(work, create=False)
            load_extractions(con, fixtures / "extractions.jsonl")
            build_deals(con)
            con.close()
            assert publish(work, published) == published
        assert not work.exists() and working_files(published) == []

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
    with writer_lock(db_path, holder="a test run"):
        work = working_copy(db_path)
        assert work.name.startswith("tracker.duckdb.work-") and work == working_path(db_path)
        assert not db_path.exists()
        con = connect(work, create=False)
        load_documents(con, fixtures / "documents.jsonl")
        con.close()
        publish(work, db_path)
    assert counts(db_path) == (7, 0)


def test_each_working_copy_is_a_new_file_of_its_own(published):
    with writer_lock(published, holder="a test run"):
        first = working_copy(published)
        second = working_copy(published)  # the same writer starting again: its first copy goes
        assert first != second and not first.exists() and second.exists()
        assert working_files(published) == [second]
    assert working_files(published) == []  # released without publishing: discarded


def test_a_working_file_left_by_a_killed_run_is_discarded(published):
    stale = working_path(published)  # the one working file name of earlier versions
    con = duckdb.connect(str(stale))
    con.execute("create table leftovers as select 1 as x")
    con.close()
    with writer_lock(published, holder="a test run"):
        assert not stale.exists()
        work = working_copy(published)
        con = duckdb.connect(str(work), read_only=True)
        tables = {row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()}
        con.close()
    assert "leftovers" not in tables
    assert "documents" in tables


def test_the_working_copy_is_migrated_and_the_public_file_untouched(published):
    before = published.read_bytes()
    with writer_lock(published, holder="a test run"):
        work = working_copy(published)
        assert published.read_bytes() == before
        con = duckdb.connect(str(work), read_only=True)
        assert con.execute("select count(*) from document_versions").fetchall()[0][0] == 7
        con.close()


def test_a_working_copy_needs_the_writer_lock(published):
    with pytest.raises(WarehouseError, match="take the writer lock"):
        working_copy(published)
    assert working_files(published) == []


def test_a_stage_never_creates_a_warehouse(tmp_path):
    with pytest.raises(WarehouseError, match="no such warehouse file"):
        connect(tmp_path / "tracker.duckdb.work-1-gone", create=False)
    assert list(tmp_path.iterdir()) == []


def test_publish_needs_the_lock_and_its_own_working_file(published, tmp_path):
    before = published.read_bytes()
    foreign = tmp_path / "foreign.duckdb"
    connect(foreign).close()
    with pytest.raises(WarehouseError, match="does not hold the writer lock"):
        publish(foreign, published)
    with writer_lock(published, holder="a test run"):
        work = working_copy(published)
        with pytest.raises(WarehouseError, match="not the working file of a test run"):
            publish(foreign, published)
        work.unlink()
        with pytest.raises(FileNotFoundError, match="no working warehouse"):
            publish(work, published)
    assert published.read_bytes() == before and foreign.exists()


def test_writing_publishes_on_success_and_discards_on_error(published, fixtures):
    from warehouse.snapshot import writing

    with pytest.raises(RuntimeError), writing(published) as con:
        load_extractions(con, fixtures / "extractions.jsonl")
        raise RuntimeError("the command failed")
    assert working_files(published) == []
    assert counts(published) == (7, 0)
    with writing(published, holder="tracker approve") as con:
        load_extractions(con, fixtures / "extractions.jsonl")
        build_deals(con)
    assert counts(published) == (7, 4)
