-- grain: one row per commitment (figure) of a dated document, the input of the deal clustering
-- in warehouse/deals.py (read its docstring for the whole rule): the figure, its document and
-- report date, its sentence and offsets, and the countries, companies, link scope and deal type
-- the extractor gave it, and its project (commitments.project). Implausible figures are left out.
--
-- Where the figure sits in its document's analysed text (deal_documents.sql) is added by
-- warehouse/deal_figures.py (place_figures), once per document: sentence_start (where the
-- figure's sentence is found, searching from the sentence's length before the figure: the same
-- sentence can occur twice, a headline repeated in the body, and only its occurrence around the
-- figure counts), in_title, and paragraph_no (the line breaks before it, counted as
-- deal_mentions.sql counts them).
select
    c.commitment_id,
    c.doc_id,
    coalesce(d.published, d.fetched_at::date) as reported_on,
    c.kind,
    c.value,
    c.currency,
    c.value_usd,
    c.mw,
    c.chip_count,
    c.start_char,
    c.end_char,
    c.sentence,
    c.link_scope,
    c.deal_type,
    c.project,
    list_sort(list_distinct(coalesce(c.countries, []))) as countries,
    list_sort(list_distinct(coalesce(c.companies, []))) as companies
from commitments as c
join documents as d
    on d.doc_id = c.doc_id
where coalesce(d.published, d.fetched_at::date) is not null
    -- a figure beyond any real deal (commitments.plausible, nlp/data/bounds.json) stays in
    -- commitments for provenance but is never a deal's figure
    and c.plausible is not false
order by
    reported_on,
    c.doc_id,
    c.start_char nulls last,
    c.commitment_id;
