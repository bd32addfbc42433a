-- grain: one row per country, company or project mention of a dated document that has figures
-- (documents.sql): what the deal resolver reads of who and where a document names. The columns
-- of warehouse/sql/deal_mentions.sql except paragraph_no, which store.py counts from the
-- document's analysed text (line breaks before the mention), once per document instead of
-- once per mention in SQL.
select
    m.doc_id,
    m.kind,
    m.value,
    m.surface,
    m.start_char,
    coalesce(m.end_char, m.start_char) as end_char,
    m.sentence
from mentions as m
where m.doc_id in (
    select doc_id
    from documents
    where coalesce(published, fetched_at::date) is not null
)
    and m.doc_id in (select doc_id from commitments)
order by
    m.doc_id,
    m.start_char,
    m.kind,
    m.value;
