"""Session-wide test settings: Prefect state in a temporary folder, no telemetry, no network."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Set before anything imports Prefect.
_PREFECT_HOME = Path(tempfile.mkdtemp(prefix="tracker-prefect-"))
os.environ["PREFECT_HOME"] = str(_PREFECT_HOME)
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_UI_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

REPO_ROOT = Path(__file__).resolve().parent.parent
