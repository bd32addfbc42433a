-- applies the classified staged documents: inserts the new ones, replaces the content of the
-- updated ones (the replaced text stays in document_versions, superseded), and records rejected
-- lines in crawl_errors (identical records kept once; a line refused for its URLs or for
-- claiming another source's document is recorded under the URL it was fetched from).
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

update document_versions
set
    is_current = false,
    superseded_at = r.fetched_at
from staged_documents as s
join staged_documents_raw as r
    on r.line_no = s.line_no
where s.action = 'updated'
    and document_versions.doc_id = s.doc_id
    and document_versions.is_current
    and document_versions.content_hash <> r.content_hash;

-- a text that comes back (an update reverted) becomes the current version again, with the next
-- version number
insert into document_versions (
    doc_id,
    content_hash,
    version_no,
    title,
    published,
    text,
    fetched_at,
    reported_on,
    superseded_at,
    is_current,
    extracted
)
with versions as (
    select
        r.doc_id,
        r.content_hash,
        coalesce(
            (select max(v.version_no) from document_versions as v where v.doc_id = r.doc_id), 0
        ) + 1 as version_no,
        r.title,
        r.published,
        r.text,
        r.fetched_at
    from staged_documents as s
    join staged_documents_raw as r
        on r.line_no = s.line_no
    where s.action in ('new', 'updated')
)

select
    doc_id,
    content_hash,
    version_no,
    title,
    published,
    text,
    fetched_at,
    case
        when version_no = 1 then coalesce(published, fetched_at::date)
        else fetched_at::date
    end as reported_on,
    null as superseded_at,
    true as is_current,
    false as extracted
from versions
order by doc_id
on conflict (doc_id, content_hash) do update set
    version_no = excluded.version_no,
    title = excluded.title,
    published = excluded.published,
    fetched_at = excluded.fetched_at,
    reported_on = excluded.reported_on,
    superseded_at = null,
    is_current = true;

insert into crawl_errors (
    source_id,
    url,
    stage,
    reason,
    "at"
)
select distinct
    r.source_id,
    coalesce(s.error_url, r.canonical_url, r.url),
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
