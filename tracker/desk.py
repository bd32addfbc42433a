"""The review desk: a small local web app where an editor checks a week's draft and decides.

`tracker desk [--week W] [--db PATH] [--out DIR] [--port N] [--editor NAME]` serves, on 127.0.0.1
only, the week's review page (newsletter_templates/review.py: every deal with its source sentences
marked up, its confidence, its state and its sources) with a form per deal to drop it, keep it or
correct a figure (committed US dollars, MW, chips), and forms to approve or reject the issue.

Each decision goes where every decision goes (DESIGN.md): `warehouse.decisions.record_decisions`
stores it in `editor_decisions` with the editor's name, the time and `via = review-desk`. The
write follows the warehouse's concurrency design, like `tracker approve`: a short write window on
a working copy that is published atomically (`warehouse.snapshot.writing`), so analysts keep
their connections, and reads open the published file read-only for the length of one request.
Then the week's draft (and the static review page next to it) is rendered again through the
flow's own render task; an approval also publishes the issue to OUT/newsletter and its archive,
as `tracker approve` does. Requests touching the warehouse are serialised by one lock.

Safety, in a simple way: the server listens on 127.0.0.1; requests must name it in their Host
header (no DNS rebinding); every form carries a per-process random token (CSRF), checked on
every POST together with the Origin header when the browser sends one; bodies are small
url-encoded forms; pages carry a Content-Security-Policy without scripts.
"""

from __future__ import annotations

import hmac
import re
import secrets
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tracker.weeks import parse_week

__all__ = ["Desk", "DeskError", "DeskServer", "parse_amount", "run_desk", "start_desk"]

#: Largest form body accepted (bytes): the desk's forms are a few short fields.
MAX_BODY = 16 * 1024
#: Longest note stored with a decision.
MAX_NOTE = 500
ACTIONS = ("drop", "keep", "correct", "approve", "reject")
# Figures an editor corrects on the desk: field -> (what it is, example, largest sane value).
FIELDS = {
    "money_usd": ("committed money in US dollars", "15200000000 or 15.2 billion", 1e14),
    "mw": ("power capacity in MW", "1200, or 1.2 GW", 1e6),
    "chips": ("a chip count", "18000 or 18,000", 1e9),
}
_SCALES = {
    "": 1, "k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9,
    "billion": 1e9, "t": 1e12, "tn": 1e12, "trillion": 1e12,
}
_NUMBER = re.compile(r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*([a-z]*)")
_DOLLARS = re.compile(r"^(?:us\$|\$|usd)\s*")
_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
_DRAFTS = {"/draft.html": (".html", "text/html"), "/draft.txt": (".txt", "text/plain"),
           "/draft.md": (".md", "text/markdown")}


class DeskError(Exception):
    """A request the desk refuses, with the HTTP status and a message for the editor."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def parse_amount(field_name: str, text: str) -> float | int:
    """The number an editor typed for a figure: ``1,200``, ``15.2 billion``, ``$15.2bn``,
    ``1.2 GW`` (power) or ``18k`` (chips). Raises DeskError(400) with a message naming the field."""
    what, example, largest = FIELDS[field_name]
    what = what[0].upper() + what[1:]
    value = " ".join((text or "").lower().split())
    if field_name == "mw":
        scales = {"": 1, "mw": 1, "gw": 1000}
    elif field_name == "chips":
        scales = {"": 1, "k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6}
    else:
        scales = _SCALES
        value = _DOLLARS.sub("", value)
    match = _NUMBER.fullmatch(value)
    if not match or match.group(2) not in scales:
        raise DeskError(400, f"{what}: {text.strip()!r} is not a number; write it like {example}.")
    number = float(match.group(1).replace(",", "")) * scales[match.group(2)]
    if not 0 < number <= largest:
        raise DeskError(400, f"{what} must be more than 0 and at most {largest:,.0f}; got {text.strip()!r}.")
    if field_name == "chips":
        if not number.is_integer():
            raise DeskError(400, f"A chip count is a whole number; got {text.strip()!r}.")
        return int(number)
    return number


@dataclass
class Desk:
    """The desk's state and actions, independent of HTTP (the handler below only translates)."""

    db: Path
    out: Path
    week: str
    editor: str
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    lock: threading.Lock = field(default_factory=threading.Lock)
    notices: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.db, self.out = Path(self.db), Path(self.out)
        self.week = parse_week(self.week).label
        self.editor = " ".join((self.editor or "").split())
        if not self.editor:
            raise DeskError(400, "the desk needs the editor's name (--editor NAME)")

    @property
    def drafts(self) -> Path:
        return self.out / "drafts"

    def _read(self):
        from warehouse.db import connect

        return connect(self.db, read_only=True)

    def review(self) -> dict:
        from warehouse.review import review_context

        with self.lock:
            con = self._read()
            try:
                return review_context(con, self.week)
            finally:
                con.close()

    def page(self, notice: str | None = None, error: str | None = None) -> str:
        from newsletter_templates.review import render_review

        return render_review(self.review(), desk={"csrf": self.token, "editor": self.editor,
                                                   "notice": notice, "error": error})

    def draft_file(self, suffix: str) -> Path | None:
        path = self.drafts / f"tracker-{self.week}{suffix}"
        return path if path.is_file() else None

    def check_token(self, token: str | None) -> None:
        if not token or not hmac.compare_digest(token.encode(), self.token.encode()):
            raise DeskError(403, "This form is out of date or did not come from this desk: reload the page and try again.")

    def decide(self, form: dict[str, str]) -> tuple[str, str | None]:
        """Validate and record one decision, then re-render the draft (and publish an approved
        issue). Returns the editor's notice and the deal it was about (for the page anchor)."""
        self.check_token(form.get("csrf"))
        action = (form.get("action") or "").strip()
        if action not in ACTIONS:
            raise DeskError(400, f"Unknown decision {action!r}: expected one of {', '.join(ACTIONS)}.")
        note = " ".join((form.get("note") or "").split())
        if len(note) > MAX_NOTE:
            raise DeskError(400, f"The note is {len(note)} characters long; keep it under {MAX_NOTE}.")
        review = self.review()
        deals = {deal["deal_id"]: deal for deal in review["deals"]}
        deal_id = (form.get("deal_id") or "").strip() or None
        decision = {"week": self.week, "action": action, "editor": self.editor, "note": note or None}
        if action in ("drop", "keep", "correct"):
            if deal_id is None:
                raise DeskError(400, f"A {action} decision is about one deal: use the form under that deal.")
            if deal_id not in deals:
                raise DeskError(400, f"There is no deal {deal_id!r} in the {self.week} draft: reload the page.")
            decision["deal_id"] = deal_id
        if action == "correct":
            field_name = (form.get("field") or "").strip()
            if field_name not in FIELDS:
                raise DeskError(400, f"Cannot correct {field_name!r}: choose committed money, power or chips.")
            value = parse_amount(field_name, form.get("value") or "")
            decision.update(field=field_name, value=str(int(value)) if float(value).is_integer() else repr(value))
        self._record(decision)
        return self._notice(decision, deals.get(deal_id)), deal_id

    def _record(self, decision: dict) -> None:
        from flows.tasks import render_week
        from flows.weekly import publish_issue
        from warehouse.decisions import record_decisions
        from warehouse.snapshot import working_path, writing

        with self.lock:
            work = working_path(self.db)
            if work.exists():
                raise DeskError(409, f"A pipeline run is writing the warehouse ({work} exists); a decision "
                                "made now would be lost when it publishes. Try again when it has finished "
                                "(if no run is going on, that file is left from a killed run: delete it).")
            with writing(self.db) as con:
                record_decisions(con, [decision], via="review-desk")
            render_week.fn(str(self.db), str(self.drafts), self.week, read_only=True)
            if decision["action"] == "approve":
                issue = render_week.fn(str(self.db), str(self.out / "work" / "issue"), self.week,
                                       read_only=True, for_readers=True)
                publish_issue(issue["files"], str(self.out), issue["archive"])

    def _notice(self, decision: dict, deal: dict | None) -> str:
        action = decision["action"]
        if action == "approve":
            return f"Approved the {self.week} issue: published to {self.out / 'newsletter'}."
        if action == "reject":
            return f"Rejected the {self.week} draft: nothing is published; the draft stays in {self.drafts}."
        name = f"{deal['title']} ({deal['deal_id']})" if deal else decision["deal_id"]
        if action == "drop":
            text = f"Dropped {name} from the {self.week} issue."
        elif action == "keep":
            text = f"Kept {name} in the {self.week} issue."
        else:
            what = FIELDS[decision["field"]][0]
            text = f"Corrected {what} of {name} to {decision['value']}."
        return f"{text} The draft was rendered again."

    def remember(self, notice: str) -> str:
        """Keep a notice for the page the browser is sent to next; returns its key."""
        key = secrets.token_hex(8)
        with self.lock:
            while len(self.notices) >= 64:
                self.notices.pop(next(iter(self.notices)))
            self.notices[key] = notice
        return key

    def recall(self, key: str | None) -> str | None:
        with self.lock:
            return self.notices.pop(key, None) if key else None


class DeskServer(ThreadingHTTPServer):
    """A threading HTTP server on 127.0.0.1 for one Desk."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, desk: Desk, port: int = 0):
        self.desk = desk
        super().__init__(("127.0.0.1", port), DeskHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def allowed_hosts(self) -> set[str]:
        port = self.server_address[1]
        return {f"127.0.0.1:{port}", f"localhost:{port}"}


class DeskHandler(BaseHTTPRequestHandler):
    server: DeskServer
    server_version = "tracker-desk"
    sys_version = ""
    timeout = 30  # a silent client does not hold a worker thread for ever

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - BaseHTTPRequestHandler API
        sys.stderr.write(f"desk: {self.address_string()} {format % args}\n")

    # --- responses -------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", _CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _page(self, status: int = 200, notice: str | None = None, error: str | None = None) -> None:
        body = self.server.desk.page(notice=notice, error=error).encode("utf-8")
        self._send(status, body, "text/html; charset=utf-8")

    def _error(self, status: int, message: str) -> None:
        if status in (400, 403, 409):
            try:
                return self._page(status, error=message)
            except Exception:  # noqa: BLE001 - fall back to a plain answer
                pass
        self._send(status, (message + "\n").encode("utf-8"), "text/plain; charset=utf-8")

    def _host_ok(self) -> bool:
        if self.headers.get("Host", "") in self.server.allowed_hosts():
            return True
        self._send(400, b"Unexpected Host header: open the desk at its 127.0.0.1 address.\n", "text/plain; charset=utf-8")
        return False

    # --- methods -----------------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802 - BaseHTTPRequestHandler API
        if not self._host_ok():
            return
        parts = urlsplit(self.path)
        desk = self.server.desk
        try:
            if parts.path == "/":
                key = parse_qs(parts.query).get("notice", [None])[0]
                return self._page(notice=desk.recall(key))
            if parts.path in _DRAFTS:
                suffix, content_type = _DRAFTS[parts.path]
                path = desk.draft_file(suffix)
                if path is None:
                    return self._send(404, b"No draft rendered for this week yet.\n", "text/plain; charset=utf-8")
                return self._send(200, path.read_bytes(), f"{content_type}; charset=utf-8")
            return self._send(404, b"Not found.\n", "text/plain; charset=utf-8")
        except DeskError as exc:
            return self._error(exc.status, exc.message)

    do_HEAD = do_GET

    def do_POST(self) -> None:  # noqa: N802 - BaseHTTPRequestHandler API
        if not self._host_ok():
            return
        if urlsplit(self.path).path != "/decide":
            return self._send(404, b"Not found.\n", "text/plain; charset=utf-8")
        origin = self.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc not in self.server.allowed_hosts():
            return self._error(403, "This form was sent from another site: decisions are only taken from the desk's own page.")
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
            return self._send(415, b"Send the desk's form (application/x-www-form-urlencoded).\n", "text/plain; charset=utf-8")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return self._send(411, b"Content-Length required.\n", "text/plain; charset=utf-8")
        if not 0 <= length <= MAX_BODY:
            return self._send(413, b"Form too large.\n", "text/plain; charset=utf-8")
        raw = self.rfile.read(length).decode("utf-8", errors="replace")
        try:
            fields = parse_qs(raw, keep_blank_values=True, max_num_fields=20)
        except ValueError:
            return self._send(400, b"Too many form fields.\n", "text/plain; charset=utf-8")
        form = {key: values[-1] for key, values in fields.items()}
        desk = self.server.desk
        try:
            notice, deal_id = desk.decide(form)
        except DeskError as exc:
            return self._error(exc.status, exc.message)
        except ValueError as exc:  # the warehouse's own validation
            return self._error(400, str(exc))
        except Exception as exc:  # noqa: BLE001 - the editor gets a message, the log the details
            self.log_error("decision failed: %r", exc)
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            return self._send(500, f"The decision could not be recorded: {first}\n".encode(), "text/plain; charset=utf-8")
        from newsletter_templates.filters import anchor

        location = f"/?notice={desk.remember(notice)}" + (f"#{anchor(deal_id)}" if deal_id else "")
        self._send(303, b"", "text/plain; charset=utf-8", {"Location": location})


def start_desk(db, out, week: str | None = None, port: int = 0, editor: str = "") -> DeskServer:
    """A desk server bound to 127.0.0.1 (not yet serving: call ``serve_forever``). Without
    ``week``, the latest week with deals. Raises DeskError for a warehouse without deals."""
    if week is None:
        from warehouse.db import connect
        from warehouse.report import latest_week

        con = connect(db, read_only=True)
        try:
            week = latest_week(con)
        finally:
            con.close()
        if week is None:
            raise DeskError(400, f"no deals in {db} yet: run 'tracker run' first")
    import flows.tasks  # noqa: F401 - load Prefect now rather than on the editor's first decision

    return DeskServer(Desk(db=db, out=out, week=week, editor=editor), port)


def run_desk(db, out, week: str | None = None, port: int = 0, editor: str = "") -> int:
    """Serve the desk until interrupted (the `tracker desk` command)."""
    server = start_desk(db, out, week, port, editor)
    desk = server.desk
    print(f"Review desk for week {desk.week}: {server.url}", flush=True)
    print(f"Decisions are recorded as {desk.editor!r} in {desk.db}; press Ctrl-C to stop.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("Review desk stopped.", flush=True)
    finally:
        server.server_close()
    return 0
