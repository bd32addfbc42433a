-- writes the titles and summaries told by warehouse/deal_texts.py (registered as deal_texts:
-- deal_id, title, summary) into deals, and the current title of each deal into deal_aliases (where
-- record_deal_aliases.sql wrote the clustering's title before the deal's figures were known).
update deals
set
    title = t.title,
    summary = t.summary
from deal_texts as t
where deals.deal_id = t.deal_id;

update deal_aliases
set title = t.title
from deal_texts as t
where deal_aliases.alias_id = t.deal_id
    and deal_aliases.reason = 'current'
    and deal_aliases.title is distinct from t.title;
