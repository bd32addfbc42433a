-- grain: one row per deal just rebuilt (deals, with deal_evidence and commitments): what its title
-- and summary may say (warehouse/deal_texts.py, warehouse/resolution/telling.py). The figures are
-- the deal's headline ones, each only when a commitment-role evidence figure carries it (a figure
-- the extractor calls context, such as a GDP or a valuation, is never told as the deal's); the
-- host is its anchor country; project and deal_type are the ones most of its commitment-role
-- evidence figures name (ties: the alphabetically first), else deals.deal_type.
with named as (
    select
        e.deal_id,
        c.project,
        c.deal_type
    from deal_evidence as e
    join commitments as c
        on c.commitment_id = e.commitment_id
    where c.role is distinct from 'context'
),

projects as (
    select
        deal_id,
        project
    from named
    where project is not null
    group by
        deal_id,
        project
    qualify row_number() over (partition by deal_id order by count(*) desc, project) = 1
),

types as (
    select
        deal_id,
        deal_type
    from named
    where deal_type is not null
    group by
        deal_id,
        deal_type
    qualify row_number() over (partition by deal_id order by count(*) desc, deal_type) = 1
)

select
    d.deal_id,
    d.title,
    d.countries[1] as host,
    d.companies,
    coalesce(t.deal_type, d.deal_type) as deal_type,
    d.status,
    case when k.money_committed then d.money_value end as money_value,
    case when k.money_committed then d.money_currency end as money_currency,
    case when k.money_committed then d.money_usd end as money_usd,
    case when k.mw_committed then d.mw end as mw,
    case when k.chips_committed then d.chip_count end as chip_count,
    case when k.chips_committed then d.chip_model end as chip_model,
    d.first_reported,
    p.project
from deals as d
left join projects as p
    on p.deal_id = d.deal_id
left join types as t
    on t.deal_id = d.deal_id
left join deal_committed_figures as k
    on k.deal_id = d.deal_id
order by d.deal_id;
