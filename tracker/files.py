"""Files the command line reads and writes, handled so that a bad one costs one line, not data.

- Input JSON Lines are read as bytes, line by line, with a length cap: a line that is not UTF-8 or
  is too long is an InputError naming its line, before it is held in memory whole.
- An output file (`-o`) is written to a temporary file next to it and renamed onto it only when
  the command succeeds: a failure leaves an earlier output as it was, and the command refuses to
  write onto its own input.
- A `--db` is checked to be a DuckDB file before any stage opens it.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO, TextIO

from common.settings import MAX_INPUT_LINE_BYTES


class FileProblem(Exception):
    """A file the user named cannot be used; the message is one line for the user."""


def describe_size(size: int) -> str:
    """16 MiB, 512 KiB, 300 bytes."""
    for unit, factor in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


def open_input(path: str) -> BinaryIO:
    """The named file, or standard input for "-", opened for reading bytes."""
    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except OSError as exc:
        raise FileProblem(f"cannot open {path}: {exc.strerror}") from None


def read_lines(stream: BinaryIO, name: str, limit: int = MAX_INPUT_LINE_BYTES) -> Iterator[str]:
    """Yield each line of `stream` as text, one per physical line (blank ones too, so numbers match).

    Raises nlp.extract.InputError "NAME, line N: ..." for a line that is not UTF-8 (binary input)
    or is longer than `limit` bytes; at most `limit` + 1 bytes of a line are read. A UTF-8 byte
    order mark before the first line is dropped.
    """
    from nlp.extract import InputError  # 1.2 s (spaCy): only once a line is read

    number = 0
    while True:
        raw = stream.readline(limit + 1)
        if not raw:
            return
        number += 1
        if len(raw.rstrip(b"\r\n")) > limit:
            raise InputError(f"{name}, line {number}: longer than {describe_size(limit)} (the limit for one document)")
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{name}, line {number}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at byte {exc.start + 1}); "
                "JSON Lines input must be UTF-8"
            ) from None


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return os.path.samestat(a, b) and stat.S_ISREG(a.st_mode)


def refuse_same_file(input_path: str, output_path: str) -> None:
    """Raise FileProblem when the output is the input (the same file by any name, link or symlink)."""
    try:
        source = os.fstat(sys.stdin.fileno()) if input_path == "-" else os.stat(input_path)
        target = os.fstat(sys.stdout.fileno()) if output_path == "-" else os.stat(output_path)
    except (OSError, ValueError, AttributeError):
        return  # one of them does not exist yet (or is no real file): they cannot be the same
    if _same_file(source, target):
        shown_in = "standard input" if input_path == "-" else input_path
        shown_out = "standard output" if output_path == "-" else output_path
        raise FileProblem(f"the output {shown_out} is the input {shown_in}: writing it would destroy the input; "
                          "choose another output file")


@contextmanager
def atomic_output(path: str) -> Iterator[TextIO]:
    """A text stream for the output `path` ("-": standard output) that replaces it only on success.

    A regular file (or a new one) is written as a temporary file in the same folder, fsynced and
    renamed onto the target when the block ends without an exception; on an exception the
    temporary file is removed and the target keeps its earlier content. A symlink's target file is
    the one replaced. Devices and pipes (/dev/stdout, a FIFO) are written directly.
    """
    if path == "-":
        with _naming_write_errors("standard output"):
            yield sys.stdout
            sys.stdout.flush()
        return
    target = Path(os.path.realpath(path))
    try:
        existing = os.stat(target)
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise FileProblem(f"cannot write {path}: {exc.strerror}") from None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        if stat.S_ISDIR(existing.st_mode):
            raise FileProblem(f"cannot write {path}: it is a folder")
        with _naming_write_errors(path), _open_special(path, target) as stream:
            yield stream
        return
    try:
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise FileProblem(f"cannot write {path}: {exc.strerror}") from None
    try:
        with _naming_write_errors(path), open(fd, "w", encoding="utf-8") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, stat.S_IMODE(existing.st_mode) if existing else 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise


#: Errors of a write that name no file (a full disk while flushing a stream).
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


def _open_special(path: str | os.PathLike, target: Path) -> TextIO:
    """Open a file that is not a regular one (a device, a pipe) for writing, or say why not."""
    try:
        return open(target, "w", encoding="utf-8")
    except OSError as exc:
        raise FileProblem(f"cannot write {path}: {exc.strerror}") from None


@contextmanager
def _naming_write_errors(name: str) -> Iterator[None]:
    """Turn a failed write of the output stream into "cannot write NAME: No space left on device"."""
    try:
        yield
    except OSError as exc:
        if exc.errno in WRITE_ERRNOS and exc.filename is None:
            raise FileProblem(f"cannot write {name}: {exc.strerror}") from exc
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: A DuckDB database file: a checksum (8 bytes), then this magic (duckdb's storage format).
DUCKDB_MAGIC = b"DUCK"


def check_warehouse_file(path: str | os.PathLike) -> None:
    """Raise FileProblem unless `path` looks like a DuckDB database file (its header, not its content).

    Catches the wrong file passed as --db (a CSV, an empty or half-copied file) before a stage
    opens it; damage deeper in a real DuckDB file is found by DuckDB when it reads there.
    """
    try:
        with open(path, "rb") as handle:
            header = handle.read(12)
    except OSError as exc:
        raise FileProblem(f"cannot read the warehouse {path}: {exc.strerror}") from None
    if not header:
        raise FileProblem(f"{path} is empty, not a DuckDB warehouse: pass the right --db, or remove it to start anew")
    if header[8:12] != DUCKDB_MAGIC:
        raise FileProblem(f"{path} is not a DuckDB warehouse file (pass the right --db)")
