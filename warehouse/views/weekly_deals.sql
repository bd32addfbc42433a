-- grain: one row per deal per ISO week in which it was reported (at least one evidence document
-- published that week); the figures are the deal's current ones.
create or replace view weekly_deals as
with reported as (
    select
        e.deal_id,
        d.iso_week,
        date_trunc('week', min(d.published))::date as week_start,
        count(distinct d.doc_id) as week_documents,
        count(distinct coalesce(d.source_id, d.doc_id)) as week_sources
    from deal_evidence as e
    join documents as d
        on d.doc_id = e.doc_id
    where d.iso_week is not null
    group by
        e.deal_id,
        d.iso_week
)

select
    r.iso_week,
    r.week_start,
    r.deal_id,
    deals.title,
    deals.countries,
    deals.companies,
    deals.deal_type,
    deals.status,
    coalesce(strftime(deals.first_reported, '%G-W%V') = r.iso_week, false) as is_new,
    deals.confidence,
    deals.first_reported,
    deals.last_reported,
    deals.money_value,
    deals.money_currency,
    deals.money_usd,
    deals.mw,
    deals.chip_count,
    deals.chip_model,
    r.week_documents,
    r.week_sources
from reported as r
join deals
    on deals.deal_id = r.deal_id;

comment on view weekly_deals is 'One row per deal per ISO week in which it was reported (an evidence document published that week); figures are the deal''s current ones.';
comment on column weekly_deals.iso_week is 'ISO year-week of the reporting documents, e.g. 2025-W21.';
comment on column weekly_deals.week_start is 'Monday of iso_week.';
comment on column weekly_deals.deal_id is 'Deal reported (deals.deal_id).';
comment on column weekly_deals.title is 'Deal title (deals.title).';
comment on column weekly_deals.countries is 'Countries of the deal (deals.countries: anchor country first, then the others sorted).';
comment on column weekly_deals.companies is 'Companies involved (sorted canonical names).';
comment on column weekly_deals.deal_type is 'Deal type (deals.deal_type).';
comment on column weekly_deals.status is 'Deal status (deals.status).';
comment on column weekly_deals.is_new is 'True when the deal was first reported in this week.';
comment on column weekly_deals.confidence is 'Deal confidence (deals.confidence).';
comment on column weekly_deals.first_reported is 'Publication date of the earliest evidence document.';
comment on column weekly_deals.last_reported is 'Publication date of the latest evidence document.';
comment on column weekly_deals.money_value is 'Latest money figure in its original currency.';
comment on column weekly_deals.money_currency is 'Currency of money_value.';
comment on column weekly_deals.money_usd is 'Latest money figure in US dollars.';
comment on column weekly_deals.mw is 'Power capacity in MW.';
comment on column weekly_deals.chip_count is 'Number of chips.';
comment on column weekly_deals.chip_model is 'Chip model when named.';
comment on column weekly_deals.week_documents is 'Evidence documents published in this week.';
comment on column weekly_deals.week_sources is 'Distinct sources of the evidence documents published in this week.';
