"""The `articles` spider: walks every source of the registry (setting TRACKER_SOURCES).

For each source it reads the feeds first (feedparser over bytes Scrapy fetched), follows their
entry links carrying the feed's title and dates, then walks the listing pages (start_urls):
links matching `article_pattern` are articles, `rel="next"` links and Next/Older/» anchors are
the next page. Listing pages of a source are requested once its feeds are in, so an article
found both ways is always attributed to the feed, whatever the timing. Every request stays
inside the source's allowed_domains; each failure becomes a CrawlErrorItem with its reason and
whether it is worth retrying.

Budgets (spiders/budgets.py): every request of a source is admitted against its budget for the
run; feed entries are taken newest first, listing links in page order, and a source over budget is
cut off with one recorded reason while the others go on.

Incremental: with a crawl state (setting TRACKER_STATE_FILE, see spiders/state.py) feeds are
requested with If-None-Match / If-Modified-Since (a 304 is not an error), known article URLs
are skipped unless their feed entry was updated since, and the retryable failures of earlier
runs are requested again.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DontCloseSpider,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import error as net_error
from twisted.internet.threads import deferToThread

from spiders.budgets import BudgetExceeded, SourceBudgets, read_feed_newest
from spiders.encoding import decode_html
from spiders.feeds import FeedEntry, FeedError
from spiders.items import ArticleItem, CrawlErrorItem, FeedStateItem
from spiders.middlewares import RefusedRequest
from spiders.pages import parse_article
from spiders.pipelines import utc_now
from spiders.registry import RegistryError, Source, load_sources
from spiders.state import CrawlState
from spiders.urls import allowed_ports, canonicalize_url, host_allowed, is_http_url

_NEXT_TEXT = re.compile(r"^(?:next|older)\b|^(?:»|›|>>|→)$|(?:»|›|→)$", re.IGNORECASE)


class ArticlesSpider(scrapy.Spider):
    name = "articles"

    def __init__(self, *args, sources: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources_path = sources
        self.sources: list[Source] = []
        self._feeds_pending: dict[str, int] = {}
        self._listings_released: set[str] = set()
        self._seen_articles: dict[str, set[str]] = {}
        self._seen_listings: dict[str, set[str]] = {}
        self._patterns: dict[str, re.Pattern] = {}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        path = spider.sources_path or crawler.settings.get("TRACKER_SOURCES")
        if not path:
            raise RegistryError("no sources registry: run with -s TRACKER_SOURCES=FILE (or -a sources=FILE)")
        spider.sources = load_sources(path)
        spider.max_pages = crawler.settings.getint("TRACKER_MAX_LISTING_PAGES", 20)
        spider.state = CrawlState.load(crawler.settings.get("TRACKER_STATE_FILE"))
        spider.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        # OffsiteMiddleware also filters redirects that leave every source's domains.
        spider.allowed_domains = sorted({d for source in spider.sources for d in source.allowed_domains})
        spider.budgets = SourceBudgets.from_settings(spider.sources, crawler.settings)
        spider.max_feed_entries = crawler.settings.getint("TRACKER_MAX_FEED_ENTRIES", 2000)
        for source in spider.sources:
            spider._feeds_pending[source.id] = len(source.feeds)
            spider._seen_articles[source.id] = set()
            spider._seen_listings[source.id] = set()
            if source.article_pattern:
                spider._patterns[source.id] = re.compile(source.article_pattern)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        # A contact given at run time (-s TRACKER_CONTACT=...) reaches the User-Agent too.
        contact = settings.get("TRACKER_CONTACT")
        if contact and settings.getpriority("TRACKER_CONTACT") > settings.getpriority("USER_AGENT"):
            settings.set("USER_AGENT", f"{settings.get('BOT_NAME')}/0.1 (+{contact})", priority="spider")

    async def start(self):
        for source in self.sources:
            for url in source.feeds:
                if self.budgets.admit(source.id):  # more feeds than requests allowed
                    self._feeds_pending[source.id] -= 1
                    for item in self._budget_cut(source, url):
                        yield item
                    continue
                yield scrapy.Request(
                    url,
                    callback=self.parse_feed,
                    errback=self.on_error,
                    cb_kwargs={"source": source},
                    headers=self.state.conditional_headers(url),
                    meta=self._meta(source, "feed", handle_httpstatus_list=[304]),
                    dont_filter=True,
                )
        for source in self.sources:
            if not source.feeds:
                for request in self._release_listings(source):
                    yield request
        # Articles whose last attempt failed in a way worth retrying (timeouts, 5xx, 429, ...).
        by_id = {source.id: source for source in self.sources}
        for row in self.state.retries(set(by_id)):
            source = by_id[row["source_id"]]
            via = row.get("discovered_via") if row.get("discovered_via") in ("feed", "listing") else "feed"
            for request in self._article_request(source, row["url"], via, None, retry=row.get("entry_updated") or True):
                if isinstance(request, scrapy.Request):  # else the line of a source over budget
                    self.crawler.stats.inc_value("tracker/articles_retried")
                yield request

    def _meta(self, source: Source, stage: str, **extra) -> dict:
        return {
            "source_id": source.id, "stage": stage, "allowed_domains": list(source.allowed_domains),
            "allowed_ports": _source_ports(source),
            "download_maxsize": self.max_size, **extra,
        }

    # -- feeds ---------------------------------------------------------------------------------
    async def parse_feed(self, response, source: Source):
        feed_url = response.request.url if not response.meta.get("redirect_urls") else response.meta["redirect_urls"][0]
        yield FeedStateItem(
            url=feed_url, source_id=source.id, http_status=response.status, checked_at=utc_now(),
            etag=_header(response, "ETag"), last_modified=_header(response, "Last-Modified"),
        )
        if response.status == 304:
            self.crawler.stats.inc_value("tracker/feeds_not_modified")
            for item in self._feed_done(source):
                yield item
            return
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        keep = max(self.max_feed_entries, self.budgets.limits[source.id].articles)
        try:
            # Newest first, and in a thread: a huge feed must not hold up the other sources.
            entries, total = await maybe_deferred_to_future(
                deferToThread(read_feed_newest, response.body, response.url, content_type, keep))
        except FeedError as exc:
            yield self._error(source.id, response.url, "feed", str(exc), retryable=True)
            entries, total = [], 0
        self.crawler.stats.inc_value("tracker/feed_entries", total)
        if total > len(entries):
            self.logger.warning("%s: feed %s has %d entries: reading the newest %d", source.id, response.url,
                                total, len(entries))
            self.budgets.dropped[source.id] += total - len(entries)
        for index, entry in enumerate(entries):
            for item in self._article_request(source, entry.link, "feed", entry):
                yield item
            if self.budgets.is_cut(source.id):
                self.budgets.dropped[source.id] += len(entries) - index - 1
                break
        for item in self._feed_done(source):
            yield item

    def _feed_done(self, source: Source):
        self._feeds_pending[source.id] -= 1
        if self._feeds_pending[source.id] <= 0:
            yield from self._release_listings(source)

    # -- listing pages -------------------------------------------------------------------------
    def _release_listings(self, source: Source):
        if source.id in self._listings_released:
            return
        self._listings_released.add(source.id)
        for url in source.start_urls:
            yield from self._listing_request(source, url, page=1)

    def _listing_request(self, source: Source, url: str, page: int):
        key = canonicalize_url(url)
        if key in self._seen_listings[source.id]:
            return
        if page > 1 and not host_allowed(key, source.allowed_domains, _source_ports(source)):  # start_urls are trusted
            return
        if page > self.max_pages:
            self.logger.info("%s: stopping pagination at %d pages (%s)", source.id, self.max_pages, url)
            return
        self._seen_listings[source.id].add(key)
        if self.budgets.admit(source.id):
            yield from self._budget_cut(source, url)
            return
        yield scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.on_error,
            cb_kwargs={"source": source, "page": page},
            meta=self._meta(source, "listing"),
            dont_filter=True,
        )

    def parse_listing(self, response, source: Source, page: int):
        if not isinstance(response, TextResponse):
            yield self._error(source.id, response.url, "listing", _not_html(response), retryable=True)
            return
        pattern = self._patterns.get(source.id)
        next_urls: list[str] = []
        for href in response.css("link[rel~=next]::attr(href), a[rel~=next]::attr(href)").getall():
            next_urls.append(response.urljoin(href.strip()))
        for anchor in response.css("a[href]"):
            url = response.urljoin(anchor.attrib["href"].strip())
            if not is_http_url(url):
                continue
            if pattern is not None and pattern.search(url):
                yield from self._article_request(source, url, "listing", None)
                if self.budgets.is_cut(source.id):
                    return  # links in page order: the rest of the page and its next pages wait
                continue
            label = " ".join(" ".join(anchor.css("::text").getall()).split()) or anchor.attrib.get("aria-label", "")
            if _NEXT_TEXT.search(label.strip()):
                next_urls.append(url)
        for url in next_urls:
            yield from self._listing_request(source, url, page + 1)

    # -- articles ------------------------------------------------------------------------------
    def _article_request(self, source: Source, link: str, via: str, entry: FeedEntry | None, retry: bool | str = False):
        """Request an article unless seen in this run or known and unchanged (crawl state).

        `retry` (from the state's retry list) forces the request; a string is the feed entry
        time stored with it, kept so that a successful retry does not look "updated" next run.
        """
        url = canonicalize_url(link)
        ports = _source_ports(source)  # the link as written and its canonical spelling: both in bounds
        domains = source.allowed_domains
        if not host_allowed(link, domains, ports) or not host_allowed(url, domains, ports):
            self.crawler.stats.inc_value("tracker/offsite_links")
            return
        if url in self._seen_articles[source.id]:
            self.crawler.stats.inc_value("tracker/links_seen_twice")
            return
        entry_updated = entry.updated_at if entry is not None else (retry if isinstance(retry, str) else None)
        decision = "retry" if retry else self.state.fetch_decision(url, entry_updated)
        if decision is None:
            self._seen_articles[source.id].add(url)
            self.crawler.stats.inc_value("tracker/articles_unchanged")
            return
        if self.budgets.admit(source.id, article=True):
            yield from self._budget_cut(source, url)
            return
        self.crawler.stats.inc_value(f"tracker/articles_{decision}")
        self._seen_articles[source.id].add(url)
        yield scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.on_error,
            cb_kwargs={"source": source, "via": via, "feed_entry": entry},
            meta=self._meta(source, "article", state_key=url, via=via, entry_updated=entry_updated),
            dont_filter=True,  # deduplicated per source above; across sources by the pipeline
            priority=self.budgets.rank(source.id),  # newest first within a source, sources interleaved
        )

    def parse_article(self, response, source: Source, via: str, feed_entry: FeedEntry | None):
        if not isinstance(response, TextResponse) or not _looks_like_html(response):
            yield self._error(source.id, response.url, "article", _not_html(response), response.meta)
            return
        decoded = decode_html(response.body, response.headers.get("Content-Type", b"").decode("latin-1") or None)
        if decoded.problem:
            yield self._error(source.id, response.url, "article", decoded.problem, response.meta)
            return
        try:
            page = parse_article(decoded.text, response.url, feed_entry, allowed_domains=source.allowed_domains,
                                 allowed_ports=_source_ports(source))
        except Exception as exc:  # a page that breaks the parser is recorded, never fatal
            self.logger.exception("parsing %s failed", response.url)
            reason = f"parse failed: {type(exc).__name__}: {exc}"
            yield self._error(source.id, response.url, "article", reason, response.meta)
            return
        # Other spellings of the same story: the link requested and the redirects it went through.
        seen = {page["canonical_url"]}
        alternates = set(page.pop("alternate_urls", []))
        for other in (*response.meta.get("redirect_urls", ()), response.meta.get("state_key"), response.url):
            if other:
                alternates.add(canonicalize_url(other, editions=False))
        for note in page.pop("refused_urls", ()):  # an off-site canonical or og:url: recorded, not used
            self.crawler.stats.inc_value("tracker/refused/canonical")
            yield self._error(source.id, response.url, "canonical", note["reason"])
        yield ArticleItem(
            source_id=source.id, fetched_at=utc_now(), discovered_via=via, **page,
            alternate_urls=sorted(alternates - seen),
            request_url=response.meta.get("state_key"), entry_updated=response.meta.get("entry_updated"),
        )

    # -- failures ------------------------------------------------------------------------------
    def on_error(self, failure):
        request = failure.request
        source_id = request.meta.get("source_id")
        stage = request.meta.get("stage", "article")
        if failure.check(BudgetExceeded):  # one line per source cut off, not one per request dropped
            item = self.budgets.cut_item(source_id, request.url, utc_now())
            if item is not None:
                yield item
            if stage == "feed":
                yield from self._feed_done(next(s for s in self.sources if s.id == source_id))
            return
        reason, retryable = classify_failure(failure, request)
        # The URL the source linked to, not the last hop of its redirects (the reason names it).
        url = (request.meta.get("redirect_urls") or [request.url])[0]
        yield self._error(source_id, url, stage, reason, request.meta, retryable=retryable)
        if stage == "feed":
            source = next(s for s in self.sources if s.id == source_id)
            yield from self._feed_done(source)

    def on_idle(self):
        """Safety net: release listing pages whose feeds never answered (nothing should block)."""
        late = [s for s in self.sources if s.id not in self._listings_released]
        if not late:
            return
        for source in late:
            for request in self._release_listings(source):
                if isinstance(request, scrapy.Request):  # not a budget cut's line: logged, not stored
                    self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def _budget_cut(self, source: Source, url: str):
        """The crawl_errors line of a source just cut off at its budget (once per source)."""
        self.crawler.stats.inc_value(f"tracker/budget/refused/{self.budgets.cut[source.id]}")
        item = self.budgets.cut_item(source.id, url, utc_now())
        if item is not None:
            yield item

    def _error(self, source_id, url: str, stage: str, reason: str, meta: dict | None = None, *,
               retryable: bool = False) -> CrawlErrorItem:
        self.logger.warning("%s %s failed: %s (%s)", stage, url, reason, source_id)
        meta = meta or {}
        return CrawlErrorItem(
            source_id=source_id, url=url, stage=stage, reason=reason, at=utc_now(), retryable=retryable,
            request_url=meta.get("state_key"), discovered_via=meta.get("via"), entry_updated=meta.get("entry_updated"),
        )


# HTTP statuses worth another try on the next run: the server may answer differently later.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 507, 509, 520, 521, 522, 523, 524})


def classify_failure(failure, request=None) -> tuple[str, bool]:
    """(reason, retryable) for a failed request; see describe_failure for the reasons."""
    reason = describe_failure(failure, request)
    if failure.check(HttpError):
        return reason, failure.value.response.status in RETRYABLE_STATUSES
    if failure.check(RefusedRequest, DownloadCancelledError):
        return reason, False
    if failure.check(IgnoreRequest):  # robots.txt, offsite: the same answer next time
        return reason, False
    # Timeouts, DNS, refused or dropped connections, truncated bodies: transient.
    return reason, True


def describe_failure(failure, request=None) -> str:
    """A short reason for a failed request: "HTTP 404", "timeout after 30s", ..."""
    exc = failure.value
    if failure.check(HttpError):
        response = exc.response
        wait = response.headers.get("Retry-After")
        if response.status in (429, 503) and wait:
            return f"HTTP {response.status} (Retry-After: {wait.decode('latin-1').strip()[:40]})"
        return f"HTTP {response.status}"
    if failure.check(DownloadCancelledError):
        size = re.search(r"(\d+) bytes which is larger than download max size \((\d+)\)", str(exc))
        if size:
            return f"response too large ({size.group(1)} bytes > {size.group(2)} byte limit)"
        limit = request.meta.get("download_maxsize") if request else None
        # Scrapy cancels a streamed body that outgrows DOWNLOAD_MAXSIZE without a message.
        if limit:
            return f"response too large (over the {limit} byte limit)"
        return "download cancelled (response too large)"
    if failure.check(CannotResolveHostError, net_error.DNSLookupError):
        return f"DNS lookup failed for {urlsplit(request.url).hostname if request else 'host'}"
    if failure.check(DownloadConnectionRefusedError, net_error.ConnectionRefusedError):
        return "connection refused"
    if failure.check(ResponseDataLossError):
        return "incomplete response (connection lost)"
    if failure.check(DownloadTimeoutError, net_error.TimeoutError, net_error.TCPTimedOutError):
        timeout = request.meta.get("download_timeout") if request else None
        return f"timeout after {timeout:g}s" if timeout else "timeout"
    if failure.check(IgnoreRequest):
        return str(exc) or "request ignored"
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _source_ports(source: Source) -> tuple[int, ...]:
    """Ports a source's requests may use besides the default: those of its feeds and start pages."""
    return _ports_of((*source.feeds, *source.start_urls))


@functools.cache
def _ports_of(urls: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(sorted(allowed_ports(urls)))


def _header(response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1").strip() or None if value else None


def _looks_like_html(response) -> bool:
    content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
    return not content_type or "html" in content_type


def _not_html(response) -> str:
    content_type = response.headers.get("Content-Type", b"").decode("latin-1") or "no content type"
    return f"not an HTML page ({content_type})"
