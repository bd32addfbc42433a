-- grain: one row per country involved in a deal reported in the week (parameter: week).
select
    country as code,
    deals,
    money_usd,
    mw,
    chips
from country_ledger
where iso_week = $week
order by country;
