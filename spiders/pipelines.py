"""Thin item pipelines: validate, normalise, then dedupe and write JSON Lines at close.

Output (docs/architecture.md), in TRACKER_OUTPUT_DIR:
- documents.jsonl: one line per distinct article, sorted by doc_id, with `alternate_urls`: the
  other URLs the same story was found under (AMP and mobile editions, redirects, syndicated
  copies);
- crawl_errors.jsonl: one line per failure with its reason and `retryable`, sorted;
- crawl_state.jsonl: what this run learnt for the next one (spiders/state.py);
- crawl_stats.json: counts for the runner (documents, errors, duplicates, dropped).
The same article reached twice (feed and listing, tracking parameters, an identical or a
near-identical syndicated copy) is written once: see `select_documents` for the rule.
"""

from __future__ import annotations

import hashlib
import json
import os
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import DropItem, NotConfigured

from spiders.items import ArticleItem, CrawlErrorItem, FeedStateItem
from spiders.similarity import DEFAULT_THRESHOLD, near_duplicate_pairs
from spiders.state import FEED_FIELDS

DOCUMENT_FIELDS = (
    "doc_id", "source_id", "url", "canonical_url", "title", "published", "published_source",
    "text", "content_hash", "fetched_at", "discovered_via", "language", "alternate_urls",
)
ERROR_FIELDS = ("source_id", "url", "stage", "reason", "at", "retryable")
# Kept with each collected document for the crawl state, not written to documents.jsonl.
_STATE_KEYS = ("request_url", "entry_updated")


def utc_now() -> str:
    """Current time as ISO 8601 UTC with seconds, e.g. 2025-09-16T08:00:00Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_doc_id(canonical_url: str) -> str:
    """First 16 hex characters of sha1(canonical_url)."""
    return hashlib.sha1(canonical_url.encode("utf-8")).hexdigest()[:16]


def make_content_hash(text: str) -> str:
    """sha256 of the text with all whitespace runs collapsed to one space."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def select_documents(
    documents: list[dict], near_threshold: float | None = DEFAULT_THRESHOLD
) -> tuple[list[dict], list[dict]]:
    """Split documents into (kept, duplicates), deterministically, whatever the arrival order.

    Two documents are the same story when they share a canonical URL or a content hash, or
    when their texts are near-duplicates (Jaccard of word 5-grams >= `near_threshold`; None
    turns that off): a syndicated copy with a new headline is the same story, two reports of
    the same deal are not. Stories group transitively. The copy kept is the first by: its own
    canonical page (url == canonical_url), earliest published date (dated before undated),
    discovered via a feed, then source id and URL. Every other URL of the group (and the kept
    copy's fetched URL when it differs from its canonical URL) goes to the kept document's
    `alternate_urls`; each duplicate gets `duplicate_of` (the kept doc_id). Kept documents are
    sorted by doc_id.
    """

    def rank(doc: dict):
        return (
            doc["url"] != doc["canonical_url"],
            doc["published"] is None,
            doc["published"] or "",
            doc["discovered_via"] != "feed",
            doc["source_id"],
            doc["url"],
        )

    ordered = sorted(documents, key=rank)
    parent = list(range(len(ordered)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)  # the better-ranked document is the root

    first: dict[tuple[str, str], int] = {}
    for index, doc in enumerate(ordered):
        for key in (("url", doc["canonical_url"]), ("hash", doc["content_hash"])):
            if key in first:
                union(first[key], index)
            else:
                first[key] = index
    if near_threshold is not None:
        texts = {str(i): doc.get("text") or "" for i, doc in enumerate(ordered)}
        for a, b in near_duplicate_pairs(texts, near_threshold):
            union(int(a), int(b))

    groups: dict[int, list[int]] = {}
    for index in range(len(ordered)):
        groups.setdefault(find(index), []).append(index)
    kept, duplicates = [], []
    for root, members in groups.items():
        best = dict(ordered[root])
        alternates = set(best.get("alternate_urls") or ())
        for index in members:
            doc = ordered[index]
            alternates.update(doc.get("alternate_urls") or ())
            alternates.update((doc["url"], doc["canonical_url"]))
            if index != root:
                duplicates.append({**doc, "duplicate_of": best["doc_id"]})
        best["alternate_urls"] = sorted(alternates - {best["canonical_url"]})
        kept.append(best)
    kept.sort(key=lambda doc: doc["doc_id"])
    duplicates.sort(key=lambda doc: (doc["duplicate_of"], doc["url"]))
    return kept, duplicates


class ValidatePipeline:
    """Drops articles without usable main text; the writer records the reason."""

    def __init__(self, min_words: int):
        self.min_words = min_words

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getint("TRACKER_MIN_WORDS", 20))

    def process_item(self, item):
        if not isinstance(item, ArticleItem):
            return item
        words = len((item.get("text") or "").split())
        if words == 0:
            raise DropItem("no article text found")
        if words < self.min_words:
            raise DropItem(f"article text too short ({words} words < {self.min_words})")
        if item.get("discovered_via") not in ("feed", "listing"):
            raise DropItem(f"unknown discovered_via {item.get('discovered_via')!r}")
        return item


class NormalisePipeline:
    """Unicode NFC, one-line titles and reasons, doc_id and content_hash."""

    def process_item(self, item):
        if isinstance(item, CrawlErrorItem):
            item["reason"] = " ".join(str(item.get("reason", "")).split()) or "unknown error"
            item.setdefault("at", utc_now())
            return item
        if not isinstance(item, ArticleItem):
            return item
        text = unicodedata.normalize("NFC", item["text"])
        item["text"] = "\n".join(line.strip() for line in text.splitlines() if line.strip())
        title = item.get("title")
        item["title"] = " ".join(unicodedata.normalize("NFC", title).split()) if title else None
        item["doc_id"] = make_doc_id(item["canonical_url"])
        item["content_hash"] = make_content_hash(item["text"])
        for field in ("published", "published_source", "language"):
            item.setdefault(field, None)
        item.setdefault("alternate_urls", [])
        return item


class JsonLinesWriterPipeline:
    """Collects items, and at close dedupes and writes the output files atomically."""

    def __init__(self, out_dir: Path, crawler, near_threshold: float | None):
        self.out_dir = out_dir
        self.crawler = crawler
        self.near_threshold = near_threshold
        self.documents: list[dict] = []
        self.errors: list[dict] = []
        self.feeds: list[dict] = []
        self.dropped_state: list[dict] = []
        self.dropped = 0

    @classmethod
    def from_crawler(cls, crawler):
        out_dir = crawler.settings.get("TRACKER_OUTPUT_DIR")
        if not out_dir:
            raise NotConfigured("TRACKER_OUTPUT_DIR is not set")
        threshold = crawler.settings.get("TRACKER_NEAR_DUPLICATE_THRESHOLD", DEFAULT_THRESHOLD)
        threshold = None if threshold in (None, "", "off", 0, "0") else float(threshold)
        pipeline = cls(Path(out_dir), crawler, threshold)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        return pipeline

    def open_spider(self):
        self.out_dir.mkdir(parents=True, exist_ok=True)

    def process_item(self, item):
        if isinstance(item, ArticleItem):
            self.documents.append({name: item.get(name) for name in (*DOCUMENT_FIELDS, *_STATE_KEYS)})
        elif isinstance(item, CrawlErrorItem):
            self.errors.append(dict(item))
        elif isinstance(item, FeedStateItem):
            self.feeds.append({"kind": "feed", **{name: item.get(name) for name in FEED_FIELDS[1:]}})
        return item

    def item_dropped(self, item, response, exception, spider=None):
        if isinstance(item, ArticleItem):
            self.dropped += 1
            reason = " ".join(str(exception).split())
            self.errors.append(
                {"source_id": item.get("source_id"), "url": item.get("url"), "stage": "article",
                 "reason": reason, "at": utc_now(), "retryable": False}
            )
            self.dropped_state.append(_article_state(item, "dropped", reason=reason))

    def close_spider(self):
        kept, duplicates = select_documents(self.documents, self.near_threshold)
        errors = sorted(
            ({name: error.get(name) for name in ERROR_FIELDS} for error in self.errors),
            key=lambda e: (e["source_id"] or "", e["stage"], e["url"] or "", e["reason"]),
        )
        self._write_lines("documents.jsonl", [{name: doc[name] for name in DOCUMENT_FIELDS} for doc in kept])
        self._write_lines("crawl_errors.jsonl", errors)
        self._write_lines("crawl_state.jsonl", self._state_lines(kept, duplicates))
        stats = self.crawler.stats
        counts = {
            "documents": len(kept),
            "errors": len(errors),
            "duplicates": len(duplicates),
            "dropped": self.dropped,
            "retryable_errors": sum(1 for e in errors if e["retryable"]),
            "requests": stats.get_value("downloader/request_count", 0) if stats else 0,
            "feeds_not_modified": stats.get_value("tracker/feeds_not_modified", 0) if stats else 0,
            "articles_unchanged": stats.get_value("tracker/articles_unchanged", 0) if stats else 0,
            "by_source": _count_by_source(kept, errors),
        }
        if stats:
            for name in ("documents", "errors", "duplicates"):
                stats.set_value(f"tracker/{name}", counts[name])
        self._write_text("crawl_stats.json", json.dumps(counts, indent=2, sort_keys=True) + "\n")

    def _state_lines(self, kept: list[dict], duplicates: list[dict]) -> list[dict]:
        """One line per feed fetched and per article requested this run, sorted."""
        articles: dict[str, dict] = {}
        for error in self.errors:
            if (error.get("stage") == "article" and error.get("request_url") and error.get("retryable") is not None
                    and error["request_url"] not in articles):
                articles[error["request_url"]] = _article_state(error, "failed", reason=error["reason"],
                                                                retryable=bool(error["retryable"]))
        for row in self.dropped_state:
            if row["url"]:
                articles[row["url"]] = row
        for doc in duplicates:
            if doc.get("request_url"):
                articles[doc["request_url"]] = _article_state(doc, "duplicate", doc_id=doc["duplicate_of"])
        for doc in kept:
            if doc.get("request_url"):
                articles[doc["request_url"]] = _article_state(doc, "stored", doc_id=doc["doc_id"])
        feeds = {row["url"]: row for row in self.feeds}
        return [feeds[url] for url in sorted(feeds)] + [articles[url] for url in sorted(articles)]

    def _write_lines(self, name: str, rows: list[dict]):
        self._write_text(name, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))

    def _write_text(self, name: str, text: str):
        tmp = self.out_dir / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.out_dir / name)


def _article_state(row, status: str, *, reason: str | None = None, retryable: bool = False,
                   doc_id: str | None = None) -> dict:
    """A crawl_state.jsonl article line (spiders/state.py) from a document, error or item."""
    return {
        "kind": "article",
        "url": row.get("request_url"),
        "source_id": row.get("source_id"),
        "discovered_via": row.get("discovered_via"),
        "entry_updated": row.get("entry_updated"),
        "content_hash": row.get("content_hash") if status in ("stored", "duplicate") else None,
        "doc_id": doc_id,
        "status": status,
        "retryable": retryable,
        "reason": reason,
        "fetched_at": row.get("fetched_at") or row.get("at") or utc_now(),
    }


def _count_by_source(documents: list[dict], errors: list[dict]) -> dict:
    counts: dict[str, dict[str, int]] = {}
    for key, rows in (("documents", documents), ("errors", errors)):
        for row in rows:
            entry = counts.setdefault(row["source_id"] or "", {"documents": 0, "errors": 0})
            entry[key] += 1
    return dict(sorted(counts.items()))
