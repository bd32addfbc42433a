-- grain: one row per article URL the crawler has requested (the feed or listing link,
-- canonicalised); whether it was stored, and whether a failure is worth another try.
create table crawl_articles (
    url varchar primary key,
    source_id varchar,
    discovered_via varchar,
    entry_updated timestamp,
    content_hash varchar,
    doc_id varchar,
    status varchar,
    retryable boolean,
    reason varchar,
    fetched_at timestamp,
    first_seen_at timestamp,
    attempts integer
);

comment on table crawl_articles is 'One row per article URL requested by the crawler: the crawl state that lets the next run skip unchanged articles and retry transient failures (see spiders/state.py).';
comment on column crawl_articles.url is 'Requested URL: the feed or listing link with tracking parameters, fragment and AMP/mobile markers removed.';
comment on column crawl_articles.source_id is 'Registry slug of the source whose feed or listing page linked to the article.';
comment on column crawl_articles.discovered_via is 'How the link was found: feed or listing.';
comment on column crawl_articles.entry_updated is 'Updated (else published) time the feed entry gave when the article was last fetched (UTC); a later one makes the crawler fetch it again.';
comment on column crawl_articles.content_hash is 'content_hash of the text fetched (documents.content_hash), for stored and duplicate articles.';
comment on column crawl_articles.doc_id is 'Document the URL ended up in: its own (stored) or the story it duplicates (duplicate); null otherwise.';
comment on column crawl_articles.status is 'Outcome of the last fetch that counted: stored, duplicate (same story as another document), dropped (no usable article text) or failed.';
comment on column crawl_articles.retryable is 'True when the last failure is transient (timeout, connection error, HTTP 429/5xx, truncated body): the next crawl requests the URL again.';
comment on column crawl_articles.reason is 'One-line reason of the last failure or drop (null when stored).';
comment on column crawl_articles.fetched_at is 'When the URL was last requested (UTC).';
comment on column crawl_articles.first_seen_at is 'When the URL was first requested (UTC).';
comment on column crawl_articles.attempts is 'Number of crawls that requested the URL.';
