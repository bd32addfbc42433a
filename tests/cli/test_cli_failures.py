"""The `tracker` command fails politely: one line on stderr and exit 2, never a traceback; `-o` never
destroys its input or a good earlier output. Every case runs the installed `tracker` script."""

from __future__ import annotations

import fcntl
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TRACKER = Path(sys.executable).with_name("tracker")
GOOD = {"id": "a1", "text": "France pledged €109 billion for AI data centres."}


def tracker(*args: str, cwd: Path = REPO, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    if "stdout" not in kwargs:
        kwargs.setdefault("capture_output", True)
    return subprocess.run([str(TRACKER), *args], cwd=cwd, env=env, timeout=300, **kwargs)


def one_line_error(result: subprocess.CompletedProcess, status: int = 2) -> str:
    stderr = result.stderr.decode() if isinstance(result.stderr, bytes) else result.stderr
    assert result.returncode == status, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("tracker "), lines[0]
    return lines[0]


def jsonl(*records: dict) -> bytes:
    return b"".join(json.dumps(record).encode() + b"\n" for record in records)


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.endswith(".part"))


# --- bad input files ---------------------------------------------------------------------------

def test_input_that_is_not_utf8_names_its_line(tmp_path):
    source = tmp_path / "latin1.jsonl"
    source.write_bytes(jsonl(GOOD) + '{"id": "a2", "text": "Zürich"}\n'.encode("latin-1"))
    line = one_line_error(tracker("extract", str(source)))
    assert "line 2" in line and "not UTF-8" in line


def test_binary_input_is_one_line(tmp_path):
    source = tmp_path / "image.jsonl"
    source.write_bytes(b"\x89PNG\r\n\x1a\n" + random.Random(1).randbytes(4000))
    line = one_line_error(tracker("extract", str(source)))
    assert "line 1" in line and "not UTF-8" in line


@pytest.mark.parametrize("command", ["extract", "eval"])
def test_a_line_over_the_cap_is_refused_before_it_is_read(tmp_path, command):
    source = tmp_path / "huge.jsonl"
    with source.open("wb") as handle:  # 50 MB in one line, as in the report
        handle.write(b'{"id": "x", "text": "')
        for _ in range(50):
            handle.write(b"a" * 1_000_000)
        handle.write(b'"}\n')
    started = time.monotonic()
    line = one_line_error(tracker(command, str(source)))
    assert "line 1" in line and "longer than 16 MiB" in line
    assert time.monotonic() - started < 30
    assert "16 MiB" in tracker(command, "--help", text=True).stdout


def test_debug_shows_the_traceback(tmp_path):
    source = tmp_path / "latin1.jsonl"
    source.write_bytes('{"id": "a2", "text": "Zürich"}\n'.encode("latin-1"))
    result = tracker("--debug", "extract", str(source), text=True)
    assert result.returncode == 2
    assert "Traceback" in result.stderr and "InputError" in result.stderr
    after = tracker("extract", str(source), "--debug", text=True)  # also after the command's name
    assert after.returncode == 2 and "Traceback" in after.stderr


# --- -o: written whole or not at all, never onto the input ----------------------------------------

@pytest.mark.parametrize("how", ["same path", "symlink", "hard link", "standard input"])
def test_output_onto_its_input_is_refused_and_the_input_kept(tmp_path, how):
    source = tmp_path / "in.jsonl"
    content = jsonl(GOOD, {"id": "a2", "text": "Nothing here."})
    source.write_bytes(content)
    stdin = None
    if how == "same path":
        args = ["in.jsonl", "-o", "./in.jsonl"]
    elif how == "symlink":
        (tmp_path / "out.jsonl").symlink_to(source)
        args = [str(source), "-o", str(tmp_path / "out.jsonl")]
    elif how == "hard link":
        os.link(source, tmp_path / "out.jsonl")
        args = [str(tmp_path / "out.jsonl"), "-o", str(source)]
    else:
        stdin = source.open("rb")
        args = ["-", "-o", str(source)]
    try:
        line = one_line_error(tracker("extract", *args, cwd=tmp_path, stdin=stdin))
    finally:
        if stdin:
            stdin.close()
    assert "is the input" in line
    assert source.read_bytes() == content
    assert leftovers(tmp_path) == []


def test_bad_input_leaves_the_earlier_output_untouched(tmp_path):
    results = tmp_path / "results.jsonl"
    results.write_text("earlier results\n")
    source = tmp_path / "in.jsonl"
    source.write_bytes(jsonl(GOOD, {"id": "a2", "text": "ok"}) + b"not json\n")
    line = one_line_error(tracker("extract", str(source), "-o", str(results)))
    assert "line 3" in line
    assert results.read_text() == "earlier results\n"
    assert leftovers(tmp_path) == []


def test_output_is_replaced_whole_on_success(tmp_path):
    results = tmp_path / "results.jsonl"
    results.write_text("earlier results\n")
    results.chmod(0o640)
    source = tmp_path / "in.jsonl"
    source.write_bytes(jsonl(GOOD, {"id": "a2", "text": "Nothing here."}))
    result = tracker("extract", str(source), "-o", str(results), text=True)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["id"] for line in results.read_text().splitlines()] == ["a1", "a2"]
    assert results.stat().st_mode & 0o777 == 0o640
    assert leftovers(tmp_path) == []


# --- a full disk ----------------------------------------------------------------------------------

@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_full_disk_is_one_line(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(jsonl(GOOD))
    line = one_line_error(tracker("extract", str(source), "-o", "/dev/full"))
    assert "No space left on device" in line and "/dev/full" in line
    with open("/dev/full", "wb") as full:
        line = one_line_error(tracker("extract", str(source), stdout=full, stderr=subprocess.PIPE))
    assert "cannot write standard output: No space left on device" in line


@pytest.fixture
def tiny_filesystem(tmp_path):
    """A 64 KiB tmpfs (needs root and mount); skipped where it cannot be had."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                             capture_output=True, text=True) if os.geteuid() == 0 else None
    if mounted is None or mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_filling_the_disk_keeps_the_earlier_output(tmp_path, tiny_filesystem):
    results = tiny_filesystem / "results.jsonl"
    results.write_text("earlier results\n")
    source = tmp_path / "in.jsonl"
    source.write_bytes(jsonl(*({"id": f"d{i}", "text": "France pledged €109 billion."} for i in range(600))))
    line = one_line_error(tracker("extract", str(source), "-o", str(results)))
    assert "No space left on device" in line
    assert results.read_text() == "earlier results\n"
    assert leftovers(tiny_filesystem) == []


# --- the warehouse: not DuckDB, damaged, busy -------------------------------------------------------

DB_COMMANDS = {
    "newsletter": ["newsletter", "--week", "2025-W21", "--out", "{out}"],
    "approve": ["approve", "--week", "2025-W21", "--editor", "Ana", "--out", "{out}"],
    "export": ["export", "--parquet", "{out}/pq"],
    "reextract": ["reextract", "--workers", "0"],
    "desk": ["desk", "--port", "0", "--out", "{out}"],
    "crawl": ["crawl", "--sample", "--out", "{out}"],
    "run": ["run", "--sample", "--out", "{out}"],
}


def db_command(name: str, db: Path, out: Path) -> list[str]:
    return [part.replace("{out}", str(out)) for part in DB_COMMANDS[name]] + ["--db", str(db)]


@pytest.mark.parametrize("command", list(DB_COMMANDS))
def test_a_file_that_is_not_a_warehouse_is_one_line(tmp_path, command):
    db = tmp_path / "notes.duckdb"
    db.write_text("id,text\n1,hello\n")
    line = one_line_error(tracker(*db_command(command, db, tmp_path / "out")))
    assert "is not a DuckDB warehouse file" in line and str(db) in line
    assert db.read_text() == "id,text\n1,hello\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.duckdb"]  # nothing created


def test_an_empty_file_is_not_a_warehouse(tmp_path):
    db = tmp_path / "t.duckdb"
    db.touch()
    assert "is empty" in one_line_error(tracker(*db_command("newsletter", db, tmp_path / "out")))


@pytest.fixture
def damaged_warehouse(tmp_path) -> Path:
    """A real warehouse whose blocks after the headers are overwritten (a bad disk, a torn copy)."""
    from warehouse.db import connect

    db = tmp_path / "t.duckdb"
    connect(db).close()
    data = bytearray(db.read_bytes())
    data[12288:] = random.Random(7).randbytes(len(data) - 12288)
    db.write_bytes(bytes(data))
    return db


@pytest.mark.parametrize("command", ["newsletter", "approve", "export", "reextract"])
def test_a_damaged_warehouse_is_one_line(tmp_path, damaged_warehouse, command):
    line = one_line_error(tracker(*db_command(command, damaged_warehouse, tmp_path / "out")))
    assert "Corrupt database file" in line


def test_a_busy_warehouse_is_one_line(tmp_path):
    from warehouse.db import connect

    db = tmp_path / "t.duckdb"
    connect(db).close()
    lock = tmp_path / "t.duckdb.lock"
    with open(lock, "a+") as handle:  # another writer holds the warehouse (warehouse/lock.py)
        fcntl.flock(handle, fcntl.LOCK_EX)
        env = {**os.environ, "TRACKER_LOCK_TIMEOUT": "1"}
        line = one_line_error(tracker(*db_command("approve", db, tmp_path / "out"), env=env))
    assert str(db) in line and "written" in line


# --- bugs and signals -----------------------------------------------------------------------------

BROKEN = ("import sys, tracker.cli as cli\n"
          "def broken(args):\n    return {}['missing']\n"
          "cli._cmd_sources_check = broken\n"
          "sys.argv = ['tracker', *sys.argv[1:]]\n"
          "sys.exit(cli.main())\n")


def test_a_bug_is_one_line_naming_its_log(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", BROKEN, "sources", "check"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    line = one_line_error(result, status=1)
    assert "unexpected error, KeyError: 'missing'" in line
    logs = list(tmp_path.glob("tracker-sources-check-*.log"))
    assert len(logs) == 1 and str(logs[0]) in line
    assert "Traceback" in logs[0].read_text() and "broken" in logs[0].read_text()
    debug = subprocess.run([sys.executable, "-c", BROKEN, "--debug", "sources", "check"], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=120)
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "KeyError" in debug.stderr


def waits_on_stdin(pid: int) -> bool:
    """True once the process sleeps reading its standard input (a pipe): `extract` is in its loop."""
    wchan = Path(f"/proc/{pid}/wchan").read_text()
    syscall = Path(f"/proc/{pid}/syscall").read_text()
    return "pipe_read" in wchan or (syscall.startswith("0 0x0 ") and os.uname().machine == "x86_64")


def ctrl_c_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("signum, status, words", [(signal.SIGINT, 130, "interrupted"),
                                                    (signal.SIGTERM, 143, "stopped by SIGTERM")])
def test_a_stop_signal_is_quiet(signum, status, words):
    # a shell's background job starts with Ctrl-C ignored, and a child inherits that: a user's
    # terminal does not, so the command starts as from a terminal
    process = subprocess.Popen([str(TRACKER), "extract", "-"], cwd=REPO, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=ctrl_c_default)
    try:
        deadline = time.monotonic() + 60
        while not waits_on_stdin(process.pid):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == status, stderr
    assert "Traceback" not in stderr.decode()
    assert stderr.decode().strip() == f"tracker extract: {words}"
