-- grain: one row per document a streaming load (tracker reextract) extracted whose entity lists
-- are not yet in documents.countries / documents.companies. DuckDB rewrites a whole row (its text
-- included) when a list column changes, so the streaming load keeps the lists here, batch by
-- batch, and copies them into documents in one statement at its end; any later load copies what
-- an interrupted one left (warehouse/sql/settle_document_entities.sql).
create table document_entities_pending (
    doc_id varchar not null,
    countries varchar[],
    companies varchar[]
);

comment on table document_entities_pending is 'Internal: entity lists of documents extracted by a streaming load that are not yet copied into documents.countries and documents.companies (empty once a load has finished).';
comment on column document_entities_pending.doc_id is 'The extracted document (documents.doc_id).';
comment on column document_entities_pending.countries is 'Countries of its latest extraction (sorted ISO alpha-2 codes), for documents.countries.';
comment on column document_entities_pending.companies is 'Companies of its latest extraction (sorted canonical names), for documents.companies.';
