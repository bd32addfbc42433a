-- grain: one row per new frame and existing frame it is compared with (incremental.py): the
-- existing frames an increment compares its new frames with, and the deal each is evidence of now.
-- resolver_new_keys (blocking_key, new_frame, weight) holds the new frames' keys with the key's
-- strength (blocking.KEY_WEIGHTS). A key shared by more than $max_block frames (old and new) gives
-- only its $neighbours latest frames, as blocking.candidate_pairs compares a late frame with its
-- nearest neighbours in report order; of those, each new frame keeps the $budget it shares the
-- most with (summed key weights; ties to the latest), as the budget of blocking.py.
with new_keys as (
    select
        blocking_key,
        new_frame,
        weight,
        count(*) over (partition by blocking_key) as new_frames
    from resolver_new_keys
),

keyed as (
    select
        f.doc_id,
        f.frame_index,
        f.commitment_id,
        f.reported_on,
        f.blocking_key,
        count(*) over (partition by f.blocking_key) as old_frames,
        row_number() over (
            partition by f.blocking_key
            order by f.reported_on desc, f.doc_id desc, f.frame_index desc
        ) as recency
    from resolver_frames as f
    where f.blocking_key in (select blocking_key from resolver_new_keys)
),

shared as (
    select
        n.new_frame,
        k.doc_id,
        k.frame_index,
        k.commitment_id,
        k.reported_on,
        sum(n.weight) as strength
    from keyed as k
    join new_keys as n
        on n.blocking_key = k.blocking_key
    where k.old_frames + n.new_frames <= $max_block
        or k.recency <= $neighbours
    group by all
),

ranked as (
    select
        *,
        row_number() over (
            partition by new_frame
            order by strength desc, reported_on desc, doc_id desc, frame_index desc
        ) as place
    from shared
)

select
    r.new_frame,
    r.doc_id,
    r.frame_index,
    e.deal_id
from ranked as r
join deal_evidence as e
    on e.commitment_id = r.commitment_id
where r.place <= $budget
order by
    r.new_frame,
    r.doc_id,
    r.frame_index
