-- grain: one row per deal with at least one evidence figure the extractor calls a plausible
-- commitment: whether such a figure carries each of the deal's headline figures.
create or replace view deal_committed_figures as
select
    e.deal_id,
    bool_or(c.kind = 'money' and c.value_usd is not distinct from d.money_usd
        and c.value is not distinct from d.money_value) as money_committed,
    bool_or(c.kind = 'power' and c.mw = d.mw) as mw_committed,
    bool_or(c.kind = 'chips' and c.chip_count = d.chip_count) as chips_committed
from deal_evidence as e
join commitments as c
    on c.commitment_id = e.commitment_id
join deals as d
    on d.deal_id = e.deal_id
where c.role is distinct from 'context'
    and c.plausible is not false
group by e.deal_id;

comment on view deal_committed_figures is 'One row per deal with a plausible commitment-role evidence figure: whether such a figure carries each headline figure (false or no row: only a context figure, such as a GDP or a valuation, does).';
comment on column deal_committed_figures.deal_id is 'The deal (deals.deal_id).';
comment on column deal_committed_figures.money_committed is 'A commitment-role evidence figure has the deal''s money (same value and US dollars).';
comment on column deal_committed_figures.mw_committed is 'A commitment-role evidence figure has the deal''s MW.';
comment on column deal_committed_figures.chips_committed is 'A commitment-role evidence figure has the deal''s chip count.';
