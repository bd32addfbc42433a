-- grain: one row: DuckDB's own rendering of a query, as it stores a view's definition (parsed and
-- printed back, not run).
select json_deserialize_sql(json_serialize_sql($query)) as rendered;
