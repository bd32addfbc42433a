-- records the deal resolver's state after a build (warehouse/resolution/store.py record_state):
-- the documents resolved (all of them after a full build, resolver_wanted after an increment) with
-- their figures' hash, the frames' blocking keys (resolver_new_frames) and the corpus counts
-- (resolver_new_corpus, added to the stored ones). Parameter: full (true: tables were emptied).
insert into resolver_documents (doc_id, figures_hash)
select
    h.doc_id,
    h.figures_hash
from (
    select
        c.doc_id,
        md5(string_agg(c.commitment_id, ',' order by c.commitment_id)) as figures_hash
    from commitments as c
    join documents as d
        on d.doc_id = c.doc_id
    where coalesce(d.published, d.fetched_at::date) is not null
        and ($full or c.doc_id in (select doc_id from resolver_wanted))
    group by c.doc_id
) as h
order by h.doc_id
on conflict (doc_id) do update set figures_hash = excluded.figures_hash;

insert into resolver_frames
select
    doc_id,
    frame_index,
    commitment_id,
    reported_on,
    blocking_key
from resolver_new_frames;

insert into resolver_corpus (kind, term, documents)
select
    kind,
    term,
    documents
from resolver_new_corpus
on conflict (kind, term) do update set documents = resolver_corpus.documents + excluded.documents;
