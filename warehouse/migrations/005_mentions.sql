-- grain: one row per country or company mention in the current text of a document
-- (doc_id, kind, start_char).
create table mentions (
    doc_id varchar not null,
    kind varchar not null,
    value varchar not null,
    surface varchar,
    start_char integer not null,
    end_char integer,
    sentence varchar,
    primary key (doc_id, kind, start_char)
);

comment on table mentions is 'One row per country or company mention found by the extractor in a document.';
comment on column mentions.doc_id is 'Document the mention is in (documents.doc_id).';
comment on column mentions.kind is 'country or company.';
comment on column mentions.value is 'Normalised value: ISO alpha-2 code for a country, canonical short name for a company.';
comment on column mentions.surface is 'Text as written in the document, e.g. the Emirates.';
comment on column mentions.start_char is 'Character offset of the mention in the analysed text (title, blank line, body).';
comment on column mentions.end_char is 'Character offset just after the mention.';
comment on column mentions.sentence is 'Sentence containing the mention.';
