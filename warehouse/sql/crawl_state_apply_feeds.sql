-- upserts the staged feed lines into crawl_feeds; a 304 (not modified) only records the check
-- and keeps the validators of the last full response.
insert into crawl_feeds (
    feed_url,
    source_id,
    etag,
    last_modified,
    last_status,
    checked_at,
    changed_at
)
select
    url,
    source_id,
    etag,
    last_modified,
    http_status,
    checked_at,
    case when http_status = 304 then null else checked_at end
from staged_crawl_state
where kind = 'feed'
on conflict (feed_url) do update set
    source_id = excluded.source_id,
    etag = case when excluded.last_status = 304 then crawl_feeds.etag else excluded.etag end,
    last_modified = case when excluded.last_status = 304 then crawl_feeds.last_modified else excluded.last_modified end,
    last_status = excluded.last_status,
    checked_at = excluded.checked_at,
    changed_at = coalesce(excluded.changed_at, crawl_feeds.changed_at);
