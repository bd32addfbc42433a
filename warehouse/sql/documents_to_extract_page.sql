-- grain: one row per document to extract, as an extraction input line (id, title, text,
-- published), one keyset page: at most $limit documents with doc_id after $after, ordered by doc_id.
-- $every: every stored document (re-extraction after a pipeline change); otherwise only those
-- whose current text has not been extracted yet.
select
    doc_id as id,
    title,
    text,
    strftime(published, '%Y-%m-%d') as published
from documents
where ($every or extracted_content_hash is distinct from content_hash)
    and doc_id > $after
order by doc_id
limit $limit;
