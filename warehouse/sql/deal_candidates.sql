-- grain: one row per commitment, with the countries and companies that key its candidate deal
-- mention (input of the clustering in warehouse/deals.py):
--   countries: those of the figure's sentence, else the document's;
--   companies: those of the sentence when it names two or more, else the sentence's plus the
--              document's (a sentence naming only a supplier, "100,000 Nvidia GPUs", or no one at
--              all belongs to the document's main deal).
select
    c.commitment_id,
    c.doc_id,
    coalesce(d.published, d.fetched_at::date) as reported_on,
    case
        when len(c.countries) > 0 then c.countries
        else coalesce(d.countries, [])
    end as countries,
    case
        when len(c.companies) >= 2 then c.companies
        else list_sort(list_distinct(list_concat(
            coalesce(c.companies, []),
            coalesce(d.companies, [])
        )))
    end as companies
from commitments as c
join documents as d
    on d.doc_id = c.doc_id
where coalesce(d.published, d.fetched_at::date) is not null
order by
    reported_on,
    c.doc_id,
    c.commitment_id;
