"""The crawler's state in the warehouse: export it for a crawl, load back what the crawl learnt.

The crawler (spiders/) never runs SQL. Before a crawl, `export_crawl_state` writes the state
file the crawl reads (setting TRACKER_STATE_FILE, `run_crawl(state_file=...)`); after it,
`load_crawl_state` loads the crawl's ``crawl_state.jsonl`` into ``crawl_feeds`` and
``crawl_articles`` in one transaction (migrations 020 and 021). File formats: spiders/state.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb

from warehouse.db import fetch_dicts, run_sql, transaction

STATE_FORMAT = "tracker-crawl-state/1"  # spiders.state.STATE_FORMAT


def export_crawl_state(con: duckdb.DuckDBPyConnection, path: str | os.PathLike) -> dict:
    """Write the crawl state file (JSON) for the next crawl; returns {"feeds", "articles"} counts."""
    feeds = fetch_dicts(con, "crawl_state_export_feeds")
    articles = fetch_dicts(con, "crawl_state_export_articles")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(
        json.dumps({"format": STATE_FORMAT, "feeds": feeds, "articles": articles}, ensure_ascii=False, sort_keys=True)
        + "\n",
        encoding="utf-8",
    )
    os.replace(tmp, path)
    return {"feeds": len(feeds), "articles": len(articles)}


def load_crawl_state(con: duckdb.DuckDBPyConnection, state_jsonl: str | os.PathLike) -> dict:
    """Load a crawl's crawl_state.jsonl (bulk, one transaction); idempotent.

    A later version of a document fetched because its feed entry was updated is then dated by
    that entry (warehouse/sql/date_document_versions.sql).

    Returns counts of the lines: feeds, feeds_not_modified, stored, duplicates, dropped, failed,
    retryable.
    """
    path = Path(state_jsonl)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    with transaction(con):
        run_sql(con, "crawl_state_stage", {"path": str(path)})
        counts = fetch_dicts(con, "crawl_state_count")[0]
        run_sql(con, "crawl_state_apply_feeds")
        run_sql(con, "crawl_state_apply_articles")
        run_sql(con, "date_document_versions")
    return {key: int(value or 0) for key, value in counts.items()}
