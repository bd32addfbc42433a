-- grain: one row per document that has figures: its analysed text (the title, a blank line, then
-- the body, as nlp/extract.py analysed it: every offset refers to it) and where its title ends.
-- warehouse/deal_figures.py places figures and mentions in it (sentences, paragraphs, title).
select
    doc_id,
    length(trim(coalesce(title, ''))) as title_end,
    case
        when length(trim(coalesce(title, ''))) > 0
            then trim(title) || chr(10) || chr(10) || coalesce(text, '')
        else coalesce(text, '')
    end as analysed
from documents
where doc_id in (select doc_id from commitments)
order by doc_id;
