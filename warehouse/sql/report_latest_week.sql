-- grain: at most one row: the ISO week of the newest dated document that is evidence of a deal.
select d.iso_week
from deal_evidence as e
join documents as d
    on d.doc_id = e.doc_id
where d.iso_week is not null
order by
    d.published desc,
    d.iso_week desc
limit 1;
