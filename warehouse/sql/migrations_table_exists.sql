-- grain: one row: whether the schema_migrations table exists yet.
select count(*) > 0 as migrations_table_exists
from duckdb_tables()
where schema_name = 'main'
    and table_name = 'schema_migrations';
