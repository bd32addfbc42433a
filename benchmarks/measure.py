"""What every benchmark shares: timing a child process with its peak memory, the machine's
description, and merging figures into ``benchmarks/results/latest.json``.

Peak memory is measured two ways for each child process (the work runs in a child so the
benchmark driver's own memory does not count):

- ``peak_rss_mb``: the largest *sum* of resident set sizes of the child and all its descendants
  (worker processes, the Scrapy subprocess, Prefect's temporary server), sampled from ``/proc``
  every 50 ms (new descendants are looked for every 0.5 s). Pages shared between processes
  (forked workers) are counted in each of them, so this errs on the high side; a spike shorter
  than the sampling interval can be missed.
- ``largest_process_rss_mb``: the kernel's exact peak RSS of the largest single process of the
  tree (``ru_maxrss`` from ``wait4``, which covers the child and the descendants it waited for).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
#: Top-level keys latest.json always carries (numbers), whichever benchmarks ran last.
REQUIRED_KEYS = (
    "extract_words_per_s", "tokenizer_words_per_s", "load_rows_per_s", "read_json_rows_per_s",
    "flow_seconds_10k", "inprocess_seconds_10k", "peak_rss_mb_10k", "peak_rss_mb_100k",
)
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def describe_machine() -> dict:
    """CPU model and count, memory, OS, Python and the versions of the measured libraries."""
    cpu = platform.processor() or platform.machine()
    memory_gib = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = round(int(line.split()[1]) / 2**20, 1)
                break
    except OSError:
        pass
    versions = {}
    for package in ("spacy", "duckdb", "prefect", "scrapy", "jinja2"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    try:
        load = [round(value, 2) for value in os.getloadavg()]
    except OSError:
        load = None
    return {"cpu": cpu, "cpus": os.cpu_count(), "memory_gib": memory_gib, "platform": platform.platform(),
            "python": platform.python_version(), "load_average_at_start": load, **versions}


def merge_results(values: dict, path: Path = RESULTS) -> dict:
    """Merge top-level keys into the results file (read-modify-write, replaced atomically).

    Keys not in `values` are kept, so each benchmark updates only its own figures. Returns the
    merged content.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    current.update(values)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(partial, path)
    return current


def missing_keys(results: dict) -> list[str]:
    """Required keys that are absent or not numbers."""
    return [key for key in REQUIRED_KEYS
            if isinstance(results.get(key), bool) or not isinstance(results.get(key), (int, float))]


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()  # after "pid (comm) "
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def descendants(root: int) -> list[int]:
    """Process `root` and all its descendants, from a scan of /proc."""
    children = _children_map()
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, ()))
    return found


def rss_bytes(pids: list[int]) -> int:
    """Current total RSS of these processes (those gone count 0)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def tree_rss_bytes(root: int) -> int:
    """Current total RSS of process `root` and its descendants (0 once it is gone)."""
    return rss_bytes(descendants(root))


def run_measured(command: list[str], *, env: dict | None = None, cwd: Path = ROOT, timeout: float = 1800,
                 interval: float = 0.05, rescan: float = 0.5) -> dict:
    """Run `command` to its end; return seconds, exit status, stdout, and both peak memories.

    The child's standard output is captured (benchmark children print their figures as one
    JSON line); standard error passes through.
    """
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            # Reading the known processes is cheap; finding new ones scans /proc, so less often.
            nonlocal peak
            pids, scanned = [process.pid], 0.0
            while not done.is_set():
                if time.perf_counter() - scanned >= rescan:
                    pids, scanned = descendants(process.pid), time.perf_counter()
                peak = max(peak, rss_bytes(pids))
                if time.perf_counter() - started > timeout:
                    process.kill()
                done.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        stdout = out.read().decode("utf-8", errors="replace")
    return {
        "seconds": seconds,
        "returncode": process.returncode,
        "stdout": stdout,
        # sampling can miss a short peak; the tree never holds less than its largest process did
        "peak_rss_mb": round(max(peak, usage.ru_maxrss * 1024) / 2**20, 1),
        "largest_process_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
    }


def last_json_line(stdout: str) -> dict:
    """The last line of a child's output that is a JSON object (its figures)."""
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("the benchmark child printed no JSON figures")


def bench_env(prefect_home: str | None = None) -> dict:
    """The environment for benchmark children: quiet Prefect, no telemetry, no progress bars."""
    env = dict(os.environ)
    env.update({"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false",
                "PREFECT_LOGGING_LEVEL": "WARNING", "TRACKER_PROGRESS": "0"})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if prefect_home is not None:
        env["PREFECT_HOME"] = prefect_home
    return env


def python() -> str:
    return sys.executable
