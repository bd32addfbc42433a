-- grain: one row per document the deal resolver reads (dated, with figures: documents.sql): a hash
-- of its figure ids (md5 of its commitment ids, sorted, comma-joined), so a later build can tell
-- new documents from ones whose figures changed (re-extraction, a new text).
select
    c.doc_id,
    md5(string_agg(c.commitment_id, ',' order by c.commitment_id)) as figures_hash
from commitments as c
join documents as d
    on d.doc_id = c.doc_id
where coalesce(d.published, d.fetched_at::date) is not null
group by c.doc_id
