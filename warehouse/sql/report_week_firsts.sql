-- grain: one row per country and per company of the week's deals, with the first ISO week in which
-- a deal involving it was reported; plus one row per company and country that appear together in
-- the week's deals for the first time (country_ledger.new_partners) (parameter: week).
with week_deals as (
    select
        countries,
        companies
    from weekly_deals
    where iso_week = $week
),

week_countries as (
    select distinct c.country as name
    from week_deals,
        unnest(week_deals.countries) as c(country)
),

week_companies as (
    select distinct p.company as name
    from week_deals,
        unnest(week_deals.companies) as p(company)
),

country_firsts as (
    select
        country as name,
        min(iso_week) as first_week
    from country_ledger
    group by country
),

company_firsts as (
    select
        p.company as name,
        min(w.iso_week) as first_week
    from weekly_deals as w,
        unnest(w.companies) as p(company)
    group by p.company
),

firsts as (
    select
        'country' as kind,
        f.name,
        null::varchar as country,
        f.first_week
    from country_firsts as f
    join week_countries using (name)

    union all

    select
        'company' as kind,
        f.name,
        null::varchar as country,
        f.first_week
    from company_firsts as f
    join week_companies using (name)

    union all

    select
        'partner' as kind,
        p.company as name,
        l.country,
        l.iso_week as first_week
    from country_ledger as l,
        unnest(l.new_partners) as p(company)
    where l.iso_week = $week
)

select
    kind,
    name,
    country,
    first_week
from firsts
order by
    kind,
    name,
    country;
