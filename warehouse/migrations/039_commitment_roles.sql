-- grain: one row per distinct figure in a document (no new object): commitments record the role the
-- extractor gave the figure (nlp/roles.py): a commitment of a deal, or context around it (revenue,
-- GDP, a valuation, a fund's size, a market estimate, a price, another deal cited for comparison).
-- Rows extracted before this column existed keep null until `tracker reextract` runs.
alter table commitments add column role varchar;

alter table commitments add column role_cue varchar;

comment on column commitments.role is 'commitment: the figure is an investment or pledge, a capacity, a chip supply, a purchase or licence; context: revenue, GDP, a valuation, a fund size or assets under management, a market or economic-impact estimate, a price or share move, or another deal cited for comparison (never a deal figure: warehouse/sql/deal_figures.sql). Set by the extractor (nlp/roles.py); null for figures extracted before roles existed.';
comment on column commitments.role_cue is 'The words of the text that weighed most for the role, as written (e.g. valued at, GDP, earlier, will invest); null when no cue did and the figure''s place decided (title, lead, a country the title does not name), or when the role is null.';
