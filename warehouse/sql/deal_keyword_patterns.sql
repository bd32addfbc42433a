-- grain: one row per keyword pattern staged by stage_deal_keywords.sql; warehouse/deal_texts.py
-- runs match_deal_keyword.sql with each (the order does not change the hits).
select
    field,
    label,
    priority,
    pattern
from deal_keywords
order by
    field,
    label,
    priority,
    pattern;
