-- grain: one row per deal first reported in the week's ISO year, up to the end of the week
-- (parameters: year_first_week, week, e.g. 2025-W01 and 2025-W47): its countries and current
-- figures, for the year-to-date chart.
select
    deal_id,
    countries,
    money_usd,
    mw,
    chip_count as chips,
    confidence
from deals
where strftime(first_reported, '%G-W%V') between $year_first_week and $week
order by deal_id;
