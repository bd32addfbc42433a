-- grain: one row per current rules deal (no new object): what a deal is known by once it has
-- several reports. The rule-based clustering (warehouse/deal_clustering.py Deal.known) joins a
-- report to a deal by the companies and countries at least half of the deal's documents name,
-- not by every name one of them gave; an increment restores these counts with the deal.
alter table deal_rule_deals add column reports integer;

alter table deal_rule_deals add column tallies varchar;

comment on column deal_rule_deals.reports is 'Documents the deal''s figures come from.';
comment on column deal_rule_deals.tallies is 'JSON: {"companies", "principals", "countries"}, each name -> how many of its documents name it (companies: in an S figure; principals: as one of the document''s two main companies; countries: in a figure''s sentence or paragraph); null for a state written before tallies existed.';
