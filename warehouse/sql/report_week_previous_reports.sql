-- grain: one row per updated deal of the week (reported this week, first reported in an earlier
-- week): its latest evidence document published before the week (parameters: week, week_start).
select
    e.deal_id,
    d.title,
    d.canonical_url as url,
    coalesce(s.name, d.source_id) as publisher,
    strftime(d.published, '%Y-%m-%d') as published
from deal_evidence as e
join weekly_deals as w
    on w.deal_id = e.deal_id
    and w.iso_week = $week
    and not w.is_new
join documents as d
    on d.doc_id = e.doc_id
left join sources as s
    on s.source_id = d.source_id
where d.published < $week_start
qualify row_number() over (
    partition by e.deal_id
    order by d.published desc, d.canonical_url desc
) = 1
order by e.deal_id;
