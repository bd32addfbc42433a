-- grain: one row per distinct figure (money, power or chips) extracted from a document.
create table commitments (
    commitment_id varchar primary key,
    doc_id varchar not null,
    kind varchar not null,
    value double,
    currency varchar,
    value_usd double,
    mw double,
    chip_count bigint,
    chip_model varchar,
    qualifier varchar,
    range_low double,
    range_high double,
    surface varchar,
    sentence varchar,
    countries varchar[],
    companies varchar[],
    start_char integer,
    end_char integer
);

comment on table commitments is 'One row per distinct figure (money, power capacity, chips) extracted from a document, with its sentence.';
comment on column commitments.commitment_id is 'Stable id: c- plus 16 hex characters of sha256(doc_id|kind|start_char).';
comment on column commitments.doc_id is 'Document the figure comes from (documents.doc_id).';
comment on column commitments.kind is 'money, power or chips.';
comment on column commitments.value is 'Money amount in the currency as written (full number: EUR 109 bn is 109000000000).';
comment on column commitments.currency is 'ISO 4217 code of a money figure as written, e.g. USD, EUR, SAR.';
comment on column commitments.value_usd is 'Money amount converted to US dollars.';
comment on column commitments.mw is 'Power capacity in megawatts (1 GW is 1000).';
comment on column commitments.chip_count is 'Number of chips, GPUs or accelerators.';
comment on column commitments.chip_model is 'Chip model when named, e.g. GB300.';
comment on column commitments.qualifier is 'Qualifier of the figure as given by the extractor, e.g. up to, more than.';
comment on column commitments.range_low is 'Lower bound when the figure is a range (value holds the upper bound).';
comment on column commitments.range_high is 'Upper bound when the figure is a range.';
comment on column commitments.surface is 'Figure as written, e.g. $500 billion, 1GW.';
comment on column commitments.sentence is 'Sentence the figure was found in (provenance).';
comment on column commitments.countries is 'Countries named in the figure''s sentence (sorted ISO alpha-2 codes).';
comment on column commitments.companies is 'Companies named in the figure''s sentence (sorted canonical names).';
comment on column commitments.start_char is 'Character offset of the figure in the analysed text.';
comment on column commitments.end_char is 'Character offset just after the figure.';
