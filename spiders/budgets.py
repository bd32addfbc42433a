"""Per-source budgets for one crawl, and the watch that lets a crawl end when its parent does.

Why: one publisher with a feed of 50,000 entries, a listing of 100,000 links or pages that drip
one byte a second must not take the whole crawl with it. Each source may, in one run, make at
most `max_requests` requests (feeds, listing pages, articles, retries), request at most
`max_articles` article pages (known, unchanged articles skipped thanks to the crawl state do not
count) and spend at most `max_seconds` from its first request. Defaults are the
TRACKER_SOURCE_MAX_* settings; a source overrides them with the same-named registry keys.

A feed is read newest first: when it holds more than TRACKER_MAX_FEED_ENTRIES entries it is cut
down to its newest ones by date before feedparser sees it (`newest_feed_entries`, lxml: well under
a second for 50,000 entries, where feedparser takes ten seconds or more), so an enormous feed
costs no more than a normal one.

How: the spider asks `SourceBudgets.admit` before it makes a request (feed entries newest first,
listing links in page order), so a huge feed costs its newest entries only. `SourceBudgetMiddleware`
drops requests already queued once their source runs out of time or of requests (retries count),
and the queued feeds and listing pages of a source that was cut. A source over budget is cut off
once: one crawl_errors line with stage "budget" names the source and the budget; its remaining
links wait for the next run (they were never requested, so the crawl state does not know them);
every other source goes on.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from lxml import etree
from scrapy import signals
from scrapy.exceptions import IgnoreRequest

from spiders.feeds import FeedEntry, parse_feed
from spiders.items import CrawlErrorItem

logger = logging.getLogger(__name__)

STAGE = "budget"  # the crawl_errors stage of a source cut off at its budget
# Seconds between two looks at the parent process (TRACKER_PARENT_PID).
PARENT_POLL_SECONDS = 1.0
# Element names (any namespace) of feed entries and of the dates that say how new an entry is.
_ENTRY_NAMES = ("item", "entry")
_DATE_NAMES = ("updated", "modified", "published", "pubDate", "date", "issued", "created")
_ENTRY_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s>/]")
_UNITS = {"max_requests": "requests", "max_articles": "new articles", "max_seconds": "seconds"}


@dataclass(frozen=True)
class Budget:
    """What one source may spend in one run."""

    requests: int
    articles: int
    seconds: float


class BudgetExceeded(IgnoreRequest):
    """A queued request dropped because its source is over budget; the message names the budget."""


def budget_reason(which: str, limit: Budget) -> str:
    """The recorded reason for a source cut off at budget `which` (a registry key name)."""
    amount = {"max_requests": limit.requests, "max_articles": limit.articles, "max_seconds": limit.seconds}[which]
    return (f"source cut off at its budget of {amount:g} {_UNITS[which]} per run ({which}); "
            "newest taken first, the rest is left for the next run")


class SourceBudgets:
    """The budgets of every source of a crawl and what each has spent so far."""

    def __init__(self, limits: dict[str, Budget], clock=time.monotonic):
        self.limits = limits
        self.clock = clock
        self.requests: Counter[str] = Counter()  # admitted by the spider
        self.articles: Counter[str] = Counter()  # article requests admitted
        self.downloads: Counter[str] = Counter()  # requests that reached the downloader (retries too)
        self.dropped: Counter[str] = Counter()  # links not requested or queued requests dropped
        self.started: dict[str, float] = {}
        self.cut: dict[str, str] = {}  # source id -> the budget it ran out of
        self._recorded: set[str] = set()

    @classmethod
    def from_settings(cls, sources, settings) -> SourceBudgets:
        """Budgets from the registry's own keys, else the TRACKER_SOURCE_MAX_* settings."""
        default = Budget(
            requests=settings.getint("TRACKER_SOURCE_MAX_REQUESTS", 250),
            articles=settings.getint("TRACKER_SOURCE_MAX_ARTICLES", 150),
            seconds=settings.getfloat("TRACKER_SOURCE_MAX_SECONDS", 300.0),
        )
        return cls({
            source.id: Budget(
                requests=getattr(source, "max_requests", None) or default.requests,
                articles=getattr(source, "max_articles", None) or default.articles,
                seconds=float(getattr(source, "max_seconds", None) or default.seconds),
            )
            for source in sources
        })

    def is_cut(self, source_id: str) -> bool:
        return source_id in self.cut

    def admit(self, source_id: str, article: bool = False) -> str | None:
        """Count a request the spider is about to make; None if it may, else the exhausted budget.

        Once a source is refused anything it stays cut for the rest of the run.
        """
        if source_id in self.cut:
            self.dropped[source_id] += 1
            return self.cut[source_id]
        limit = self.limits[source_id]
        started = self.started.setdefault(source_id, self.clock())
        if self.clock() - started >= limit.seconds:
            which = "max_seconds"
        elif self.requests[source_id] >= limit.requests:
            which = "max_requests"
        elif article and self.articles[source_id] >= limit.articles:
            which = "max_articles"
        else:
            self.requests[source_id] += 1
            self.articles[source_id] += article
            return None
        self.cut[source_id] = which
        self.dropped[source_id] += 1
        return which

    def rank(self, source_id: str) -> int:
        """Scheduling priority of the article just admitted: the newest of every source go first."""
        return -self.articles[source_id]

    def check_download(self, source_id: str, stage: str | None) -> str | None:
        """At download time: the exhausted budget when this queued request must be dropped."""
        limit = self.limits.get(source_id)
        if limit is None:
            return None
        self.downloads[source_id] += 1
        started = self.started.setdefault(source_id, self.clock())
        if source_id not in self.cut:
            if self.clock() - started >= limit.seconds:
                self.cut[source_id] = "max_seconds"
            elif self.downloads[source_id] > limit.requests:
                self.cut[source_id] = "max_requests"
        which = self.cut.get(source_id)
        # Articles admitted before an article or request budget ran out are within it: they go on.
        if which is None or (stage == "article" and which != "max_seconds"
                             and self.downloads[source_id] <= limit.requests):
            return None
        self.dropped[source_id] += 1
        return which

    def cut_item(self, source_id: str, url: str, at: str) -> CrawlErrorItem | None:
        """The crawl_errors line of a cut source, the first time it is asked for; then None."""
        which = self.cut.get(source_id)
        if which is None or source_id in self._recorded:
            return None
        self._recorded.add(source_id)
        reason = budget_reason(which, self.limits[source_id])
        logger.warning("%s: %s", source_id, reason)
        return CrawlErrorItem(source_id=source_id, url=url, stage=STAGE, reason=reason, at=at, retryable=False)

    def summary(self) -> list[str]:
        """One line per source cut off: its budget and what was left for the next run."""
        return [
            f"{source_id}: cut off at {which} ({self.requests[source_id]} requests, "
            f"{self.articles[source_id]} of them articles; "
            f"at least {self.dropped[source_id]} links or queued requests not fetched)"
            for source_id, which in sorted(self.cut.items())
        ]


class SourceBudgetMiddleware:
    """Downloader middleware: drop queued requests of a source over its time or request budget."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        budgets = getattr(self.crawler.spider, "budgets", None)
        source_id = request.meta.get("source_id")
        if budgets is None or source_id is None:
            return None
        which = budgets.check_download(source_id, request.meta.get("stage"))
        if which is None:
            return None
        self.crawler.stats.inc_value(f"tracker/budget/dropped/{which}")
        raise BudgetExceeded(f"{source_id} is over its {which} budget")


class CrawlWatchExtension:
    """Ends the crawl gracefully when the process that started it is gone; logs the budget cuts.

    run_crawl passes its pid (setting TRACKER_PARENT_PID) and runs the crawl in its own session,
    so a terminal's Ctrl-C reaches the parent only, which forwards it once. If the parent dies
    without forwarding (kill -9), the crawl notices within a second and shuts down as on SIGTERM,
    writing what it fetched, instead of running on unattended until its time limit.
    """

    def __init__(self, crawler, parent_pid: int | None):
        self.crawler = crawler
        self.parent_pid = parent_pid
        self.loop = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        parent = crawler.settings.getint("TRACKER_PARENT_PID", 0)
        return cls(crawler, parent or None)

    def spider_opened(self, spider=None):
        if self.parent_pid is None:
            return
        from twisted.internet.task import LoopingCall

        self.loop = LoopingCall(self.check_parent)
        self.loop.start(PARENT_POLL_SECONDS, now=False)

    def check_parent(self):
        if os.getppid() == self.parent_pid:
            return
        logger.warning("the process that started this crawl (pid %d) is gone: shutting down", self.parent_pid)
        self.loop.stop()
        self.loop = None
        os.kill(os.getpid(), signal.SIGTERM)  # Scrapy's own graceful shutdown

    def spider_closed(self, spider=None, reason=None):
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        budgets = getattr(self.crawler.spider, "budgets", None)
        for line in budgets.summary() if budgets else ():
            logger.warning("budget: %s", line)


def read_feed_newest(body: bytes, url: str, content_type: str | None, keep: int) -> tuple[list[FeedEntry], int]:
    """The feed's entries, newest first, at most `keep` of them; and how many entries it had.

    Runs in a worker thread (the spider's parse_feed): a big feed must not hold up the crawl.
    Raises FeedError like `spiders.feeds.parse_feed`.
    """
    trimmed = newest_feed_entries(body, keep)
    if trimmed is None:
        entries = parse_feed(body, url, content_type)
        return newest_first(entries)[:keep], len(entries)
    smaller, total = trimmed
    # The trimmed copy is UTF-8 whatever the original said: drop a charset from the header.
    bare_type = content_type.split(";", 1)[0] if content_type else None
    return newest_first(parse_feed(smaller, url, bare_type))[:keep], total


def newest_feed_entries(body: bytes, keep: int) -> tuple[bytes, int] | None:
    """The feed cut down to its `keep` newest entries (UTF-8 XML) and its entry count; None when
    it has no more than `keep` entries or is not XML lxml can read (feedparser then reads it all)."""
    if len(_ENTRY_TAG.findall(body, 0, len(body))) <= keep:
        return None
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(body, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None
    entries = [el for el in root.iter(etree.Element) if etree.QName(el).localname in _ENTRY_NAMES]
    if len(entries) <= keep:
        return None
    dated = sorted(range(len(entries)), key=lambda i: _entry_time(entries[i]), reverse=True)
    for index in dated[keep:]:
        entry = entries[index]
        parent = entry.getparent()
        if parent is not None:
            parent.remove(entry)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8"), len(entries)


def newest_first(entries: list[FeedEntry]) -> list[FeedEntry]:
    """Feed entries by date (updated, else published), newest first; undated ones last, in feed order."""
    def when(entry: FeedEntry) -> str:
        return entry.updated_at or entry.published or ""

    return sorted(entries, key=lambda entry: (bool(when(entry)), when(entry)), reverse=True)


def _entry_time(entry) -> tuple[bool, float]:
    """(dated, POSIX time) of a feed entry element: its newest date child; undated sort last."""
    best = None
    for child in entry:
        if not isinstance(child.tag, str) or etree.QName(child).localname not in _DATE_NAMES:
            continue
        moment = _parse_time((child.text or "").strip())
        if moment is not None and (best is None or moment > best):
            best = moment
    return (best is not None, best or 0.0)


def _parse_time(text: str) -> float | None:
    if not text:
        return None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.timestamp()
    except (OverflowError, OSError, ValueError):
        return None
