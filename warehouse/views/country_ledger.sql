-- grain: one row per country per ISO week: the deals involving the country reported that week,
-- their figures summed (a deal counts in full for each of its countries), and the companies
-- appearing in that country's deals for the first time that week. Reads weekly_deals.
create or replace view country_ledger as
with deal_countries as (
    select
        w.iso_week,
        w.week_start,
        c.country,
        w.deal_id,
        w.is_new,
        w.money_usd,
        w.mw,
        w.chip_count,
        w.companies
    from weekly_deals as w,
        unnest(w.countries) as c(country)
),

partner_weeks as (
    select
        d.country,
        p.company,
        min(d.iso_week) as first_week
    from deal_countries as d,
        unnest(d.companies) as p(company)
    group by
        d.country,
        p.company
),

new_partners as (
    select
        country,
        first_week as iso_week,
        list(company order by company) as companies
    from partner_weeks
    group by
        country,
        first_week
),

ledger as (
    select
        iso_week,
        week_start,
        country,
        count(distinct deal_id) as deals,
        count(distinct deal_id) filter (where is_new) as new_deals,
        sum(money_usd) as money_usd,
        sum(mw) as mw,
        sum(chip_count)::bigint as chips
    from deal_countries
    group by
        iso_week,
        week_start,
        country
)

select
    l.iso_week,
    l.week_start,
    l.country,
    l.deals,
    l.new_deals,
    l.money_usd,
    l.mw,
    l.chips,
    coalesce(n.companies, []::varchar[]) as new_partners
from ledger as l
left join new_partners as n
    on n.country = l.country
    and n.iso_week = l.iso_week;

comment on view country_ledger is 'One row per country per ISO week: how many deals involving the country were reported that week, their summed figures, and the companies appearing with the country for the first time.';
comment on column country_ledger.iso_week is 'ISO year-week, e.g. 2025-W21.';
comment on column country_ledger.week_start is 'Monday of iso_week.';
comment on column country_ledger.country is 'ISO 3166-1 alpha-2 code of the country.';
comment on column country_ledger.deals is 'Deals involving the country reported this week.';
comment on column country_ledger.new_deals is 'Of those, deals first reported this week.';
comment on column country_ledger.money_usd is 'Sum of the deals'' latest money figures in US dollars (null when none).';
comment on column country_ledger.mw is 'Sum of the deals'' power capacity in MW (null when none).';
comment on column country_ledger.chips is 'Sum of the deals'' chip counts (null when none).';
comment on column country_ledger.new_partners is 'Companies of this week''s deals of the country that appear in none of its deals reported in an earlier week (sorted canonical names; empty when none).';
