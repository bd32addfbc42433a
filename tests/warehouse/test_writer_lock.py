"""One writer at a time: a second writer waits, then is told who holds the warehouse; nothing is lost.

Real processes hold the lock (a Python process using the API, sleeping) and real `tracker approve`
processes meet them; the warehouse is a real DuckDB file (the hand-built week of
tests/warehouse/week_corpus.py). The racing weekly runs are in tests/e2e/test_racing_writers.py.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.week_corpus import WEEK, build_week
from warehouse.db import WarehouseError, connect
from warehouse.decisions import record_decisions
from warehouse.lock import (
    WarehouseBusy,
    acquire,
    current_holder,
    lock_path,
    lock_timeout,
    release,
    working_files,
    writer_lock,
)
from warehouse.snapshot import publish, working_copy, writing

REPO = Path(__file__).resolve().parents[2]
TRACKER = REPO / ".venv" / "bin" / "tracker"

# A writer in another process: takes the lock, makes its working copy, says so, and either sleeps
# (to be killed) or records a decision and publishes after `seconds`.
HOLDER = textwrap.dedent(
    """
    import sys, time
    from warehouse.decisions import record_decisions
    from warehouse.snapshot import connect, publish, working_copy, writer_lock

    db, what, seconds, then = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    with writer_lock(db, holder=what, timeout=0):
        work = working_copy(db)
        print(work, flush=True)
        time.sleep(seconds)
        if then == "publish":
            con = connect(work, create=False)
            record_decisions(con, [{"week": "2025-W21", "action": "drop", "deal_id": "d-rumour000003",
                                    "editor": "First Editor"}], via="cli")
            con.close()
            publish(work, db)
    """
)


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "data" / "tracker.duckdb"
    con = connect(path)
    try:
        build_week(con, tmp_path / "corpus")
        con.execute("checkpoint")
    finally:
        con.close()
    return path


def start_holder(db: Path, what: str, seconds: float, then: str = "sleep") -> tuple[subprocess.Popen, Path]:
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), what, str(seconds), then], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline().strip()
    assert line, process.stderr.read()
    return process, Path(line)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=30)


def approve(db: Path, editor: str, timeout: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TRACKER_LOCK_TIMEOUT": timeout}
    return subprocess.run([str(TRACKER), "approve", "--week", WEEK, "--editor", editor, "--db", str(db),
                           "--out", str(db.parent.parent / "out")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def decisions(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select editor, action, via from editor_decisions order by decided_at, editor").fetchall()
    finally:
        con.close()


def test_approve_waits_for_another_writer_then_names_it_and_loses_nothing(db):
    before = db.read_bytes()
    holder, work = start_holder(db, "a weekly run", 120)
    try:
        record = json.loads(lock_path(db).read_text())
        assert record["holder"] == "a weekly run" and record["pid"] == holder.pid
        assert record["work"] == str(work) and record["started"].endswith("Z") and record["host"]
        started = time.monotonic()
        run = approve(db, "Ana Editor", "1.5")
        waited = time.monotonic() - started
        assert run.returncode != 0
        line = (f"{db} is being written by a weekly run (pid {holder.pid}, started "
                f"{record['started'][:10]} {record['started'][11:16]} UTC); try again when it has published")
        assert line in run.stderr, run.stderr
        assert waited >= 1.5
        assert holder.poll() is None and work.exists()  # the holder's working file is not touched
    finally:
        stop(holder)
    assert db.read_bytes() == before and decisions(db) == []


def test_a_waiting_writer_goes_on_when_the_holder_publishes_and_both_writes_are_kept(db):
    holder, _ = start_holder(db, "tracker approve", 1.0, then="publish")
    try:
        with writing(db, holder="an editor at the review desk", timeout=60) as con:
            record_decisions(con, [{"week": WEEK, "action": "approve", "editor": "Second Editor"}], via="review-desk")
        assert holder.wait(timeout=60) == 0, holder.stderr.read()
    finally:
        stop(holder)
    assert decisions(db) == [("First Editor", "drop", "cli"), ("Second Editor", "approve", "review-desk")]
    assert working_files(db) == [] and current_holder(db) is None


def test_the_next_writer_cleans_up_after_a_killed_one(db):
    holder, work = start_holder(db, "tracker reextract", 120)
    try:
        os.kill(holder.pid, signal.SIGKILL)
    finally:
        stop(holder)
    assert work.exists() and lock_path(db).read_text()  # what the killed writer left behind
    run = approve(db, "Ana Editor", "5")
    assert run.returncode == 0, run.stderr
    assert f"tracker reextract (pid {holder.pid}, started" in run.stderr
    assert "ended without publishing" in run.stderr
    assert f"removed {work}, the unpublished working file of tracker reextract (pid {holder.pid}" in run.stderr
    assert not work.exists() and working_files(db) == []
    assert decisions(db) == [("Ana Editor", "approve", "cli")]
    assert lock_path(db).read_text() == ""  # free, nothing recorded


def test_a_working_file_of_a_live_process_is_left_alone(db, caplog):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        theirs = db.with_name(f"{db.name}.work-{sleeper.pid}-0a1b2c3d")
        theirs.write_bytes(b"someone's copy")
        with caplog.at_level(logging.WARNING, logger="warehouse.lock"), writer_lock(db, holder="a test"):
            pass
        assert theirs.exists()
        assert f"{theirs}: left alone: pid {sleeper.pid}, which made it, is still running" in caplog.text
    finally:
        stop(sleeper)


def test_writers_in_threads_of_one_process_take_turns(db):
    errors = []

    def decide(editor: str) -> None:
        try:
            with writing(db, holder=f"a thread of {editor}", timeout=60) as con:
                time.sleep(0.3)
                record_decisions(con, [{"week": WEEK, "action": "approve", "editor": editor}], via="cli")
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=decide, args=(f"Editor {n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(d[0] for d in decisions(db)) == ["Editor 0", "Editor 1", "Editor 2"]


def test_one_thread_cannot_wait_for_itself(db):
    with writer_lock(db, holder="a weekly run"):
        started = time.monotonic()
        with pytest.raises(WarehouseBusy, match="already being written by a weekly run"):
            acquire(db, holder="tracker approve", timeout=30)
        assert time.monotonic() - started < 5


def test_a_lock_file_removed_while_held_stops_the_publish(db):
    before = db.read_bytes()
    with writer_lock(db, holder="a weekly run"):
        work = working_copy(db)
        lock_path(db).unlink()  # an operator "clearing" a lock that was in use
        with pytest.raises(WarehouseError, match="was removed or replaced while a weekly run held it"):
            publish(work, db)
    assert db.read_bytes() == before and working_files(db) == []


def test_the_wait_comes_from_the_caller_the_environment_or_the_default(monkeypatch):
    monkeypatch.delenv("TRACKER_LOCK_TIMEOUT", raising=False)
    assert lock_timeout() == 30.0
    monkeypatch.setenv("TRACKER_LOCK_TIMEOUT", "2.5")
    assert lock_timeout() == 2.5 and lock_timeout(0) == 0.0
    monkeypatch.setenv("TRACKER_LOCK_TIMEOUT", "soon")
    with pytest.raises(WarehouseError, match="TRACKER_LOCK_TIMEOUT='soon': give the seconds"):
        lock_timeout()


def test_busy_is_a_warehouse_error_with_one_line(db):
    holder, _ = start_holder(db, "tracker crawl", 120)
    try:
        with pytest.raises(WarehouseError) as caught, writing(db, holder="tracker approve", timeout=0):
            pass
    finally:
        stop(holder)
    assert isinstance(caught.value, WarehouseBusy) and caught.value.holder.pid == holder.pid
    assert len(str(caught.value).splitlines()) == 1
    assert str(caught.value).startswith(f"{db} is being written by tracker crawl (pid {holder.pid}, started ")
    release(db)  # not held here: nothing happens
