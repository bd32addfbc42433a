-- grain: one row per resolver build (resolver_state), resolved document (resolver_documents), frame
-- and blocking key (resolver_frames), corpus count (resolver_corpus) and deal (resolver_parties):
-- what the learned deal resolver (TRACKER_DEAL_RESOLVER=model) keeps between runs so a weekly run
-- can attach its new documents to the existing deals instead of re-clustering all history
-- (warehouse/resolution/incremental.py). Written by every model build, full or
-- incremental; the rule-based resolver ignores these tables. Empty until the first model build.
create table resolver_state (
    fingerprint varchar not null,
    mode varchar not null,
    documents integer not null,
    evidence_checksum varchar,
    built_at timestamp not null
);

create table resolver_documents (
    doc_id varchar primary key,
    figures_hash varchar not null
);

create table resolver_frames (
    doc_id varchar not null,
    frame_index integer not null,
    commitment_id varchar not null,
    reported_on date,
    blocking_key varchar not null
);

create table resolver_corpus (
    kind varchar not null,
    term varchar not null,
    documents integer not null,
    primary key (kind, term)
);

create table resolver_parties (
    deal_id varchar primary key,
    parties struct(name varchar, role varchar)[]
);

comment on table resolver_state is 'One row: the last build of the learned deal resolver. An incremental run needs the same fingerprint (resolver code, weights, company registry) and deals unchanged since (evidence_checksum); otherwise deals are rebuilt in full.';
comment on column resolver_state.fingerprint is 'sha256 (16 hex) of the resolver''s code, SQL, weights.json and the company registry when the deals were built.';
comment on column resolver_state.mode is 'full (every document clustered) or incremental (new documents attached to existing deals).';
comment on column resolver_state.documents is 'Documents the deals were resolved from.';
comment on column resolver_state.evidence_checksum is 'Checksum of deal_evidence (deal_id, commitment_id) as the build left it: another resolver''s build changes it and forces a full rebuild.';
comment on column resolver_state.built_at is 'When the build ran (UTC, wall clock).';
comment on table resolver_documents is 'One row per document the current deals were resolved from, with a hash of its figure ids: a document whose figures changed (re-extraction, a new text) is not new and forces a full rebuild.';
comment on column resolver_documents.doc_id is 'Document (documents.doc_id).';
comment on column resolver_documents.figures_hash is 'md5 of its commitment ids, sorted and comma-joined.';
comment on table resolver_frames is 'One row per deal frame (the figures of one document that report one deal) and blocking key: how an incremental run finds the existing frames a new frame must be compared with.';
comment on column resolver_frames.doc_id is 'Document of the frame.';
comment on column resolver_frames.frame_index is 'Index of the frame in its document (frames.build_frames).';
comment on column resolver_frames.commitment_id is 'The frame''s first figure: its deal is the deal_evidence row of this figure.';
comment on column resolver_frames.reported_on is 'Report date of the frame''s document (the order of neighbours in a big block).';
comment on column resolver_frames.blocking_key is 'A blocking key of the frame (clustering.blocking_keys, written as text): host, party, project or figure bucket.';
comment on table resolver_corpus is 'Document counts the resolver''s similarity features use (features.Corpus), kept so an increment scores pairs as a full rebuild over the same documents would.';
comment on column resolver_corpus.kind is 'documents (term empty: how many documents), word (documents naming the word) or amount (documents giving a figure in the amount bucket kind|bucket).';
comment on column resolver_corpus.term is 'The word or amount bucket.';
comment on column resolver_corpus.documents is 'Number of documents.';
comment on table resolver_parties is 'One row per current deal of the learned resolver: its parties with roles in title order, so an increment re-tells unchanged deals as the build that made them did.';
comment on column resolver_parties.deal_id is 'Deal (deals.deal_id).';
comment on column resolver_parties.parties is 'Its parties in order, each {name, role} (role: investor, partner, supplier or null).';
