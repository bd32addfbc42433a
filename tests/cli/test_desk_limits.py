"""The review desk's limits, over real sockets on 127.0.0.1: a flood of idle connections, a slow
loris, oversized and malformed requests, another writer holding the warehouse, a working file left
by a killed writer, and a graceful stop on SIGINT / SIGTERM of `tracker desk`."""

from __future__ import annotations

import hashlib
import http.client
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.week_corpus import WEEK, build_week
from tracker.desk import start_desk
from tracker.desk_server import Limits
from warehouse.db import connect

REPO = Path(__file__).resolve().parents[2]
KENYA = "d-kenya0000002"
#: Limits with short timeouts, so the tests see them act within a second or two.
QUICK = Limits(max_connections=16, request_timeout=1.0, keep_alive=1, max_head=4096)


@pytest.fixture
def warehouse(tmp_path) -> Path:
    db = tmp_path / "data" / "tracker.duckdb"
    con = connect(db)
    try:
        build_week(con, tmp_path / "corpus")
    finally:
        con.close()
    return db


@pytest.fixture
def desk(warehouse, tmp_path):
    with start_desk(warehouse, tmp_path / "out", WEEK, editor="Ana Editor") as server:
        yield server


@pytest.fixture
def quick_desk(warehouse, tmp_path):
    with start_desk(warehouse, tmp_path / "out", WEEK, editor="Ana Editor", limits=QUICK) as server:
        yield server


def request(server, method: str = "GET", path: str = "/", body: bytes | None = None,
            headers: dict | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def token_of(server) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', request(server)[1]).group(1)


def decide(server, fields: dict) -> tuple[int, str]:
    return request(server, "POST", "/decide", urllib.parse.urlencode(fields).encode(),
                   {"Content-Type": "application/x-www-form-urlencoded"})


def stored(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select action, deal_id, editor, via from editor_decisions").fetchall()
    finally:
        con.close()


def closed_within(sock: socket.socket, seconds: float, trickle: bytes | None = None) -> tuple[bool, bytes]:
    """Whether the server closes the socket within `seconds` (sending `trickle` every 0.2 s
    meanwhile); returns that and what the server sent."""
    sock.settimeout(0.2)
    received, deadline = b"", time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if trickle:
                sock.sendall(trickle)
            chunk = sock.recv(4096)
            if not chunk:
                return True, received
            received += chunk
        except TimeoutError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            return True, received
    return False, received


def test_400_idle_connections_do_not_delay_an_editors_request(desk):
    idle = [socket.create_connection(("127.0.0.1", desk.port), timeout=5) for _ in range(400)]
    try:
        started = time.monotonic()
        status, page = request(desk)
        elapsed = time.monotonic() - started
        assert status == 200 and 'name="csrf"' in page
        assert elapsed < 2.0, f"the page took {elapsed:.1f} s behind 400 idle connections"
        # the cap: the desk closed the oldest idle connections, and keeps at most max_connections
        time.sleep(0.2)
        still_open = 0
        for sock in idle:
            sock.setblocking(False)
            try:
                still_open += sock.recv(1) != b""
            except BlockingIOError:
                still_open += 1
            except ConnectionResetError:
                pass
        assert still_open <= desk.limits.max_connections
    finally:
        for sock in idle:
            sock.close()


def test_a_slow_loris_is_cut_by_the_request_timeout(quick_desk):
    with socket.create_connection(("127.0.0.1", quick_desk.port), timeout=5) as sock:
        sock.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{quick_desk.port}\r\n".encode())
        started = time.monotonic()
        closed, answer = closed_within(sock, 5, trickle=b"X-Slow: a\r\n")
        assert closed and time.monotonic() - started < 2.5
        assert answer.startswith(b"HTTP/1.1 408 ")
    with socket.create_connection(("127.0.0.1", quick_desk.port), timeout=5) as sock:  # says nothing
        assert closed_within(sock, 3)[0]
    # a form trickled after its headers is cut too, and nothing is recorded
    with socket.create_connection(("127.0.0.1", quick_desk.port), timeout=5) as sock:
        sock.sendall(f"POST /decide HTTP/1.1\r\nHost: 127.0.0.1:{quick_desk.port}\r\nContent-Type: "
                     "application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\n".encode())
        assert closed_within(sock, 3, trickle=b"a")[0]
    assert stored(quick_desk.desk.db) == []
    assert request(quick_desk)[0] == 200  # the desk still answers


def test_a_kept_alive_connection_serves_several_requests_then_idles_out(quick_desk):
    connection = http.client.HTTPConnection("127.0.0.1", quick_desk.port, timeout=10)
    try:
        for _ in range(3):
            connection.request("GET", "/draft.txt")
            response = connection.getresponse()
            assert response.status == 404 and response.read() == b"No draft rendered for this week yet.\n"
        assert closed_within(connection.sock, 3)[0]  # keep_alive = 1 s
    finally:
        connection.close()


def test_an_oversized_request_head_is_refused(quick_desk):
    status, text = request(quick_desk, headers={"X-Big": "x" * 8000})
    assert status == 431 and "Request headers too large" in text
    with socket.create_connection(("127.0.0.1", quick_desk.port), timeout=5) as sock:  # still arriving
        sock.sendall(b"GET / HTTP/1.1\r\nX-Big: " + b"x" * 8000)
        closed, answer = closed_within(sock, 3)
        assert closed and answer.startswith(b"HTTP/1.1 400 ")


@pytest.mark.parametrize(("headers", "body", "status", "message"), [
    ({"Content-Type": "application/x-www-form-urlencoded"}, b"a=" + b"x" * 20_000, 413, "Form too large."),
    ({"Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked"}, None, 411,
     "Content-Length required."),
    ({"Content-Type": "application/json"}, b"{}", 415, "Send the desk's form"),
    ({"Content-Type": "application/x-www-form-urlencoded"}, "&".join(f"f{i}=1" for i in range(30)).encode(), 400,
     "Too many form fields."),
    ({"Content-Type": "application/x-www-form-urlencoded", "Host": "evil.example"}, b"a=1", 400,
     "Unexpected Host header"),
])
def test_bad_posts_are_refused_and_store_nothing(desk, headers, body, status, message):
    if body is None:  # a chunked body: http.client sends it when given an iterable without a length
        body = iter([b"csrf=x&action=approve"])
    code, text = request(desk, "POST", "/decide", body, headers)
    assert code == status and message in text
    assert stored(desk.desk.db) == []


def test_other_methods_and_paths(desk):
    assert request(desk, "POST", "/")[0] == 405
    assert request(desk, "GET", "/decide")[0] == 405
    assert request(desk, "HEAD", "/") == (200, "")
    assert request(desk, "GET", "/../data/tracker.duckdb")[0] == 404


HOLD = """
import sys
from warehouse.snapshot import writing
with writing(sys.argv[1], holder="a weekly run (test)", timeout=10):
    print("holding", flush=True)
    sys.stdin.read()
"""


def test_a_decision_while_another_writer_holds_the_warehouse_gets_409_naming_it(desk):
    db = desk.desk.db
    token = token_of(desk)
    desk.desk.write_wait = 0.5
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], cwd=REPO, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding", holder.stderr.read()
        status, page = decide(desk, {"csrf": token, "action": "drop", "deal_id": KENYA})
        assert status == 409
        error = re.search(r'<p class="error" role="alert">(.*?)</p>', page).group(1)
        assert "a weekly run (test)" in error and "try again" in error and "not recorded" in error
        assert hashlib.sha256(db.read_bytes()).hexdigest() == before and stored(db) == []
    finally:
        holder.communicate("", timeout=60)
    assert holder.returncode == 0
    assert decide(desk, {"csrf": token, "action": "drop", "deal_id": KENYA})[0] == 303
    assert stored(db) == [("drop", KENYA, "Ana Editor", "review-desk")]


def test_a_writer_killed_mid_write_does_not_block_a_decision(desk):
    db = desk.desk.db
    token = token_of(desk)
    writer = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], cwd=REPO, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "holding", writer.stderr.read()
        left = [path.name for path in db.parent.iterdir() if ".work" in path.name]
        assert left, "the writer has a working file"
    finally:
        writer.kill()
        writer.communicate(timeout=60)
    assert all((db.parent / name).exists() for name in left)  # kill -9 leaves its working file
    status, page = decide(desk, {"csrf": token, "action": "drop", "deal_id": KENYA})
    assert status == 303, page[-2000:]
    assert stored(db) == [("drop", KENYA, "Ana Editor", "review-desk")]
    assert not [path.name for path in db.parent.iterdir() if ".work" in path.name]


def run_desk_process(db: Path, out: Path) -> tuple[subprocess.Popen, str, queue.Queue]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker", "desk", "--db", str(db), "--out", str(out), "--week", WEEK,
         "--port", "0", "--editor", "Ana Editor"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    try:
        first = lines.get(timeout=120)
    except queue.Empty:
        process.kill()
        raise AssertionError(f"the desk did not start: {process.stderr.read()[-2000:]}") from None
    return process, re.search(r"(http://127\.0\.0\.1:\d+/)", first).group(1), lines


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_desk_command_stops_gracefully_on_a_signal(warehouse, tmp_path, sig):
    process, url, lines = run_desk_process(warehouse, tmp_path / "out")
    try:
        assert urllib.request.urlopen(url, timeout=30).status == 200
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5):  # an idle connection does not hold the stop
            process.send_signal(sig)
            started = time.monotonic()
            assert process.wait(timeout=20) == 0
            assert time.monotonic() - started < 5
    finally:
        if process.poll() is None:
            process.kill()
    output = "".join(iter(lambda: lines.get(timeout=5), "Review desk stopped.\n")) + "Review desk stopped.\n"
    assert "Review desk stopped." in output
    assert "Traceback" not in process.stderr.read()
