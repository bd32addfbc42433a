-- grain: one row per distinct figure in a document (no new object): commitments record whether a
-- figure is within the plausible bounds of its kind (nlp/data/bounds.json). An implausible figure
-- ("$99999999999999999999 billion") is kept for provenance but never clustered into a deal
-- (warehouse/sql/deal_figures.sql), so it can never be a deal figure or the story of the week.
alter table commitments add column plausible boolean default true;

comment on column commitments.plausible is 'false: the figure is beyond any real deal (above the bound of its kind in nlp/data/bounds.json: $10 trillion, 1,000 GW, 100 million chips); it is kept here for provenance but left out of deals and the newsletter. true otherwise.';
