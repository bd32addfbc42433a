-- grain: one row per deal reported in the week (parameter: week), in newsletter order: largest
-- money, then power, then chips first, then title.
select
    deal_id,
    title,
    deal_type,
    status,
    is_new,
    confidence,
    strftime(first_reported, '%Y-%m-%d') as first_reported,
    strftime(last_reported, '%Y-%m-%d') as last_reported,
    countries,
    companies,
    money_usd,
    mw,
    chip_count as chips,
    chip_model
from weekly_deals
where iso_week = $week
order by
    money_usd desc nulls last,
    mw desc nulls last,
    chip_count desc nulls last,
    title,
    deal_id;
