-- grain: one row per line of a crawl_state.jsonl file written by the crawler (parameter: path);
-- feed and article lines share the file, told apart by kind. Every field is read as text.
create or replace temp table staged_crawl_state as
select
    kind,
    url,
    source_id,
    etag,
    last_modified,
    try_cast(http_status as integer) as http_status,
    timezone('UTC', try_cast(checked_at as timestamptz)) as checked_at,
    discovered_via,
    timezone('UTC', try_cast(entry_updated as timestamptz)) as entry_updated,
    content_hash,
    doc_id,
    status,
    coalesce(try_cast(retryable as boolean), false) as retryable,
    reason,
    timezone('UTC', try_cast(fetched_at as timestamptz)) as fetched_at
from read_json(
    $path,
    format = 'newline_delimited',
    ignore_errors = true,
    columns = {
        kind: 'varchar',
        url: 'varchar',
        source_id: 'varchar',
        etag: 'varchar',
        last_modified: 'varchar',
        http_status: 'varchar',
        checked_at: 'varchar',
        discovered_via: 'varchar',
        entry_updated: 'varchar',
        content_hash: 'varchar',
        doc_id: 'varchar',
        status: 'varchar',
        retryable: 'varchar',
        reason: 'varchar',
        fetched_at: 'varchar'
    }
)
where url is not null
    and kind in ('feed', 'article')
qualify row_number() over (partition by kind, url order by fetched_at desc nulls last, checked_at desc nulls last) = 1;
