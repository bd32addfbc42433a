-- rebuilds deals and deal_evidence from the clustering staged by warehouse/deals.py:
--   deal_clusters (deal_id, title, countries, companies): one row per deal;
--   deal_members (deal_id, commitment_id, tier, headline): one row per commitment of a deal, with
--     its link tier (S, M, W) and whether it may be the deal's headline figure of its kind;
-- Deal fields: money, MW and chips are the headline figures of the newest report giving one: among
-- the deal's figures that may be headlines (its S and M figures, and the W ones an S or M figure
-- confirms; see warehouse/deals.py) that the extractor finds plausible, the newest report's largest
-- (money: in USD, then the first in text). Money comes from a figure the extractor calls a
-- commitment whenever the deal has one: most context figures are money (revenue, GDP, valuations,
-- fund sizes, market estimates) and one of them must not stand for a deal that reports its own
-- commitment; a deal whose money figures are all called context keeps the best of them (the
-- extractor's roles are right four times in five, and its title then says no commitment figure
-- was reported). Titles and summaries are told after this from these fields (warehouse/deal_texts.py),
-- leaving out a figure no commitment-role evidence figure carries; the title staged here is
-- provisional, and so are deal_type ('partnership') and status (null): warehouse/deal_texts.py
-- records them from the keyword patterns of data/deal_keywords.csv first (record_deal_keywords.sql).
-- confidence 0.3 + 0.2 per source (up to 3) + 0.05 per kind of figure, at most 0.99.
delete from deal_evidence;

delete from deals;

insert into deal_evidence (
    deal_id,
    doc_id,
    commitment_id,
    sentence,
    published,
    link_strength
)
select
    m.deal_id,
    c.doc_id,
    c.commitment_id,
    c.sentence,
    d.published,
    case m.tier when 'S' then 'sentence' when 'M' then 'shared' else 'borrowed' end as link_strength
from deal_members as m
join commitments as c
    on c.commitment_id = m.commitment_id
join documents as d
    on d.doc_id = c.doc_id
order by
    m.deal_id,
    c.doc_id,
    c.commitment_id;

insert into deals (
    deal_id,
    title,
    countries,
    companies,
    deal_type,
    status,
    money_value,
    money_currency,
    money_usd,
    mw,
    chip_count,
    chip_model,
    first_reported,
    last_reported,
    n_documents,
    n_sources,
    confidence
)
with evidence as (
    select
        m.deal_id,
        c.commitment_id,
        c.doc_id,
        c.kind,
        c.value,
        c.currency,
        c.value_usd,
        c.mw,
        c.chip_count,
        c.chip_model,
        c.start_char,
        m.headline and c.plausible is not false as headline,
        c.role = 'context' as context,
        coalesce(d.source_id, d.doc_id) as source_key,
        coalesce(d.published, d.fetched_at::date) as reported_on
    from deal_members as m
    join deal_clusters as k
        on k.deal_id = m.deal_id
    join commitments as c
        on c.commitment_id = m.commitment_id
    join documents as d
        on d.doc_id = c.doc_id
),

latest_money as (
    select
        deal_id,
        value as money_value,
        currency as money_currency,
        value_usd as money_usd
    from evidence
    where kind = 'money'
        and headline
    qualify row_number() over (
        partition by deal_id
        order by
            context nulls first,
            reported_on desc,
            value_usd desc nulls last,
            start_char nulls last,
            commitment_id
    ) = 1
),

latest_power as (
    select
        deal_id,
        mw
    from evidence
    where kind = 'power'
        and mw is not null
        and headline
    qualify row_number() over (
        partition by deal_id
        order by
            reported_on desc,
            mw desc,
            commitment_id
    ) = 1
),

latest_chips as (
    select
        deal_id,
        chip_count,
        chip_model
    from evidence
    where kind = 'chips'
        and chip_count is not null
        and headline
    qualify row_number() over (
        partition by deal_id
        order by
            reported_on desc,
            chip_count desc,
            chip_model nulls last,
            commitment_id
    ) = 1
),

stats as (
    select
        deal_id,
        min(reported_on) as first_reported,
        max(reported_on) as last_reported,
        count(distinct doc_id) as n_documents,
        count(distinct source_key) as n_sources,
        count(distinct kind) as n_kinds
    from evidence
    group by deal_id
)

select
    k.deal_id,
    k.title,
    k.countries,
    k.companies,
    'partnership' as deal_type,
    null as status,
    latest_money.money_value,
    latest_money.money_currency,
    latest_money.money_usd,
    latest_power.mw,
    latest_chips.chip_count,
    latest_chips.chip_model,
    stats.first_reported,
    stats.last_reported,
    stats.n_documents,
    stats.n_sources,
    round(least(0.99, 0.3 + 0.2 * least(stats.n_sources, 3) + 0.05 * stats.n_kinds), 2) as confidence
from deal_clusters as k
join stats
    on stats.deal_id = k.deal_id
left join latest_money
    on latest_money.deal_id = k.deal_id
left join latest_power
    on latest_power.deal_id = k.deal_id
left join latest_chips
    on latest_chips.deal_id = k.deal_id
order by k.deal_id;
