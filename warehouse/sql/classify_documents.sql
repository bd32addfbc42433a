-- grain: one row per staged document line, with the action the load takes for it
-- (parameter: path, named in the rejection reasons):
--   rejected   the line is not JSON or lacks doc_id, canonical_url, text or content_hash; or
--              its fetched or canonical URL is outside its source's domains and ports
--              (staged_document_refusals, filled by load.py); or its doc_id is stored for
--              another source (a page claiming another publisher's article): not applied, the
--              stored article stays as it was
--   superseded the same doc_id appears again later in the file (newest fetched_at wins)
--   duplicate  same text as another stored or staged document under another URL (a syndicated
--              copy: the earliest published, then earliest fetched, then smallest doc_id is kept),
--              or a canonical_url already stored under another doc_id
--   new        inserted
--   updated    stored doc_id whose content_hash changed: its content is replaced
--   unchanged  stored doc_id with the same content_hash: nothing is written
create or replace temp table staged_documents as
with bounded as (
    select
        r.*,
        off_url.reason as url_refusal,
        off_canonical.reason as canonical_refusal
    from staged_documents_raw as r
    left join staged_document_refusals as off_url
        on off_url.source_id = r.source_id
        and off_url.origin = regexp_extract(r.url, '^[^/?#]*//[^/?#]*')
    left join staged_document_refusals as off_canonical
        on off_canonical.source_id = r.source_id
        and off_canonical.origin = regexp_extract(r.canonical_url, '^[^/?#]*//[^/?#]*')
),

checked as (
    select
        *,
        case
            when doc_id is null and canonical_url is null and text is null
                then 'malformed JSON line ' || line_no || ' of ' || $path
            when doc_id is null
                then 'missing doc_id (line ' || line_no || ' of ' || $path || ')'
            when canonical_url is null
                then 'missing canonical_url (line ' || line_no || ' of ' || $path || ')'
            when text is null
                then 'missing text (line ' || line_no || ' of ' || $path || ')'
            when content_hash is null
                then 'missing content_hash (line ' || line_no || ' of ' || $path || ')'
            when url_refusal is not null
                then 'fetched URL refused: ' || url_refusal || ' (not stored)'
            when canonical_refusal is not null
                then 'canonical URL ' || canonical_url || ' refused: ' || canonical_refusal || ' (not stored)'
        end as reject_reason
    from bounded
),

latest_line as (
    select
        *,
        row_number() over (
            partition by doc_id
            order by fetched_at desc nulls last, line_no desc
        ) = 1 as is_latest_line
    from checked
    where reject_reason is null
),

against_store as (
    select
        l.*,
        d.content_hash as stored_hash,
        d.source_id as stored_source,
        exists (
            select 1
            from documents as other
            where other.content_hash = l.content_hash
                and other.doc_id <> l.doc_id
        ) as text_stored_elsewhere,
        exists (
            select 1
            from documents as other
            where other.canonical_url = l.canonical_url
                and other.doc_id <> l.doc_id
        ) as url_stored_elsewhere
    from latest_line as l
    left join documents as d
        on d.doc_id = l.doc_id
    where l.is_latest_line
),

first_copy as (
    select
        *,
        row_number() over (
            partition by content_hash
            order by published nulls last, fetched_at nulls last, doc_id
        ) = 1 as is_first_copy
    from against_store
    where stored_hash is null
)

select
    line_no,
    doc_id,
    'rejected' as action,
    reject_reason,
    case when url_refusal is not null or canonical_refusal is not null then url end as error_url
from checked
where reject_reason is not null

union all

select
    line_no,
    doc_id,
    'superseded' as action,
    null as reject_reason,
    null as error_url
from latest_line
where not is_latest_line

union all

select
    line_no,
    doc_id,
    case
        when stored_source <> coalesce(source_id, '') then 'rejected'
        when stored_hash = content_hash then 'unchanged'
        else 'updated'
    end as action,
    case
        when stored_source <> coalesce(source_id, '')
            then 'claims the canonical URL ' || canonical_url || ' of a document of source '
                || coalesce(stored_source, '(none)') || ': not applied, the stored article is kept'
    end as reject_reason,
    case when stored_source <> coalesce(source_id, '') then url end as error_url
from against_store
where stored_hash is not null

union all

select
    line_no,
    doc_id,
    case
        when text_stored_elsewhere or url_stored_elsewhere or not is_first_copy then 'duplicate'
        else 'new'
    end as action,
    null as reject_reason,
    null as error_url
from first_copy;
