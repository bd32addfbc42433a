-- grain: one row per commitment (figure) with its attribution, the input of the leader clustering
-- in warehouse/deals.py (read its docstring for the whole rule).
--
-- Attribution of a figure:
--   countries: those of its own sentence; only when the sentence names none, the document's
--              primary country (most mentions, ties: first mentioned, then code);
--   companies: those of its own sentence; only when the sentence names none, the document's
--              principal companies (the top two by mentions, ties: first mentioned, then name);
--              a sentence naming no country and a single company ("100,000 Nvidia GPUs": a
--              supplier detail of the article's main story) also takes the principal companies;
--   anchor:    one country per figure: of the sentence's countries, the document's primary
--              country if it is one of them, else the first one mentioned in the sentence (by
--              offset; alphabetical when the mentions cannot be matched to the sentence).
-- A figure with no country at all (neither its sentence nor its document names one) has a null
-- anchor and is left out of the deals: the tracker follows national deals.
with doc_mentions as (
    select
        doc_id,
        kind,
        value,
        count(*) as n_mentions,
        min(start_char) as first_start
    from mentions
    where doc_id in (select doc_id from commitments)
    group by
        doc_id,
        kind,
        value
),

primary_country as (
    select
        doc_id,
        value as country
    from doc_mentions
    where kind = 'country'
    qualify row_number() over (
        partition by doc_id
        order by n_mentions desc, first_start, value
    ) = 1
),

principal_companies as (
    select
        doc_id,
        list(value order by n_mentions desc, first_start, value) as companies
    from (
        select *
        from doc_mentions
        where kind = 'company'
        qualify row_number() over (
            partition by doc_id
            order by n_mentions desc, first_start, value
        ) <= 2
    )
    group by doc_id
),

-- where each country of a figure's sentence is first mentioned in that sentence
sentence_countries as (
    select
        c.commitment_id,
        m.value as country,
        min(m.start_char) as first_start
    from commitments as c
    join mentions as m
        on m.doc_id = c.doc_id
        and m.kind = 'country'
        and m.sentence = c.sentence
        and list_contains(c.countries, m.value)
    group by
        c.commitment_id,
        m.value
),

first_in_sentence as (
    select
        commitment_id,
        country
    from sentence_countries
    qualify row_number() over (
        partition by commitment_id
        order by first_start, country
    ) = 1
),

attributed as (
    select
        c.commitment_id,
        c.doc_id,
        c.start_char,
        coalesce(d.published, d.fetched_at::date) as reported_on,
        p.country as primary_country,
        case
            when len(coalesce(c.countries, [])) > 0 then list_sort(list_distinct(c.countries))
            when p.country is not null then [p.country]
            else []
        end as countries,
        case
            when len(coalesce(c.companies, [])) = 0 then list_sort(coalesce(pc.companies, []))
            when len(coalesce(c.countries, [])) = 0 and len(list_distinct(c.companies)) = 1
                then list_sort(list_distinct(list_concat(c.companies, coalesce(pc.companies, []))))
            else list_sort(list_distinct(c.companies))
        end as companies,
        case
            when len(coalesce(c.countries, [])) = 0 then p.country
            when list_contains(c.countries, p.country) then p.country
            else coalesce(f.country, list_sort(c.countries)[1])
        end as anchor
    from commitments as c
    join documents as d
        on d.doc_id = c.doc_id
    left join primary_country as p
        on p.doc_id = c.doc_id
    left join principal_companies as pc
        on pc.doc_id = c.doc_id
    left join first_in_sentence as f
        on f.commitment_id = c.commitment_id
    where coalesce(d.published, d.fetched_at::date) is not null
)

select
    commitment_id,
    doc_id,
    start_char,
    reported_on,
    anchor,
    countries,
    companies
from attributed
order by
    reported_on,
    doc_id,
    start_char nulls last,
    commitment_id;
