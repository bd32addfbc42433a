"""The review desk over HTTP on 127.0.0.1 (Starlette on uvicorn), against a small hand-built
warehouse: the page, the decisions it records (who, when, via), validation, CSRF, Host and Origin
checks, the writing rule. Its limits (connections, timeouts, the writer lock, signals) are in
test_desk_limits.py."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.week_corpus import WEEK, build_week
from tracker.desk import DeskError, parse_amount, start_desk
from tracker.desk_server import DeskServer
from warehouse.db import connect
from warehouse.snapshot import working_path

REPO = Path(__file__).resolve().parents[2]
HUMAIN, KENYA, RUMOUR = "d-humain000001", "d-kenya0000002", "d-rumour000003"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


@pytest.fixture
def desk(tmp_path):
    """A desk serving week 2025-W21 of the hand-built warehouse, in a thread."""
    db, out = tmp_path / "data" / "tracker.duckdb", tmp_path / "out"
    con = connect(db)
    try:
        build_week(con, tmp_path / "corpus")
    finally:
        con.close()
    with start_desk(db, out, WEEK, port=0, editor="Ana Editor") as server:
        yield server


def get(server: DeskServer, path: str = "", headers: dict | None = None):
    request = urllib.request.Request(server.url + path.lstrip("/"), headers=headers or {})
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode()


def post(server: DeskServer, fields: dict, headers: dict | None = None):
    body = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(server.url + "decide", data=body, method="POST", headers=headers or {})
    try:
        with OPENER.open(request, timeout=60) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode()


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # editor_decisions.decided_at is naive UTC


def token_of(page: str) -> str:
    tokens = set(re.findall(r'name="csrf" value="([^"]+)"', page))
    assert len(tokens) == 1, tokens
    return tokens.pop()


def error_of(page: str) -> str:
    match = re.search(r'<p class="error" role="alert">(.*?)</p>', page)
    return match.group(1) if match else ""


def decisions(server: DeskServer) -> list[tuple]:
    con = duckdb.connect(str(server.desk.db), read_only=True)
    try:
        return con.execute("select action, deal_id, field, value, note, editor, via, decided_at "
                           "from editor_decisions order by decided_at, decision_id").fetchall()
    finally:
        con.close()


def test_the_page_lists_the_weeks_deals_with_forms(desk):
    status, headers, page = get(desk)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    policy = headers["Content-Security-Policy"]
    assert "script-src" not in policy and "default-src 'none'" in policy
    assert headers["X-Frame-Options"] == "DENY" and headers["Cache-Control"] == "no-store"
    assert token_of(page) == desk.desk.token
    for deal_id in (KENYA, RUMOUR, HUMAIN):
        assert f'<input type="hidden" name="deal_id" value="{deal_id}">' in page
    assert "Decisions are recorded as <strong>Ana Editor</strong>" in page
    assert headers["server"] == "tracker-desk"
    status, headers, body = get(desk, "/nowhere")
    assert status == 404 and body == "Not found.\n" and headers["X-Frame-Options"] == "DENY"


def test_a_drop_is_recorded_with_who_and_when_and_the_draft_is_rendered_again(desk):
    token = token_of(get(desk)[2])
    before = utcnow() - timedelta(seconds=1)
    status, headers, _ = post(desk, {"csrf": token, "action": "drop", "deal_id": KENYA, "note": "not a deal yet"})
    assert status == 303 and headers["Location"].startswith("/?notice=") and headers["Location"].endswith(f"#{KENYA}")
    [(action, deal_id, field, value, note, editor, via, at)] = decisions(desk)
    assert (action, deal_id, field, value, note, editor, via) == ("drop", KENYA, None, None, "not a deal yet",
                                                                   "Ana Editor", "review-desk")
    assert before <= at <= utcnow() + timedelta(seconds=1)
    drafts = desk.desk.out / "drafts"
    text = (drafts / f"tracker-{WEEK}.txt").read_text()
    assert "Microsoft, G42 in Kenya" not in text and "Humain, Nvidia in Saudi Arabia" in text
    assert "Dropped from this issue" in (drafts / f"review-{WEEK}.html").read_text()
    # the notice shows once, on the page the browser is sent to
    page = get(desk, headers["Location"])[2]
    assert "Dropped Microsoft, G42 in Kenya (d-kenya0000002) from the 2025-W21 issue." in page
    assert "Dropped Microsoft" not in get(desk, headers["Location"])[2]
    assert status == 303 and not working_path(desk.desk.db).exists()


def test_a_correction_is_validated_stored_and_shown(desk):
    token = token_of(get(desk)[2])
    assert post(desk, {"csrf": token, "action": "correct", "deal_id": HUMAIN, "field": "mw",
                       "value": "6.2 GW"})[0] == 303
    assert post(desk, {"csrf": token, "action": "correct", "deal_id": KENYA, "field": "money_usd",
                       "value": "$1.5 billion"})[0] == 303
    assert [(d[0], d[1], d[2], d[3]) for d in decisions(desk)] == [
        ("correct", HUMAIN, "mw", "6200"), ("correct", KENYA, "money_usd", "1500000000")]
    text = (desk.desk.out / "drafts" / f"tracker-{WEEK}.txt").read_text()
    assert "6,200 MW (6.2 GW)" in text and "US$1.5 billion" in text


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"action": "correct", "deal_id": HUMAIN, "field": "mw", "value": "lots"}, 400,
         "Power capacity in MW: &#39;lots&#39; is not a number; write it like 1200, or 1.2 GW."),
        ({"action": "correct", "deal_id": HUMAIN, "field": "chips", "value": "-5"}, 400, "is not a number"),
        ({"action": "correct", "deal_id": HUMAIN, "field": "mw", "value": "0"}, 400, "must be more than 0"),
        ({"action": "correct", "deal_id": HUMAIN, "field": "title", "value": "x"}, 400, "Cannot correct "
                                                                                        "&#39;title&#39;"),
        ({"action": "drop", "deal_id": "d-nope"}, 400, "There is no deal &#39;d-nope&#39; in the 2025-W21 draft"),
        ({"action": "drop"}, 400, "A drop decision is about one deal"),
        ({"action": "publish-everything"}, 400, "Unknown decision"),
        ({"action": "approve", "note": "x" * 501}, 400, "keep it under 500"),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(desk, fields, status, message):
    token = token_of(get(desk)[2])
    code, _, page = post(desk, {"csrf": token, **fields})
    assert code == status
    assert message in error_of(page)
    assert decisions(desk) == []


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_a_form_without_the_desks_token_is_refused(desk, token):
    fields = {"action": "drop", "deal_id": KENYA} | ({} if token is None else {"csrf": token})
    status, _, page = post(desk, fields)
    assert status == 403 and "did not come from this desk" in error_of(page)
    assert decisions(desk) == []


def test_other_hosts_and_origins_are_refused(desk):
    token = token_of(get(desk)[2])
    assert get(desk, headers={"Host": "evil.example:80"})[0] == 400  # DNS rebinding
    status, _, page = post(desk, {"csrf": token, "action": "drop", "deal_id": KENYA},
                           headers={"Origin": "http://evil.example"})
    assert status == 403 and "from another site" in page
    assert decisions(desk) == []
    port = desk.port
    assert post(desk, {"csrf": token, "action": "drop", "deal_id": KENYA},
                headers={"Origin": f"http://localhost:{port}"})[0] == 303


def test_a_working_file_left_by_a_killed_writer_does_not_block_a_decision(desk):
    token = token_of(get(desk)[2])
    work = working_path(desk.desk.db)
    work.write_bytes(b"half a working copy, its writer killed")
    status, _, page = post(desk, {"csrf": token, "action": "drop", "deal_id": KENYA})
    assert status == 303, error_of(page)
    assert [d[:2] for d in decisions(desk)] == [("drop", KENYA)]


def test_approving_publishes_the_issue(desk):
    token = token_of(get(desk)[2])
    assert post(desk, {"csrf": token, "action": "approve", "note": "good week"})[0] == 303
    assert [(d[0], d[4], d[5]) for d in decisions(desk)] == [("approve", "good week", "Ana Editor")]
    out = desk.desk.out
    issue = (out / "newsletter" / f"tracker-{WEEK}.txt").read_text()
    assert "OpenAI in United Arab Emirates" not in issue  # low confidence, not kept: readers do not see it
    assert (out / "newsletter" / "archive" / "feed.xml").exists()
    assert "Approved by Ana Editor" in get(desk)[2]


def test_the_draft_files_are_served(desk):
    assert get(desk, "/draft.txt")[0] == 404  # nothing rendered yet
    token = token_of(get(desk)[2])
    post(desk, {"csrf": token, "action": "keep", "deal_id": RUMOUR})
    status, headers, body = get(desk, "/draft.txt")
    assert status == 200 and headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "OpenAI in United Arab Emirates" in body
    assert get(desk, "/draft.html")[0] == 200 and get(desk, "/../data/tracker.duckdb")[0] == 404


@pytest.mark.parametrize(("field", "text", "value"), [
    ("money_usd", "15.2 billion", 15.2e9), ("money_usd", "US$ 1,200", 1200.0), ("money_usd", "$2tn", 2e12),
    ("mw", "1,200", 1200.0), ("mw", "1.2 GW", 1200.0), ("chips", "18k", 18000), ("chips", "18,000", 18000)])
def test_amounts_editors_write(field, text, value):
    assert parse_amount(field, text) == value


@pytest.mark.parametrize(("field", "text"), [("mw", "$5"), ("chips", "1.5"), ("money_usd", "1e9"), ("mw", "")])
def test_amounts_that_are_refused(field, text):
    with pytest.raises(DeskError):
        parse_amount(field, text)


def run_tracker(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tracker", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=120)


def test_desk_command_help_and_errors(tmp_path):
    result = run_tracker("desk", "--help")
    assert result.returncode == 0 and "tracker desk" in result.stdout and "--editor" in result.stdout
    for args, problem in ([["--port", "70000"], "invalid port"],
                          [["--db", str(tmp_path / "none.duckdb")], "no warehouse at"],
                          [["--week", "2025-21"], "invalid week"]):
        result = run_tracker("desk", *args)
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert problem in result.stderr


def test_the_command_line_imports_the_desk_only_when_asked():
    code = ("import sys, tracker.cli; "
            "print(sorted(m for m in ('tracker.desk', 'starlette', 'uvicorn') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr
