-- grain: one row: how many of a week's deals had a figure change reported that week
-- (parameters: week_start, week_end).
select count(distinct deal_id) as changed_deals
from figure_changes
where scope = 'deal'
  and changed_on between $week_start and $week_end
