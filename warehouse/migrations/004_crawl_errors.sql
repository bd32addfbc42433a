-- grain: one row per failure recorded by the crawler or the loader (a URL that could not be
-- fetched, parsed or loaded), with its reason; identical records are kept once.
create table crawl_errors (
    source_id varchar,
    url varchar,
    stage varchar,
    reason varchar,
    "at" timestamp
);

comment on table crawl_errors is 'One row per recorded crawl or load failure: what was skipped, where and why.';
comment on column crawl_errors.source_id is 'Registry slug of the source being crawled (null when unknown).';
comment on column crawl_errors.url is 'URL (or input file) that failed.';
comment on column crawl_errors.stage is 'Stage that failed, e.g. feed, fetch, parse, load.';
comment on column crawl_errors.reason is 'One-line reason for the failure.';
comment on column crawl_errors."at" is 'When the failure happened.';
