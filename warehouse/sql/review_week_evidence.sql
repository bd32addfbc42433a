-- grain: one row per evidence figure of each deal reported in the week (parameter: week): the
-- figure's document, offsets and sentence, with the document's title, URL, publisher and date.
with week_deals as (
    select deal_id
    from weekly_deals
    where iso_week = $week
)

select
    e.deal_id,
    e.doc_id,
    c.commitment_id,
    c.kind,
    c.start_char,
    c.end_char,
    c.surface,
    c.sentence,
    d.title,
    d.canonical_url as url,
    coalesce(s.name, d.source_id) as publisher,
    strftime(d.published, '%Y-%m-%d') as published,
    coalesce(d.iso_week = $week, false) as this_week
from deal_evidence as e
join week_deals as w
    on w.deal_id = e.deal_id
join commitments as c
    on c.commitment_id = e.commitment_id
join documents as d
    on d.doc_id = e.doc_id
left join sources as s
    on s.source_id = d.source_id
order by
    e.deal_id,
    d.published desc nulls last,
    d.canonical_url,
    c.start_char,
    c.commitment_id;
