-- grain: one row per URL under which a stored document was seen: its canonical URL, the URL it
-- was fetched from, and alternates (tracking-parameter, AMP and mobile variants, syndicated copies
-- recognised as the same story). Filled by load_documents; never deleted.
create table document_urls (
    url varchar primary key,
    doc_id varchar not null,
    relation varchar not null,
    first_seen_at timestamp
);

comment on table document_urls is 'One row per URL under which a stored document was seen (canonical, fetched, alternate): the several URLs of one story.';
comment on column document_urls.url is 'The URL as the crawler recorded it (tracking parameters removed).';
comment on column document_urls.doc_id is 'The stored document this URL leads to (documents.doc_id).';
comment on column document_urls.relation is 'canonical (the document''s canonical URL), fetched (the URL it was fetched from) or alternate (another URL of the same story: AMP or mobile variant, near-duplicate syndicated copy).';
comment on column document_urls.first_seen_at is 'When the crawler first fetched the page that named this URL (UTC).';
