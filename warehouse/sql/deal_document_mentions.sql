-- grain: one row per document that has figures, kind, value and surface of its mentions: how
-- often it names each country and company and where first (the document contexts of
-- warehouse/deal_figures.py, summed up here instead of read mention by mention from
-- deal_mentions.sql), with a country's offsets, which count_contexts places in their paragraphs.
-- Rows in no particular order.
select
    m.doc_id,
    m.kind,
    m.value,
    m.surface,
    count(*) as mentions,
    min(m.start_char) as first_char,
    list(m.start_char order by m.start_char) filter (where m.kind = 'country') as country_starts
from mentions as m
where m.doc_id in (select doc_id from commitments)
    and m.doc_id in (select doc_id from documents)
group by
    m.doc_id,
    m.kind,
    m.value,
    m.surface;
