-- grain: one row per (source, origin) named by a staged document line (its fetched URL and its
-- canonical URL) whose source is in the registry with allowed domains; origin is the text up to
-- the end of the authority as urlsplit reads it (scheme://host:port), '' when there is none.
-- load.py checks each one against the source's domains and ports (spiders.urls.url_refusal).
with named as (
    select source_id, url as named_url
    from staged_documents_raw
    where url is not null
    union all
    select source_id, canonical_url
    from staged_documents_raw
    where canonical_url is not null
)

select distinct
    n.source_id,
    regexp_extract(n.named_url, '^[^/?#]*//[^/?#]*') as origin,
    s.allowed_domains,
    s.feeds,
    s.start_urls
from named as n
join sources as s
    on s.source_id = n.source_id
where len(s.allowed_domains) > 0
order by n.source_id, origin
