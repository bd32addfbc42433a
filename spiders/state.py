"""Crawl state: what earlier runs fetched, so a run downloads only what is new or changed.

The state lives in the warehouse (tables `crawl_feeds` and `crawl_articles`); the crawler never
touches SQL. The exchange is two files:

- in: a JSON file (setting TRACKER_STATE_FILE) written by `warehouse.crawl_state.export_crawl_state`::

    {"format": "tracker-crawl-state/1",
     "feeds": [{"url", "source_id", "etag", "last_modified", "checked_at"}],
     "articles": [{"url", "source_id", "discovered_via", "entry_updated", "content_hash",
                   "status", "retryable", "reason", "fetched_at"}]}

- out: ``out_dir/crawl_state.jsonl``, one line per feed or article this run touched
  (`STATE_FIELDS`), loaded back by `warehouse.crawl_state.load_crawl_state`.

Article `url` is the request URL (the feed or listing link, canonicalised): the key the next run
meets again. `entry_updated` is the feed entry's updated (else published) time, ISO 8601 UTC.
`status` is "stored" (a document was written), "duplicate" (fetched, same story as another
document), "dropped" (fetched, no usable article) or "failed" (not fetched; `retryable` says
whether the next run should try again).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

STATE_FORMAT = "tracker-crawl-state/1"
FEED_FIELDS = ("kind", "url", "source_id", "etag", "last_modified", "http_status", "checked_at")
ARTICLE_FIELDS = (
    "kind", "url", "source_id", "discovered_via", "entry_updated", "content_hash", "doc_id",
    "status", "retryable", "reason", "fetched_at",
)
ARTICLE_STATUSES = ("stored", "duplicate", "dropped", "failed")


class StateError(ValueError):
    """A state file that cannot be used; the message is one line."""


@dataclass
class CrawlState:
    """What the previous runs know: feed validators and article URLs."""

    feeds: dict[str, dict] = field(default_factory=dict)
    articles: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None) -> CrawlState:
        """Read a state file; None (no state) gives an empty state."""
        if not path:
            return cls()
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StateError(f"{path}: no such state file") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise StateError(f"{path}: unreadable state file: {' '.join(str(exc).split())}") from None
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise StateError(f"{path}: not a crawl state file (expected format {STATE_FORMAT!r})")
        feeds = {row["url"]: row for row in data.get("feeds") or [] if isinstance(row, dict) and row.get("url")}
        articles = {row["url"]: row for row in data.get("articles") or [] if isinstance(row, dict) and row.get("url")}
        return cls(feeds=feeds, articles=articles)

    def conditional_headers(self, feed_url: str) -> dict[str, str]:
        """If-None-Match / If-Modified-Since for a feed fetched before."""
        known = self.feeds.get(feed_url) or {}
        headers = {}
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
        return headers

    def fetch_decision(self, url: str, entry_updated: str | None) -> str | None:
        """Why the article should be fetched ("new", "updated", "retry"), or None to skip it.

        A known URL is fetched again only when its feed entry says it changed (updated later
        than what was stored) or when the last attempt failed in a way worth retrying.
        """
        known = self.articles.get(url)
        if known is None:
            return "new"
        stored = known.get("entry_updated")
        if entry_updated and (not stored or entry_updated > stored):
            return "updated"
        if known.get("status") == "failed" and known.get("retryable"):
            return "retry"
        return None

    def retries(self, source_ids: set[str]) -> list[dict]:
        """Articles whose last attempt failed and is worth retrying, for sources still listed."""
        return sorted(
            (row for row in self.articles.values()
             if row.get("status") == "failed" and row.get("retryable") and row.get("source_id") in source_ids),
            key=lambda row: (row["source_id"], row["url"]),
        )


def merge_state_lines(state_json: str | Path | None, state_jsonl: str | Path, out: str | Path) -> Path:
    """Apply a run's crawl_state.jsonl to a state file without the warehouse (tests, ad-hoc runs).

    The warehouse path (`warehouse.crawl_state`) is the one the flow uses; this gives the same
    result for a single file so the crawler can be run incrementally on its own.
    """
    state = CrawlState.load(state_json) if state_json else CrawlState()
    for line in Path(state_jsonl).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        kind = row.pop("kind", None)
        if kind == "feed":
            if row.get("http_status") == 304:  # not modified: keep the validators we had
                continue
            state.feeds[row["url"]] = row
        elif kind == "article":
            previous = state.articles.get(row["url"])
            if row.get("status") == "failed" and previous and previous.get("status") != "failed":
                continue  # a failed refetch keeps what was stored before
            state.articles[row["url"]] = row
    out = Path(out)
    out.write_text(
        json.dumps(
            {"format": STATE_FORMAT, "feeds": sorted(state.feeds.values(), key=lambda r: r["url"]),
             "articles": sorted(state.articles.values(), key=lambda r: r["url"])},
            indent=1, sort_keys=True,
        ) + "\n",
        encoding="utf-8",
    )
    return out
