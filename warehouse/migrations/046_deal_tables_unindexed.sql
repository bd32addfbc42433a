-- grain: one row per deal, document and figure supporting it (deal_evidence), and per figure and
-- document the rules clustered (deal_rule_figures, deal_rule_documents), as before: the three
-- lose their unique index. The builds write them whole and unique (warehouse/deals.py,
-- warehouse/deal_state.py), and the index made every rewrite slow: DuckDB removes each deleted
-- or re-keyed row from it at commit, fetching its key row by row from compressed storage (a full
-- rebuild over 100k documents spent 27 s committing the deletes of 719,000 evidence and figure
-- rows; a weekly increment renaming one large deal, 10 s for its 442,000 evidence rows, which an
-- update of deal_id now changes in place).
create table deal_evidence_046 (
    deal_id varchar not null,
    doc_id varchar not null,
    commitment_id varchar,
    sentence varchar,
    published date,
    link_strength varchar
);

insert into deal_evidence_046
select
    deal_id,
    doc_id,
    commitment_id,
    sentence,
    published,
    link_strength
from deal_evidence
order by
    deal_id,
    doc_id,
    commitment_id;

drop table deal_evidence;

alter table deal_evidence_046 rename to deal_evidence;

create table deal_rule_figures_046 (
    commitment_id varchar not null,
    deal_id varchar,
    doc_id varchar not null,
    kind varchar not null,
    amount double,
    currency varchar,
    usd double,
    tier tinyint not null,
    amount_keys varchar[]
);

insert into deal_rule_figures_046
select *
from deal_rule_figures
order by commitment_id;

drop table deal_rule_figures;

alter table deal_rule_figures_046 rename to deal_rule_figures;

create table deal_rule_documents_046 (
    doc_id varchar not null,
    figures_hash varchar not null
);

insert into deal_rule_documents_046
select *
from deal_rule_documents
order by doc_id;

drop table deal_rule_documents;

alter table deal_rule_documents_046 rename to deal_rule_documents;

comment on table deal_evidence is 'One row per piece of evidence of a deal: the document and figure (commitment) supporting it, with its sentence.';
comment on column deal_evidence.deal_id is 'Deal supported (deals.deal_id).';
comment on column deal_evidence.doc_id is 'Document giving the evidence (documents.doc_id).';
comment on column deal_evidence.commitment_id is 'Figure giving the evidence (commitments.commitment_id); null for document-level evidence.';
comment on column deal_evidence.sentence is 'Sentence of the evidence (provenance for editors).';
comment on column deal_evidence.published is 'Publication date of the document.';
comment on column deal_evidence.link_strength is 'How the figure is tied to its countries and companies: sentence (its own sentence names them, and no other figure), shared (the headline, or a sentence with several figures), borrowed (its sentence names none: they come from its paragraph or title; such a figure never sets the deal''s country or headline figure unless another report confirms it).';
comment on table deal_rule_figures is 'One row per figure the rules clustered (in a deal or left out): its deal, amount and tier, so an increment finds the deals holding the same figure without reading their documents again.';
comment on column deal_rule_figures.commitment_id is 'Figure (commitments.commitment_id).';
comment on column deal_rule_figures.deal_id is 'Its deal, null when the clustering left it out.';
comment on column deal_rule_figures.doc_id is 'Document (documents.doc_id).';
comment on column deal_rule_figures.kind is 'money, power or chips.';
comment on column deal_rule_figures.amount is 'Amount in its unit (money value, MW, chip count).';
comment on column deal_rule_figures.currency is 'Currency of a money figure.';
comment on column deal_rule_figures.usd is 'Money value in US dollars.';
comment on column deal_rule_figures.tier is 'Link tier: 0 S (sentence), 1 M (shared), 2 W (borrowed).';
comment on column deal_rule_figures.amount_keys is 'Its amount buckets (kind|unit|bucket, warehouse/deal_figures.py figure_keys): how an increment finds the deals holding the same figure.';
comment on table deal_rule_documents is 'One row per document the current rules deals were clustered from, with a hash of its figure ids: a document whose figures changed (re-extraction, a new text) is not new and forces a full rebuild.';
comment on column deal_rule_documents.doc_id is 'Document (documents.doc_id).';
comment on column deal_rule_documents.figures_hash is 'md5 of its commitment ids, sorted and comma-joined.';
