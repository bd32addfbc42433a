-- grain: one row per company and country pair that appear together in at least one current deal
-- (a deal links each of its companies with each of its countries).
create or replace view company_country_links as
with pairs as (
    select
        p.company,
        c.country,
        d.deal_id,
        d.first_reported,
        d.last_reported,
        d.money_usd,
        d.mw,
        d.chip_count
    from deals as d,
        unnest(d.countries) as c(country),
        unnest(d.companies) as p(company)
),

evidence as (
    select
        p.company,
        p.country,
        count(distinct e.doc_id) as documents,
        count(distinct coalesce(docs.source_id, docs.doc_id)) as sources
    from pairs as p
    join deal_evidence as e
        on e.deal_id = p.deal_id
    join documents as docs
        on docs.doc_id = e.doc_id
    group by
        p.company,
        p.country
)

select
    p.company,
    p.country,
    count(*) as deals,
    list(p.deal_id order by p.deal_id) as deal_ids,
    min(p.first_reported) as first_reported,
    max(p.last_reported) as last_reported,
    sum(p.money_usd) as money_usd,
    sum(p.mw) as mw,
    sum(p.chip_count)::bigint as chips,
    coalesce(any_value(e.documents), 0) as documents,
    coalesce(any_value(e.sources), 0) as sources
from pairs as p
left join evidence as e
    on e.company = p.company
    and e.country = p.country
group by
    p.company,
    p.country;

comment on view company_country_links is 'One row per company and country that appear together in at least one deal: how many deals, first and last reported, and the deals'' summed figures.';
comment on column company_country_links.company is 'Company (canonical short name, as in deals.companies).';
comment on column company_country_links.country is 'ISO 3166-1 alpha-2 code of the country (as in deals.countries).';
comment on column company_country_links.deals is 'Number of deals naming both.';
comment on column company_country_links.deal_ids is 'Those deals (deals.deal_id), sorted.';
comment on column company_country_links.first_reported is 'Earliest first_reported of those deals.';
comment on column company_country_links.last_reported is 'Latest last_reported of those deals.';
comment on column company_country_links.money_usd is 'Sum of those deals'' money figures in US dollars (null when none has one).';
comment on column company_country_links.mw is 'Sum of those deals'' power capacity in MW (null when none).';
comment on column company_country_links.chips is 'Sum of those deals'' chip counts (null when none).';
comment on column company_country_links.documents is 'Distinct evidence documents of those deals.';
comment on column company_country_links.sources is 'Distinct sources (publishers) of those documents.';
