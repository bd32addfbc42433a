-- grain: one row per country or company mention and per figure in the evidence documents of the
-- deals reported in the week (parameter: week), with its character offsets in the analysed text
-- (title, blank line, body) and its normalised value: what the review page marks up. A figure's
-- role says whether it is context (revenue, GDP, a valuation, another deal cited: never a deal
-- figure, marked as context on the page).
with documents_of_week as (
    select distinct e.doc_id
    from deal_evidence as e
    join weekly_deals as w
        on w.deal_id = e.deal_id
        and w.iso_week = $week
)

select
    m.doc_id,
    m.kind,
    m.value as name,
    m.surface,
    m.start_char,
    m.end_char,
    null::varchar as commitment_id,
    null::double as value,
    null::varchar as currency,
    null::double as value_usd,
    null::double as mw,
    null::bigint as chip_count,
    null::varchar as chip_model,
    null::varchar as role
from mentions as m
join documents_of_week using (doc_id)
where m.kind in ('country', 'company')  -- the page marks these and figures; projects are not marked

union all

select
    c.doc_id,
    c.kind,
    null as name,
    c.surface,
    c.start_char,
    c.end_char,
    c.commitment_id,
    c.value,
    c.currency,
    c.value_usd,
    c.mw,
    c.chip_count,
    c.chip_model,
    c.role
from commitments as c
join documents_of_week using (doc_id)

order by
    doc_id,
    start_char,
    end_char desc,
    kind;
