-- grain: one row per deal reported in the week (parameter: week), in newsletter order: largest
-- money, then power, then chips first, then title. summary is the deal's one-sentence summary
-- (deals.summary; null for deals built before migration 041 until their next rebuild).
select
    w.deal_id,
    w.title,
    d.summary,
    w.deal_type,
    w.status,
    w.is_new,
    w.confidence,
    strftime(w.first_reported, '%Y-%m-%d') as first_reported,
    strftime(w.last_reported, '%Y-%m-%d') as last_reported,
    w.countries,
    w.companies,
    w.money_value,
    w.money_currency,
    w.money_usd,
    w.mw,
    w.chip_count as chips,
    w.chip_model
from weekly_deals as w
join deals as d
    on d.deal_id = w.deal_id
where w.iso_week = $week
order by
    w.money_usd desc nulls last,
    w.mw desc nulls last,
    w.chip_count desc nulls last,
    w.title,
    w.deal_id;
