-- after deals are rebuilt: each current figure in commitment_history records the deal it is now
-- evidence of (null: none) and whether it may be that deal's headline figure (deal_members, staged
-- by warehouse/deals.py); superseded figures keep what they had while current, resolved later
-- through deal_aliases.
update commitment_history
set
    deal_id = m.deal_id,
    deal_headline = m.headline
from deal_members as m
where commitment_history.is_current
    and m.commitment_id = commitment_history.commitment_id
    and (
        commitment_history.deal_id is distinct from m.deal_id
        or commitment_history.deal_headline is distinct from m.headline
    );

update commitment_history
set
    deal_id = null,
    deal_headline = null
where is_current
    and (deal_id is not null or deal_headline is not null)
    and not exists (
        select 1
        from deal_members as m
        where m.commitment_id = commitment_history.commitment_id
    );
