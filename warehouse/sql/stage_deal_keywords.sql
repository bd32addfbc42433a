-- grain: one row per keyword pattern of data/deal_keywords.csv (parameter: path): field
-- (deal_type or status), label, priority (lower wins ties) and a lowercase regular expression.
create or replace temp table deal_keywords as
select
    field,
    label,
    priority,
    pattern
from read_csv(
    $path,
    header = true,
    delim = ',',
    quote = '"',
    columns = {
        field: 'varchar',
        label: 'varchar',
        priority: 'integer',
        pattern: 'varchar'
    }
);
