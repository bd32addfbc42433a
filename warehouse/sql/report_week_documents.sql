-- grain: one row: the number of documents published in the week (parameter: week).
select count(*) as documents
from documents
where iso_week = $week;
