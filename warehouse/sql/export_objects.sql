-- grain: one row per analyst table or view exported to Parquet (everything in the main schema but
-- the bookkeeping: applied migrations, entity lists waiting for a streaming load to settle them),
-- tables first, by name, with its description.
select
    table_name as name,
    'table' as kind,
    comment
from duckdb_tables()
where schema_name = 'main'
    and not temporary
    and table_name not in ('schema_migrations', 'document_entities_pending')
union all
select
    view_name as name,
    'view' as kind,
    comment
from duckdb_views()
where schema_name = 'main'
    and not internal
    and not temporary
order by
    kind,
    name;
