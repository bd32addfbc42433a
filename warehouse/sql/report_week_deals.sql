-- grain: one row per deal reported in the week (parameter: week), in newsletter order: largest
-- money, then power, then chips first, then title. summary is the deal's one-sentence summary
-- (deals.summary; null for deals built before migration 041 until their next rebuild).
-- money_committed, mw_committed, chips_committed: whether a commitment-role evidence figure
-- carries that headline figure (false when only a context figure does: a GDP, a valuation), so
-- the story of the week is always a real commitment (view deal_committed_figures).
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
    w.chip_model,
    coalesce(k.money_committed, false) as money_committed,
    coalesce(k.mw_committed, false) as mw_committed,
    coalesce(k.chips_committed, false) as chips_committed
from weekly_deals as w
join deals as d
    on d.deal_id = w.deal_id
left join deal_committed_figures as k
    on k.deal_id = w.deal_id
where w.iso_week = $week
order by
    w.money_usd desc nulls last,
    w.mw desc nulls last,
    w.chip_count desc nulls last,
    w.title,
    w.deal_id;
