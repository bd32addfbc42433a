-- grain: one row per line of a documents.jsonl file written by the crawler (parameter: path).
-- Every field is read as text and typed below, so one odd value rejects only its own line; a line
-- that is not JSON becomes a row of nulls (ignore_errors) and is rejected by classify_documents.
create or replace temp table staged_documents_raw as
with lines as (
    select
        row_number() over () as line_no,
        *
    from read_json(
        $path,
        format = 'newline_delimited',
        ignore_errors = true,
        columns = {
            doc_id: 'varchar',
            source_id: 'varchar',
            url: 'varchar',
            canonical_url: 'varchar',
            title: 'varchar',
            published: 'varchar',
            published_source: 'varchar',
            text: 'varchar',
            content_hash: 'varchar',
            fetched_at: 'varchar',
            discovered_via: 'varchar',
            language: 'varchar',
            alternate_urls: 'varchar[]'
        }
    )
)

select
    line_no,
    doc_id,
    source_id,
    url,
    canonical_url,
    title,
    try_cast(left(published, 10) as date) as published,
    published_source,
    text,
    content_hash,
    language,
    discovered_via,
    alternate_urls,
    coalesce(
        timezone('UTC', try_cast(fetched_at as timestamptz)),
        try_cast(fetched_at as timestamp)
    ) as fetched_at
from lines;
