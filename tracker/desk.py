"""The review desk: a small local web app where an editor checks a week's draft and decides.

`tracker desk [--week W] [--db PATH] [--out DIR] [--port N] [--editor NAME]` serves, on 127.0.0.1
only, the week's review page (newsletter_templates/review.py: every deal with its source sentences
marked up, its confidence, its state and its sources) with a form per deal to drop it, keep it or
correct a figure (committed US dollars, MW, chips), and forms to approve or reject the issue.

This module is what the desk does, independent of HTTP (`Desk`); `tracker/desk_server.py` serves
it with Starlette and uvicorn, with the Host, Origin and CSRF checks, body and connection limits.

Each decision goes where every decision goes (one table, whichever way it arrives):
`warehouse.decisions.record_decisions` stores it in `editor_decisions` with the editor's name, the
time and `via = review-desk`.
The write follows the warehouse's concurrency design, like `tracker approve`: it takes the warehouse's
writer lock and writes on a working copy that is published atomically (`warehouse.snapshot.writing`),
so analysts keep their connections, and reads open the published file read-only for the length of
one request. When another writer (a weekly run, `tracker approve`) holds the lock for longer than
``WRITE_WAIT`` seconds, the decision is refused (409) with a message naming that writer. Then the
week's draft (and the static review page next to it) is rendered again by the same use case the
flow and `tracker approve` call (app.newsletter.approve); an approval also publishes the issue to
OUT/newsletter and its archive. Requests touching the warehouse are serialised in the desk by one lock.
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app.newsletter import REVIEW_WRITERS, approve
from common.weeks import parse_week
from newsletter_templates.review import render_review
from warehouse.db import connect
from warehouse.lock import WarehouseBusy
from warehouse.report import latest_week
from warehouse.review import review_context

if TYPE_CHECKING:
    from tracker.desk_server import DeskServer, Limits

__all__ = ["Desk", "DeskError", "busy_message", "make_desk", "parse_amount", "run_desk", "start_desk"]

#: Longest note stored with a decision.
MAX_NOTE = 500
#: Seconds a decision waits for another writer (a run, `tracker approve`) before it is refused.
WRITE_WAIT = 5.0
#: Who holds the warehouse while the desk records a decision (what another writer is told).
HOLDER = REVIEW_WRITERS["review-desk"]
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


class DeskError(Exception):
    """A request the desk refuses, with the HTTP status and a message for the editor."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def busy_message(busy: Exception) -> str:
    """What the editor reads when another writer holds the warehouse: who, and to try again."""
    who = str(busy).strip().rstrip(".")
    if "try again" not in who.lower():
        who += "; try again when it has finished"
    return f"Your decision was not recorded (nothing was changed): {who}."


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
    write_wait: float = WRITE_WAIT

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
        return connect(self.db, read_only=True)

    def review(self) -> dict:
        with self.lock:
            con = self._read()
            try:
                return review_context(con, self.week)
            finally:
                con.close()

    def page(self, notice: str | None = None, error: str | None = None) -> str:
        return render_review(self.review(), desk={"csrf": self.token, "editor": self.editor,
                                                   "notice": notice, "error": error})

    def draft_file(self, suffix: str) -> Path | None:
        path = self.drafts / f"tracker-{self.week}{suffix}"
        return path if path.is_file() else None

    def check_token(self, token: str | None) -> None:
        if not token or not hmac.compare_digest(token.encode(), self.token.encode()):
            raise DeskError(
                403, "This form is out of date or did not come from this desk: reload the page and try again."
            )

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
        with self.lock:
            try:
                approve(str(self.db), str(self.out), self.week, [decision], via="review-desk",
                        timeout=self.write_wait)
            except WarehouseBusy as busy:
                raise DeskError(409, busy_message(busy)) from None

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


def make_desk(db, out, week: str | None = None, port: int = 0, editor: str = "",
              limits: Limits | None = None) -> DeskServer:
    """A desk server bound to 127.0.0.1 (not yet serving). Without ``week``, the latest week with
    deals. Raises DeskError for a warehouse without deals, OSError when the port is taken."""
    if week is None:
        con = connect(db, read_only=True)
        try:
            week = latest_week(con)
        finally:
            con.close()
        if week is None:
            raise DeskError(400, f"no deals in {db} yet: run 'tracker run' first")
    desk = Desk(db=db, out=out, week=week, editor=editor)
    from tracker.desk_server import DeskServer  # it imports this module: here, after both are defined

    return DeskServer(desk, port, limits)


def start_desk(db, out, week: str | None = None, port: int = 0, editor: str = "",
               limits: Limits | None = None) -> DeskServer:
    """The desk serving in a background thread (``.url``; ``.stop()`` or ``with`` to end it)."""
    return make_desk(db, out, week, port, editor, limits).start()


def run_desk(db, out, week: str | None = None, port: int = 0, editor: str = "") -> int:
    """Serve the desk until Ctrl-C or SIGTERM (the `tracker desk` command); 0 after a clean stop."""
    server = make_desk(db, out, week, port, editor)
    desk = server.desk
    print(f"Review desk for week {desk.week}: {server.url}", flush=True)
    print(f"Decisions are recorded as {desk.editor!r} in {desk.db}; press Ctrl-C to stop.", flush=True)
    with suppress(KeyboardInterrupt):  # Ctrl-C in the instant before uvicorn took the signals over
        server.serve()
    print("Review desk stopped.", flush=True)
    return 0
