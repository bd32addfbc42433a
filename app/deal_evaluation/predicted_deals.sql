-- grain: one row per predicted deal, with what the deal record shows: title, countries (host
-- first), companies and headline figures.
select
    deal_id,
    title,
    countries,
    companies,
    money_value,
    money_currency,
    mw,
    chip_count
from deals
order by deal_id
