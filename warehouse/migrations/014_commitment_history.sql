-- grain: one row per figure extracted from one version of a document (commitment_id,
-- content_hash): the current figures (also in commitments) and every superseded one.
create table commitment_history (
    commitment_id varchar not null,
    doc_id varchar not null,
    content_hash varchar not null,
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
    end_char integer,
    fx_rate double,
    fx_month varchar,
    deal_type varchar,
    link_scope varchar,
    is_current boolean not null,
    superseded_at timestamp,
    deal_id varchar,
    primary key (commitment_id, content_hash)
);

insert into commitment_history
select
    c.commitment_id,
    c.doc_id,
    d.extracted_content_hash as content_hash,
    c.kind,
    c.value,
    c.currency,
    c.value_usd,
    c.mw,
    c.chip_count,
    c.chip_model,
    c.qualifier,
    c.range_low,
    c.range_high,
    c.surface,
    c.sentence,
    c.countries,
    c.companies,
    c.start_char,
    c.end_char,
    c.fx_rate,
    c.fx_month,
    c.deal_type,
    c.link_scope,
    true as is_current,
    null as superseded_at,
    (
        select min(e.deal_id)
        from deal_evidence as e
        where e.commitment_id = c.commitment_id
    ) as deal_id
from commitments as c
join documents as d
    on d.doc_id = c.doc_id
where d.extracted_content_hash is not null
order by
    c.doc_id,
    c.start_char,
    c.commitment_id;

comment on table commitment_history is 'One row per figure extracted from one version of a document: current figures (as in commitments) and superseded ones, so a changed article keeps what it reported before.';
comment on column commitment_history.commitment_id is 'Figure id (commitments.commitment_id): c- plus 16 hex characters of sha256(doc_id|kind|start_char); unique per version.';
comment on column commitment_history.doc_id is 'Document the figure comes from (documents.doc_id).';
comment on column commitment_history.content_hash is 'Version of the document''s text the figure was extracted from (document_versions.content_hash).';
comment on column commitment_history.kind is 'money, power or chips.';
comment on column commitment_history.value is 'Money amount in the currency as written.';
comment on column commitment_history.currency is 'ISO 4217 code of a money figure as written.';
comment on column commitment_history.value_usd is 'Money amount converted to US dollars.';
comment on column commitment_history.mw is 'Power capacity in megawatts.';
comment on column commitment_history.chip_count is 'Number of chips, GPUs or accelerators.';
comment on column commitment_history.chip_model is 'Chip model when named.';
comment on column commitment_history.qualifier is 'Qualifier of the figure, e.g. up to, more than.';
comment on column commitment_history.range_low is 'Lower bound when the figure is a range.';
comment on column commitment_history.range_high is 'Upper bound when the figure is a range.';
comment on column commitment_history.surface is 'Figure as written, e.g. $500 billion.';
comment on column commitment_history.sentence is 'Sentence the figure was found in (provenance).';
comment on column commitment_history.countries is 'Countries named in the figure''s sentence.';
comment on column commitment_history.companies is 'Companies named in the figure''s sentence.';
comment on column commitment_history.start_char is 'Character offset of the figure in the analysed text of its version.';
comment on column commitment_history.end_char is 'Character offset just after the figure.';
comment on column commitment_history.fx_rate is 'Exchange rate to US dollars the extractor applied (null when not given).';
comment on column commitment_history.fx_month is 'Month of the exchange rate applied (null when not given).';
comment on column commitment_history.deal_type is 'Deal type the extractor read in the figure''s context (null when not given).';
comment on column commitment_history.link_scope is 'How the extractor linked the figure to countries and companies (null when not given).';
comment on column commitment_history.is_current is 'True when the figure belongs to the current text of its document (it is then also in commitments).';
comment on column commitment_history.superseded_at is 'fetched_at of the document version that replaced this figure''s version (null: current).';
comment on column commitment_history.deal_id is 'Deal the figure was evidence of at the last deal build while it was current (resolve old ids through deal_aliases).';
