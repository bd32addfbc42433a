"""The `articles` spider: walks every source of the registry (setting TRACKER_SOURCES).

For each source it reads the feeds first (feedparser over bytes Scrapy fetched), follows their
entry links carrying the feed's title and dates, then walks the listing pages (start_urls):
links matching `article_pattern` are articles, `rel="next"` links and Next/Older/» anchors are
the next page. Listing pages of a source are requested once its feeds are in, so an article
found both ways is always attributed to the feed, whatever the timing. Every request stays
inside the source's allowed_domains; each failure becomes a CrawlErrorItem with its reason.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DontCloseSpider,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as net_error

from spiders.feeds import FeedEntry, FeedError, parse_feed
from spiders.items import ArticleItem, CrawlErrorItem
from spiders.pages import parse_article
from spiders.pipelines import utc_now
from spiders.registry import RegistryError, Source, load_sources
from spiders.urls import canonicalize_url, host_allowed, is_http_url

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
        # OffsiteMiddleware also filters redirects that leave every source's domains.
        spider.allowed_domains = sorted({d for source in spider.sources for d in source.allowed_domains})
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
                yield scrapy.Request(
                    url,
                    callback=self.parse_feed,
                    errback=self.on_error,
                    cb_kwargs={"source": source},
                    meta={"source_id": source.id, "stage": "feed"},
                    dont_filter=True,
                )
        for source in self.sources:
            if not source.feeds:
                for request in self._release_listings(source):
                    yield request

    # -- feeds ---------------------------------------------------------------------------------
    def parse_feed(self, response, source: Source):
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        try:
            entries = parse_feed(response.body, response.url, content_type)
        except FeedError as exc:
            yield self._error(source.id, response.url, "feed", str(exc))
            entries = []
        self.crawler.stats.inc_value("tracker/feed_entries", len(entries))
        for entry in entries:
            yield from self._article_request(source, entry.link, "feed", entry)
        yield from self._feed_done(source)

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
        if page > 1 and not host_allowed(key, source.allowed_domains):  # start_urls are trusted
            return
        if page > self.max_pages:
            self.logger.info("%s: stopping pagination at %d pages (%s)", source.id, self.max_pages, url)
            return
        self._seen_listings[source.id].add(key)
        yield scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.on_error,
            cb_kwargs={"source": source, "page": page},
            meta={"source_id": source.id, "stage": "listing"},
            dont_filter=True,
        )

    def parse_listing(self, response, source: Source, page: int):
        if not isinstance(response, TextResponse):
            yield self._error(source.id, response.url, "listing", _not_html(response))
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
                continue
            label = " ".join(" ".join(anchor.css("::text").getall()).split()) or anchor.attrib.get("aria-label", "")
            if _NEXT_TEXT.search(label.strip()):
                next_urls.append(url)
        for url in next_urls:
            yield from self._listing_request(source, url, page + 1)

    # -- articles ------------------------------------------------------------------------------
    def _article_request(self, source: Source, link: str, via: str, entry: FeedEntry | None):
        url = canonicalize_url(link)
        if not host_allowed(url, source.allowed_domains):
            self.crawler.stats.inc_value("tracker/offsite_links")
            return
        if url in self._seen_articles[source.id]:
            self.crawler.stats.inc_value("tracker/links_seen_twice")
            return
        self._seen_articles[source.id].add(url)
        yield scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.on_error,
            cb_kwargs={"source": source, "via": via, "feed_entry": entry},
            meta={"source_id": source.id, "stage": "article"},
            dont_filter=True,  # deduplicated per source above; across sources by the pipeline
        )

    def parse_article(self, response, source: Source, via: str, feed_entry: FeedEntry | None):
        if not isinstance(response, TextResponse) or not _looks_like_html(response):
            yield self._error(source.id, response.url, "article", _not_html(response))
            return
        try:
            page = parse_article(response.text, response.url, feed_entry)
        except Exception as exc:  # a page that breaks the parser is recorded, never fatal
            self.logger.exception("parsing %s failed", response.url)
            yield self._error(source.id, response.url, "article", f"parse failed: {type(exc).__name__}: {exc}")
            return
        yield ArticleItem(source_id=source.id, fetched_at=utc_now(), discovered_via=via, **page)

    # -- failures ------------------------------------------------------------------------------
    def on_error(self, failure):
        request = failure.request
        source_id = request.meta.get("source_id")
        stage = request.meta.get("stage", "article")
        yield self._error(source_id, request.url, stage, describe_failure(failure, request))
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
                self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def _error(self, source_id: str | None, url: str, stage: str, reason: str) -> CrawlErrorItem:
        self.logger.warning("%s %s failed: %s (%s)", stage, url, reason, source_id)
        return CrawlErrorItem(source_id=source_id, url=url, stage=stage, reason=reason, at=utc_now())


def describe_failure(failure, request=None) -> str:
    """A short reason for a failed request: "HTTP 404", "timeout after 30s", ..."""
    exc = failure.value
    if failure.check(HttpError):
        response = exc.response
        return f"HTTP {response.status}"
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


def _looks_like_html(response) -> bool:
    content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
    return not content_type or "html" in content_type


def _not_html(response) -> str:
    content_type = response.headers.get("Content-Type", b"").decode("latin-1") or "no content type"
    return f"not an HTML page ({content_type})"
