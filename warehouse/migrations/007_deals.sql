-- grain: one row per real-world deal or programme (a cluster of figures reported by one or more
-- documents); rebuilt from commitments and mentions by warehouse/deals.py.
create table deals (
    deal_id varchar primary key,
    title varchar not null,
    countries varchar[],
    companies varchar[],
    deal_type varchar,
    status varchar,
    money_value double,
    money_currency varchar,
    money_usd double,
    mw double,
    chip_count bigint,
    chip_model varchar,
    first_reported date,
    last_reported date,
    n_documents integer,
    n_sources integer,
    confidence double
);

comment on table deals is 'One row per real-world deal or programme, clustered from the figures of its coverage (see warehouse/deals.py for the rule).';
comment on column deals.deal_id is 'Stable id: d- plus 12 hex characters of sha256 of the earliest evidence commitment_id.';
comment on column deals.title is 'Readable title: the most mentioned companies in the most mentioned country, e.g. OpenAI, G42, Oracle in United Arab Emirates.';
comment on column deals.countries is 'Countries involved (sorted ISO alpha-2 codes).';
comment on column deals.companies is 'Companies involved (sorted canonical names).';
comment on column deals.deal_type is 'data_center, chip_supply, sovereign_model, fund or partnership, from keywords in the evidence (warehouse/data/deal_keywords.csv).';
comment on column deals.status is 'Most advanced status named in the evidence: operational, under_construction, signed, announced (null when none).';
comment on column deals.money_value is 'Latest reported money figure, in its original currency.';
comment on column deals.money_currency is 'ISO 4217 currency of money_value.';
comment on column deals.money_usd is 'Latest reported money figure in US dollars.';
comment on column deals.mw is 'Largest power capacity (MW) stated by the latest report giving one.';
comment on column deals.chip_count is 'Largest chip count stated by the latest report giving one.';
comment on column deals.chip_model is 'Chip model of chip_count when named.';
comment on column deals.first_reported is 'Publication date of the earliest evidence document.';
comment on column deals.last_reported is 'Publication date of the latest evidence document.';
comment on column deals.n_documents is 'Number of distinct evidence documents.';
comment on column deals.n_sources is 'Number of distinct sources (publishers) among the evidence documents.';
comment on column deals.confidence is 'Heuristic confidence 0..1 from the number of sources and of figure kinds.';
