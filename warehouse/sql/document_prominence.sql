-- grain: one row per document, mention kind and value: how often and how early the document
-- names each country and company (ranks principal companies and title words in warehouse/deals.py).
select
    doc_id,
    kind,
    value,
    count(*) as n_mentions,
    min(start_char) as first_start
from mentions
where doc_id in (select doc_id from commitments)
group by
    doc_id,
    kind,
    value
order by
    doc_id,
    kind,
    value;
