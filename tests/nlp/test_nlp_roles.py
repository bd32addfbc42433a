"""Figure roles: each figure is a deal's commitment or context around it (nlp/roles.py), with the
cue that decided, and the role reaches the warehouse (commitments.role, role_cue).

The sentences are our own, one per cue family, each placed after the lead of a made-up story
("Microsoft will invest $3bn in Indonesia"), the way such figures sit in real coverage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.extract import extract_records
from nlp.resources import read_json
from nlp.roles import DECISIVE, SCOPES

TITLE = "Microsoft to invest $3bn in Indonesia"
LEAD = ("Microsoft will invest $3bn in cloud and AI infrastructure in Indonesia over the next four years, "
        "the company said on Tuesday.")
FIXTURES = Path(__file__).resolve().parents[1] / "warehouse" / "fixtures"


@pytest.fixture(scope="module")
def roles(extract):
    """roles(paragraph): (text, role, role_cue) of each figure of the paragraph after the lead."""

    def run(paragraph: str, title: str = TITLE, lead: str = LEAD):
        line = extract(f"{lead}\n\n{paragraph}", title=title, published="2025-02-24")
        first = len(title) + 2 + len(lead)
        return [(c["text"], c["role"], c["role_cue"]) for c in line["commitments"] if c["start"] > first]

    return run


@pytest.mark.parametrize(("family", "paragraph", "figure", "cue"), [
    ("revenue", "Nvidia's data-centre business brought in $18.4 billion of revenue in the last quarter.",
     "$18.4 billion", "of revenue"),
    ("valuation and share move",
     "Nvidia's shares rose 4% on Monday, adding about $170 billion to its market value.",
     "$170 billion", "market value"),
    ("economy", "AI could add $366 billion to Indonesia's GDP by 2030, a study by Kearney estimates.",
     "$366 billion", "GDP"),
    ("fund assets", "Danantara, the state investment agency, has assets under management of $900 billion.",
     "$900 billion", "assets under management of"),
    ("funding round", "Last month the local partner raised $150 million in a funding round led by Temasek.",
     "$150 million", "funding round"),
    ("market estimate",
     "The Southeast Asian data-centre market is expected to reach $30 billion by 2030, analysts say.",
     "$30 billion", "market is expected to reach"),
    ("unit price", "The chips cost about $30,000 apiece.", "$30,000", "apiece"),
    ("comparison", "For comparison, Google plans a $15 billion hub in India.", "$15 billion", "For comparison"),
    ("earlier deal", "The pledge comes after Amazon committed $5 billion to Indonesia last year.",
     "$5 billion", "comes after"),
    ("earlier deal, past tense",
     "It adds to the $1.7 billion the company had already invested in the country since 2020.", "$1.7 billion", None),
    ("worldwide total", "Microsoft expects to spend $80 billion worldwide on AI data centres.",
     "$80 billion", "worldwide"),
    ("total of many pledges", "Indonesia has secured $40 billion of foreign investment pledges in total this year.",
     "$40 billion", None),
    ("hypothetical estimate", "Analysts say demand could eventually need 5GW of new capacity in the region.",
     "5GW", None),
])
def test_context_figures(roles, family, paragraph, figure, cue):
    (found,) = roles(paragraph)
    assert found[:2] == (figure, "context"), family
    if cue is not None:
        assert found[2] == cue
    else:
        assert found[2] is not None  # some cue of the sentence is given as the reason


@pytest.mark.parametrize(("case", "paragraph", "figures"), [
    ("phase and chips", "The first phase will draw 100MW and house 20,000 Nvidia GPUs.",
     ["100MW", "20,000 Nvidia GPUs"]),
    ("partner builds", "Under the agreement, Telkom will build a 50MW data centre for the project.", ["50MW"]),
    ("chip supply", "Microsoft will deploy 10,000 Nvidia H100 chips in the new region.", ["10,000 Nvidia H100 chips"]),
    ("parts of the total", "Of the total, $2bn will go to data centres and $1bn to training programmes.",
     ["$2bn", "$1bn"]),
    ("capacity per site", "Two data centres of 100MW each will be built near Jakarta.", ["100MW"]),
    # "more than" bounds an amount; it compares nothing ("bigger than" does)
    ("bounded amount", "The partners will build nearly 7GW of capacity and invest more than $2bn of it.",
     ["7GW", "$2bn"]),
])
def test_commitment_figures(roles, case, paragraph, figures):
    found = roles(paragraph)
    assert [(text, role) for text, role, _ in found] == [(text, "commitment") for text in figures], case


def test_the_story_figure_is_a_commitment(extract):
    line = extract(LEAD, title=TITLE, published="2025-02-24")
    (figure,) = line["commitments"]
    assert (figure["text"], figure["role"]) == ("$3bn", "commitment")


def test_a_figure_stated_as_news_once_stays_a_commitment(extract):
    """The same figure twice (one output line): a commitment when one statement is, even if the
    other reads like a comparison."""
    text = LEAD + "\n\nFor comparison, the $3bn is twice what Amazon put into the country."
    (figure,) = [c for c in extract(text, title=TITLE, published="2025-02-24")["commitments"] if c["text"] == "$3bn"]
    assert figure["role"] == "commitment"


def test_a_conversion_in_brackets_takes_the_role_of_its_figure(roles):
    found = roles("It builds on the R20.4 billion ($1.12 billion) Microsoft spent over the past three years on "
                  "its first data centres in Johannesburg and Cape Town.")
    assert [(text, role) for text, role, _ in found] == [("R20.4 billion", "context"), ("$1.12 billion", "context")]
    found = roles("The first phase will cost €5 billion ($5.2 billion) and draw 200MW.")
    assert [role for _, role, _ in found] == ["commitment", "commitment", "commitment"]


def test_every_figure_is_still_extracted_with_a_role(extract):
    """Roles add keys; they never drop a figure (the extraction contract)."""
    text = LEAD + "\n\nAI could add $366 billion to Indonesia's GDP by 2030. The first phase will draw 100MW."
    line = extract(text, title=TITLE, published="2025-02-24")
    assert [(c["text"], c["role"]) for c in line["commitments"]] == [
        ("$3bn", "commitment"), ("$366 billion", "context"), ("100MW", "commitment")]


def test_the_data_files_agree():
    """Every family leans one way; every learned weight names a signal the component makes."""
    cues = read_json("role_cues.json")
    model = read_json("role_weights.json")
    families = cues["families"]
    assert all(spec["leans"] in ("commitment", "context") and spec["phrases"] for spec in families.values())
    assert cues[DECISIVE]["before"] and cues[DECISIVE]["after"]
    places = {"in_title", "in_lead", "second_half", "repeated", "value_in_title", "crowded_sentence",
              "first_of_kind", "past_year", "future_year", "approximate", "bounded", "range", "small_money",
              "large_money", "kind:money", "kind:power", "kind:chips", "larger_than_story", "place_owner",
              "story_project", "other_project"}
    parties = {f"{scope}_{what}" for scope in ("title", "story") for what in ("company", "other_company")}
    parties |= {"actor_story", "actor_other"}
    cue_signals = {f"{family}@{scope}" for family in families for scope in (*SCOPES, "opener")}
    unknown = set(model["weights"]) - places - parties - cue_signals
    assert not unknown, f"role_weights.json has weights for signals nothing makes: {sorted(unknown)}"
    assert 0 < model["threshold"] < 1


def test_roles_reach_the_warehouse(tmp_path):
    """The extractor's lines load into commitments.role and role_cue; a line without a role (an
    older extractor) or with a role the warehouse does not know still loads, with nulls."""
    from warehouse.db import connect
    from warehouse.load import load_documents, load_extractions, load_sources

    documents = [json.loads(line) for line in (FIXTURES / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    stargate = next(d for d in documents if d["doc_id"] == "145883bd2a006289")
    records = [{"id": stargate["doc_id"], "title": stargate["title"], "published": stargate["published"],
                "text": stargate["text"] + "\n\nG42 is part of a $1.5 trillion business empire; AI could add "
                                           "$96 billion to the UAE's GDP by 2030."}]
    line = next(extract_records(records))
    other = next(d for d in documents if d["doc_id"] == "f21555a08f6cebe5")
    old_line = {"id": other["doc_id"], "countries": ["AE"], "companies": ["G42"], "commitments": [
        {"kind": "power", "mw": 1000, "text": "1GW", "sentence": "x", "start": 40, "end": 43, "role": "maybe",
         "role_cue": "x"}]}
    path = tmp_path / "extract.jsonl"
    path.write_text(json.dumps(line) + "\n" + json.dumps(old_line) + "\n", encoding="utf-8")
    con = connect(tmp_path / "tracker.duckdb")
    try:
        load_sources(con, json.loads((FIXTURES / "sources.json").read_text(encoding="utf-8")))
        load_documents(con, FIXTURES / "documents.jsonl")
        load_extractions(con, path)
        rows = con.execute(
            "select doc_id, surface, role, role_cue from commitments order by doc_id, start_char").fetchall()
    finally:
        con.close()
    assert [row[1:3] for row in rows if row[0] == stargate["doc_id"]] == [
        ("1GW", "commitment"), ("200MW", "commitment"), ("$1.5 trillion", "context"), ("$96 billion", "context")]
    assert ("f21555a08f6cebe5", "1GW", None, None) in rows
    assert dict((row[1], row[3]) for row in rows)["$96 billion"] == "GDP"
