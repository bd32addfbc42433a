-- upserts the registry rows staged as the Arrow table staged_sources (parameter: updated_at);
-- a row whose fields did not change is left alone, so updated_at keeps its value.
insert into sources (
    source_id,
    name,
    kind,
    country,
    feeds,
    start_urls,
    article_pattern,
    allowed_domains,
    updated_at
)
select
    source_id,
    name,
    kind,
    country,
    feeds,
    start_urls,
    article_pattern,
    allowed_domains,
    $updated_at
from staged_sources
on conflict (source_id) do update set
    name = excluded.name,
    kind = excluded.kind,
    country = excluded.country,
    feeds = excluded.feeds,
    start_urls = excluded.start_urls,
    article_pattern = excluded.article_pattern,
    allowed_domains = excluded.allowed_domains,
    updated_at = excluded.updated_at
where sources.name is distinct from excluded.name
    or sources.kind is distinct from excluded.kind
    or sources.country is distinct from excluded.country
    or sources.feeds is distinct from excluded.feeds
    or sources.start_urls is distinct from excluded.start_urls
    or sources.article_pattern is distinct from excluded.article_pattern
    or sources.allowed_domains is distinct from excluded.allowed_domains;
