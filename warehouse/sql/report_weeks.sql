-- grain: one row per ISO week in which at least one deal was reported, oldest first.
select distinct iso_week
from weekly_deals
order by iso_week;
