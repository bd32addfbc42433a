-- grain: one row per source in the sources registry (sources.toml), keyed by its stable slug.
create table sources (
    source_id varchar primary key,
    name varchar not null,
    kind varchar,
    country varchar,
    feeds varchar[],
    start_urls varchar[],
    article_pattern varchar,
    allowed_domains varchar[],
    updated_at timestamp
);

comment on table sources is 'One row per publisher in the sources registry (sources.toml): company newsrooms, government press offices, trade press, media.';
comment on column sources.source_id is 'Stable slug of the source (registry field id), e.g. openai-news.';
comment on column sources.name is 'Publisher name as shown in the newsletter, e.g. OpenAI News.';
comment on column sources.kind is 'Kind of publisher: company, government, trade or media.';
comment on column sources.country is 'ISO 3166-1 alpha-2 code of the publisher''s country.';
comment on column sources.feeds is 'RSS/Atom feed URLs read with feedparser.';
comment on column sources.start_urls is 'Listing pages the spider walks (pagination followed).';
comment on column sources.article_pattern is 'Regular expression selecting article links on listing pages (empty: none).';
comment on column sources.allowed_domains is 'Domains the spider may fetch for this source.';
comment on column sources.updated_at is 'When this row was last inserted or changed by load_sources.';
