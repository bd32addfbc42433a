-- grain: one row per distinct text of a rebuilt deal (deal_clusters, deal_members staged by the
-- resolver): the lowercased sentences of its evidence figures and the titles of their documents,
-- the texts record_deal_keywords.sql reads the deal's type and status from. Also an empty
-- deal_keyword_hits, which match_deal_keyword.sql fills one pattern of deal_keywords at a time.
create or replace temp table deal_keyword_texts as
with evidence as (
    select
        m.deal_id,
        c.sentence,
        d.title as doc_title
    from deal_members as m
    join deal_clusters as k
        on k.deal_id = m.deal_id
    join commitments as c
        on c.commitment_id = m.commitment_id
    join documents as d
        on d.doc_id = c.doc_id
)

select distinct
    deal_id,
    lower(sentence) as text
from evidence
where sentence is not null
union
select distinct
    deal_id,
    lower(doc_title) as text
from evidence
where doc_title is not null;

create or replace temp table deal_keyword_hits (
    deal_id varchar,
    field varchar,
    label varchar,
    priority integer
);
