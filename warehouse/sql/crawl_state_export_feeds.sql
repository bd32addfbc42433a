-- grain: one row per feed of crawl_feeds, as the crawler's state file lists them (by URL).
select
    feed_url as url,
    source_id,
    etag,
    last_modified,
    strftime(checked_at, '%Y-%m-%dT%H:%M:%SZ') as checked_at
from crawl_feeds
order by feed_url;
