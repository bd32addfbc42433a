-- grain: one row per article URL of crawl_articles, as the crawler's state file lists them.
select
    url,
    source_id,
    discovered_via,
    strftime(entry_updated, '%Y-%m-%dT%H:%M:%SZ') as entry_updated,
    content_hash,
    doc_id,
    status,
    retryable,
    reason,
    strftime(fetched_at, '%Y-%m-%dT%H:%M:%SZ') as fetched_at
from crawl_articles
order by url;
