-- grain: one row per country or company mention of a document that has figures: the mentions the
-- deal clustering (warehouse/deals.py) reads to see which countries and companies a figure's own
-- sentence names, which its paragraph names (paragraph_no: the line breaks before it, as
-- place_figures counts a figure's) and how prominent each is in the document (surface: a dateline
-- such as ABU DHABI is written in capitals). The rebuild reads the same mentions summed up per
-- document (deal_document_mentions.sql) and listed per sentence (deal_sentence_mentions.sql), not
-- row by row; ``attribute_figures`` takes these rows (tests/warehouse/test_warehouse_deals_reading.py
-- checks that both readings agree).
with docs as (
    select
        doc_id,
        case
            when length(trim(coalesce(title, ''))) > 0
                then trim(title) || chr(10) || chr(10) || coalesce(text, '')
            else coalesce(text, '')
        end as analysed
    from documents
    where doc_id in (select doc_id from commitments)
)

select
    m.doc_id,
    m.kind,
    m.value,
    m.surface,
    m.start_char,
    coalesce(m.end_char, m.start_char) as end_char,
    m.sentence,
    length(substr(d.analysed, 1, m.start_char))
        - length(replace(substr(d.analysed, 1, m.start_char), chr(10), '')) as paragraph_no
from mentions as m
join docs as d
    on d.doc_id = m.doc_id
order by
    m.doc_id,
    m.start_char,
    m.kind,
    m.value;
