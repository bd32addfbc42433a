"""Fault injection for resilience tests and drills: make one named stage fail exactly once.

Set `TRACKER_INJECT_FAULT=STAGE:MARKER_FILE`. The first time STAGE runs it creates MARKER_FILE and
raises; later attempts (a retried flow run) find the marker and go on. Unset, this does nothing.
"""

from __future__ import annotations

import os
from pathlib import Path


class InjectedFault(RuntimeError):
    """The failure asked for by TRACKER_INJECT_FAULT."""


def inject_fault(stage: str) -> None:
    spec = os.environ.get("TRACKER_INJECT_FAULT", "")
    name, _, marker = spec.partition(":")
    if name != stage or not marker:
        return
    path = Path(marker)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(stage)
    raise InjectedFault(f"injected fault in {stage} (TRACKER_INJECT_FAULT)")
