-- grain: one row per change of a figure: scope document (a changed article: the figures of one
-- version against the next version's) or scope deal (a deal's headline figure of one kind differs
-- from the previous report's), with both sides' value, document, source and date.
--
-- Document scope: the figures of consecutive extracted versions of a document are paired by kind:
-- first those with the same amount (unchanged, not listed), then the rest in text order; a pair
-- with different amounts is changed, a figure left without a partner is added or removed.
-- Deal scope: a deal's reports per kind, in report order (reported_on, fetched_at, doc_id), taking
-- only figures that may be the deal's headline (commitment_history.deal_headline not false, set by
-- warehouse/deals.py: false for a figure borrowed from its paragraph or title that no other report
-- confirms); a report's figure is its largest of that kind; a report of a later day whose figure
-- differs from the previous report's is a change (two outlets stressing different figures on the
-- same day are not).
create or replace view figure_changes as
with figures as (
    select
        h.*,
        coalesce(a.deal_id, e.deal_id) as current_deal_id,
        case h.kind
            when 'money' then coalesce(h.currency, '?') || ' ' || coalesce(h.value::varchar, '?')
            when 'power' then coalesce(h.mw::varchar, '?')
            else coalesce(h.chip_count::varchar, '?')
        end as amount_key,
        case h.kind
            when 'money' then h.value
            when 'power' then h.mw
            else h.chip_count::double
        end as amount,
        case h.kind
            when 'money' then h.currency
            when 'power' then 'MW'
            else 'chips'
        end as unit
    from commitment_history as h
    left join deal_aliases as a
        on a.alias_id = h.deal_id
    left join deal_evidence as e
        on h.deal_id is null
        and e.commitment_id = h.commitment_id
),

version_pairs as (
    select *
    from (
        select
            doc_id,
            content_hash as new_hash,
            lag(content_hash) over (partition by doc_id order by version_no) as old_hash,
            reported_on
        from document_versions
        where extracted
    )
    where old_hash is not null
),

old_side as (
    select
        p.new_hash,
        p.reported_on as changed_on,
        f.*,
        row_number() over (
            partition by f.doc_id, p.new_hash, f.kind, f.amount_key
            order by f.start_char, f.commitment_id
        ) as dup_no
    from version_pairs as p
    join figures as f
        on f.doc_id = p.doc_id
        and f.content_hash = p.old_hash
),

new_side as (
    select
        p.old_hash,
        p.reported_on as changed_on,
        f.*,
        row_number() over (
            partition by f.doc_id, f.content_hash, f.kind, f.amount_key
            order by f.start_char, f.commitment_id
        ) as dup_no
    from version_pairs as p
    join figures as f
        on f.doc_id = p.doc_id
        and f.content_hash = p.new_hash
),

old_left as (
    select
        o.*,
        row_number() over (
            partition by o.doc_id, o.new_hash, o.kind
            order by o.start_char, o.commitment_id
        ) as pair_no
    from old_side as o
    anti join new_side as n
        on n.doc_id = o.doc_id
        and n.content_hash = o.new_hash
        and n.kind = o.kind
        and n.amount_key = o.amount_key
        and n.dup_no = o.dup_no
),

new_left as (
    select
        n.*,
        row_number() over (
            partition by n.doc_id, n.content_hash, n.kind
            order by n.start_char, n.commitment_id
        ) as pair_no
    from new_side as n
    anti join old_side as o
        on o.doc_id = n.doc_id
        and o.new_hash = n.content_hash
        and o.kind = n.kind
        and o.amount_key = n.amount_key
        and o.dup_no = n.dup_no
),

document_changes as (
    select
        'document' as scope,
        coalesce(n.current_deal_id, o.current_deal_id) as deal_id,
        coalesce(n.doc_id, o.doc_id) as doc_id,
        coalesce(n.kind, o.kind) as kind,
        case
            when o.commitment_id is null then 'added'
            when n.commitment_id is null then 'removed'
            else 'changed'
        end as change,
        coalesce(n.changed_on, o.changed_on) as changed_on,
        o.amount as old_value,
        n.amount as new_value,
        o.unit as old_unit,
        n.unit as new_unit,
        o.value_usd as old_value_usd,
        n.value_usd as new_value_usd,
        o.surface as old_text,
        n.surface as new_text,
        o.sentence as old_sentence,
        n.sentence as new_sentence,
        o.doc_id as old_doc_id,
        coalesce(n.doc_id, o.doc_id) as new_doc_id,
        o.commitment_id as old_commitment_id,
        n.commitment_id as new_commitment_id,
        coalesce(o.content_hash, n.old_hash) as old_content_hash,
        coalesce(n.content_hash, o.new_hash) as new_content_hash
    from old_left as o
    full join new_left as n
        on n.doc_id = o.doc_id
        and n.content_hash = o.new_hash
        and n.kind = o.kind
        and n.pair_no = o.pair_no
),

reports as (
    select
        f.*,
        v.reported_on,
        v.fetched_at
    from figures as f
    join document_versions as v
        on v.doc_id = f.doc_id
        and v.content_hash = f.content_hash
    where f.current_deal_id is not null
        and coalesce(f.deal_headline, true)
    qualify row_number() over (
        partition by f.current_deal_id, f.kind, f.doc_id, f.content_hash
        order by coalesce(f.value_usd, f.amount) desc nulls last, f.start_char, f.commitment_id
    ) = 1
),

report_sequence as (
    select
        *,
        lag(amount_key) over w as previous_key,
        lag(commitment_id) over w as previous_commitment_id,
        lag(content_hash) over w as previous_content_hash
    from reports
    window w as (
        partition by current_deal_id, kind
        order by reported_on, fetched_at, doc_id, content_hash
    )
),

deal_changes as (
    select
        'deal' as scope,
        n.current_deal_id as deal_id,
        null as doc_id,
        n.kind,
        'changed' as change,
        n.reported_on as changed_on,
        o.amount as old_value,
        n.amount as new_value,
        o.unit as old_unit,
        n.unit as new_unit,
        o.value_usd as old_value_usd,
        n.value_usd as new_value_usd,
        o.surface as old_text,
        n.surface as new_text,
        o.sentence as old_sentence,
        n.sentence as new_sentence,
        o.doc_id as old_doc_id,
        n.doc_id as new_doc_id,
        o.commitment_id as old_commitment_id,
        n.commitment_id as new_commitment_id,
        o.content_hash as old_content_hash,
        n.content_hash as new_content_hash
    from report_sequence as n
    join reports as o
        on o.current_deal_id = n.current_deal_id
        and o.kind = n.kind
        and o.commitment_id = n.previous_commitment_id
        and o.content_hash = n.previous_content_hash
    where n.previous_key is distinct from n.amount_key
        and n.reported_on > o.reported_on
),

changes as (
    select * from document_changes
    union all
    select * from deal_changes
)

select
    c.scope,
    c.deal_id,
    c.doc_id,
    c.kind,
    c.change,
    c.changed_on,
    c.old_value,
    c.new_value,
    c.old_unit,
    c.new_unit,
    c.old_value_usd,
    c.new_value_usd,
    c.old_text,
    c.new_text,
    c.old_sentence,
    c.new_sentence,
    c.old_doc_id,
    old_docs.source_id as old_source_id,
    old_versions.reported_on as old_reported_on,
    c.new_doc_id,
    new_docs.source_id as new_source_id,
    c.old_commitment_id,
    c.new_commitment_id,
    c.old_content_hash,
    c.new_content_hash
from changes as c
left join documents as old_docs
    on old_docs.doc_id = c.old_doc_id
left join document_versions as old_versions
    on old_versions.doc_id = c.old_doc_id
    and old_versions.content_hash = c.old_content_hash
left join documents as new_docs
    on new_docs.doc_id = c.new_doc_id;

comment on view figure_changes is 'One row per change of a figure: scope document (an updated article changed, added or removed a figure) or scope deal (a later report gives another headline figure of one kind for the deal than the previous report), with both sides'' values, documents, sources and dates.';
comment on column figure_changes.scope is 'document (between two versions of one article) or deal (between two reports of a deal''s headline figure on different days: reports of the same day are not a change).';
comment on column figure_changes.deal_id is 'Deal the figure belongs to (deals.deal_id; null when it belongs to none).';
comment on column figure_changes.doc_id is 'For scope document: the article that changed; null for scope deal.';
comment on column figure_changes.kind is 'money, power or chips.';
comment on column figure_changes.change is 'changed, added (a figure the new version adds) or removed (a figure the new version drops); always changed for scope deal.';
comment on column figure_changes.changed_on is 'When the new value was reported: the new version''s or report''s reported_on.';
comment on column figure_changes.old_value is 'Previous amount: money in old_unit, MW or chip count (null when added).';
comment on column figure_changes.new_value is 'New amount: money in new_unit, MW or chip count (null when removed).';
comment on column figure_changes.old_unit is 'Unit of old_value: the ISO 4217 currency, MW or chips.';
comment on column figure_changes.new_unit is 'Unit of new_value: the ISO 4217 currency, MW or chips.';
comment on column figure_changes.old_value_usd is 'Previous money amount in US dollars (money only).';
comment on column figure_changes.new_value_usd is 'New money amount in US dollars (money only).';
comment on column figure_changes.old_text is 'Previous figure as written.';
comment on column figure_changes.new_text is 'New figure as written.';
comment on column figure_changes.old_sentence is 'Sentence of the previous figure.';
comment on column figure_changes.new_sentence is 'Sentence of the new figure.';
comment on column figure_changes.old_doc_id is 'Document that reported the previous value.';
comment on column figure_changes.old_source_id is 'Source (publisher) that reported the previous value.';
comment on column figure_changes.old_reported_on is 'When the previous value was reported (reported_on of its document version).';
comment on column figure_changes.new_doc_id is 'Document that reported the new value (for removed: the article whose new version dropped it).';
comment on column figure_changes.new_source_id is 'Source (publisher) that reported the new value.';
comment on column figure_changes.old_commitment_id is 'Previous figure (commitment_history.commitment_id).';
comment on column figure_changes.new_commitment_id is 'New figure (commitment_history.commitment_id).';
comment on column figure_changes.old_content_hash is 'Document version of the previous figure (document_versions.content_hash).';
comment on column figure_changes.new_content_hash is 'Document version of the new figure (document_versions.content_hash).';
