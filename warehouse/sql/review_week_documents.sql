-- grain: one row per evidence document of the deals reported in the week (parameter: week): its
-- title and current text, from which the stored character offsets were counted.
select distinct
    d.doc_id,
    d.title,
    d.text
from deal_evidence as e
join weekly_deals as w
    on w.deal_id = e.deal_id
    and w.iso_week = $week
join documents as d
    on d.doc_id = e.doc_id
order by d.doc_id;
