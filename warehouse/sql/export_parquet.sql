-- writes one table or view as a Parquet file, rows in a stable order; {name} (a quoted identifier)
-- and {path} (a quoted string literal) are filled in by warehouse/export.py.
copy (
    select *
    from {name}
    order by all
) to {path} (format parquet, compression zstd)
