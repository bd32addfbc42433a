-- grain: one row per deal, document and figure supporting the deal (commitment_id null would mark a
-- document-level piece of evidence without a figure).
create table deal_evidence (
    deal_id varchar not null,
    doc_id varchar not null,
    commitment_id varchar,
    sentence varchar,
    published date,
    unique (deal_id, doc_id, commitment_id)
);

comment on table deal_evidence is 'One row per piece of evidence of a deal: the document and figure (commitment) supporting it, with its sentence.';
comment on column deal_evidence.deal_id is 'Deal supported (deals.deal_id).';
comment on column deal_evidence.doc_id is 'Document giving the evidence (documents.doc_id).';
comment on column deal_evidence.commitment_id is 'Figure giving the evidence (commitments.commitment_id); null for document-level evidence.';
comment on column deal_evidence.sentence is 'Sentence of the evidence (provenance for editors).';
comment on column deal_evidence.published is 'Publication date of the document.';
