"""Private working file, atomic publish: the flow never locks analysts out of the warehouse.

What analysts open: the public file, ``data/tracker.duckdb`` by default (the ``--db`` path), with
the DuckDB CLI (``duckdb -readonly data/tracker.duckdb``), Python
(``duckdb.connect("data/tracker.duckdb", read_only=True)``) or a notebook. They may keep it open
all day, read-only or read-write (the CLI's default): the flow never writes to it.

How the flow works: at the start it takes a *working copy* next to the public file
(``tracker.duckdb.work``, a byte copy of the published file, or a new file on the first run); every
stage connects to the working copy; at the end the working copy is checkpointed, closed, fsynced
and renamed onto the public path (``os.replace``, atomic on one filesystem). A reader that opened
the public file before keeps reading the old, consistent version (its open file is not changed); a
connection opened afterwards sees the new one. A run killed before publishing leaves the public file
untouched; the next run starts a fresh working copy and redoes the (idempotent) loads.

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

WORK_SUFFIX = ".work"


def working_path(public_path: str | os.PathLike) -> Path:
    """The private working file of a public warehouse path: ``<public>.work`` next to it."""
    public = Path(public_path)
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
    """Start a run: copy the published warehouse to its working file and migrate it; return its path.

    A working file left by a killed run is discarded (its loads are redone). When there is no
    published file yet, the working file starts empty. Readers of the public file, read-only or
    read-write, are not disturbed: the copy is a plain file read.
    """
    public = Path(public_path)
    work = working_path(public)
    public.parent.mkdir(parents=True, exist_ok=True)
    for stale in (work, _wal(work)):
        stale.unlink(missing_ok=True)
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
    """End a run: make the working file the public warehouse, atomically; return the public path.

    Checkpoints the working file (so it is complete without a WAL), closes it, fsyncs it, renames it
    onto the public path and fsyncs the folder. Every connection to the working file must be
    closed before (DuckDB lets only one process write a file).
    """
    work, public = Path(working), Path(public_path)
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
    return public


def discard(working: str | os.PathLike) -> None:
    """Drop a working file (and its WAL) without publishing it."""
    work = Path(working)
    for path in (work, _wal(work)):
        path.unlink(missing_ok=True)


@contextmanager
def writing(public_path: str | os.PathLike) -> Iterator[duckdb.DuckDBPyConnection]:
    """One short write to the warehouse (a command, an editor's review): a connection to a fresh
    working copy, published when the block ends, discarded when it raises.

        with writing("data/tracker.duckdb") as con:
            record_decisions(con, rows, via="cli")
    """
    work = working_copy(public_path)
    try:
        con = connect(work)
    except WarehouseError:
        discard(work)
        raise
    try:
        yield con
    except BaseException:
        con.close()
        discard(work)
        raise
    con.close()
    publish(work, public_path)
