-- Append a batch of decisions (an Arrow table registered as new_decisions); a repeated id is ignored.
insert into editor_decisions
select
    decision_id,
    week,
    deal_id,
    action,
    field,
    value,
    note,
    editor,
    via,
    decided_at
from new_decisions
on conflict (decision_id) do nothing
