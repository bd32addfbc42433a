-- grain: one row per document whose current text has not been extracted yet, as an extraction
-- input line (id, title, text, published), ordered by doc_id.
select
    doc_id as id,
    title,
    text,
    strftime(published, '%Y-%m-%d') as published
from documents
where extracted_content_hash is distinct from content_hash
order by doc_id;
