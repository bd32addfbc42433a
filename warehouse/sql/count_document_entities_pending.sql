-- grain: one row: how many documents' entity lists wait in document_entities_pending.
select count(*) as waiting
from document_entities_pending;
