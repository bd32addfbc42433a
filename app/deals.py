"""Build the deal records from the extracted commitments (the weekly flow's deals stage)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

from warehouse.db import connect
from warehouse.deals import update_deals as build_by_rules
from warehouse.resolution import build_deals as build_by_model

log = logging.getLogger("tracker.app")

DEAL_RESOLVERS = ("rules", "model")  # TRACKER_DEAL_RESOLVER: warehouse.deals or warehouse.resolution
DEFAULT_DEAL_RESOLVER = "rules"  # the rules stay the default (docs/architecture.md says why)


def deal_resolver() -> Callable:
    """The build_deals of the resolver TRACKER_DEAL_RESOLVER names (default: DEFAULT_DEAL_RESOLVER)."""
    name = os.environ.get("TRACKER_DEAL_RESOLVER", "").strip() or DEFAULT_DEAL_RESOLVER
    if name not in DEAL_RESOLVERS:
        raise ValueError(f"TRACKER_DEAL_RESOLVER={name!r}: expected one of {', '.join(DEAL_RESOLVERS)}")
    return build_by_model if name == "model" else build_by_rules


def build_deals(db: str, resolver: Callable | None = None,
                logger: logging.Logger | logging.LoggerAdapter = log) -> dict:
    """Bring the deals of the warehouse `db` up to date with `resolver` (a `build_deals(con)`: by
    default the rules of warehouse/deals.py, ``update_deals``: new documents attached to the
    existing deals when the stored state allows, else a full rebuild; the flow passes the one
    TRACKER_DEAL_RESOLVER names). Returns its counts (deals, evidence, mode)."""
    started = time.perf_counter()
    con = connect(db, create=False)
    try:
        counts = (resolver or build_by_rules)(con)
    finally:
        con.close()
    logger.info("deals: %s deals, %s evidence rows in %.1fs", counts["deals"], counts["evidence"],
                time.perf_counter() - started)
    return counts
