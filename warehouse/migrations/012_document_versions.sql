-- grain: one row per version of a document's text (doc_id, content_hash): every text a document
-- has had, so re-extraction of an updated article never loses what it said before.
create table document_versions (
    doc_id varchar not null,
    content_hash varchar not null,
    version_no integer not null,
    title varchar,
    published date,
    text varchar,
    fetched_at timestamp,
    reported_on date,
    superseded_at timestamp,
    is_current boolean not null,
    extracted boolean not null,
    primary key (doc_id, content_hash)
);

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
select
    doc_id,
    content_hash,
    1 as version_no,
    title,
    published,
    text,
    fetched_at,
    coalesce(published, first_seen_at::date, fetched_at::date) as reported_on,
    null as superseded_at,
    true as is_current,
    coalesce(extracted_content_hash = content_hash, false) as extracted
from documents
order by doc_id;

comment on table document_versions is 'One row per version of a document''s text: a later crawl that changes an article adds a version and keeps the old one (with the figures extracted from it in commitment_history).';
comment on column document_versions.doc_id is 'Document (documents.doc_id).';
comment on column document_versions.content_hash is 'sha256 of the whitespace-normalised text of this version.';
comment on column document_versions.version_no is 'Version number within the document: 1 for the first text loaded, then 2, 3... (a text that comes back gets the next number).';
comment on column document_versions.title is 'Headline of this version.';
comment on column document_versions.published is 'Publication date given by this version (null when none).';
comment on column document_versions.text is 'Main text of this version.';
comment on column document_versions.fetched_at is 'When this text was first fetched by the crawler.';
comment on column document_versions.reported_on is 'When this version reported its figures: the publication date for version 1 (else its fetch date), the fetch date for later versions (the day the change was seen).';
comment on column document_versions.superseded_at is 'fetched_at of the version that replaced this one (null: current).';
comment on column document_versions.is_current is 'True for the version currently in documents.';
comment on column document_versions.extracted is 'True once the figures of this version have been extracted and loaded (commitment_history).';
