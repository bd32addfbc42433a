-- one keyword pattern of deal_keywords (parameters: field, label, priority, pattern) against every
-- deal text (stage_deal_keyword_texts.sql): a row in deal_keyword_hits per text it matches. Run
-- once per pattern, so the pattern is a constant the regular expression engine compiles once (a
-- join of texts and patterns compiles a pattern for every text: minutes at 100k documents).
insert into deal_keyword_hits
select
    deal_id,
    $field as field,
    $label as label,
    $priority as priority
from deal_keyword_texts
where regexp_matches(text, $pattern);
