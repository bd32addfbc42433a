-- grain: one row per commitment (figure) of a dated document, the input of the deal clustering
-- in warehouse/deals.py (read its docstring for the whole rule): the figure, its document and
-- report date, where it sits (sentence, paragraph number, in the title or not) and the countries,
-- companies, link scope and deal type the extractor gave it. Implausible figures are left out.
--
-- Offsets are into the analysed text: the title, a blank line, then the body (nlp/extract.py).
-- paragraph_no counts the line breaks before the figure, so two offsets are in the same paragraph
-- when their counts are equal (deal_mentions.sql counts the same way). sentence_start is where the
-- figure's sentence starts (null when the sentence cannot be found in the text): the same sentence
-- can occur twice (a headline repeated in the body), and only its occurrence around the figure
-- counts.
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
    c.commitment_id,
    c.doc_id,
    d.reported_on,
    c.kind,
    c.value,
    c.currency,
    c.value_usd,
    c.mw,
    c.chip_count,
    c.start_char,
    c.end_char,
    c.sentence,
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
    end as paragraph_no,
    c.link_scope,
    c.deal_type,
    list_sort(list_distinct(coalesce(c.countries, []))) as countries,
    list_sort(list_distinct(coalesce(c.companies, []))) as companies
from commitments as c
join docs as d
    on d.doc_id = c.doc_id
-- a figure beyond any real deal (commitments.plausible, nlp/data/bounds.json) stays in commitments
-- for provenance but is never a deal's figure
where c.plausible is not false
order by
    d.reported_on,
    c.doc_id,
    c.start_char nulls last,
    c.commitment_id;
