-- grain: one row per document to extract: its doc_id, in doc_id order ($every: every stored
-- document; otherwise those whose current text has not been extracted yet). One scan gives the
-- page boundaries of a whole run (documents_to_extract_range.sql reads each page).
select doc_id
from documents
where $every or extracted_content_hash is distinct from content_hash
order by doc_id;
