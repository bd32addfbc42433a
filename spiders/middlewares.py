"""Downloader middlewares of the crawler: polite back-off, and where a request may go.

- `RetryAfterMiddleware`: on HTTP 429 and 503, pause the whole site (its download slot) for the
  time its `Retry-After` header asks (seconds or an HTTP date; exponential back-off when there is
  none), slow the site down for the rest of the run, and retry, a capped number of times. A wait
  longer than the cap is not waited for: the request fails now and is retried on the next run.
  Scrapy's AutoThrottle adapts to latency only and does not slow down on 429.
- `SourceBoundsMiddleware`: every request, redirects included, stays http(s) and inside the
  allowed_domains and ports of the source it was made for (request.meta["allowed_domains"],
  ["allowed_ports"]: the scheme's default port or one the source's feeds and start pages use);
  a URL with a user name (user@host) or a host that browsers and the downloader read
  differently (``http://a.example\\@b.example/``) is refused; a redirect that leaves them, goes
  to another scheme or comes back to a URL already visited (a loop) is refused with a reason
  the spider records.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.httpobj import urlparse_cached

from spiders.urls import canonicalize_url, is_http_url, resolve_url, url_refusal

logger = logging.getLogger(__name__)

# Requests stop being retried by this middleware once they carry this many back-offs.
BACKOFF_META = "tracker_backoff_times"


class RefusedRequest(IgnoreRequest):
    """A request or redirect the crawler refuses; the message is the reason recorded."""


def parse_retry_after(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if unusable."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware:
    """Back off a site that answers 429 or 503, honouring Retry-After, and retry (capped)."""

    def __init__(self, crawler, codes: set[int], max_retries: int, base_delay: float, max_wait: float):
        self.crawler = crawler
        self.codes = codes
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.max_wait = max_wait
        self.max_slot_delay = crawler.settings.getfloat("AUTOTHROTTLE_MAX_DELAY", 60.0)
        self.min_slot_delay = crawler.settings.getfloat("DOWNLOAD_DELAY", 0.0)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        max_retries = settings.getint("TRACKER_BACKOFF_RETRIES", 3)
        if max_retries <= 0:
            raise NotConfigured("TRACKER_BACKOFF_RETRIES is 0")
        return cls(
            crawler,
            codes={int(code) for code in settings.getlist("TRACKER_BACKOFF_HTTP_CODES", [429, 503])},
            max_retries=max_retries,
            base_delay=settings.getfloat("TRACKER_BACKOFF_BASE_DELAY", 5.0),
            max_wait=settings.getfloat("TRACKER_RETRY_AFTER_MAX", 120.0),
        )

    def process_response(self, request, response, spider=None):
        if response.status not in self.codes or request.meta.get("dont_retry"):
            return response
        times = request.meta.get(BACKOFF_META, 0)
        stats = self.crawler.stats
        header = parse_retry_after(response.headers.get("Retry-After"))
        wait = header if header is not None else self.base_delay * (2**times)
        if wait > self.max_wait:
            stats.inc_value("tracker/backoff/over_cap")
            logger.warning(
                "%s asks to wait %.0fs (HTTP %d), over the %.0fs cap: giving up until the next run",
                request.url, wait, response.status, self.max_wait,
            )
            return response
        if times >= self.max_retries:
            stats.inc_value("tracker/backoff/gave_up")
            return response
        self._pause_site(request, wait)
        stats.inc_value("tracker/backoff/retries")
        stats.inc_value(f"tracker/backoff/http_{response.status}")
        logger.info("HTTP %d from %s: pausing the site %.1fs, retry %d/%d",
                    response.status, request.url, wait, times + 1, self.max_retries)
        retry = request.replace(dont_filter=True)
        retry.meta[BACKOFF_META] = times + 1
        return retry

    def _pause_site(self, request, wait: float) -> None:
        """Hold every request to the site (its download slot) for `wait` seconds and double its delay."""
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is None:
            return
        slot.delay = min(max(slot.delay * 2, self.min_slot_delay), self.max_slot_delay)
        # The downloader waits `delay - (now - lastseen)` before the next request of a slot with
        # a delay; moving lastseen into the future pauses the slot without touching the delay.
        base = slot.delay or 1e-3
        slot.delay = base
        slot.lastseen = max(slot.lastseen, time.monotonic() + wait - base)


class SourceBoundsMiddleware:
    """Keep every request (and every redirect) http(s) and inside its source's allowed_domains."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("TRACKER_ENFORCE_SOURCE_DOMAINS", True):
            raise NotConfigured("TRACKER_ENFORCE_SOURCE_DOMAINS is off")
        return cls(crawler.stats)

    def process_request(self, request, spider=None):
        url = request.url
        if not is_http_url(url):
            self.stats.inc_value("tracker/refused/scheme")
            raise RefusedRequest(f"refused: not an http(s) URL ({urlparse_cached(request).scheme or 'no'} scheme)")
        # Host read as browsers do, no user@host, and only the source's domains and ports.
        reason = url_refusal(url, request.meta.get("allowed_domains") or None, request.meta.get("allowed_ports"))
        if reason:
            self.stats.inc_value(f"tracker/refused/{_refusal_kind(reason)}")
            via = " after a redirect" if request.meta.get("redirect_urls") else ""
            raise RefusedRequest(f"refused: {reason}{via}")
        return None

    def process_response(self, request, response, spider=None):
        if response.status not in (301, 302, 303, 307, 308) or b"Location" not in response.headers:
            return response
        location = response.headers["Location"].decode("latin-1").strip()
        target = resolve_url(request.url, location)
        if not is_http_url(target):
            self.stats.inc_value("tracker/refused/scheme")
            raise RefusedRequest(f"refused: redirect to a non-http(s) URL {target[:200]}")
        reason = url_refusal(target, request.meta.get("allowed_domains") or None, request.meta.get("allowed_ports"))
        if reason:
            kind = _refusal_kind(reason)
            self.stats.inc_value(f"tracker/refused/{kind}")
            if kind == "offsite":
                raise RefusedRequest(f"refused: redirect to {target[:200]}, outside the source's allowed domains")
            raise RefusedRequest(f"refused: redirect to {target[:200]}: {reason}")
        visited = {canonicalize_url(u, editions=False) for u in (*request.meta.get("redirect_urls", ()), request.url)}
        if canonicalize_url(target, editions=False) in visited:
            self.stats.inc_value("tracker/refused/redirect_loop")
            hops = len(request.meta.get("redirect_urls", ())) + 1
            raise RefusedRequest(f"redirect loop: {target[:200]} redirects back after {hops} hop(s)")
        return response


def _refusal_kind(reason: str) -> str:
    """Stats key of a refusal reason (spiders.urls.url_refusal): offsite, port or url."""
    if "outside the source's allowed domains" in reason:
        return "offsite"
    return "port" if "not a port the source uses" in reason else "url"
