-- after deals are rebuilt: each current figure in commitment_history records the deal it is now
-- evidence of (null: none); superseded figures keep the deal they had while current, resolved
-- later through deal_aliases.
update commitment_history
set deal_id = e.deal_id
from deal_evidence as e
where commitment_history.is_current
    and e.commitment_id = commitment_history.commitment_id
    and commitment_history.deal_id is distinct from e.deal_id;

update commitment_history
set deal_id = null
where is_current
    and deal_id is not null
    and not exists (
        select 1
        from deal_evidence as e
        where e.commitment_id = commitment_history.commitment_id
    );
