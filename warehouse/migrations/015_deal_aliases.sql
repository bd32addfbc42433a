-- grain: one row per deal id ever published (alias_id): current ids map to themselves, ids retired
-- by a rebuild (the deal merged into another or its evidence now founds a deal with another id)
-- point to their successor, so saved ids keep resolving.
create table deal_aliases (
    alias_id varchar primary key,
    deal_id varchar,
    successor_id varchar,
    title varchar,
    reason varchar not null,
    retired_at timestamp
);

insert into deal_aliases (
    alias_id,
    deal_id,
    successor_id,
    title,
    reason,
    retired_at
)
select
    deal_id as alias_id,
    deal_id,
    null as successor_id,
    title,
    'current' as reason,
    null as retired_at
from deals
order by deal_id;

comment on table deal_aliases is 'One row per deal id ever published: resolve a saved id with select d.* from deal_aliases a join deals d using (deal_id) where a.alias_id = ?.';
comment on column deal_aliases.alias_id is 'A deal id as it was published (current or retired).';
comment on column deal_aliases.deal_id is 'The current deal the id resolves to (deals.deal_id), following successors; null when the deal''s evidence disappeared.';
comment on column deal_aliases.successor_id is 'For a retired id: the deal that took over its evidence at the rebuild that retired it (most shared figures, then same anchor country, then most shared documents); null for current ids.';
comment on column deal_aliases.title is 'Title of the deal when this id was last current.';
comment on column deal_aliases.reason is 'current (the id is a deal now), superseded (its evidence founds a deal with a new id), merged (its evidence joined a deal that absorbed another one or already existed) or dropped (no evidence left).';
comment on column deal_aliases.retired_at is 'When the id was retired: the newest fetch time among the loaded documents at that rebuild (data time, so reruns give the same rows); null for current ids.';
