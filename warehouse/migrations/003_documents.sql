-- grain: one row per distinct article (canonical URL); identical text reached under another URL
-- (a syndicated copy) is not stored twice.
create table documents (
    doc_id varchar primary key,
    source_id varchar,
    url varchar,
    canonical_url varchar not null unique,
    title varchar,
    published date,
    published_source varchar,
    iso_week varchar,
    text varchar,
    content_hash varchar not null,
    language varchar,
    discovered_via varchar,
    fetched_at timestamp,
    first_seen_at timestamp,
    countries varchar[],
    companies varchar[],
    extracted_content_hash varchar
);

comment on table documents is 'One row per distinct crawled article (canonical URL); a syndicated copy with identical text is stored once.';
comment on column documents.doc_id is 'First 16 hex characters of sha1(canonical_url).';
comment on column documents.source_id is 'Registry slug of the source the article was crawled from (sources.source_id).';
comment on column documents.url is 'URL the article was fetched from.';
comment on column documents.canonical_url is 'Canonical URL (rel=canonical, tracking parameters removed); unique.';
comment on column documents.title is 'Article headline.';
comment on column documents.published is 'Publication date (null when the article gives none).';
comment on column documents.published_source is 'Where the publication date came from: meta, feed or page (null when unknown).';
comment on column documents.iso_week is 'ISO year-week of published, e.g. 2025-W21 (null when published is null).';
comment on column documents.text is 'Main text of the article (boilerplate removed).';
comment on column documents.content_hash is 'sha256 of the whitespace-normalised text; a change marks the article for re-extraction.';
comment on column documents.language is 'Language code of the text, e.g. en.';
comment on column documents.discovered_via is 'How the crawler found the article: feed or listing.';
comment on column documents.fetched_at is 'When the current version of the article was fetched.';
comment on column documents.first_seen_at is 'When the article was first fetched (fetched_at of its first loaded version).';
comment on column documents.countries is 'Countries the article refers to (sorted ISO alpha-2 codes), from the latest extraction.';
comment on column documents.companies is 'Companies the article refers to (sorted canonical names), from the latest extraction.';
comment on column documents.extracted_content_hash is 'content_hash of the text the current mentions and commitments were extracted from (null: never extracted).';
