"""The committed prefect.yaml against a real local Prefect server: deploy, schedule, worker run.

This is what an operator does (README, "Running on a schedule"): start `prefect server`, create the
`tracker` work pool, `prefect deploy --all`, start a worker in the repository and trigger a run.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).parent / "prefect")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api(url: str, path: str, body: dict | None = None):
    request = urllib.request.Request(
        url + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    for attempt in range(5):
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            # the server answers 503 while its SQLite database is busy (a loaded machine): retry
            if error.code != 503 or attempt == 4:
                raise
            time.sleep(2 * (attempt + 1))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = dict(os.environ, PREFECT_HOME=str(home), PREFECT_API_URL=url, PREFECT_SERVER_ANALYTICS_ENABLED="false",
               DO_NOT_TRACK="1", PREFECT_UI_ENABLED="false", PREFECT_SERVER_API_HOST="127.0.0.1",
               PREFECT_SERVER_API_PORT=str(port))
    env.pop("PREFECT_API_KEY", None)
    with open(home / "server.log", "w") as log:  # the server keeps its own copy of the file
        proc = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            api(url, "/health")
            break
        except OSError:
            time.sleep(0.5)
    else:
        os.killpg(proc.pid, signal.SIGTERM)
        pytest.fail("prefect server did not start: " + (home / "server.log").read_text()[-2000:])
    yield {"url": url, "env": env, "home": home}
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def prefect(server, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    result = subprocess.run([PREFECT, *args], env=server["env"], cwd=REPO, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_deploy_schedule_and_worker_run_on_the_sample(server, tmp_path):
    prefect(server, "work-pool", "create", "tracker", "--type", "process")
    prefect(server, "--no-prompt", "deploy", "--all")

    deployments = api(server["url"], "/deployments/filter", {})
    deployment = next(d for d in deployments if d["name"] == "weekly-tracker")
    assert deployment["entrypoint"] == "flows/weekly.py:weekly_tracker"
    assert deployment["work_pool_name"] == "tracker"
    crons = [s["schedule"].get("cron") for s in deployment["schedules"]]
    assert crons == ["0 6 * * 1"]
    assert deployment["schedules"][0]["schedule"]["timezone"] == "UTC"
    assert deployment["parameters"]["sample"] is True

    db, out = tmp_path / "tracker.duckdb", tmp_path / "out"
    run = api(server["url"], f"/deployments/{deployment['id']}/create_flow_run",
              {"parameters": {"db": str(db), "out": str(out), "auto_approve": True}})
    worker = subprocess.Popen([PREFECT, "worker", "start", "--pool", "tracker", "--run-once"], env=server["env"],
                              cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = worker.communicate(timeout=600)
    finally:
        if worker.poll() is None:
            worker.kill()
    state = api(server["url"], f"/flow_runs/{run['id']}")["state"]
    assert state["type"] == "COMPLETED", output[-4000:]
    assert (out / "newsletter").is_dir() and any((out / "newsletter").glob("tracker-*.html"))
    assert db.exists()
