"""The review desk end to end: the sample pipeline's warehouse, `tracker desk` as an editor runs
it, a drop and a correction through real HTTP POSTs, then a full re-run of the pipeline (crawl,
extract, load, deals, render) that must keep the decisions and apply them to the issue."""

from __future__ import annotations

import queue
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def start_desk(db: Path, out: Path, week: str) -> tuple[subprocess.Popen, str]:
    """`tracker desk` in its own process on a free port; returns the process and its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker", "desk", "--db", str(db), "--out", str(out), "--week", week,
         "--port", "0", "--editor", "Rosa Editor"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    try:
        first = lines.get(timeout=120)
    except queue.Empty:
        process.kill()
        raise AssertionError(f"the desk did not start: {process.stderr.read()[-2000:]}") from None
    match = re.search(r"(http://127\.0\.0\.1:\d+/)", first)
    assert match, first
    return process, match.group(1)


def post(url: str, fields: dict) -> tuple[int, str]:
    request = urllib.request.Request(url + "decide", data=urllib.parse.urlencode(fields).encode(), method="POST")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=120) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location") or exc.read().decode()[-500:]


def test_desk_decisions_survive_a_full_rerun_and_change_the_issue(sample_db, tmp_path):
    from flows.weekly import weekly_tracker

    week = sample_db["result"]["week"]
    db, out = tmp_path / "tracker.duckdb", tmp_path / "out"
    shutil.copyfile(sample_db["db"], db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        confident = con.execute(
            "select deal_id, title from weekly_deals where iso_week = ? and confidence >= 0.5 "
            "order by money_usd desc nulls last, mw desc nulls last, deal_id", [week]).fetchall()
    finally:
        con.close()
    assert len(confident) >= 2, confident
    (drop_id, drop_title), (fix_id, fix_title) = confident[0], confident[1]

    desk, url = start_desk(db, out, week)
    try:
        page = urllib.request.urlopen(url, timeout=60).read().decode()
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        assert f'name="deal_id" value="{drop_id}"' in page and f'name="deal_id" value="{fix_id}"' in page
        before = utcnow() - timedelta(seconds=1)
        assert post(url, {"csrf": token, "action": "drop", "deal_id": drop_id})[0] == 303
        assert post(url, {"csrf": token, "action": "correct", "deal_id": fix_id, "field": "mw",
                          "value": "1,234"})[0] == 303
        after = utcnow() + timedelta(seconds=1)
        assert post(url, {"csrf": "forged", "action": "drop", "deal_id": fix_id})[0] == 403
    finally:
        desk.terminate()
        desk.wait(timeout=30)

    def editor_rows() -> list[tuple]:
        con = duckdb.connect(str(db), read_only=True)
        try:
            return con.execute("select action, deal_id, field, value, editor, via, decided_at from editor_decisions "
                               "where via = 'review-desk' order by decided_at").fetchall()
        finally:
            con.close()

    stored = editor_rows()
    assert [row[:6] for row in stored] == [
        ("drop", drop_id, None, None, "Rosa Editor", "review-desk"),
        ("correct", fix_id, "mw", "1234", "Rosa Editor", "review-desk"),
    ]
    assert all(before <= row[6] <= after for row in stored)
    draft = (out / "drafts" / f"tracker-{week}.txt").read_text()
    assert drop_title not in draft and "1,234 MW" in draft

    # A full re-run: crawl the sample web again, extract, load, build deals, render, publish.
    result = weekly_tracker(sample=True, db=str(db), out=str(out), auto_approve=True, week=week)
    assert result["status"] == "approved"
    assert editor_rows() == stored  # the decisions survive the run's working copy and publish
    issue = " ".join((out / "newsletter" / f"tracker-{week}.txt").read_text().split())
    assert drop_title not in issue
    assert fix_title in issue and "1,234 MW" in issue
    html = (out / "newsletter" / f"tracker-{week}.html").read_text()
    assert drop_title not in html and "1,234 MW" in html
    review = (out / "drafts" / f"review-{week}.html").read_text()
    assert "Dropped by Rosa Editor" in review and "(corrected)" in review
