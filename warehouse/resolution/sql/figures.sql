-- grain: one row per plausible figure (commitment) of a dated document: the input of the deal
-- resolver (warehouse/resolution). Every column of commitments is passed on as it is (so keys the
-- extractor adds later, such as role and project, reach the resolver without a change here), with
-- the document's report date and where the figure sits: in the title or not, its paragraph number
-- (line breaks before it in the analysed text: title, blank line, body; deal_mentions.sql counts
-- the same way) and where its sentence starts (null when the sentence is not found around it).
with docs as (
    select
        doc_id,
        coalesce(published, fetched_at::date) as reported_on,
        length(trim(coalesce(title, ''))) as title_end,
        case
            when length(trim(coalesce(title, ''))) > 0
                then trim(title) || chr(10) || chr(10) || coalesce(text, '')
            else coalesce(text, '')
        end as analysed
    from documents
    where coalesce(published, fetched_at::date) is not null
        and doc_id in (select doc_id from commitments)
)

select
    c.*,
    d.reported_on,
    case
        when c.start_char is null or c.sentence is null then null
        when strpos(substr(d.analysed, greatest(c.start_char - length(c.sentence), 0) + 1), c.sentence) = 0
            then null
        else greatest(c.start_char - length(c.sentence), 0)
            + strpos(substr(d.analysed, greatest(c.start_char - length(c.sentence), 0) + 1), c.sentence) - 1
    end as sentence_start,
    c.start_char is not null and c.start_char < d.title_end as in_title,
    case
        when c.start_char is null then null
        else length(substr(d.analysed, 1, c.start_char))
            - length(replace(substr(d.analysed, 1, c.start_char), chr(10), ''))
    end as paragraph_no
from commitments as c
join docs as d
    on d.doc_id = c.doc_id
where c.plausible is not false
order by
    d.reported_on,
    c.doc_id,
    c.start_char nulls last,
    c.commitment_id;
