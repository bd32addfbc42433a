-- after build_deals.sql: each deal's type and status from the keyword hits of its texts
-- (match_deal_keyword.sql). deal_type: the label with most hits (a hit is a text matching a
-- pattern), then the lowest priority, then the first label; deals without a hit keep
-- 'partnership'. status: the most advanced label named (lowest priority); none: null.
update deals
set deal_type = t.deal_type
from (
    select
        deal_id,
        label as deal_type
    from deal_keyword_hits
    where field = 'deal_type'
    group by
        deal_id,
        label
    qualify row_number() over (
        partition by deal_id
        order by count(*) desc, min(priority), label
    ) = 1
) as t
where deals.deal_id = t.deal_id;

update deals
set status = s.status
from (
    select
        deal_id,
        label as status
    from deal_keyword_hits
    where field = 'status'
    group by
        deal_id,
        label
    qualify row_number() over (
        partition by deal_id
        order by min(priority), label
    ) = 1
) as s
where deals.deal_id = s.deal_id;

drop table deal_keyword_texts;

drop table deal_keyword_hits;
