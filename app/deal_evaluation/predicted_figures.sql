-- grain: one row per figure extracted from a document of the evaluated gold set (the deal
-- evaluation's warehouse only holds those), with its number in the unit the key uses (money as
-- written, power in MW, chips as a count), its place in the analysed text and the deal it is
-- evidence of (null: in no deal), and its role (a figure marked context is never shown as a deal's).
select
    c.commitment_id,
    c.doc_id,
    c.kind,
    case c.kind
        when 'money' then c.value
        when 'power' then c.mw
        else c.chip_count::double
    end as amount,
    c.currency,
    c.start_char,
    c.surface,
    e.deal_id,
    c.role
from commitments as c
left join deal_evidence as e on e.commitment_id = c.commitment_id
order by c.doc_id, c.start_char, c.commitment_id
