-- grain: one row per deal frame (resolver_frame_facts) and per resolved document
-- (resolver_document_states): what the learned deal resolver keeps of its frames so a weekly
-- increment (warehouse/resolution/incremental.py) reads back only the frames it compares and the
-- deals it changes instead of framing every candidate deal's documents again. Written by every
-- model build, full or incremental, with resolver_frames (migration 042); empty until then.
create table resolver_frame_facts (
    doc_id varchar not null,
    frame_index integer not null,
    commitment_id varchar not null,
    figures integer not null,
    host varchar,
    owners varchar[],
    primary key (doc_id, frame_index)
);

create table resolver_document_states (
    doc_id varchar primary key,
    state blob not null
);

comment on table resolver_frame_facts is 'One row per deal frame of the learned resolver''s last builds: what an increment''s clustering constraints read of a deal''s frames (documents, owners, host) without reading the frames back.';
comment on column resolver_frame_facts.doc_id is 'Document of the frame.';
comment on column resolver_frame_facts.frame_index is 'Index of the frame in its document (frames.build_frames).';
comment on column resolver_frame_facts.commitment_id is 'The frame''s first figure: its deal is the deal_evidence row of this figure.';
comment on column resolver_frame_facts.figures is 'Number of figures in the frame (its weight in the average link).';
comment on column resolver_frame_facts.host is 'The frame''s host country (ISO code), null when none.';
comment on column resolver_frame_facts.owners is 'The frame''s principal parties other than suppliers (company names).';
comment on table resolver_document_states is 'One row per document the learned resolver framed: its frames and what the pair features read of the document, serialised (warehouse/resolution/saved.py), valid only for the resolver fingerprint in resolver_state.';
comment on column resolver_document_states.doc_id is 'Document (documents.doc_id).';
comment on column resolver_document_states.state is 'zlib-compressed JSON of (document facts, frames) written by this code version; read back only by the same version (resolver_state.fingerprint).';
