"""One writer at a time: an exclusive lock next to the warehouse, held from working copy to publish.

Why: every writer (the weekly run, `tracker crawl`, `tracker approve`, the review desk,
`tracker reextract`) copies the published warehouse, writes its copy and renames it onto the public
path (warehouse/snapshot.py). Two writers at once would each publish their own copy, and the later
one would silently drop the earlier one's rows. So a writer first takes ``<db>.lock`` (an exclusive
``fcntl.flock``), writes into it who it is, and keeps it until it has published or given up.

A second writer waits a bounded time (``TRACKER_LOCK_TIMEOUT`` seconds, 30 unless set; callers may
pass their own) and then raises ``WarehouseBusy``, whose text is one line naming the holder:

    data/tracker.duckdb is being written by a weekly run (pid 4242, started 2026-12-06 06:00 UTC);
    try again when it has published

The kernel drops a flock when its process ends, however it ends, so a killed writer never blocks
the next one: the next writer finds the dead writer's record and working file, says what it removes
(a logged warning), and goes on. Working files are per writer, ``<db>.work-<pid>-<token>``, so one
writer can never delete or publish another's.

The lock belongs to a process (an open file), not to a thread: Prefect runs tasks in threads of the
flow's process, and they find the flow's lock in this module's registry, keyed by the public path.
Child processes do not inherit it (closed after fork, and close-on-exec).
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import math
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from warehouse.db import WarehouseError

#: The lock file: ``<db>.lock`` next to the warehouse (kept between writers, empty when free)
LOCK_SUFFIX = ".lock"
#: Working files: ``<db>.work-<pid>-<token>`` (plus ``.wal`` / ``.partial`` while in use)
WORK_SUFFIX = ".work"
#: Seconds a second writer waits when neither the caller nor TRACKER_LOCK_TIMEOUT says otherwise
DEFAULT_TIMEOUT = 30.0
#: The environment variable that sets the wait for every writer of this process
TIMEOUT_ENV = "TRACKER_LOCK_TIMEOUT"
#: Seconds between two tries of a waiting writer
POLL_SECONDS = 0.2
#: A writer willing to wait at least this long (seconds) says once whom it waits for
NOTICE_SECONDS = 5.0

_WORK_PID = re.compile(r"\.work-(\d+)-")

log = logging.getLogger(__name__)


class WarehouseBusy(WarehouseError):
    """Another writer holds the warehouse; ``str()`` is one line naming it (``holder``, if known)."""

    def __init__(self, message: str, holder: Holder | None = None) -> None:
        super().__init__(message)
        self.holder = holder


@dataclass(frozen=True)
class Holder:
    """Who holds a warehouse's writer lock, as its lock file records it."""

    what: str  # "a weekly run", "tracker approve", "an editor at the review desk", ...
    pid: int
    host: str
    started: str  # ISO 8601 in UTC, e.g. 2026-12-06T06:00:00Z
    work: str | None = None  # its working file, once it has one

    def describe(self) -> str:
        """``a weekly run (pid 4242, started 2026-12-06 06:00 UTC)``; the host when not this one."""
        try:
            when = datetime.strptime(self.started, "%Y-%m-%dT%H:%M:%SZ").strftime("%Y-%m-%d %H:%M UTC")
        except ValueError:
            when = self.started or "at an unknown time"
        where = f" on {self.host}" if self.host and self.host != socket.gethostname() else ""
        return f"{self.what} (pid {self.pid}{where}, started {when})"

    def running(self) -> bool | None:
        """Whether its process is alive; None when it ran on another host (cannot tell from here)."""
        if self.host != socket.gethostname() or self.pid <= 0:
            return None
        return _alive(self.pid)


@dataclass
class WriterLock:
    """A lock this process holds: the open lock file and the record written into it."""

    public: Path
    path: Path
    fd: int
    holder: Holder
    thread: int


_held: dict[str, WriterLock] = {}  # this process's locks, by resolved public path
_guard = threading.Lock()


def lock_path(public_path: str | os.PathLike) -> Path:
    """The lock file of a public warehouse path: ``<public>.lock`` next to it."""
    public = Path(public_path)
    return public.with_name(public.name + LOCK_SUFFIX)


def new_working_path(public_path: str | os.PathLike) -> Path:
    """A working file name of this writer alone: ``<public>.work-<pid>-<token>``."""
    public = Path(public_path)
    return public.with_name(f"{public.name}{WORK_SUFFIX}-{os.getpid()}-{secrets.token_hex(4)}")


def working_files(public_path: str | os.PathLike) -> list[Path]:
    """Every working file next to a public warehouse (any writer's, with WAL and partial copies)."""
    public = Path(public_path)
    prefix = public.name + WORK_SUFFIX
    try:
        names = os.listdir(public.parent)
    except FileNotFoundError:
        return []
    return sorted(public.parent / name for name in names
                  if name == prefix or name.startswith((prefix + "-", prefix + ".")))


def lock_timeout(timeout: float | None = None) -> float:
    """Seconds to wait for the lock: `timeout`, else TRACKER_LOCK_TIMEOUT, else DEFAULT_TIMEOUT."""
    if timeout is None:
        raw = os.environ.get(TIMEOUT_ENV, "").strip()
        if not raw:
            return DEFAULT_TIMEOUT
        try:
            timeout = float(raw)
        except ValueError:
            timeout = math.nan
        if not timeout >= 0:
            raise WarehouseError(f"{TIMEOUT_ENV}={raw!r}: give the seconds a writer waits for the warehouse, e.g. 30")
    if not timeout >= 0:
        raise WarehouseError(f"a lock timeout of {timeout!r} seconds: give 0 or more")
    return float(timeout)


def held_lock(public_path: str | os.PathLike) -> WriterLock | None:
    """The writer lock this process holds on a warehouse, if any."""
    with _guard:
        return _held.get(_key(public_path))


def acquire(public_path: str | os.PathLike, *, holder: str, timeout: float | None = None) -> WriterLock:
    """Take the writer lock of a warehouse for `holder` (what is writing, in words); return it.

    Waits up to `timeout` seconds (see lock_timeout) while another writer holds it, then raises
    WarehouseBusy naming that writer. Once taken, a record and working files left by a writer that
    was killed are removed, each with a warning. Release with release(); or use writer_lock().
    """
    public = Path(public_path)
    mine = held_lock(public)
    if mine is not None and mine.thread == threading.get_ident():
        raise WarehouseBusy(f"{public} is already being written by {mine.holder.describe()}, in this same "
                            "process and thread: one writer at a time", mine.holder)
    wait = lock_timeout(timeout)
    path = lock_path(public)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseError(f"{path.parent}: cannot create the warehouse folder ({exc.strerror})") from None
    fd = _wait_for_lock(public, path, wait)
    me = Holder(holder, os.getpid(), socket.gethostname(),
                datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    try:
        previous = _read_holder(fd)
        _write_record(fd, me)
        _clean_leftovers(public, previous)
    except BaseException:
        os.close(fd)
        raise
    lock = WriterLock(public, path, fd, me, threading.get_ident())
    with _guard:
        _held[_key(public)] = lock
    return lock


def release(public_path: str | os.PathLike) -> None:
    """Give up this process's writer lock of a warehouse; an unpublished working file is discarded."""
    with _guard:
        lock = _held.pop(_key(public_path), None)
    if lock is None:
        return
    try:
        if lock.holder.work:
            _remove_working_file(Path(lock.holder.work))
        _write_record(lock.fd, None)
    finally:
        os.close(lock.fd)  # the kernel drops the flock here


@contextmanager
def writer_lock(public_path: str | os.PathLike, *, holder: str,
                timeout: float | None = None) -> Iterator[WriterLock]:
    """The writer lock for a block (a run from its working copy to its publish), released however
    the block ends; a working file not published by then is discarded.

        with writer_lock("data/tracker.duckdb", holder="a weekly run"):
            work = working_copy("data/tracker.duckdb")
            ...
            publish(work, "data/tracker.duckdb")
    """
    acquire(public_path, holder=holder, timeout=timeout)
    try:
        yield held_lock(public_path)
    finally:
        release(public_path)


def register_work(public_path: str | os.PathLike, work: str | os.PathLike | None) -> None:
    """Record this writer's working file (None once published) in its lock file."""
    lock = held_lock(public_path)
    if lock is None:
        raise WarehouseError(f"{public_path}: this process does not hold the writer lock "
                             f"({lock_path(public_path)}); take it (writer_lock) before a working copy")
    lock.holder = replace(lock.holder, work=None if work is None else str(Path(work).resolve()))
    _write_record(lock.fd, lock.holder)


def check_publisher(public_path: str | os.PathLike, work: str | os.PathLike) -> None:
    """Refuse (WarehouseError) unless this process holds the writer lock and `work` is the working
    file registered in it, and the lock file is still the one at ``<public>.lock``."""
    lock = held_lock(public_path)
    if lock is None:
        raise WarehouseError(f"{work}: not published: this process does not hold the writer lock of "
                             f"{public_path} ({lock_path(public_path)})")
    if lock.holder.work != str(Path(work).resolve()):
        raise WarehouseError(f"{work}: not published: it is not the working file of {lock.holder.what} "
                             f"for {public_path} (that is {lock.holder.work or 'not made yet'})")
    if not _same_file(lock.fd, lock.path):
        raise WarehouseError(f"{public_path}: not published: {lock.path} was removed or replaced while "
                             f"{lock.holder.what} held it, so another writer may have started")


def current_holder(public_path: str | os.PathLike) -> Holder | None:
    """Who holds the writer lock of a warehouse now (this or another process), or None when free."""
    mine = held_lock(public_path)
    if mine is not None:
        return mine.holder
    path = lock_path(public_path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(fd) or Holder("another writer", 0, "", "")
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def busy_message(public_path: str | os.PathLike, holder: Holder | None) -> str:
    """The one line a writer gets when another holds the warehouse."""
    path = lock_path(public_path)
    if holder is None:
        return (f"{public_path} is being written by another writer (its record in {path} is empty); "
                "try again when it has published")
    if holder.running() is False:
        return (f"{public_path} is locked by {holder.describe()}, which has ended, but a process it "
                f"started still holds {path}: end that process ('fuser -v {path}' names it)")
    return f"{public_path} is being written by {holder.describe()}; try again when it has published"


def _key(public_path: str | os.PathLike) -> str:
    return str(Path(public_path).resolve())


def _wait_for_lock(public: Path, path: Path, wait: float) -> int:
    """Open and flock `path`, trying every POLL_SECONDS for `wait` seconds; return the open fd."""
    deadline = time.monotonic() + wait
    announced = False
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise WarehouseError(f"{path}: cannot open the warehouse's writer lock ({exc.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _read_holder(fd)
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise WarehouseError(f"{path}: cannot lock the warehouse ({exc.strerror})") from None
            left = deadline - time.monotonic()
            if left <= 0:
                raise WarehouseBusy(busy_message(public, holder), holder) from None
            if not announced and wait >= NOTICE_SECONDS:
                who = holder.describe() if holder else "another writer"
                log.warning("%s is being written by %s; waiting up to %g s for it to publish", public, who, wait)
                announced = True
            time.sleep(min(POLL_SECONDS, left))
            continue
        if _same_file(fd, path):
            return fd
        os.close(fd)  # the lock file was removed or replaced while we waited: lock the current one


def _same_file(fd: int, path: Path) -> bool:
    try:
        current = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino)


def _read_holder(fd: int) -> Holder | None:
    """The record in a lock file; None when empty or unreadable (being rewritten: tried again)."""
    for _ in range(3):
        data = os.pread(fd, 65536, 0)
        if not data.strip():
            return None
        try:
            record = json.loads(data)
            return Holder(str(record["holder"]), int(record["pid"]), str(record.get("host") or ""),
                          str(record.get("started") or ""), record.get("work") or None)
        except (ValueError, KeyError, TypeError):
            time.sleep(0.05)
    return None


def _write_record(fd: int, holder: Holder | None) -> None:
    """Write (or, with None, clear) the record a waiting writer reads to name the holder."""
    if holder is None:
        os.ftruncate(fd, 0)
        return
    record = {"holder": holder.what, "pid": holder.pid, "host": holder.host, "started": holder.started,
              "work": holder.work}
    data = (json.dumps(record, indent=2) + "\n").encode()
    os.pwrite(fd, data, 0)
    os.ftruncate(fd, len(data))


def _clean_leftovers(public: Path, previous: Holder | None) -> None:
    """With the lock taken: say what a killed writer left, and remove its working files.

    No live writer can hold the lock now, so a working file is a leftover; one whose process (from
    its name) still runs on this host is left alone all the same, with a warning.
    """
    if previous is not None:
        log.warning("%s: %s ended without publishing (killed or crashed); its lock record is cleared",
                    public, previous.describe())
    for path in working_files(public):
        match = _WORK_PID.search(path.name)
        pid = int(match[1]) if match else None
        if pid is not None and pid != os.getpid() and _alive(pid):
            log.warning("%s: left alone: pid %s, which made it, is still running", path, pid)
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("%s: a leftover working file that cannot be removed (%s)", path, exc.strerror)
            continue
        if previous is not None and previous.work and str(path.resolve()).startswith(previous.work):
            log.warning("removed %s, the unpublished working file of %s", path, previous.describe())
        else:
            log.warning("removed %s, a working file left by a writer that ended without publishing", path)


def _remove_working_file(work: Path) -> None:
    for path in (work, work.with_name(work.name + ".wal"), work.with_name(work.name + ".partial")):
        path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _forget_in_child() -> None:
    """After fork: the child does not hold the parent's locks (closing its copies leaves them held)."""
    global _guard
    for lock in _held.values():
        with suppress(OSError):
            os.close(lock.fd)
    _held.clear()
    _guard = threading.Lock()


os.register_at_fork(after_in_child=_forget_in_child)
