-- grain: one row per extraction line for a stored document (parameter: path): the extractor's
-- output (docs/architecture.md) plus mentions, id = doc_id. When an id appears twice the last line wins; lines
-- that are not JSON or name no stored document are kept with known = false and not applied.
-- A line with an "error" (the extractor failed on that document) has failed = true and known =
-- false: it is not applied, the document keeps its earlier rows, and apply_extractions records the
-- error in crawl_errors, with the line's "warnings" (text cut, implausible figures).
-- Optional keys of a commitment (fx_rate, fx_month, deal_type, link_scope, plausible, role,
-- role_cue, project) are read as JSON so a line without them, or with an unexpected type, still
-- loads (typed in apply_extractions). Mentions of kind 'project' load like countries and companies.
create or replace temp table staged_extractions as
with lines as (
    select
        row_number() over () as line_no,
        *
    from read_json(
        $path,
        format = 'newline_delimited',
        ignore_errors = true,
        columns = {
            id: 'varchar',
            countries: 'varchar[]',
            companies: 'varchar[]',
            commitments: 'struct(
                kind varchar,
                value double,
                currency varchar,
                value_usd double,
                mw double,
                count double,
                model varchar,
                qualifier varchar,
                range json,
                text varchar,
                sentence varchar,
                countries varchar[],
                companies varchar[],
                start integer,
                "end" integer,
                fx_rate json,
                fx_month json,
                deal_type json,
                link_scope json,
                plausible json,
                role json,
                role_cue json,
                project json
            )[]',
            mentions: 'struct(
                kind varchar,
                value varchar,
                text varchar,
                start integer,
                "end" integer,
                sentence varchar
            )[]',
            error: 'varchar',
            warnings: 'varchar[]'
        }
    )
),

last_line as (
    select *
    from lines
    qualify id is null
        or row_number() over (partition by id order by line_no desc) = 1
)

select
    l.line_no,
    l.id as doc_id,
    d.doc_id is not null and l.error is null as known,
    d.doc_id is not null and l.error is not null as failed,
    l.error,
    l.warnings,
    d.content_hash,
    list_sort(list_distinct(coalesce(
        l.countries,
        [m.value for m in coalesce(l.mentions, []) if m.kind = 'country']
    ))) as countries,
    list_sort(list_distinct(coalesce(
        l.companies,
        [m.value for m in coalesce(l.mentions, []) if m.kind = 'company']
    ))) as companies,
    l.commitments,
    l.mentions
from last_line as l
left join documents as d
    on d.doc_id = l.id;
