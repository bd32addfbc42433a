"""Prefect's temporary server, tied to the `tracker` process that needs it.

Without PREFECT_API_URL, the first Prefect call of a flow run starts a temporary API server: a
`python -m uvicorn` child process (prefect.server.api.server.SubprocessASGIServer), stopped by an
atexit hook. A `tracker` process killed with SIGKILL (or dying any other way that skips atexit)
left that server running for good. So the commands that run a flow start the server themselves,
from the main thread, before the flow: the same server object Prefect would have created (it is a
per-process singleton, and every later Prefect call reuses it), but its child process asks the
kernel to kill it when its parent dies (prctl PR_SET_PDEATHSIG, Linux). The signal follows the
thread that started the child, hence the main thread, which lives as long as the process.
"""

from __future__ import annotations

import ctypes
import importlib
import logging
import os
import signal
import types
from collections.abc import Callable

#: prctl(2) option: the signal this process gets when its parent dies (linux/prctl.h).
PR_SET_PDEATHSIG = 1


class ServerStartError(RuntimeError):
    """Prefect's temporary server did not come up (one line for the operator)."""


def death_signal_arming() -> Callable[[], None] | None:
    """A preexec_fn that makes a child process die with this one, or None where prctl is missing.

    The child gets SIGKILL: by then nobody waits for a graceful answer, and the server's SQLite
    database is transactional. If this process died between fork and prctl, the child kills itself.
    """
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up now: nothing to import after fork
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def arm() -> None:
        if prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0 and os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)

    return arm


def start_temporary_server() -> str | None:
    """Start Prefect's temporary server as a child that dies with this process; return its API URL.

    Does nothing (returns None) when PREFECT_API_URL names a server already. Waits up to
    PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS (the `tracker` command sets 180 s unless the
    environment says otherwise). Raises ServerStartError when the server does not answer in time.
    """
    # Prefect is imported here and below, not at the top: it takes about 3 s (every `tracker`
    # command would pay it), and it reads its settings once, when first imported, so only after
    # the command has set them (common.settings.configure_environment).
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

    if PREFECT_API_URL.value():
        return None
    import prefect.server.api.server as server_module

    server = server_module.SubprocessASGIServer()
    if not server.running:
        arm = death_signal_arming()
        real = server_module.subprocess
        if arm is not None:
            server_module.subprocess = _with_preexec(real, arm)
        try:
            server.start()
        except Exception as exc:
            seconds = PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
            raise ServerStartError(
                f"Prefect's temporary server did not start within {seconds} s ({str(exc).splitlines()[0][:120]}); "
                "the machine may be overloaded: try again, raise PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, "
                "or set PREFECT_API_URL to a running Prefect server"
            ) from exc
        finally:
            server_module.subprocess = real
    return server.api_url


def _with_preexec(module: types.ModuleType, preexec: Callable[[], None]) -> types.SimpleNamespace:
    """The subprocess module as Prefect's server code sees it, its Popen running `preexec` in the child."""

    class Popen(module.Popen):  # a class, so annotations such as Popen[Any] still work
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("preexec_fn", preexec)
            super().__init__(*args, **kwargs)

    return types.SimpleNamespace(**{**vars(module), "Popen": Popen})


class _WithoutTraceback(logging.Formatter):
    """Formats a record with another formatter, leaving out its traceback."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            return self.inner.format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


def quiet_console_tracebacks() -> None:
    """Prefect's console log lines keep their message but not the traceback (`--debug` keeps it).

    A failed task is logged with its traceback; on the terminal that buries the one line the
    command prints about what failed. Prefect's run logs (the UI, the API) still get the whole
    traceback: only the console handler's formatting changes.
    """
    importlib.import_module("prefect.main")  # configures Prefect's logging
    from prefect.logging.handlers import PrefectConsoleHandler

    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, PrefectConsoleHandler) and not isinstance(handler.formatter, _WithoutTraceback):
                handler.setFormatter(_WithoutTraceback(handler.formatter or logging.Formatter()))
