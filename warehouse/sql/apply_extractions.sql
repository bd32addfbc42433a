-- replaces the mentions and commitments of every staged, known document by the staged ones, and
-- records the content_hash that was extracted so documents_to_extract skips it (the entity
-- lists for documents.countries / companies go to document_entities_pending). A document whose
-- extraction failed (staged with failed, not known) keeps its earlier rows and stays to be
-- extracted; its error, and the warnings of extracted documents (text cut, implausible figures),
-- go to crawl_errors with stage 'extract'. commitment_history
-- keeps the figures of earlier versions of the text (superseded, never deleted); extracting the
-- same version again replaces that version's figures (the extractor changed, not the source).
delete from mentions
where doc_id in (select doc_id from staged_extractions where known);

delete from commitments
where doc_id in (select doc_id from staged_extractions where known);

insert into mentions (
    doc_id,
    kind,
    value,
    surface,
    start_char,
    end_char,
    sentence
)
with unnested as (
    select
        s.doc_id,
        m.kind,
        m.value,
        m.text as surface,
        m.start as start_char,
        m."end" as end_char,
        m.sentence
    from staged_extractions as s,
        unnest(s.mentions) as u(m)
    where s.known
)

select
    doc_id,
    kind,
    value,
    surface,
    start_char,
    end_char,
    sentence
from unnested
where kind is not null
    and value is not null
    and start_char is not null
qualify row_number() over (
    partition by doc_id, kind, start_char
    order by end_char desc nulls last, value
) = 1;

insert into commitments (
    commitment_id,
    doc_id,
    kind,
    value,
    currency,
    value_usd,
    mw,
    chip_count,
    chip_model,
    qualifier,
    range_low,
    range_high,
    surface,
    sentence,
    countries,
    companies,
    start_char,
    end_char,
    fx_rate,
    fx_month,
    deal_type,
    link_scope,
    plausible,
    role,
    role_cue,
    project
)
with unnested as (
    select
        s.doc_id,
        c,
        ordinal
    from staged_extractions as s,
        unnest(s.commitments) with ordinality as u(c, ordinal)
    where s.known
),

typed as (
    select
        'c-' || left(
            sha256(doc_id || '|' || c.kind || '|' || coalesce(c.start::varchar, 'n' || ordinal)),
            16
        ) as commitment_id,
        doc_id,
        c.kind,
        c.value,
        c.currency,
        c.value_usd,
        c.mw,
        try_cast(round(c.count) as bigint) as chip_count,  -- null beyond bigint (implausible anyway)
        c.model as chip_model,
        c.qualifier,
        coalesce(
            try_cast(json_extract(c.range, '$[0]') as double),
            try_cast(json_extract(c.range, '$.low') as double)
        ) as range_low,
        coalesce(
            try_cast(json_extract(c.range, '$[1]') as double),
            try_cast(json_extract(c.range, '$.high') as double)
        ) as range_high,
        c.text as surface,
        c.sentence,
        list_sort(list_distinct(coalesce(c.countries, []))) as countries,
        list_sort(list_distinct(coalesce(c.companies, []))) as companies,
        c.start as start_char,
        c."end" as end_char,
        try_cast(c.fx_rate as double) as fx_rate,
        c.fx_month ->> '$' as fx_month,
        c.deal_type ->> '$' as deal_type,
        c.link_scope ->> '$' as link_scope,
        coalesce(try_cast(c.plausible ->> '$' as boolean), true) as plausible,
        case when c.role ->> '$' in ('commitment', 'context') then c.role ->> '$' end as role,
        case when c.role ->> '$' in ('commitment', 'context') then c.role_cue ->> '$' end as role_cue,
        nullif(trim(c.project ->> '$'), '') as project,
        ordinal
    from unnested
    where c.kind in ('money', 'power', 'chips')
)

select
    commitment_id,
    doc_id,
    kind,
    value,
    currency,
    value_usd,
    mw,
    chip_count,
    chip_model,
    qualifier,
    range_low,
    range_high,
    surface,
    sentence,
    countries,
    companies,
    start_char,
    end_char,
    fx_rate,
    fx_month,
    deal_type,
    link_scope,
    plausible,
    role,
    role_cue,
    project
from typed
qualify row_number() over (partition by commitment_id order by ordinal) = 1
order by
    doc_id,
    start_char,
    kind;

update documents
set extracted_content_hash = s.content_hash
from staged_extractions as s
where s.known
    and documents.doc_id = s.doc_id;

-- the entity lists wait in document_entities_pending until the load settles them
-- (settle_document_entities.sql): at once for a single load, at its end for a streaming one
delete from document_entities_pending
where doc_id in (select doc_id from staged_extractions where known);

insert into document_entities_pending
select
    doc_id,
    countries,
    companies
from staged_extractions
where known;

update commitment_history
set
    is_current = false,
    superseded_at = v.fetched_at
from staged_extractions as s
join document_versions as v
    on v.doc_id = s.doc_id
    and v.content_hash = s.content_hash
where s.known
    and commitment_history.doc_id = s.doc_id
    and commitment_history.is_current
    and commitment_history.content_hash <> s.content_hash;

delete from commitment_history
where (doc_id, content_hash) in (
    select (doc_id, content_hash)
    from staged_extractions
    where known
);

insert into commitment_history
select
    c.commitment_id,
    c.doc_id,
    s.content_hash,
    c.kind,
    c.value,
    c.currency,
    c.value_usd,
    c.mw,
    c.chip_count,
    c.chip_model,
    c.qualifier,
    c.range_low,
    c.range_high,
    c.surface,
    c.sentence,
    c.countries,
    c.companies,
    c.start_char,
    c.end_char,
    c.fx_rate,
    c.fx_month,
    c.deal_type,
    c.link_scope,
    true as is_current,
    null as superseded_at,
    null as deal_id,
    null as deal_headline
from commitments as c
join staged_extractions as s
    on s.doc_id = c.doc_id
where s.known
order by
    c.doc_id,
    c.start_char,
    c.kind;

update document_versions
set extracted = true
from staged_extractions as s
where s.known
    and document_versions.doc_id = s.doc_id
    and document_versions.content_hash = s.content_hash
    and not document_versions.extracted;

insert into crawl_errors (
    source_id,
    url,
    stage,
    reason,
    "at"
)
with problems as (
    select
        doc_id,
        error as reason
    from staged_extractions
    where failed
    union all
    select
        doc_id,
        unnest(warnings) as reason
    from staged_extractions
    where known
)

select
    d.source_id,
    d.canonical_url as url,
    'extract' as stage,
    left(p.reason, 500) as reason,
    timezone('UTC', now()) as "at"
from problems as p
join documents as d
    on d.doc_id = p.doc_id
where p.reason is not null
order by
    d.doc_id,
    p.reason;
