-- grain: one row per load action with the number of staged lines it applies to.
select
    action,
    count(*) as n
from staged_documents
group by action
order by action;
