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


class CrawlErrorItem(scrapy.Item):
    """A request or page that gave nothing; a crawl_errors.jsonl line."""

    source_id = scrapy.Field()
    url = scrapy.Field()
    stage = scrapy.Field()  # "feed" | "listing" | "article"
    reason = scrapy.Field()
    at = scrapy.Field()  # ISO 8601 UTC
