"""Defaults for the command line and the flow. Paths come from flags or the environment."""

from __future__ import annotations

import os
from pathlib import Path

#: The repository (or installed package) root: where `scrapy.cfg`, `sample/` and `prefect.yaml` live.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: The DuckDB file analysts open (override with --db or TRACKER_DB).
DEFAULT_DB = os.environ.get("TRACKER_DB", "data/tracker.duckdb")

#: Where newsletters and crawl files are written (override with --out or TRACKER_OUT).
DEFAULT_OUT = os.environ.get("TRACKER_OUT", "out")

#: The production sources registry: the default outside --sample.
DEFAULT_SOURCES = PROJECT_ROOT / "spiders" / "sources.toml"

#: The bundled sample web and its registry (URLs use the __BASE__ placeholder).
SAMPLE_SITE = PROJECT_ROOT / "sample" / "site"
#: Earlier states of the sample web (sample/editions.toml), replayed before the current site.
SAMPLE_EDITIONS = PROJECT_ROOT / "sample" / "editions"
SAMPLE_SOURCES = PROJECT_ROOT / "sample" / "sources.toml"

#: Longest input line `tracker extract` and `tracker eval` accept: a document the crawler keeps comes
#: from a page of at most 10 MiB (spiders/settings.py), so a longer line is not a document of ours
#: and is refused before it is read whole (a 50 MB line would otherwise be held and parsed).
MAX_INPUT_LINE_BYTES = 16 * 1024 * 1024

#: Seconds Prefect's temporary server may take to answer (Prefect's own default is 20 s: a fresh
#: server migrating its database on a loaded 2-core machine took longer).
PREFECT_STARTUP_SECONDS = 180

#: Documents per extraction batch (a Prefect task, a worker process's unit of work, one load
#: transaction): about 1 s of extraction, so Prefect's ~0.1 s per task run stays small
#: (benchmarks/flow_overhead.py), while a retry stays cheap and a few batches in memory stay small.
EXTRACT_BATCH = 1000


def configure_environment() -> None:
    """Set Prefect's environment defaults before Prefect is imported.

    Prefect reads its settings from the environment once, when it is first imported, and the
    environment wins over profiles and prefect.toml. So the command itself, not only the Makefile,
    sets what a run needs: Prefect's state inside the project (not the home folder), telemetry off,
    and time for the temporary server to start on a busy machine. `make run` and a direct
    `.venv/bin/tracker run` therefore behave the same. Anything the operator already set wins.
    """
    os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect"))
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_UI_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", str(PREFECT_STARTUP_SECONDS))
