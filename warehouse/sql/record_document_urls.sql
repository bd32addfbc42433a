-- grain: one row per URL named by a staged document line that is not stored yet; each URL goes to
-- the stored document the line became (same canonical URL, else same text: a syndicated copy).
insert into document_urls
with applied as (
    -- a rejected line (off-site URLs, another source's document) names no URL of a stored one
    select r.*
    from staged_documents_raw as r
    join staged_documents as s
        on s.line_no = r.line_no
    where s.action <> 'rejected'
),

urls as (
    select canonical_url as url, 'canonical' as relation, 1 as priority, canonical_url as key_url, content_hash, fetched_at
    from applied
    where canonical_url is not null
    union all
    select url, 'fetched', 2, canonical_url, content_hash, fetched_at
    from applied
    where url is not null
    union all
    select unnest(alternate_urls), 'alternate', 3, canonical_url, content_hash, fetched_at
    from applied
    where alternate_urls is not null
),

owned as (
    select
        u.url,
        coalesce(by_url.doc_id, by_text.doc_id) as doc_id,
        u.relation,
        u.priority,
        u.fetched_at
    from urls as u
    left join documents as by_url
        on by_url.canonical_url = u.key_url
    left join documents as by_text
        on by_text.content_hash = u.content_hash
)

select
    url,
    doc_id,
    relation,
    fetched_at as first_seen_at
from owned
where url is not null
  and doc_id is not null
qualify row_number() over (partition by url order by priority, fetched_at nulls last, doc_id) = 1
on conflict (url) do nothing
