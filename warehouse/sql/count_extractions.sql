-- grain: one row: what the last staged extraction batch held and what it wrote.
with staged as (
    select
        count(*) filter (where known) as documents,
        count(*) filter (where not known and not failed and doc_id is not null) as unknown,
        count(*) filter (where failed) as failed,
        count(*) filter (where doc_id is null) as rejected
    from staged_extractions
)

select
    staged.documents,
    staged.unknown,
    staged.failed,
    staged.rejected,
    (
        select count(*)
        from mentions
        where doc_id in (select doc_id from staged_extractions where known)
    ) as mentions,
    (
        select count(*)
        from commitments
        where doc_id in (select doc_id from staged_extractions where known)
    ) as commitments
from staged;
