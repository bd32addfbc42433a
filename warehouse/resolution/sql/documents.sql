-- grain: one row per dated document that has figures: what the deal resolver reads of the
-- document itself (its title and analysed text: title, blank line, body, the text every offset
-- refers to), with its report date and source.
select
    doc_id,
    coalesce(published, fetched_at::date) as reported_on,
    coalesce(source_id, doc_id) as source_key,
    trim(coalesce(title, '')) as title,
    case
        when length(trim(coalesce(title, ''))) > 0
            then trim(title) || chr(10) || chr(10) || coalesce(text, '')
        else coalesce(text, '')
    end as analysed
from documents
where coalesce(published, fetched_at::date) is not null
    and doc_id in (select doc_id from commitments)
order by doc_id;
