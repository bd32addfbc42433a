-- The decisions that apply to one week's issue: its own, and corrections made in any week;
-- oldest first, so that applying them in order lets the latest win. A decision keeps following
-- its deal when a rebuild retires the deal's id: deal_id is the id's current deal (deal_aliases),
-- the id as decided when the alias is unknown or its deal is gone.
select
    x.week,
    coalesce(a.deal_id, x.deal_id) as deal_id,
    x.action,
    x.field,
    x.value,
    x.editor,
    x.via,
    strftime(x.decided_at, '%Y-%m-%dT%H:%M:%SZ') as decided_at
from editor_decisions as x
left join deal_aliases as a
    on a.alias_id = x.deal_id
where x.week = $week
   or x.action = 'correct'
order by x.decided_at, x.decision_id
