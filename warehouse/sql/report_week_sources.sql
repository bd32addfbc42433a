-- grain: one row per deal reported in the week (parameter: week) and evidence document published
-- that week, with its publisher.
select distinct
    e.deal_id,
    d.title,
    d.canonical_url as url,
    coalesce(s.name, d.source_id) as publisher,
    strftime(d.published, '%Y-%m-%d') as published
from deal_evidence as e
join documents as d
    on d.doc_id = e.doc_id
left join sources as s
    on s.source_id = d.source_id
where d.iso_week = $week
order by
    e.deal_id,
    published,
    url;
