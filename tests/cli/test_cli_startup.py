"""`tracker crawl` starts on a loaded machine with no Prefect setting given by hand, and a killed
`tracker` leaves no Prefect server behind. Each case runs the installed `tracker` script with its
own Prefect home, warehouse and output folder."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TRACKER = Path(sys.executable).with_name("tracker")
#: What Prefect's temporary server runs (prefect/server/api/server.py)
SERVER_APP = "prefect.server.api.server:create_app"


def environment(tmp_path: Path) -> dict[str, str]:
    """The test session's environment less any Prefect start-up limit: as a user's shell has it."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "PREFECT_API_URL"}}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")  # a first run: the server creates its database
    env["TRACKER_PROGRESS"] = "0"
    return env


def crawl(tmp_path: Path, **kwargs) -> subprocess.Popen:
    command = [str(TRACKER), "crawl", "--sample", "--db", str(tmp_path / "t.duckdb"), "--out", str(tmp_path / "out")]
    return subprocess.Popen(command, cwd=tmp_path, env=environment(tmp_path), **kwargs)


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for_server(process: subprocess.Popen, timeout: float = 120) -> int:
    """The pid of the Prefect server child of `process`, once it exists."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "tracker ended before starting Prefect's server"
        for child in children(process.pid):
            if SERVER_APP in command_line(child):
                return child
        time.sleep(0.1)
    raise AssertionError("no Prefect server child appeared")


def wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def end_all(pids: list[int]) -> None:
    """Kill what a test started and may have left (by pid, only those)."""
    for pid in pids:
        if alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_crawl_starts_on_a_loaded_machine_without_settings(tmp_path):
    """Two CPU burners on two cores while Prefect's server starts (and migrates a new database):
    Prefect's own 20 s limit fails here; the command's default does not. Once the flow has begun
    the start-up is over, so the burners stop and the crawl finishes at normal speed."""
    stderr_file = tmp_path / "stderr.txt"
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        with stderr_file.open("w") as stderr:
            process = crawl(tmp_path, stdout=subprocess.PIPE, stderr=stderr, text=True)
        deadline = time.monotonic() + 300
        while process.poll() is None and "Beginning flow run" not in stderr_file.read_text():
            assert time.monotonic() < deadline, "the flow did not begin"
            time.sleep(0.2)
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    stdout, _ = process.communicate(timeout=300)
    text = stderr_file.read_text()
    assert process.returncode == 0, text[-3000:]
    assert "Timed out" not in text
    summary = json.loads(stdout.splitlines()[0])
    assert summary["crawl"]["documents"] == 48 and summary["documents"]["new"] == 48
    assert (tmp_path / "t.duckdb").is_file()


def test_kill_9_takes_the_server_with_it(tmp_path):
    process = crawl(tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started: list[int] = []
    try:
        server = wait_for_server(process)
        started = children(process.pid)
        process.kill()
        process.wait()
        assert wait_gone(server, 10), f"Prefect's server {server} outlived its killed tracker"
    finally:
        process.kill()
        process.wait()
        end_all(started)


def test_sigterm_ends_the_command_and_its_server(tmp_path):
    stderr_file = tmp_path / "stderr.txt"
    with stderr_file.open("w") as stderr:
        process = crawl(tmp_path, stdout=subprocess.DEVNULL, stderr=stderr)
    started: list[int] = []
    try:
        server = wait_for_server(process)
        started = children(process.pid)
        process.send_signal(signal.SIGTERM)
        status = process.wait(timeout=60)
        assert wait_gone(server, 10), f"Prefect's server {server} outlived its stopped tracker"
    finally:
        process.kill()
        process.wait()
        end_all(started)
    text = stderr_file.read_text()
    assert status == 143, text
    assert "Traceback" not in text
    assert "tracker crawl: stopped by SIGTERM" in text
    assert not list(tmp_path.glob("t.duckdb.work*"))
