-- appends the lines of a crawl_errors.jsonl file (parameter: path) to crawl_errors; a record
-- already stored (same source, url, stage, reason and time) is not added again.
insert into crawl_errors (
    source_id,
    url,
    stage,
    reason,
    "at"
)
with lines as (
    select *
    from read_json(
        $path,
        format = 'newline_delimited',
        ignore_errors = true,
        columns = {
            source_id: 'varchar',
            url: 'varchar',
            stage: 'varchar',
            reason: 'varchar',
            "at": 'varchar'
        }
    )
)

select distinct
    source_id,
    url,
    stage,
    reason,
    coalesce(
        timezone('UTC', try_cast("at" as timestamptz)),
        try_cast("at" as timestamp)
    ) as "at"
from lines
where coalesce(source_id, url, stage, reason) is not null
except
select
    source_id,
    url,
    stage,
    reason,
    "at"
from crawl_errors;
