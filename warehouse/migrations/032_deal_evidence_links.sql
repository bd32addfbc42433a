-- grain: one row per deal, document and figure supporting it (no new object): deal_evidence says
-- how strongly each figure is tied to its deal, and the descriptions of deals and document
-- versions follow the clustering rules of warehouse/deals.py and the dating of updated articles.
alter table deal_evidence add column link_strength varchar;

comment on column deal_evidence.link_strength is 'How the figure is tied to its countries and companies: sentence (its own sentence names them, and no other figure), shared (the headline, or a sentence with several figures), borrowed (its sentence names none: they come from its paragraph or title; such a figure never sets the deal''s country or headline figure unless another report confirms it).';
comment on table deals is 'One row per real-world deal or programme, clustered from the figures of its coverage: reports by several outlets and syndicated copies make one deal with several sources (see warehouse/deals.py for the rule).';
comment on column deals.countries is 'Countries of the deal: its host country first (a vote of its documents, each by its best-tied figure naming the country in its own sentence), then the other countries named by at least half of its documents, sorted (ISO alpha-2 codes).';
comment on column deals.companies is 'Companies of the deal: those of the report that founded it plus those named by at least half of its documents, sorted canonical names.';
comment on column deals.money_value is 'Headline money figure: the largest of the latest report giving one, among the figures tied to the deal by their own or a shared sentence (a borrowed-link figure only when another report confirms it), in its original currency.';
comment on column deals.mw is 'Headline power capacity (MW): the largest of the latest report giving one, among the figures tied to the deal by their own or a shared sentence (a borrowed-link figure only when another report confirms it).';
comment on column deals.chip_count is 'Headline chip count: the largest of the latest report giving one, among the figures tied to the deal by their own or a shared sentence (a borrowed-link figure only when another report confirms it).';
comment on column document_versions.reported_on is 'When this version reported its figures: the publication date for version 1 (else its fetch date); for a later version, the updated time its feed entry gave when the crawl fetched it (crawl_articles.entry_updated), else the fetch date (the day the change was seen).';
