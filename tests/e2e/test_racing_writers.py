"""Writers racing a real weekly run on one warehouse: each is told who holds it, or waits its turn,
and the run publishes the same rows as a run alone (issue 14, finding 1).

One `tracker run --sample --auto-approve` on a copy of the sample warehouse. As soon as it holds
the writer lock it is paused (SIGSTOP, before its crawl starts), so the race is the same every time:
meanwhile `tracker approve` with a short wait is refused, a second `tracker run` is refused, and
another `tracker approve` that may wait long enough waits. The run is then let go: it publishes,
the waiting approval writes after it, and the run's own review waits for that approval.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from tests.e2e.conftest import REPO, counts
from warehouse.lock import current_holder, lock_path, working_files

pytestmark = pytest.mark.slow

TRACKER = str(REPO / ".venv" / "bin" / "tracker")


def environment(prefect_home: Path | str, lock_timeout: str | None) -> dict[str, str]:
    env = {**os.environ, "PREFECT_HOME": str(prefect_home), "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
    env.pop("TRACKER_LOCK_TIMEOUT", None)
    if lock_timeout is not None:
        env["TRACKER_LOCK_TIMEOUT"] = lock_timeout
    return env


def lock_holder_pid(db: Path) -> int | None:
    try:
        return json.loads(lock_path(db).read_text())["pid"]
    except (OSError, ValueError, KeyError):
        return None


def decisions(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select editor, action, via from editor_decisions order by decided_at").fetchall()
    finally:
        con.close()


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_writers_racing_a_weekly_run_are_told_who_holds_the_warehouse(sample_run, tmp_path):
    db, out = tmp_path / "data" / "tracker.duckdb", tmp_path / "out"
    db.parent.mkdir()
    shutil.copyfile(sample_run["db"], db)  # a published warehouse, as last week's run left it
    week = re.search(r"^Week: (\S+)$", sample_run["stdout"], re.M)[1]
    earlier = decisions(db)
    prefect_home = os.environ["PREFECT_HOME"]
    approve = [TRACKER, "approve", "--week", week, "--db", str(db)]

    logs = {name: tmp_path / f"{name}.log" for name in ("run", "waiting")}
    with open(logs["run"], "w") as log:
        run = subprocess.Popen([TRACKER, "run", "--sample", "--auto-approve", "--db", str(db), "--out", str(out)],
                               cwd=REPO, env=environment(prefect_home, None), stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    waiting = None
    try:
        wait_for(lambda: lock_holder_pid(db) == run.pid or run.poll() is not None, 300, "the run to take the lock")
        os.killpg(run.pid, signal.SIGSTOP)  # the run holds the warehouse, paused before its crawl
        assert run.poll() is None, logs["run"].read_text()[-3000:]
        holder = current_holder(db)
        assert holder is not None and holder.pid == run.pid and holder.what == "a weekly run"
        line = f"{db} is being written by a weekly run (pid {run.pid}, started "

        # an editor approving now, willing to wait 1 s, is told who holds the warehouse
        refused = subprocess.run([*approve, "--editor", "Hasty Editor", "--out", str(tmp_path / "out-hasty")],
                                 cwd=REPO, env=environment(prefect_home, "1"), capture_output=True, text=True,
                                 timeout=300)
        assert refused.returncode != 0 and line in refused.stderr, refused.stderr[-3000:]
        assert "try again when it has published" in refused.stderr

        # a second weekly run on the same warehouse is refused the same way, and publishes nothing
        second = subprocess.run([TRACKER, "run", "--sample", "--auto-approve", "--db", str(db),
                                 "--out", str(tmp_path / "out-second")],
                                cwd=REPO, env=environment(tmp_path / "prefect-second", "1"), capture_output=True,
                                text=True, timeout=600)
        assert second.returncode != 0 and line in second.stderr, second.stdout[-2000:] + second.stderr[-3000:]
        assert not (tmp_path / "out-second" / "newsletter").exists()

        # an editor who can wait: waits for the run to publish, then records the approval
        with open(logs["waiting"], "w") as log:
            waiting = subprocess.Popen([*approve, "--editor", "Patient Editor", "--note", "waited",
                                        "--out", str(tmp_path / "out-patient")],
                                       cwd=REPO, env=environment(prefect_home, "600"), stdout=log,
                                       stderr=subprocess.STDOUT)
        wait_for(lambda: "waiting up to 600 s" in logs["waiting"].read_text() or waiting.poll() is not None, 120,
                 "the patient approval to wait")
        assert waiting.poll() is None, logs["waiting"].read_text()[-3000:]
        assert not (out / "crawl").exists()  # the run was paused before it crawled

        os.killpg(run.pid, signal.SIGCONT)
        assert run.wait(timeout=600) == 0, logs["run"].read_text()[-5000:]
        assert waiting.wait(timeout=300) == 0, logs["waiting"].read_text()[-3000:]
    finally:
        if run.poll() is None:  # a failure above: end the paused run and what it started
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
        if waiting is not None and waiting.poll() is None:
            waiting.kill()
            waiting.wait()

    published = counts(db)
    for table in ("documents", "mentions", "deals"):  # the same rows as a run alone
        assert published[table] == sample_run["second"][table] > 0, (table, published, sample_run["second"])
    new = decisions(db)[len(earlier):]
    assert sorted(new) == [("Patient Editor", "approve", "cli"), ("auto-approve", "approve", "prefect")]
    assert "Hasty Editor" not in {editor for editor, _, _ in decisions(db)}
    assert (out / "newsletter" / f"tracker-{week}.html").exists()
    assert (tmp_path / "out-patient" / "newsletter" / f"tracker-{week}.html").exists()
    assert working_files(db) == [] and current_holder(db) is None and lock_path(db).read_text() == ""
