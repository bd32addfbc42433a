-- grain: one row per distinct figure in a document (no new object): commitments gain the optional
-- attributes the extractor may add to a figure (exchange rate used, deal type, link scope).
alter table commitments add column fx_rate double;

alter table commitments add column fx_month varchar;

alter table commitments add column deal_type varchar;

alter table commitments add column link_scope varchar;

comment on column commitments.fx_rate is 'Exchange rate to US dollars the extractor applied to value (null when not given or not money).';
comment on column commitments.fx_month is 'Month of the exchange rate applied, as given by the extractor (e.g. 2025-05; null when not given).';
comment on column commitments.deal_type is 'Deal type the extractor read in the figure''s context (null when not given).';
comment on column commitments.link_scope is 'How the extractor linked the figure to its countries and companies, e.g. sentence or document (null when not given).';
