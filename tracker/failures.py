"""How the `tracker` command ends when something goes wrong: one line, an exit status, no traceback.

- A problem with what the user gave or with the machine (bad arguments or input, a file that
  cannot be read or written, a full disk, a damaged or busy warehouse, Prefect's server not
  starting) is one line on standard error, "tracker CMD: what went wrong", and exit status 2.
- Anything else is a bug: one line saying what failed and where its full traceback was written
  (a log file), exit status 1. `--debug` prints the traceback instead.
- Ctrl-C ends with status 130, SIGTERM with 143, each after the command's own cleanup ran
  (working copies discarded, Prefect's temporary server stopped).
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

from tracker.files import FileProblem
from tracker.prefect_server import ServerStartError

EXIT_USAGE = 2
EXIT_BUG = 1
EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_TERMINATED = 128 + signal.SIGTERM

#: OSError numbers that mean "this file or this machine", not "this program": exit 2.
FILE_ERRNOS = {
    errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOENT,
    errno.ENOTDIR, errno.EISDIR, errno.EEXIST, errno.ENAMETOOLONG, errno.EIO, errno.EMFILE, errno.ENFILE,
    errno.ELOOP, errno.EXDEV, errno.ENXIO, errno.ETXTBSY,
}


class Terminated(SystemExit):
    """SIGTERM arrived: unwinds like Ctrl-C (finally blocks and atexit hooks run), exit status 143."""

    def __init__(self) -> None:
        super().__init__(EXIT_TERMINATED)


def raise_terminated(signum: int, frame: object) -> None:  # a signal handler's signature
    raise Terminated()


def install_sigterm_handler() -> None:
    """SIGTERM raises Terminated in the main thread (Prefect's flow engine passes it on the same way).

    A signal handler's exception is raised wherever the main thread happens to be; when that is a
    finalizer (`__del__`, run by the garbage collector) Python prints "Exception ignored" and
    carries on, and the stop request is lost: observed with Prefect's own SIGTERM handler, after
    which `tracker crawl` ran to the end and exited 0. The unraisable hook sends such a signal
    again, so it is raised at the next ordinary line instead.
    """
    signal.signal(signal.SIGTERM, raise_terminated)
    sys.unraisablehook = _resend_lost_signals(sys.unraisablehook)


def _resend_lost_signals(default_hook):
    def hook(unraisable) -> None:
        exc = unraisable.exc_value
        signum = _signal_of(exc)
        if signum is None:
            default_hook(unraisable)
            return
        # Sent from another thread a moment later: sent from here, it would be raised in this hook,
        # which is no better a place than the finalizer.
        resend = threading.Timer(0.05, os.kill, (os.getpid(), signum))
        resend.daemon = True
        resend.start()

    return hook


def _signal_of(exc: BaseException | None) -> int | None:
    """The signal an exception stands for: SIGTERM (ours or Prefect's TerminationSignal), SIGINT."""
    if isinstance(exc, Terminated):
        return signal.SIGTERM
    if isinstance(exc, KeyboardInterrupt):
        return signal.SIGINT
    prefect_exceptions = sys.modules.get("prefect.exceptions")
    termination = getattr(prefect_exceptions, "TerminationSignal", None)
    if termination is not None and isinstance(exc, termination):
        return getattr(exc, "signal", signal.SIGTERM)
    return None


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def describe_os_error(exc: OSError) -> str:
    """"out/drafts/x.html: No space left on device" and the like (the file first, as Unix tools say it)."""
    reason = exc.strerror or first_line(exc)
    if exc.filename is not None and exc.filename2 is not None:
        return f"{exc.filename} -> {exc.filename2}: {reason}"
    if exc.filename is not None:
        return f"{exc.filename}: {reason}"
    return reason


def classify(exc: BaseException) -> str | None:
    """The one line for a failure the user or the machine caused, or None for a bug."""
    if isinstance(exc, (FileProblem, ServerStartError)):
        return first_line(exc)
    input_error = getattr(sys.modules.get("nlp.extract"), "InputError", None)
    if input_error is not None and isinstance(exc, input_error):
        return first_line(exc)
    warehouse_error = getattr(sys.modules.get("warehouse.db"), "WarehouseError", None)
    if warehouse_error is not None and isinstance(exc, warehouse_error):  # WarehouseBusy too
        return first_line(exc)
    duckdb = sys.modules.get("duckdb")
    if duckdb is not None and isinstance(exc, duckdb.Error):
        message = first_line(exc)
        if isinstance(exc, (duckdb.IOException, duckdb.CatalogException)) or "corrupt" in message.lower():
            return f"the warehouse cannot be used: {message}"
        return None
    if isinstance(exc, OSError) and exc.errno in FILE_ERRNOS:
        return describe_os_error(exc)
    if isinstance(exc, MemoryError):
        return "out of memory"
    return None


def write_traceback(exc: BaseException, command: str, folders: list[Path]) -> Path | None:
    """Write the exception's traceback to a new log file in the first folder that takes it."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    text = "".join(traceback.format_exception(exc))
    header = f"tracker {command} failed at {time.strftime('%Y-%m-%d %H:%M:%S %z')}\nargv: {sys.argv!r}\n\n"
    for folder in [*folders, Path(tempfile.gettempdir())]:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"tracker-{command.replace(' ', '-')}-{stamp}-{os.getpid()}.log"
            path.write_text(header + text, encoding="utf-8")
            return path
        except OSError:
            continue
    return None


def silence_stdout() -> None:
    """Point standard output at /dev/null (it failed: a full disk, a closed pipe) so exit is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def report_failure(exc: BaseException, command: str, debug: bool, log_folders: list[Path]) -> int:
    """Print the failure as the module docstring says and return the exit status."""
    prog = f"tracker {command}" if command else "tracker"
    line = classify(exc)
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    if line is not None:
        if not debug:
            print(f"{prog}: {line}", file=sys.stderr)
        return EXIT_USAGE
    if debug:
        return EXIT_BUG
    log = write_traceback(exc, command or "main", log_folders)
    where = f"full traceback in {log}" if log else "no log could be written; run again with --debug"
    print(f"{prog}: unexpected error, {type(exc).__name__}: {first_line(exc)[:300]} ({where})", file=sys.stderr)
    return EXIT_BUG
