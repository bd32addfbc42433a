-- grain: one row per figure attributed to a current deal, in any version of any document: what
-- was reported for the deal, when and by whom (the deal row holds the latest). A figure recorded
-- under a retired deal id is resolved through deal_aliases.
create or replace view deal_figure_history as
with attributed as (
    select
        h.*,
        coalesce(a.deal_id, e.deal_id) as current_deal_id
    from commitment_history as h
    left join deal_aliases as a
        on a.alias_id = h.deal_id
    left join deal_evidence as e
        on h.deal_id is null
        and e.commitment_id = h.commitment_id
)

select
    f.current_deal_id as deal_id,
    f.kind,
    f.value,
    f.currency,
    f.value_usd,
    f.mw,
    f.chip_count,
    f.chip_model,
    f.surface,
    f.sentence,
    v.reported_on,
    v.fetched_at,
    f.is_current,
    f.superseded_at,
    f.doc_id,
    v.version_no,
    d.source_id,
    d.canonical_url as url,
    f.commitment_id,
    f.content_hash
from attributed as f
join document_versions as v
    on v.doc_id = f.doc_id
    and v.content_hash = f.content_hash
join documents as d
    on d.doc_id = f.doc_id
where f.current_deal_id is not null;

comment on view deal_figure_history is 'One row per figure attributed to a current deal in any version of any document (superseded versions included): the deal''s figure history, what was reported when and by whom.';
comment on column deal_figure_history.deal_id is 'Current deal (deals.deal_id); figures recorded under a retired id are resolved through deal_aliases.';
comment on column deal_figure_history.kind is 'money, power or chips.';
comment on column deal_figure_history.value is 'Money amount in the currency as written.';
comment on column deal_figure_history.currency is 'ISO 4217 code of a money figure.';
comment on column deal_figure_history.value_usd is 'Money amount in US dollars.';
comment on column deal_figure_history.mw is 'Power capacity in megawatts.';
comment on column deal_figure_history.chip_count is 'Number of chips.';
comment on column deal_figure_history.chip_model is 'Chip model when named.';
comment on column deal_figure_history.surface is 'Figure as written.';
comment on column deal_figure_history.sentence is 'Sentence the figure was found in.';
comment on column deal_figure_history.reported_on is 'When the figure was reported (document_versions.reported_on: publication date, or the day a changed text was seen).';
comment on column deal_figure_history.fetched_at is 'When the document version giving the figure was first fetched.';
comment on column deal_figure_history.is_current is 'True when the figure is in the current text of its document.';
comment on column deal_figure_history.superseded_at is 'When a changed text of the document replaced the figure (null: current).';
comment on column deal_figure_history.doc_id is 'Document reporting the figure (documents.doc_id).';
comment on column deal_figure_history.version_no is 'Version of the document''s text (document_versions.version_no).';
comment on column deal_figure_history.source_id is 'Source (publisher) of the document (sources.source_id).';
comment on column deal_figure_history.url is 'Canonical URL of the document.';
comment on column deal_figure_history.commitment_id is 'Figure id (commitment_history.commitment_id).';
comment on column deal_figure_history.content_hash is 'Version of the document''s text the figure comes from.';
