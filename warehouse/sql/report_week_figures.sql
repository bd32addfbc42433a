-- grain: one row per distinct figure (kind and amount) of each deal reported in the week
-- (parameter: week), over all the deal's evidence, with the sentence, URL, publisher and date of its
-- earliest report. Context figures (commitments.role: revenue, GDP, a valuation, another deal
-- cited) are never shown as a deal's figures, even when the clustering kept them as evidence.
with week_deals as (
    select deal_id
    from weekly_deals
    where iso_week = $week
),

figures as (
    select
        e.deal_id,
        c.kind,
        c.surface as text,
        c.mw,
        c.value,
        c.currency,
        c.value_usd,
        c.fx_month,
        c.chip_count as count,
        c.chip_model as model,
        c.sentence,
        d.canonical_url as url,
        d.title as source_title,
        coalesce(s.name, d.source_id) as publisher,
        strftime(d.published, '%Y-%m-%d') as published,
        coalesce(d.published, d.fetched_at::date) as reported_on,
        c.doc_id,
        c.start_char
    from deal_evidence as e
    join week_deals as w
        on w.deal_id = e.deal_id
    join commitments as c
        on c.commitment_id = e.commitment_id
    join documents as d
        on d.doc_id = e.doc_id
    left join sources as s
        on s.source_id = d.source_id
    where c.role is distinct from 'context'
        and c.plausible is not false
)

select
    deal_id,
    kind,
    text,
    mw,
    value,
    currency,
    value_usd,
    fx_month,
    count,
    model,
    sentence,
    url,
    source_title,
    publisher,
    published
from figures
qualify row_number() over (
    partition by deal_id, kind, currency, value, mw, count
    order by reported_on, doc_id, start_char
) = 1
order by
    deal_id,
    kind,
    coalesce(value_usd, value, mw, count) desc nulls last,
    url,
    text;
