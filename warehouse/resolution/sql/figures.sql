-- grain: one row per plausible figure (commitment) of a dated document: the input of the deal
-- resolver (warehouse/resolution). Every column of commitments is passed on as it is (so keys the
-- extractor adds later, such as role and project, reach the resolver without a change here), with
-- the document's report date. Where the figure sits (in the title or not, its paragraph number,
-- where its sentence starts) store.py works out from the document's analysed text (documents.sql).
select
    c.*,
    coalesce(d.published, d.fetched_at::date) as reported_on
from commitments as c
join documents as d
    on d.doc_id = c.doc_id
where coalesce(d.published, d.fetched_at::date) is not null
    and c.plausible is not false
order by
    reported_on,
    c.doc_id,
    c.start_char nulls last,
    c.commitment_id;
