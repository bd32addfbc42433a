-- grain: one row per column of an exported table or view (parameter: name), in column order, with
-- its type and description.
select
    column_name,
    data_type,
    comment
from duckdb_columns()
where schema_name = 'main'
    and table_name = $name
order by column_index;
