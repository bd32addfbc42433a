-- records the deal resolver's state after a build (warehouse/resolution/store.py record_state):
-- the documents resolved (all of them after a full build, the new ones after an increment) with
-- their figures' hash (resolver_new_hashes, from document_hashes.sql), the frames' blocking keys
-- (resolver_new_frames) and the corpus counts (resolver_new_corpus, added to the stored ones). Parameter: full (true: tables were emptied).
insert into resolver_documents (doc_id, figures_hash)
select
    doc_id,
    figures_hash
from resolver_new_hashes
order by doc_id
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
