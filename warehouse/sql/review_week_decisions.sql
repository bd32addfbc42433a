-- grain: one row per editor decision that applies to the week's issue (parameter: week): the
-- week's own decisions and the corrections of its deals made in any week, oldest first, with the
-- note: the review page's decision log. deal_id is the deal the decision applies to now: the id
-- as decided, followed through deal_aliases when a rebuild retired it (as week_decisions.sql).
with decisions as (
    select
        x.*,
        coalesce(a.deal_id, x.deal_id) as current_deal_id
    from editor_decisions as x
    left join deal_aliases as a
        on a.alias_id = x.deal_id
)

select
    week,
    current_deal_id as deal_id,
    action,
    field,
    value,
    note,
    editor,
    via,
    strftime(decided_at, '%Y-%m-%dT%H:%M:%SZ') as decided_at
from decisions
where week = $week
   or action = 'correct' and current_deal_id in (
        select deal_id
        from weekly_deals
        where iso_week = $week
    )
order by
    decided_at,
    decision_id;
