-- grain: one row per deal (no new object): the deal clustering now anchors each deal in one
-- country, listed first in deals.countries (see warehouse/deals.py); the descriptions say so.
comment on column deals.countries is 'Countries of the deal: its anchor country first (the country of its figures), then the other countries named by at least half of its candidate mentions, sorted (ISO alpha-2 codes).';
comment on column deals.companies is 'Companies of the deal: those named by at least half of its candidate mentions plus the companies of its founding report, sorted canonical names.';
comment on column deals.title is 'Readable title: the deal companies most mentioned by its evidence documents in its anchor country, e.g. OpenAI, G42, Oracle in United Arab Emirates.';
comment on column deals.money_value is 'Main money figure of the latest report among the figures attributed to the deal (a figure whose sentence names a deal company first, then the largest), in its original currency.';
comment on column deals.money_usd is 'money_value in US dollars.';
comment on column deals.mw is 'Main power capacity (MW) of the latest report giving one: a figure whose sentence names a deal company or the anchor country first, then the largest.';
comment on column deals.chip_count is 'Main chip count of the latest report giving one: a figure whose sentence names a deal company or the anchor country first, then the largest.';
comment on view weekly_deals is 'One row per deal per ISO week in which it was reported (an evidence document published that week); figures are the deal''s current ones.';
comment on column weekly_deals.countries is 'Countries of the deal (deals.countries: anchor country first, then the others sorted).';
