-- records deal ids in deal_aliases before deals are rebuilt from the staged clustering
-- (deal_clusters, deal_members: see build_deals.sql), while deals and deal_evidence still hold the
-- previous build. A previous deal id absent from the new clustering is retired: its successor is
-- the new deal holding most of its figures, then with the same anchor country, then sharing most of
-- its documents, then the smallest id (null when none of its documents supports a deal any more).
-- Aliases pointing at a retired id follow it to the successor; record_current_deal_aliases.sql,
-- run next, makes every new deal id current.
-- retired_at is data time (the newest fetched_at among the documents), so reruns give the same rows.
create or replace temp table retired_deals as
with old_evidence as (
    select
        e.deal_id,
        e.doc_id,
        e.commitment_id
    from deal_evidence as e
    where e.deal_id not in (select deal_id from deal_clusters)
),

new_evidence as (
    select
        m.deal_id,
        c.doc_id,
        m.commitment_id
    from deal_members as m
    join commitments as c
        on c.commitment_id = m.commitment_id
),

overlap as (
    select
        o.deal_id as old_id,
        n.deal_id as new_id,
        count(distinct o.commitment_id) filter (where o.commitment_id = n.commitment_id)
            as shared_figures,
        count(distinct o.doc_id) as shared_documents
    from old_evidence as o
    join new_evidence as n
        on n.doc_id = o.doc_id
    group by
        o.deal_id,
        n.deal_id
),

best as (
    select
        o.old_id,
        o.new_id
    from overlap as o
    join deals as old_deal
        on old_deal.deal_id = o.old_id
    join deal_clusters as k
        on k.deal_id = o.new_id
    qualify row_number() over (
        partition by o.old_id
        order by
            o.shared_figures desc,
            (old_deal.countries[1] = k.countries[1]) desc,
            o.shared_documents desc,
            o.new_id
    ) = 1
),

retired as (
    select
        d.deal_id as old_id,
        d.title,
        b.new_id
    from deals as d
    left join best as b
        on b.old_id = d.deal_id
    where d.deal_id not in (select deal_id from deal_clusters)
)

select
    r.old_id,
    r.title,
    r.new_id,
    case
        when r.new_id is null then 'dropped'
        when r.new_id in (select deal_id from deals) then 'merged'
        when count(*) over (partition by r.new_id) > 1 then 'merged'
        else 'superseded'
    end as reason,
    (select max(fetched_at) from documents) as retired_at
from retired as r;

insert into deal_aliases (
    alias_id,
    deal_id,
    successor_id,
    title,
    reason,
    retired_at
)
select
    old_id,
    new_id,
    new_id,
    title,
    reason,
    retired_at
from retired_deals
order by old_id
on conflict (alias_id) do update set
    deal_id = excluded.deal_id,
    successor_id = excluded.successor_id,
    title = excluded.title,
    reason = excluded.reason,
    retired_at = excluded.retired_at;

update deal_aliases
set deal_id = r.new_id
from retired_deals as r
where deal_aliases.deal_id = r.old_id;
