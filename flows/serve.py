"""Serve the weekly-tracker deployment locally in one command (`make serve`).

Starts a Prefect server on 127.0.0.1 unless PREFECT_API_URL already points at one, then serves
`weekly_tracker` with its cron schedule from this process (no work pool or worker needed). Open
the UI at the printed address to watch runs, read artifacts and answer the editor's review form.
Stop with Ctrl-C.

Environment: TRACKER_CRON (default "0 6 * * 1", Monday 06:00 UTC), TRACKER_SOURCES (a registry
file; default the bundled sample web), TRACKER_DB, TRACKER_OUT, PREFECT_API_URL, PREFECT_HOME.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from common.settings import configure_environment

DEFAULT_CRON = "0 6 * * 1"


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=2):
            return True
    except OSError:
        return False


def start_server(port: int = 4200) -> tuple[subprocess.Popen | None, str]:
    """A local Prefect server, or the one PREFECT_API_URL names."""
    url = os.environ.get("PREFECT_API_URL")
    if url:
        return None, url
    url = f"http://127.0.0.1:{port}/api"
    if _healthy(url):
        return None, url
    home = Path(os.environ.get("PREFECT_HOME", ".prefect"))
    home.mkdir(parents=True, exist_ok=True)
    prefect = str(Path(sys.executable).parent / "prefect")
    with open(home / "server.log", "a") as log:  # the server keeps its own copy of the file
        server = subprocess.Popen([prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                                  stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while not _healthy(url):
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"prefect server did not start; see {home / 'server.log'}")
        time.sleep(0.5)
    return server, url


def main() -> None:
    configure_environment()
    server, url = start_server()
    os.environ["PREFECT_API_URL"] = url
    # Prefect reads its settings once, when first imported: only after they are set above.
    from flows.weekly import weekly_tracker

    sources = os.environ.get("TRACKER_SOURCES")
    parameters = {
        "sample": sources is None,
        "sources": sources,
        "db": os.environ.get("TRACKER_DB", "data/tracker.duckdb"),
        "out": os.environ.get("TRACKER_OUT", "out"),
    }
    print(f"Prefect API: {url}  (UI: {url.removesuffix('/api')})", flush=True)
    try:
        weekly_tracker.serve(name="weekly-tracker", cron=os.environ.get("TRACKER_CRON", DEFAULT_CRON),
                             parameters=parameters, tags=["tracker", "weekly"])
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
