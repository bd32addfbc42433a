-- grain: one row per real-world deal or programme (no new object): deals get a one-sentence
-- summary told from the deal's own record (who, what, where, how much, when, status), and titles
-- are told the same way (warehouse/resolution/telling.py, written by warehouse/deal_texts.py at
-- each rebuild). Deals built before this column existed keep a null summary until the next
-- rebuild (any `tracker run`, `tracker reextract` or deal rebuild).
alter table deals add column summary varchar;

comment on column deals.title is 'Readable title told from the deal''s record: its project when named, at most three principal parties, a verb for its type and status, its main headline figure and its host country, e.g. Stargate Norway: Nscale and Aker plan a 230 MW AI data centre at Narvik (warehouse/resolution/telling.py).';
comment on column deals.summary is 'One sentence (at most 220 characters) telling the deal from its record: who, what, where, how much (every headline commitment figure, never a context one), with whom and when it was first reported, e.g. Nscale and Aker plan a 230 MW AI data centre (Stargate Norway) at Narvik, Norway; first reported in July 2025. null for deals built before the column existed.';
