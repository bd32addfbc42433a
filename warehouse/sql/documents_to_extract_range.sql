-- grain: one row per document to extract with doc_id from $low to $high (both included), as an
-- extraction input line (id, title, text, published), in doc_id order; same filter as
-- documents_to_extract_page.sql. A range reads only the rows of its page (zone maps), where a
-- keyset page (doc_id > $after ... limit) sorts every later document again.
select
    doc_id as id,
    title,
    text,
    strftime(published, '%Y-%m-%d') as published
from documents
where doc_id between $low and $high
    and ($every or extracted_content_hash is distinct from content_hash)
order by doc_id;
