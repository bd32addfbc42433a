-- counts of the staged crawl state lines: feeds, feeds not modified, articles per status.
select
    count(*) filter (where kind = 'feed') as feeds,
    count(*) filter (where kind = 'feed' and http_status = 304) as feeds_not_modified,
    count(*) filter (where kind = 'article' and status = 'stored') as stored,
    count(*) filter (where kind = 'article' and status = 'duplicate') as duplicates,
    count(*) filter (where kind = 'article' and status = 'dropped') as dropped,
    count(*) filter (where kind = 'article' and status = 'failed') as failed,
    count(*) filter (where kind = 'article' and status = 'failed' and retryable) as retryable
from staged_crawl_state;
