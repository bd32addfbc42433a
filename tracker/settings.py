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

#: Documents per extraction batch (a Prefect task, a worker process's unit of work, one load
#: transaction): about 1 s of extraction, so Prefect's ~0.1 s per task run stays small
#: (benchmarks/flow_overhead.py), while a retry stays cheap and a few batches in memory stay small.
EXTRACT_BATCH = 1000


def configure_environment() -> None:
    """Set Prefect's environment defaults before Prefect is imported.

    Keeps Prefect's state inside the project (not the home folder) and turns telemetry off.
    Anything the operator already set wins.
    """
    os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect"))
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_UI_ENABLED", "false")
