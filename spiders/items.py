"""Items the `articles` spider yields: one article page, or one failure with its reason."""

import scrapy


class ArticleItem(scrapy.Item):
    """One fetched article; the fields of a documents.jsonl line (see docs/architecture.md)."""

    doc_id = scrapy.Field()  # first 16 hex chars of sha1(canonical_url), set by the pipeline
    source_id = scrapy.Field()
    url = scrapy.Field()  # the URL fetched (tracking parameters already removed)
    canonical_url = scrapy.Field()
    title = scrapy.Field()
    published = scrapy.Field()  # YYYY-MM-DD or None
    published_source = scrapy.Field()  # "meta" | "feed" | "page" | None
    text = scrapy.Field()
    content_hash = scrapy.Field()  # sha256 of the whitespace-normalised text, set by the pipeline
    fetched_at = scrapy.Field()  # ISO 8601 UTC
    discovered_via = scrapy.Field()  # "feed" | "listing"
    language = scrapy.Field()
    alternate_urls = scrapy.Field()  # other URLs of the same story (AMP, redirects, syndicated copies)
    # For the crawl state only (not written to documents.jsonl):
    request_url = scrapy.Field()  # the link requested (canonicalised): the state's key
    entry_updated = scrapy.Field()  # the feed entry's updated time, ISO 8601 UTC, or None


class CrawlErrorItem(scrapy.Item):
    """A request or page that gave nothing; a crawl_errors.jsonl line."""

    source_id = scrapy.Field()
    url = scrapy.Field()
    stage = scrapy.Field()  # "feed" | "listing" | "article"
    reason = scrapy.Field()
    at = scrapy.Field()  # ISO 8601 UTC
    retryable = scrapy.Field()  # True when the next run should try again (timeouts, 5xx, 429, ...)
    # For the crawl state only (not written to crawl_errors.jsonl):
    request_url = scrapy.Field()
    discovered_via = scrapy.Field()
    entry_updated = scrapy.Field()


class FeedStateItem(scrapy.Item):
    """A feed fetched this run: its validators for the next conditional request."""

    url = scrapy.Field()
    source_id = scrapy.Field()
    etag = scrapy.Field()
    last_modified = scrapy.Field()
    http_status = scrapy.Field()  # 200, or 304 when the feed had not changed
    checked_at = scrapy.Field()
