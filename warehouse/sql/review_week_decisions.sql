-- grain: one row per editor decision that applies to the week's issue (parameter: week): the
-- week's own decisions and the corrections of its deals made in any week, oldest first, with the
-- note: the review page's decision log.
select
    x.week,
    x.deal_id,
    x.action,
    x.field,
    x.value,
    x.note,
    x.editor,
    x.via,
    strftime(x.decided_at, '%Y-%m-%dT%H:%M:%SZ') as decided_at
from editor_decisions as x
where x.week = $week
   or x.action = 'correct' and x.deal_id in (
        select deal_id
        from weekly_deals
        where iso_week = $week
    )
order by
    x.decided_at,
    x.decision_id;
