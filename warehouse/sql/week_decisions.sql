-- The decisions that apply to one week's issue: its own, and corrections made in any week;
-- oldest first, so that applying them in order lets the latest win.
select
    week,
    deal_id,
    action,
    field,
    value,
    editor,
    via,
    strftime(decided_at, '%Y-%m-%dT%H:%M:%SZ') as decided_at
from editor_decisions
where week = $week
   or action = 'correct'
order by decided_at, decision_id
