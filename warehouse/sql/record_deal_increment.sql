-- before an increment's deals are written (warehouse/deals.py, persist_increment; deal_clusters:
-- the changed and new deals): a changed deal whose id changed (it gained an earlier report)
-- retires its stored id, superseded by its id now, as record_deal_aliases.sql does after a full
-- rebuild; aliases pointing at the retired id follow it (record_current_deal_aliases.sql, run
-- next, makes the changed and new deals current).
-- Its evidence takes its id now; the changed deals' stored deals rows go (build_deals.sql's
-- insert writes them again).
insert into deal_aliases (
    alias_id,
    deal_id,
    successor_id,
    title,
    reason,
    retired_at
)
select
    r.old_id,
    r.new_id,
    r.new_id,
    d.title,
    'superseded',
    (select max(fetched_at) from documents)
from deal_renamed as r
join deals as d
    on d.deal_id = r.old_id
where r.old_id <> r.new_id
order by r.old_id
on conflict (alias_id) do update set
    deal_id = excluded.deal_id,
    successor_id = excluded.successor_id,
    title = excluded.title,
    reason = excluded.reason,
    retired_at = excluded.retired_at;

update deal_aliases
set deal_id = r.new_id
from deal_renamed as r
where deal_aliases.deal_id = r.old_id
    and r.old_id <> r.new_id;

-- (an update in place: deal_evidence has no index on deal_id, migration 046)
update deal_evidence
set deal_id = r.new_id
from deal_renamed as r
where deal_evidence.deal_id = r.old_id
    and r.old_id <> r.new_id;

delete from deals
where deal_id in (select old_id from deal_renamed);
