-- grain: one row per sentence (of a document) holding a figure: its country and company mentions,
-- the ones deal_mentions.sql gives with that sentence, as lists in text order (kind, value,
-- start_char; rows in no particular order). warehouse/deal_figures.py reads from them which
-- countries and companies a figure's own sentence names.
with figure_sentences as (
    select distinct
        doc_id,
        sentence
    from commitments
    where sentence is not null
)

select
    m.doc_id,
    m.sentence,
    list(m.kind order by m.start_char, m.kind, m.value) as kinds,
    list(m.value order by m.start_char, m.kind, m.value) as vals,
    list(m.start_char order by m.start_char, m.kind, m.value) as starts
from mentions as m
semi join figure_sentences as s
    on s.doc_id = m.doc_id
    and s.sentence = m.sentence
where m.doc_id in (select doc_id from documents)
group by
    m.doc_id,
    m.sentence;
