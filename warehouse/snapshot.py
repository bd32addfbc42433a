"""Private working file, atomic publish: the flow never locks analysts out of the warehouse.

What analysts open: the public file, ``data/tracker.duckdb`` by default (the ``--db`` path), with
the DuckDB CLI (``duckdb -readonly data/tracker.duckdb``), Python
(``duckdb.connect("data/tracker.duckdb", read_only=True)``) or a notebook. They may keep it open
all day, read-only or read-write (the CLI's default): the flow never writes to it.

How the flow works: at the start it takes the warehouse's writer lock (``tracker.duckdb.lock``,
warehouse/lock.py: one writer at a time) and a *working copy* of its own next to the public file
(``tracker.duckdb.work-<pid>-<token>``, a byte copy of the published file, or a new file on the
first run); every stage connects to that existing working copy; at the end the working copy is
checkpointed, closed, fsynced and renamed onto the public path (``os.replace``, atomic on one
filesystem), and the lock is released. Only the lock's holder may publish, and only its own file.
A reader that opened the public file before keeps reading the old, consistent version (its open
file is not changed); a connection opened afterwards sees the new one. A run killed before
publishing leaves the public file untouched; the next writer removes its working file (saying so)
and the next run redoes the (idempotent) loads.

Analysts should not write to the public file: what they write is not copied forward and is lost at
the next publish, and while their uncheckpointed writes sit in ``tracker.duckdb.wal``, connections
opened on the newly published file fail until they close. Keep own tables in another file and
``ATTACH 'data/tracker.duckdb' (READ_ONLY)``.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.db import WarehouseError, connect
from warehouse.lock import (
    WORK_SUFFIX,
    check_publisher,
    current_holder,
    held_lock,
    new_working_path,
    register_work,
    writer_lock,
)


def working_path(public_path: str | os.PathLike) -> Path:
    """The working file of the writer holding the warehouse now; else ``<public>.work``.

    Writers now each have their own working file (``<public>.work-<pid>-<token>``); a file named
    ``<public>.work`` is a leftover of earlier versions, removed by the next writer. To know
    whether someone writes, ask ``current_holder(public)``, or just write: ``writing()`` waits for
    the holder, then raises ``WarehouseBusy`` naming it.
    """
    public = Path(public_path)
    holder = current_holder(public)
    if holder is not None and holder.work:
        return Path(holder.work)
    return public.with_name(public.name + WORK_SUFFIX)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def working_copy(public_path: str | os.PathLike) -> Path:
    """Start a write: copy the published warehouse to this writer's own working file and migrate
    it; return its path. The caller must hold the writer lock (``writer_lock``).

    The working file is registered in the lock, so only it can be published. When there is no
    published file yet, the working file starts empty. Readers of the public file, read-only or
    read-write, are not disturbed: the copy is a plain file read.
    """
    public = Path(public_path)
    lock = held_lock(public)
    if lock is None:
        raise WarehouseError(f"{public}: take the writer lock (warehouse.snapshot.writer_lock) before "
                             "a working copy")
    if lock.holder.work:  # an earlier, unpublished copy of this same writer
        discard(lock.holder.work)
    work = new_working_path(public)
    register_work(public, work)
    if public.exists():
        if _wal(public).exists():
            warnings.warn(
                f"{_wal(public)}: someone wrote to the published warehouse; their uncheckpointed "
                "changes are not in the working copy",
                stacklevel=2,
            )
        partial = work.with_name(work.name + ".partial")
        shutil.copyfile(public, partial)
        _fsync(partial)
        os.replace(partial, work)
    connect(work).close()  # migrations pending for this code version are applied here
    return work


def publish(working: str | os.PathLike, public_path: str | os.PathLike) -> Path:
    """End a write: make the working file the public warehouse, atomically; return the public path.

    Refuses (WarehouseError, nothing published) unless this process holds the writer lock and
    `working` is the working file registered in it. Checkpoints the working file (so it is
    complete without a WAL), closes it, fsyncs it, renames it onto the public path and fsyncs the
    folder. Every connection to the working file must be closed before (DuckDB lets only one
    process write a file). The lock stays held: the writer releases it (``writer_lock``).
    """
    work, public = Path(working), Path(public_path)
    check_publisher(public, work)  # this process holds the lock, and `work` is its own file
    if not work.exists():
        raise FileNotFoundError(f"{work}: no working warehouse to publish")
    con = duckdb.connect(str(work))
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    if _wal(work).exists():
        raise RuntimeError(f"{_wal(work)}: the working warehouse did not checkpoint")
    _fsync(work)
    os.replace(work, public)
    _fsync(public.parent)
    register_work(public, None)
    return public


def discard(working: str | os.PathLike) -> None:
    """Drop a working file (and its WAL) without publishing it."""
    work = Path(working)
    for path in (work, _wal(work), work.with_name(work.name + ".partial")):
        path.unlink(missing_ok=True)


@contextmanager
def writing(
    public_path: str | os.PathLike, *, holder: str = "a command", timeout: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """One short write to the warehouse (a command, an editor's review): the writer lock, a
    connection to a fresh working copy, published when the block ends, discarded when it raises.

    `holder` says who writes, for the message another writer gets ("tracker approve"); `timeout`
    is how long to wait for a writer already at work (default: TRACKER_LOCK_TIMEOUT, else 30 s),
    then ``WarehouseBusy`` is raised, one line naming that writer.

        with writing("data/tracker.duckdb", holder="tracker approve") as con:
            record_decisions(con, rows, via="cli")
    """
    with writer_lock(public_path, holder=holder, timeout=timeout):
        work = working_copy(public_path)
        con = connect(work, create=False)
        try:
            yield con
        except BaseException:
            con.close()
            discard(work)
            raise
        con.close()
        publish(work, public_path)
