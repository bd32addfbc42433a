-- after a crawl's state is loaded: a later version of a document reports its figures on the day
-- its feed entry says the article was updated (the entry_updated of the crawl that fetched that
-- text), not on the day the crawler happened to see it - when that day falls after the previous
-- version's and not after the fetch. Versions without such an entry keep their fetch date.
with entry_dates as (
    select
        doc_id,
        content_hash,
        max(entry_updated)::date as updated_on
    from crawl_articles
    where status = 'stored'
        and entry_updated is not null
        and doc_id is not null
    group by
        doc_id,
        content_hash
),

dated as (
    select
        v.doc_id,
        v.content_hash,
        e.updated_on
    from document_versions as v
    join entry_dates as e
        on e.doc_id = v.doc_id
        and e.content_hash = v.content_hash
    where v.version_no > 1
        and v.reported_on = v.fetched_at::date
        and e.updated_on < v.fetched_at::date
        and e.updated_on > (
            select max(p.reported_on)
            from document_versions as p
            where p.doc_id = v.doc_id
                and p.version_no < v.version_no
        )
)

update document_versions
set reported_on = dated.updated_on
from dated
where document_versions.doc_id = dated.doc_id
    and document_versions.content_hash = dated.content_hash;
