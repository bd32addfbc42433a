-- stages an increment of the learned resolver (incremental.py) for the shared persistence SQL:
-- deal_clusters and deal_members hold the deals the increment changed or founded
-- (resolver_changed_clusters, resolver_changed_members) and every other deal as it is stored
-- (resolver_replaced: the ids of the changed deals before the increment). An unchanged deal's
-- members come back from deal_evidence (link strength as tier) and its headline flags from the
-- current figures' commitment_history, its parties from resolver_parties.
create or replace temp table deal_clusters as
select
    deal_id,
    title,
    countries,
    companies,
    parties
from resolver_changed_clusters
union all
select
    d.deal_id,
    d.title,
    d.countries,
    d.companies,
    p.parties
from deals as d
left join resolver_parties as p
    on p.deal_id = d.deal_id
where d.deal_id not in (select deal_id from resolver_replaced);

create or replace temp table deal_members as
select
    deal_id,
    commitment_id,
    tier,
    headline
from resolver_changed_members
union all
select
    e.deal_id,
    e.commitment_id,
    case e.link_strength when 'sentence' then 'S' when 'shared' then 'M' else 'W' end as tier,
    coalesce(h.deal_headline, false) as headline
from deal_evidence as e
left join commitment_history as h
    on h.commitment_id = e.commitment_id
    and h.is_current
where e.deal_id not in (select deal_id from resolver_replaced);
