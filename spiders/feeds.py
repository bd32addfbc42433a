"""Reading RSS and Atom feeds with feedparser, from bytes the spider already fetched.

feedparser never raises and has no timeout of its own: the spider downloads the feed with
Scrapy (DOWNLOAD_TIMEOUT applies) and hands the bytes here.
"""

from __future__ import annotations

import calendar
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import feedparser

from spiders.urls import is_http_url


class FeedError(ValueError):
    """A feed that yields no usable entry; the message is the reason."""


@dataclass(frozen=True)
class FeedEntry:
    """One feed entry: the article link and what the feed says about it."""

    link: str
    title: str | None
    published: str | None  # YYYY-MM-DD, the publisher's local date when the feed gives an offset
    updated: str | None  # YYYY-MM-DD
    feed_url: str
    # When the entry last changed (its updated time, else its published time), ISO 8601 UTC
    # (YYYY-MM-DDTHH:MM:SSZ): the crawl state compares it to decide whether to fetch again.
    updated_at: str | None = None


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> list[FeedEntry]:
    """Parse RSS/Atom bytes; entries without an http(s) link are skipped.

    Raises FeedError (with feedparser's bozo reason when there is one) if nothing usable is found.
    """
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    # A stream, never bytes or str: feedparser treats a str that looks like a URL as something to
    # download and any str or bytes naming an existing file as a file to read.
    parsed = _parse(body, headers)
    if not parsed.entries and parsed.get("bozo"):
        # A mis-declared charset can leave feedparser with zero entries: retry on decoded text.
        text = body.decode("utf-8", errors="replace")
        text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
        retry = _parse(text.encode("utf-8"), {"content-location": url})
        if retry.entries:
            parsed = retry
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for raw in parsed.entries:
        link = _entry_link(raw, url)
        if link is None or link in seen:
            continue
        seen.add(link)
        title = " ".join((raw.get("title") or "").split()) or None
        entries.append(
            FeedEntry(
                link=link,
                title=title,
                published=_entry_date(raw, "published"),
                updated=_entry_date(raw, "updated"),
                feed_url=url,
                updated_at=_entry_timestamp(raw),
            )
        )
    if not entries:
        raise FeedError(_failure_reason(parsed))
    return entries


def _parse(body: bytes, headers: dict):
    try:
        return feedparser.parse(io.BytesIO(body), response_headers=headers, sanitize_html=True)
    except Exception as exc:  # feedparser on hostile input must not stop a crawl
        raise FeedError(f"unparseable feed: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}") from None


def _entry_link(raw, feed_url: str) -> str | None:
    candidates = [raw.get("link")]
    candidates += [link.get("href") for link in raw.get("links", []) if link.get("rel", "alternate") == "alternate"]
    if raw.get("id") and str(raw.get("guidislink", True)).lower() != "false":
        candidates.append(raw.get("id"))
    for candidate in candidates:
        if not candidate:
            continue
        absolute = urljoin(feed_url, candidate.strip())
        if is_http_url(absolute):
            return absolute
    return None


def _entry_date(raw, field: str) -> str | None:
    """The date as the publisher wrote it (local date), else feedparser's UTC reading."""
    text = raw.get(field)
    if text:
        day = parse_date_text(text)
        if day:
            return day
    parsed = raw.get(f"{field}_parsed")
    if parsed:
        try:
            return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC).date().isoformat()
        except (OverflowError, ValueError):
            return None
    return None


def _entry_timestamp(raw) -> str | None:
    for field in ("updated_parsed", "published_parsed", "created_parsed"):
        parsed = raw.get(field)
        if parsed:
            try:
                moment = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
            except (OverflowError, ValueError, TypeError):
                continue
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


def parse_date_text(text: str) -> str | None:
    """RFC 822 or ISO 8601 date(time) text to YYYY-MM-DD (its own local date), else None."""
    text = text.strip()
    try:
        return parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        try:
            return date(*map(int, match.groups())).isoformat()
        except ValueError:
            return None
    return None


def _failure_reason(parsed) -> str:
    exc = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if exc is not None and type(exc).__name__ not in _BENIGN_BOZO:
        return f"unparseable feed: {type(exc).__name__}: {' '.join(str(exc).split())}"
    if parsed.get("entries"):
        return "feed has no entry with an http(s) link"
    if not parsed.get("version"):
        return "not an RSS or Atom feed"
    return "feed has no entries"


# feedparser flags these but still reads the feed: they are not why a feed gave nothing.
_BENIGN_BOZO = {"NonXMLContentType", "CharacterEncodingOverride", "CharacterEncodingUnknown"}
