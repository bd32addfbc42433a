"""Thin item pipelines: validate, normalise, then dedupe and write JSON Lines at close.

Output (docs/architecture.md), in TRACKER_OUTPUT_DIR:
- documents.jsonl: one line per distinct article, sorted by doc_id;
- crawl_errors.jsonl: one line per failure with its reason, sorted;
- crawl_stats.json: counts for the runner (documents, errors, duplicates, dropped).
The same article reached twice (feed and listing, tracking parameters, an identical syndicated
copy) is written once: see `select_documents` for the rule that picks the copy kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import DropItem, NotConfigured

from spiders.items import ArticleItem, CrawlErrorItem

DOCUMENT_FIELDS = (
    "doc_id", "source_id", "url", "canonical_url", "title", "published", "published_source",
    "text", "content_hash", "fetched_at", "discovered_via", "language",
)
ERROR_FIELDS = ("source_id", "url", "stage", "reason", "at")


def utc_now() -> str:
    """Current time as ISO 8601 UTC with seconds, e.g. 2025-09-16T08:00:00Z."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_doc_id(canonical_url: str) -> str:
    """First 16 hex characters of sha1(canonical_url)."""
    return hashlib.sha1(canonical_url.encode("utf-8")).hexdigest()[:16]


def make_content_hash(text: str) -> str:
    """sha256 of the text with all whitespace runs collapsed to one space."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def select_documents(documents: list[dict]) -> tuple[list[dict], list[dict]]:
    """Split documents into (kept, duplicates), deterministically, whatever the arrival order.

    Two documents are the same article when they share a canonical URL or a content hash.
    The copy kept is the first by: its own canonical page (url == canonical_url), earliest
    published date (dated before undated), discovered via a feed, then source id and URL.
    Kept documents are sorted by doc_id.
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

    kept, duplicates = [], []
    seen_urls: set[str] = set()
    seen_hashes: set[str] = set()
    for doc in sorted(documents, key=rank):
        if doc["canonical_url"] in seen_urls or doc["content_hash"] in seen_hashes:
            duplicates.append(doc)
            continue
        seen_urls.add(doc["canonical_url"])
        seen_hashes.add(doc["content_hash"])
        kept.append(doc)
    kept.sort(key=lambda doc: doc["doc_id"])
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
        return item


class JsonLinesWriterPipeline:
    """Collects items, and at close dedupes and writes the output files atomically."""

    def __init__(self, out_dir: Path, crawler):
        self.out_dir = out_dir
        self.crawler = crawler
        self.documents: list[dict] = []
        self.errors: list[dict] = []
        self.dropped = 0

    @classmethod
    def from_crawler(cls, crawler):
        out_dir = crawler.settings.get("TRACKER_OUTPUT_DIR")
        if not out_dir:
            raise NotConfigured("TRACKER_OUTPUT_DIR is not set")
        pipeline = cls(Path(out_dir), crawler)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        return pipeline

    def open_spider(self):
        self.out_dir.mkdir(parents=True, exist_ok=True)

    def process_item(self, item):
        if isinstance(item, ArticleItem):
            self.documents.append({name: item.get(name) for name in DOCUMENT_FIELDS})
        elif isinstance(item, CrawlErrorItem):
            self.errors.append({name: item.get(name) for name in ERROR_FIELDS})
        return item

    def item_dropped(self, item, response, exception, spider=None):
        if isinstance(item, ArticleItem):
            self.dropped += 1
            self.errors.append(
                {"source_id": item.get("source_id"), "url": item.get("url"), "stage": "article",
                 "reason": " ".join(str(exception).split()), "at": utc_now()}
            )

    def close_spider(self):
        kept, duplicates = select_documents(self.documents)
        errors = sorted(self.errors, key=lambda e: (e["source_id"] or "", e["stage"], e["url"] or "", e["reason"]))
        self._write_lines("documents.jsonl", kept)
        self._write_lines("crawl_errors.jsonl", errors)
        stats = self.crawler.stats
        counts = {
            "documents": len(kept),
            "errors": len(errors),
            "duplicates": len(duplicates),
            "dropped": self.dropped,
            "requests": stats.get_value("downloader/request_count", 0) if stats else 0,
            "by_source": _count_by_source(kept, errors),
        }
        if stats:
            for name in ("documents", "errors", "duplicates"):
                stats.set_value(f"tracker/{name}", counts[name])
        self._write_text("crawl_stats.json", json.dumps(counts, indent=2, sort_keys=True) + "\n")

    def _write_lines(self, name: str, rows: list[dict]):
        self._write_text(name, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))

    def _write_text(self, name: str, text: str):
        tmp = self.out_dir / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.out_dir / name)


def _count_by_source(documents: list[dict], errors: list[dict]) -> dict:
    counts: dict[str, dict[str, int]] = {}
    for key, rows in (("documents", documents), ("errors", errors)):
        for row in rows:
            entry = counts.setdefault(row["source_id"] or "", {"documents": 0, "errors": 0})
            entry[key] += 1
    return dict(sorted(counts.items()))
