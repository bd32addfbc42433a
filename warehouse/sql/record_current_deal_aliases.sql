-- every staged deal id (deal_clusters) is current in deal_aliases, with its title: after
-- record_deal_aliases.sql (a full rebuild) and record_deal_increment.sql (a weekly increment),
-- which retire the ids that are gone.
insert into deal_aliases (
    alias_id,
    deal_id,
    successor_id,
    title,
    reason,
    retired_at
)
select
    deal_id,
    deal_id,
    null,
    title,
    'current',
    null
from deal_clusters
order by deal_id
on conflict (alias_id) do update set
    deal_id = excluded.deal_id,
    successor_id = null,
    title = excluded.title,
    reason = 'current',
    retired_at = null
where deal_aliases.deal_id is distinct from excluded.deal_id
    or deal_aliases.successor_id is not null
    or deal_aliases.title is distinct from excluded.title
    or deal_aliases.reason <> 'current';
