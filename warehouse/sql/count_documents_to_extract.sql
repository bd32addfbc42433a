-- grain: one row: how many documents an extraction run would read ($every: all stored documents,
-- otherwise those whose current text has not been extracted yet).
select count(*) as documents
from documents
where $every or extracted_content_hash is distinct from content_hash;
