-- grain: one row per view of the warehouse (column_name null: its definition) and per column of
-- a view (its type): with the comment; what connect() compares with warehouse/views/.
select
    view_name,
    null as column_name,
    sql as definition,
    comment
from duckdb_views()
where database_name = current_database()
    and schema_name = 'main'
    and not internal
    and not temporary
union all
select
    c.table_name as view_name,
    c.column_name,
    c.data_type as definition,
    c.comment
from duckdb_columns() as c
join duckdb_views() as v
    on v.database_name = c.database_name
    and v.schema_name = c.schema_name
    and v.view_name = c.table_name
where c.database_name = current_database()
    and c.schema_name = 'main'
    and not v.internal
    and not v.temporary;
