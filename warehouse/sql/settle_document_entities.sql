-- Copy the entity lists that loads left in document_entities_pending into documents, then empty
-- it. A row whose lists did not change is not touched (DuckDB rewrites a row when a list column
-- is updated): re-extracting an archive after a small pipeline change rewrites few rows.
update documents
set
    countries = p.countries,
    companies = p.companies
from document_entities_pending as p
where documents.doc_id = p.doc_id
    and (
        documents.countries is distinct from p.countries
        or documents.companies is distinct from p.companies
    );

delete from document_entities_pending;
