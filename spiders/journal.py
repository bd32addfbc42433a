"""The crawl journal: every item as it is scraped, so a crawl killed mid-way loses nothing fetched.

Why: the writer (spiders/pipelines.py) dedupes and writes documents.jsonl only when the spider
closes. A crawl that is stopped gracefully (time limit, first SIGTERM/SIGINT) gets there; one that
is killed (a second signal, the hard time limit, the out-of-memory killer) does not. The journal
pipeline appends each article, failure, feed check and dropped page to `crawl_journal.jsonl` as
one flushed line; `replay_journal` rebuilds the crawl's output files from it with the writer's own
rules. A partial last line (the kill landed mid-write) is skipped.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from scrapy import signals
from scrapy.exceptions import NotConfigured

from spiders.items import ArticleItem, CrawlErrorItem, FeedStateItem
from spiders.similarity import DEFAULT_THRESHOLD

JOURNAL = "crawl_journal.jsonl"
_KINDS = {"article": ArticleItem, "error": CrawlErrorItem, "feed": FeedStateItem}


class JournalPipeline:
    """Appends every item (after validation and normalisation) to crawl_journal.jsonl."""

    def __init__(self, path: Path):
        self.path = path
        self.file = None

    @classmethod
    def from_crawler(cls, crawler):
        out_dir = crawler.settings.get("TRACKER_OUTPUT_DIR")
        if not out_dir:
            raise NotConfigured("TRACKER_OUTPUT_DIR is not set")
        pipeline = cls(Path(out_dir) / JOURNAL)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        return pipeline

    def open_spider(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # open from open_spider to close_spider, which Scrapy calls: no with statement can span both
        self.file = open(self.path, "w", encoding="utf-8")  # noqa: SIM115

    def process_item(self, item):
        for kind, cls in _KINDS.items():
            if isinstance(item, cls):
                self._write({"kind": kind, "item": dict(item)})
        return item

    def item_dropped(self, item, response, exception, spider=None):
        if isinstance(item, ArticleItem):
            self._write({"kind": "dropped", "item": dict(item), "reason": " ".join(str(exception).split())})

    def close_spider(self):
        if self.file is not None:
            self.file.close()
            self.file = None

    def _write(self, line: dict) -> None:
        if self.file is None:
            return
        self.file.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
        self.file.flush()


def replay_journal(out_dir: str | Path, near_threshold: float | None = DEFAULT_THRESHOLD) -> int:
    """Write documents.jsonl, crawl_errors.jsonl, crawl_state.jsonl and crawl_stats.json from the
    journal of a crawl that did not close; returns the number of journal lines used (0: none)."""
    from spiders.pipelines import JsonLinesWriterPipeline

    out_dir = Path(out_dir)
    path = out_dir / JOURNAL
    writer = JsonLinesWriterPipeline(out_dir, SimpleNamespace(stats=None), near_threshold)
    used = 0
    try:
        lines = path.read_bytes().split(b"\n")
    except FileNotFoundError:
        lines = []
    for raw in lines:
        try:
            line = json.loads(raw)
            if line["kind"] == "dropped":
                writer.item_dropped(ArticleItem(**line["item"]), None, line.get("reason") or "dropped")
            else:
                writer.process_item(_KINDS[line["kind"]](**line["item"]))
        except (ValueError, KeyError, TypeError):  # the partial last line of a killed crawl
            continue
        used += 1
    writer.open_spider()
    writer.close_spider()
    return used
