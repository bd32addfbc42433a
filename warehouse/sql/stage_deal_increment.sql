-- stages an increment of the rule-based clustering (warehouse/deals.py, persist_increment) for
-- the shared persistence SQL, once deal_evidence holds the changed deals under their ids now
-- (record_deal_increment.sql) and their new figures (build_deals.sql's evidence insert):
-- deal_members is every figure of the deals the increment changed or founded, the new ones
-- (deal_new_members) as the clustering flagged them, the held ones (deal_renamed: a changed
-- deal's stored id -> its id now) with the headline flags commitment_history holds, changed where
-- the new figures change them: a W amount a new S or M figure repeats (deal_headline_amounts),
-- and every W figure of a kind that had no S or M figure until now (deal_headline_kinds: then
-- only those an S or M figure repeats stay headlines).
create or replace temp table deal_members as
with held as (
    select
        r.old_id,
        e.deal_id,
        e.commitment_id,
        case e.link_strength when 'sentence' then 'S' when 'shared' then 'M' else 'W' end as tier,
        coalesce(h.deal_headline, false) as headline,
        f.kind,
        f.currency,
        f.amount,
        f.usd
    from deal_evidence as e
    join deal_renamed as r
        on r.new_id = e.deal_id
    left join commitment_history as h
        on h.commitment_id = e.commitment_id
        and h.is_current
    left join deal_rule_figures as f
        on f.commitment_id = e.commitment_id
    where e.commitment_id not in (select commitment_id from deal_new_members)
)

select
    held.deal_id,
    held.commitment_id,
    held.tier,
    case
        when held.tier <> 'W' then held.headline
        when a.headline is not null then a.headline
        when k.kind is not null then false
        else held.headline
    end as headline
from held
left join deal_headline_amounts as a
    on a.deal_id = held.old_id
    and a.kind = held.kind
    and a.currency is not distinct from held.currency
    and a.amount is not distinct from held.amount
    and a.usd is not distinct from held.usd
left join deal_headline_kinds as k
    on k.deal_id = held.old_id
    and k.kind = held.kind
union all
select
    deal_id,
    commitment_id,
    tier,
    headline
from deal_new_members;
