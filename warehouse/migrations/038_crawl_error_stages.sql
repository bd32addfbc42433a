-- grain: one row per recorded failure or refusal (crawl_errors, unchanged). The stages that record into
-- crawl_errors grew with the defences against hostile input: a source cut at its budget, a crawl
-- stopped early, a page-declared URL refused, a document that failed extraction. The comments say
-- so, so analysts can filter by stage.
comment on table crawl_errors is 'One row per recorded failure or refusal of the crawl, the load or extraction: what was skipped or cut, where and why.';
comment on column crawl_errors.stage is 'Where it was recorded: feed, fetch, parse (the crawl); budget (a source cut off at its per-run budget); crawl (the crawl stopped early: time limit or signal); canonical (a page-declared canonical, og:url or AMP link outside the source refused; the fetched URL was kept); load (a document refused by the load, e.g. one claiming another source''s article); extract (a document whose extraction failed, whose text was cut, or with an implausible figure).';
