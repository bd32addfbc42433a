-- grain: one row per existing frame and blocking key it shares with a new frame (incremental.py):
-- the frames an increment compares its new frames with, and the deal each is evidence of now.
-- resolver_new_keys (blocking_key, new_frames) holds the new frames' keys. A key shared by more
-- than $max_block frames (old and new) gives only its $neighbours latest frames, as
-- clustering.candidate_pairs compares a late frame with its nearest neighbours in report order.
with keyed as (
    select
        f.doc_id,
        f.frame_index,
        f.commitment_id,
        f.blocking_key,
        count(*) over (partition by f.blocking_key) + k.new_frames as block_size,
        row_number() over (
            partition by f.blocking_key
            order by f.reported_on desc, f.doc_id desc, f.frame_index desc
        ) as recency
    from resolver_frames as f
    join resolver_new_keys as k
        on k.blocking_key = f.blocking_key
)

select
    k.doc_id,
    k.frame_index,
    k.blocking_key,
    e.deal_id
from keyed as k
join deal_evidence as e
    on e.commitment_id = k.commitment_id
where k.block_size <= $max_block
    or k.recency <= $neighbours
order by
    k.doc_id,
    k.frame_index,
    k.blocking_key
