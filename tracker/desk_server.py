"""The review desk over HTTP: a Starlette app served by uvicorn on 127.0.0.1, with limits.

`tracker/desk.py` holds what the desk does (read the week, record a decision); this module only
translates HTTP to it and keeps the server safe to leave running on an editor's machine:

- Requests must name the desk in their Host header (127.0.0.1:PORT or localhost:PORT: no DNS
  rebinding); a POST must carry the desk's form token (CSRF, checked by the Desk) and, when the
  browser sends an Origin header, come from the desk's own address; a form is a small
  url-encoded body (``MAX_BODY``); every response carries a Content-Security-Policy without
  scripts and is never cached.
- The server is uvicorn's, on asyncio with h11, so an idle or slow connection costs no thread. A
  client has ``request_timeout`` seconds to send a whole request (head and form) from the moment
  it connects or starts the request: a connection that says nothing, or trickles its headers
  (slow loris), is closed. A kept-alive connection is closed after ``keep_alive`` idle seconds;
  a request head over ``max_head`` bytes gets 400. At most ``max_connections`` connections stay
  open: a new one closes the oldest connection still waiting for its request, so a flood of idle
  sockets cannot keep an editor's browser out (uvicorn's ``limit_concurrency`` answers 503 only
  if every open connection is busy with a request).
- SIGINT (Ctrl-C) and SIGTERM stop the desk gracefully: it stops listening, closes idle
  connections at once and lets a decision being recorded finish (up to ``graceful_stop``
  seconds); a second Ctrl-C stops it without waiting.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import h11
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route
from uvicorn.protocols.http.h11_impl import H11Protocol

from newsletter_templates.filters import anchor
from tracker.desk import Desk, DeskError

__all__ = ["DeskServer", "Limits", "MAX_BODY", "build_app"]

#: Largest form body accepted (bytes): the desk's forms are a few short fields.
MAX_BODY = 16 * 1024
#: Form fields accepted in one POST (the desk's largest form has six).
MAX_FIELDS = 20
#: Headers every response carries: no scripts, no framing, no sniffing, no caching, no referrer.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
_DRAFTS = {"/draft.html": (".html", "text/html"), "/draft.txt": (".txt", "text/plain"),
           "/draft.md": (".md", "text/markdown")}
_TEXT = "text/plain; charset=utf-8"
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class Limits:
    """What one client may cost the desk. The defaults suit one editor's browser on 127.0.0.1."""

    #: Connections kept open at once; a new one beyond closes the oldest one waiting for a request.
    max_connections: int = 64
    #: Seconds to send a whole request (head and form), from connecting or from its first byte.
    request_timeout: float = 10.0
    #: Seconds an idle kept-alive connection stays open between two requests.
    keep_alive: int = 5
    #: Largest request head (request line and headers), bytes; a larger one gets 400.
    max_head: int = 16 * 1024
    #: Connections the kernel queues before the desk accepts them.
    backlog: int = 128
    #: Seconds a stop waits for requests in progress (a decision being recorded) to finish.
    graceful_stop: int = 60


class DeskProtocol(H11Protocol):
    """uvicorn's h11 connection with two more limits: a deadline for each request (uvicorn has
    none before the first byte or inside a request head) and a cap on open connections."""

    limits: Limits = Limits()

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self._deadline: object | None = None
        self.waiting_since = time.monotonic()
        self.limits = getattr(self.config, "desk_limits", Limits())
        self._make_room()
        super().connection_made(transport)
        if getattr(self.config, "stopping", False):
            # accepted while the desk stops (after uvicorn asked the open connections to close):
            # close it now rather than let its request deadline hold the stop
            self.shutdown()
            return
        self._arm_deadline()

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and self.conn.their_state is h11.IDLE:
            self._arm_deadline()  # a new request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state not in (h11.IDLE, h11.SEND_BODY):
            self._disarm_deadline()  # the whole request is in (or the connection is over)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_deadline()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        self.waiting_since = time.monotonic()
        super().on_response_complete()

    def is_waiting(self) -> bool:
        """True while no request is in progress: idle, or a request head still coming in."""
        return (not self.transport.is_closing() and self.conn.their_state is h11.IDLE
                and (self.cycle is None or self.cycle.response_complete))

    def _make_room(self) -> None:
        others = [c for c in self.connections if not c.transport.is_closing()]
        excess = len(others) - (self.limits.max_connections - 1)
        if excess <= 0:
            return
        waiting = sorted((c for c in others if isinstance(c, DeskProtocol) and c.is_waiting()),
                         key=lambda c: c.waiting_since)
        for connection in waiting[:excess]:
            connection.transport.close()

    def _arm_deadline(self) -> None:
        self._disarm_deadline()
        self._deadline = self.loop.call_later(self.limits.request_timeout, self._on_deadline)

    def _disarm_deadline(self) -> None:
        deadline, self._deadline = getattr(self, "_deadline", None), None
        if deadline is not None:
            deadline.cancel()  # type: ignore[attr-defined]

    def _on_deadline(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self.conn.their_state is h11.IDLE and self.conn.our_state is h11.IDLE:
            # No request was made yet: say why before closing (h11 cannot answer a partial head).
            self.transport.write(b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
                                 b"content-length: 22\r\nconnection: close\r\n\r\nThe request timed out\n")
        self.transport.close()


class DeskConfig(uvicorn.Config):
    """uvicorn's Config carrying the desk's Limits to its connections."""

    def __init__(self, app, limits: Limits, **kwargs) -> None:
        super().__init__(app, **kwargs)
        self.desk_limits = limits


class _Uvicorn(uvicorn.Server):
    """uvicorn's Server whose signal handling ends at the desk: SIGINT and SIGTERM stop it
    gracefully and are not raised again afterwards (the desk exits 0 and says it stopped)."""

    stopped_by: int | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in _SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def handle_exit(self, sig: int, frame) -> None:
        self.stopped_by = self.stopped_by or sig
        super().handle_exit(sig, frame)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.config.stopping = True  # connections accepted from now on close at once (DeskProtocol)
        await super().shutdown(sockets)


def _respond(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(text if text.endswith("\n") else text + "\n", status, headers=headers,
                             media_type="text/plain")


def _page(desk: Desk, status: int = 200, notice: str | None = None, error: str | None = None) -> Response:
    return HTMLResponse(desk.page(notice=notice, error=error), status)


def _error(desk: Desk, status: int, message: str) -> Response:
    """The review page with the message at the top (what the editor needs to decide again), or
    plain text when the page itself cannot be read."""
    if status in (400, 403, 409):
        try:
            return _page(desk, status, error=message)
        except Exception:  # fall back to a plain answer
            pass
    return _respond(status, message)


def _log(request_line: str, status: int | str) -> None:
    sys.stderr.write(f"desk: {request_line} {status}\n")


def build_app(desk: Desk, allowed_hosts: set[str], max_head: int = Limits.max_head):
    """The desk's app: GET / (the page), GET /draft.{html,txt,md}, POST /decide (Starlette),
    inside `guard`."""

    def show_page(request: Request) -> Response:
        notice = desk.recall(request.query_params.get("notice"))
        try:
            return _page(desk, notice=notice)
        except Exception as exc:  # a locked or broken warehouse: one line, no traceback
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            _log(f"page failed: {type(exc).__name__}: {first}", 500)
            return _respond(500, f"The review page could not be read: {first}")

    def show_draft(request: Request) -> Response:
        suffix, content_type = _DRAFTS[request.url.path]
        path = desk.draft_file(suffix)
        if path is None:
            return _respond(404, "No draft rendered for this week yet.")
        return Response(path.read_bytes(), 200, media_type=f"{content_type}; charset=utf-8")

    async def decide(request: Request) -> Response:
        origin = request.headers.get("origin")
        if origin is not None and urlsplit(origin).netloc not in allowed_hosts:
            message = "This form was sent from another site: decisions are only taken from the desk's own page."
            return await run_in_threadpool(_error, desk, 403, message)
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
            return _respond(415, "Send the desk's form (application/x-www-form-urlencoded).")
        try:
            length = int(request.headers.get("content-length", ""))
        except ValueError:
            return _respond(411, "Content-Length required.")
        if not 0 <= length <= MAX_BODY:
            return _respond(413, "Form too large.")
        try:  # h11 delivers exactly Content-Length bytes, checked above; the request deadline bounds the wait
            raw = (await request.body()).decode("utf-8", errors="replace")
        except ClientDisconnect:
            return _respond(400, "The form did not arrive.")
        try:
            fields = parse_qs(raw, keep_blank_values=True, max_num_fields=MAX_FIELDS)
        except ValueError:
            return _respond(400, "Too many form fields.")
        return await run_in_threadpool(_decide, desk, {key: values[-1] for key, values in fields.items()})

    async def refuse(request: Request, exc: Exception) -> Response:
        if isinstance(exc, HTTPException) and exc.status_code == 405:
            return _respond(405, "Method not allowed.", headers=exc.headers)
        return _respond(404, "Not found.")

    async def fail(request: Request, exc: Exception) -> Response:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        _log(f"error: {type(exc).__name__}: {first}", 500)
        return _respond(500, f"The desk could not answer: {first}")

    routes = [
        Route("/", show_page, methods=["GET"]),
        *(Route(path, show_draft, methods=["GET"]) for path in _DRAFTS),
        Route("/decide", decide, methods=["POST"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: refuse, Exception: fail})
    return guard(app, allowed_hosts, max_head)


def _decide(desk: Desk, form: dict[str, str]) -> Response:
    """Record one decision and send the browser back to the page (303), or say what is wrong."""
    try:
        notice, deal_id = desk.decide(form)
    except DeskError as exc:
        return _error(desk, exc.status, exc.message)
    except ValueError as exc:  # the warehouse's own validation
        return _error(desk, 400, str(exc))
    except Exception as exc:  # the editor gets a message, the log the details
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        _log(f"decision failed: {type(exc).__name__}: {first}", 500)
        return _respond(500, f"The decision could not be recorded: {first}")
    location = f"/?notice={desk.remember(notice)}" + (f"#{anchor(deal_id)}" if deal_id else "")
    return Response(b"", 303, headers={"location": location}, media_type="text/plain")


def guard(app, allowed_hosts: set[str], max_head: int):
    """ASGI middleware around the whole app: refuse other Host headers and request heads over
    `max_head` bytes (h11 bounds only a head still arriving), before any routing; add the security
    headers to every response; log one line per request to stderr."""
    security = [(name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]

    async def guarded(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
        client = (scope.get("client") or ("-",))[0]
        line = f'{client} "{scope["method"]} {scope["path"]} HTTP/{scope["http_version"]}"'

        async def send_secured(message):
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                message = {**message, "headers": [*message.get("headers", []),
                                                  *(h for h in security if h[0] not in names)]}
                _log(line, message["status"])
            await send(message)

        if host not in allowed_hosts:
            response = _respond(400, "Unexpected Host header: open the desk at its 127.0.0.1 address.")
            return await response(scope, receive, send_secured)
        head = len(scope["raw_path"]) + len(scope["query_string"]) + sum(len(n) + len(v) + 4
                                                                         for n, v in scope["headers"])
        if head > max_head:
            response = _respond(431, f"Request headers too large (over {max_head:,} bytes).")
            return await response(scope, receive, send_secured)
        return await app(scope, receive, send_secured)

    return guarded


def _bind(port: int, backlog: int) -> socket.socket:
    """A listening socket on 127.0.0.1:port (0: a free port). Raises OSError (port in use)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(backlog)
        sock.set_inheritable(False)
    except OSError:
        sock.close()
        raise
    return sock


class DeskServer:
    """One Desk served by uvicorn on 127.0.0.1. The socket is bound on creation (so a port in
    use fails here, with OSError); `serve()` serves in this thread until SIGINT/SIGTERM, `start()`
    serves in a background thread until `stop()`."""

    def __init__(self, desk: Desk, port: int = 0, limits: Limits | None = None):
        self.desk = desk
        self.limits = limits or Limits()
        self.socket = _bind(port, self.limits.backlog)
        self.port: int = self.socket.getsockname()[1]
        self.config = DeskConfig(
            build_app(desk, self.allowed_hosts(), self.limits.max_head), self.limits,
            host="127.0.0.1", port=self.port, loop="asyncio", http=DeskProtocol, lifespan="off",
            log_config=None, access_log=False, proxy_headers=False, server_header=False,
            limit_concurrency=self.limits.max_connections + 1, backlog=self.limits.backlog,
            timeout_keep_alive=self.limits.keep_alive, h11_max_incomplete_event_size=self.limits.max_head,
            timeout_graceful_shutdown=self.limits.graceful_stop, headers=[("server", "tracker-desk")],
        )
        self.server = _Uvicorn(self.config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def allowed_hosts(self) -> set[str]:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    def serve(self) -> int | None:
        """Serve until SIGINT or SIGTERM (or `stop()`); returns the signal that stopped it."""
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self.socket.close()
        return self.server.stopped_by

    def start(self, timeout: float = 30) -> DeskServer:
        """Serve in a background thread; returns once the desk answers."""
        self._thread = threading.Thread(target=self.serve, name=f"desk-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the review desk did not start on {self.url}")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 30) -> None:
        """Stop serving (gracefully, like SIGTERM) and wait for the server thread."""
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        else:
            self.socket.close()

    def __enter__(self) -> DeskServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
