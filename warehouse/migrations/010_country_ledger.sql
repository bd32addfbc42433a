-- grain: one row per country per ISO week: the deals involving the country reported that week,
-- with their figures summed (a deal counts in full for each of its countries).
create view country_ledger as
with deal_countries as (
    select
        w.iso_week,
        w.week_start,
        unnest(w.countries) as country,
        w.deal_id,
        w.is_new,
        w.money_usd,
        w.mw,
        w.chip_count
    from weekly_deals as w
)

select
    iso_week,
    week_start,
    country,
    count(distinct deal_id) as deals,
    count(distinct deal_id) filter (where is_new) as new_deals,
    sum(money_usd) as money_usd,
    sum(mw) as mw,
    sum(chip_count) as chips
from deal_countries
group by
    iso_week,
    week_start,
    country;

comment on view country_ledger is 'One row per country per ISO week: how many deals involving the country were reported that week and their summed figures.';
comment on column country_ledger.iso_week is 'ISO year-week, e.g. 2025-W21.';
comment on column country_ledger.week_start is 'Monday of iso_week.';
comment on column country_ledger.country is 'ISO 3166-1 alpha-2 code of the country.';
comment on column country_ledger.deals is 'Deals involving the country reported this week.';
comment on column country_ledger.new_deals is 'Of those, deals first reported this week.';
comment on column country_ledger.money_usd is 'Sum of the deals'' latest money figures in US dollars (null when none).';
comment on column country_ledger.mw is 'Sum of the deals'' power capacity in MW (null when none).';
comment on column country_ledger.chips is 'Sum of the deals'' chip counts (null when none).';
