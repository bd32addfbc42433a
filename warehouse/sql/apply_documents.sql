-- applies the classified staged documents: inserts the new ones, replaces the content of the
-- updated ones, and records rejected lines in crawl_errors (identical records kept once).
insert into documents (
    doc_id,
    source_id,
    url,
    canonical_url,
    title,
    published,
    published_source,
    iso_week,
    text,
    content_hash,
    language,
    discovered_via,
    fetched_at,
    first_seen_at
)
select
    r.doc_id,
    r.source_id,
    r.url,
    r.canonical_url,
    r.title,
    r.published,
    r.published_source,
    strftime(r.published, '%G-W%V') as iso_week,
    r.text,
    r.content_hash,
    r.language,
    r.discovered_via,
    r.fetched_at,
    r.fetched_at as first_seen_at
from staged_documents as s
join staged_documents_raw as r
    on r.line_no = s.line_no
where s.action = 'new'
order by r.doc_id;

update documents
set
    source_id = r.source_id,
    url = r.url,
    title = r.title,
    published = r.published,
    published_source = r.published_source,
    iso_week = strftime(r.published, '%G-W%V'),
    text = r.text,
    content_hash = r.content_hash,
    language = r.language,
    discovered_via = r.discovered_via,
    fetched_at = r.fetched_at
from staged_documents as s
join staged_documents_raw as r
    on r.line_no = s.line_no
where s.action = 'updated'
    and documents.doc_id = s.doc_id;

insert into crawl_errors (
    source_id,
    url,
    stage,
    reason,
    "at"
)
select distinct
    r.source_id,
    coalesce(r.canonical_url, r.url),
    'load' as stage,
    s.reject_reason as reason,
    r.fetched_at as "at"
from staged_documents as s
join staged_documents_raw as r
    on r.line_no = s.line_no
where s.action = 'rejected'
except
select
    source_id,
    url,
    stage,
    reason,
    "at"
from crawl_errors;
