"""The clustering's inputs as warehouse/deals.py reads them (``read_figures``: mentions summed up per
document and listed per sentence, figures placed in their texts in Python) are the ones a reading
row by row gives: ``attribute_figures`` of every mention (deal_mentions.sql) and of the figures
placed by SQL, as deal_figures.sql used to place them. tests/e2e/test_sample_deals.py checks the
same on the sample run, whose headlines give figures too."""

from __future__ import annotations

from dataclasses import asdict

from warehouse.db import fetch_dicts
from warehouse.deals import attribute_figures, read_figures
from warehouse.load import load_documents, load_extractions

# where each figure sits in its analysed text, computed row by row in SQL (strpos finds the
# sentence searching from its length before the figure; paragraph_no counts the line breaks)
PLACED_IN_SQL = """
with docs as (
    select
        doc_id,
        length(trim(coalesce(title, ''))) as title_end,
        case
            when length(trim(coalesce(title, ''))) > 0 then trim(title) || chr(10) || chr(10) || coalesce(text, '')
            else coalesce(text, '')
        end as analysed
    from documents
)
select
    c.commitment_id,
    case
        when c.start_char is null or c.sentence is null then null
        when strpos(substr(d.analysed, greatest(c.start_char - length(c.sentence), 0) + 1), c.sentence) = 0 then null
        else greatest(c.start_char - length(c.sentence), 0)
            + strpos(substr(d.analysed, greatest(c.start_char - length(c.sentence), 0) + 1), c.sentence) - 1
    end as sentence_start,
    c.start_char is not null and c.start_char < d.title_end as in_title,
    case
        when c.start_char is null then null
        else length(substr(d.analysed, 1, c.start_char))
            - length(replace(substr(d.analysed, 1, c.start_char), chr(10), ''))
    end as paragraph_no
from commitments as c
join docs as d on d.doc_id = c.doc_id
"""


def read_by_rows(con):
    placed = {row["commitment_id"]: row for row in con.sql(PLACED_IN_SQL).to_arrow_table().to_pylist()}
    figure_rows = [{**row, **placed[row["commitment_id"]]} for row in fetch_dicts(con, "deal_figures")]
    return attribute_figures(figure_rows, fetch_dicts(con, "deal_mentions"))


def context_of(ctx) -> tuple:
    return (dict(ctx.countries), dict(ctx.datelines), dict(ctx.companies), dict(ctx.first),
            {paragraph: dict(counts) for paragraph, counts in ctx.paragraph_countries.items()})


def test_the_warehouse_reading_gives_the_figures_and_contexts_of_the_rows(seeded, fixtures):
    load_documents(seeded, fixtures / "chaining" / "documents.jsonl")
    load_extractions(seeded, fixtures / "chaining" / "extractions.jsonl")
    figures, contexts = read_figures(seeded)
    expected_figures, expected_contexts = read_by_rows(seeded)
    assert len(figures) >= 20 and any(f.paragraph for f in figures)
    assert_same_reading((figures, contexts), (expected_figures, expected_contexts))


def assert_same_reading(got, expected) -> None:
    """The figures (every field) and document contexts of two readings are the same."""
    assert [asdict(f) for f in got[0]] == [asdict(f) for f in expected[0]]
    assert {d: context_of(c) for d, c in got[1].items()} == {d: context_of(c) for d, c in expected[1].items()}
