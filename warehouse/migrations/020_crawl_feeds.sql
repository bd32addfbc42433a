-- grain: one row per feed URL the crawler has fetched; the HTTP validators it sent back, for
-- the next conditional request (If-None-Match / If-Modified-Since).
create table crawl_feeds (
    feed_url varchar primary key,
    source_id varchar,
    etag varchar,
    last_modified varchar,
    last_status integer,
    checked_at timestamp,
    changed_at timestamp
);

comment on table crawl_feeds is 'One row per feed URL fetched by the crawler: the validators for its next conditional request (crawl state, see spiders/state.py).';
comment on column crawl_feeds.feed_url is 'Feed URL as listed in the sources registry.';
comment on column crawl_feeds.source_id is 'Registry slug of the source the feed belongs to (sources.source_id).';
comment on column crawl_feeds.etag is 'ETag header of the last full (HTTP 200) response, sent back as If-None-Match (null: none given).';
comment on column crawl_feeds.last_modified is 'Last-Modified header of the last full response, verbatim, sent back as If-Modified-Since (null: none given).';
comment on column crawl_feeds.last_status is 'HTTP status of the last fetch: 200 (changed) or 304 (not modified).';
comment on column crawl_feeds.checked_at is 'When the feed was last fetched (UTC).';
comment on column crawl_feeds.changed_at is 'When the feed last answered with content (HTTP 200) (UTC).';
