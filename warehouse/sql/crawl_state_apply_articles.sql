-- upserts the staged article lines into crawl_articles. A failed refetch of an article stored
-- before keeps what was stored (status, hash, entry date): the story is in the warehouse, and a
-- later feed update still triggers a new fetch.
insert into crawl_articles (
    url,
    source_id,
    discovered_via,
    entry_updated,
    content_hash,
    doc_id,
    status,
    retryable,
    reason,
    fetched_at,
    first_seen_at,
    attempts
)
select
    url,
    source_id,
    discovered_via,
    entry_updated,
    content_hash,
    doc_id,
    status,
    retryable,
    reason,
    fetched_at,
    fetched_at,
    1
from staged_crawl_state
where kind = 'article'
on conflict (url) do update set
    source_id = excluded.source_id,
    discovered_via = coalesce(excluded.discovered_via, crawl_articles.discovered_via),
    entry_updated = case when excluded.status = 'failed' and crawl_articles.status <> 'failed'
        then crawl_articles.entry_updated else excluded.entry_updated end,
    content_hash = case when excluded.status = 'failed' and crawl_articles.status <> 'failed'
        then crawl_articles.content_hash else excluded.content_hash end,
    doc_id = case when excluded.status = 'failed' and crawl_articles.status <> 'failed'
        then crawl_articles.doc_id else excluded.doc_id end,
    status = case when excluded.status = 'failed' and crawl_articles.status <> 'failed'
        then crawl_articles.status else excluded.status end,
    retryable = case when excluded.status = 'failed' and crawl_articles.status <> 'failed'
        then false else excluded.retryable end,
    reason = excluded.reason,
    fetched_at = excluded.fetched_at,
    first_seen_at = least(crawl_articles.first_seen_at, excluded.first_seen_at),
    attempts = crawl_articles.attempts
        + case when excluded.fetched_at is distinct from crawl_articles.fetched_at then 1 else 0 end;
