-- grain: one row per rules build (deal_rule_state), clustered document (deal_rule_documents), deal
-- (deal_rule_deals) and clustered figure (deal_rule_figures): what the rule-based deal clustering
-- (warehouse/deals.py) keeps between runs so a weekly run can attach its new documents to the
-- existing deals instead of re-clustering all history (warehouse/deal_state.py). Written by every
-- rules build, full or incremental; the learned resolver ignores these tables. Empty until the
-- first rules build.
create table deal_rule_state (
    fingerprint varchar not null,
    mode varchar not null,
    documents integer not null,
    evidence_checksum varchar,
    next_order integer not null,
    built_at timestamp
);

create table deal_rule_documents (
    doc_id varchar primary key,
    figures_hash varchar not null
);

create table deal_rule_deals (
    deal_id varchar primary key,
    founded integer not null,
    anchor varchar,
    core varchar[],
    principal varchar[],
    named varchar[],
    companies varchar[],
    first_reported date not null,
    last_reported date not null,
    families varchar[],
    countries_named varchar[],
    parties struct(name varchar, role varchar)[],
    summary varchar not null
);

create table deal_rule_figures (
    commitment_id varchar primary key,
    deal_id varchar,
    doc_id varchar not null,
    kind varchar not null,
    amount double,
    currency varchar,
    usd double,
    tier tinyint not null,
    amount_keys varchar[]
);

comment on table deal_rule_state is 'One row: the last build of the rule-based deal clustering. An incremental run needs the same fingerprint (its code, SQL, keyword patterns and company registry) and deals unchanged since (evidence_checksum); otherwise deals are rebuilt in full.';
comment on column deal_rule_state.fingerprint is 'sha256 (16 hex) of the rules'' code, SQL, deal keyword patterns and the company registry when the deals were built.';
comment on column deal_rule_state.mode is 'full (every document clustered) or incremental (new documents attached to existing deals).';
comment on column deal_rule_state.documents is 'Documents the deals were clustered from.';
comment on column deal_rule_state.evidence_checksum is 'Checksum of deal_evidence (deal_id, commitment_id) as the build left it: another resolver''s build changes it and forces a full rebuild.';
comment on column deal_rule_state.next_order is 'The founding order the next new deal gets (deals founded earlier win ties).';
comment on column deal_rule_state.built_at is 'Data time of the build: the newest fetched_at among the documents (a rerun gives the same row).';
comment on table deal_rule_documents is 'One row per document the current rules deals were clustered from, with a hash of its figure ids: a document whose figures changed (re-extraction, a new text) is not new and forces a full rebuild.';
comment on column deal_rule_documents.doc_id is 'Document (documents.doc_id).';
comment on column deal_rule_documents.figures_hash is 'md5 of its commitment ids, sorted and comma-joined.';
comment on table deal_rule_deals is 'One row per current rules deal: what its founder fixed and what its documents added (warehouse/deal_clustering.py Deal), so an increment restores the deal as the clustering left it.';
comment on column deal_rule_deals.deal_id is 'Deal (deals.deal_id).';
comment on column deal_rule_deals.founded is 'Founding order of the deal in the clustering (earlier wins ties).';
comment on column deal_rule_deals.anchor is 'The founder''s anchor country (ISO code), null when none.';
comment on column deal_rule_deals.core is 'Core companies (the founder''s).';
comment on column deal_rule_deals.principal is 'The founder''s principal pair of companies.';
comment on column deal_rule_deals.named is 'The main companies of its documents (top two each).';
comment on column deal_rule_deals.companies is 'The core and the companies of its S figures.';
comment on column deal_rule_deals.first_reported is 'Report date of its first document.';
comment on column deal_rule_deals.last_reported is 'Report date of its latest document.';
comment on column deal_rule_deals.families is 'Deal type families of its figures (build, money; a partnership is none).';
comment on column deal_rule_deals.countries_named is 'Countries its figures'' sentences and paragraphs name.';
comment on column deal_rule_deals.parties is 'Its parties with roles in title order, so an increment re-tells unchanged deals as the build that made them did.';
comment on column deal_rule_deals.summary is 'JSON: what describing the deal reads of its documents, summed up (warehouse/deals.py Summary): votes for its country, countries and companies per document, company mentions, earliest figure, kinds of its S and M figures.';
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
