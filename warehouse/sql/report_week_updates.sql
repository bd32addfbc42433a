-- grain: one row per updated deal of the week (reported this week, first reported in an earlier
-- week) and figure kind reported this week: the figure as last reported before the week next to
-- the latest figure of that kind reported in the week, each with its document, publisher and date
-- (parameters: week, week_start, week_end). As in figure_changes, a report's figure of a kind is
-- the largest of that kind in one version of one document.
with updated as (
    select deal_id
    from weekly_deals
    where iso_week = $week
      and not is_new
),

reports as (
    select
        h.deal_id,
        h.kind,
        h.value,
        h.currency,
        h.value_usd,
        h.mw,
        h.chip_count,
        h.chip_model,
        h.surface,
        h.sentence,
        h.reported_on,
        h.fetched_at,
        h.doc_id,
        h.url,
        d.title,
        coalesce(s.name, d.source_id) as publisher,
        case h.kind
            when 'money' then coalesce(h.currency, '?') || ' ' || coalesce(h.value::varchar, '?')
            when 'power' then coalesce(h.mw::varchar, '?')
            else coalesce(h.chip_count::varchar, '?')
        end as amount_key
    from deal_figure_history as h
    join updated as u
        on u.deal_id = h.deal_id
    join documents as d
        on d.doc_id = h.doc_id
    left join sources as s
        on s.source_id = d.source_id
    where h.reported_on <= $week_end
    qualify row_number() over (
        partition by h.deal_id, h.kind, h.doc_id, h.content_hash
        order by
            coalesce(h.value_usd, h.value, h.mw, h.chip_count) desc nulls last,
            h.commitment_id
    ) = 1
),

earlier as (
    select *
    from reports
    where reported_on < $week_start
    qualify row_number() over (
        partition by deal_id, kind
        order by reported_on desc, fetched_at desc, doc_id desc
    ) = 1
),

this_week as (
    select *
    from reports
    where reported_on >= $week_start
    qualify row_number() over (
        partition by deal_id, kind
        order by reported_on desc, fetched_at desc, doc_id desc
    ) = 1
)

select
    n.deal_id,
    n.kind,
    case
        when o.deal_id is null then 'added'
        when o.amount_key = n.amount_key then 'unchanged'
        else 'changed'
    end as change,
    o.value as old_value,
    o.currency as old_currency,
    o.value_usd as old_value_usd,
    o.mw as old_mw,
    o.chip_count as old_count,
    o.chip_model as old_model,
    o.surface as old_text,
    o.sentence as old_sentence,
    o.url as old_url,
    o.title as old_title,
    o.publisher as old_publisher,
    strftime(o.reported_on, '%Y-%m-%d') as old_published,
    n.value as new_value,
    n.currency as new_currency,
    n.value_usd as new_value_usd,
    n.mw as new_mw,
    n.chip_count as new_count,
    n.chip_model as new_model,
    n.surface as new_text,
    n.sentence as new_sentence,
    n.url as new_url,
    n.title as new_title,
    n.publisher as new_publisher,
    strftime(n.reported_on, '%Y-%m-%d') as new_published
from this_week as n
left join earlier as o
    on o.deal_id = n.deal_id
    and o.kind = n.kind
order by
    n.deal_id,
    case n.kind when 'money' then 1 when 'power' then 2 else 3 end;
