"""Projects and programmes: listed names and aliases to canonical names, new names found by the
patterns, and the project each figure belongs to. Sentences are made up for the tests."""

import json

import pytest

from nlp.projects import KINDS, load_projects, normalise_name
from nlp.resources import read_json, read_jsonl


def projects(extract, text, title=None):
    return extract(text, title=title)["projects"]


# -- the list ------------------------------------------------------------------------------------

def test_listed_names_and_aliases_give_the_canonical_name(extract):
    assert projects(extract, "The Stargate UAE cluster will open in 2026.") == ["Stargate UAE"]
    assert projects(extract, "It sits inside the UAE–US AI Campus in Abu Dhabi.") == ["UAE-US AI Campus"]
    assert projects(extract, "STARGATE NORGE SIGNS A NEW OFFTAKER") == ["Stargate Norway"]
    assert projects(extract, "Funding under the India AI mission was raised again.") == ["IndiaAI Mission"]
    assert projects(extract, "Both sides praised the tech prosperity deal.") == ["Tech Prosperity Deal"]


def test_a_name_that_is_also_a_common_word_needs_its_context(extract):
    assert projects(extract, "Hyperion Research expects the HPC market to grow.") == []
    assert projects(extract, "Meta said Hyperion will reach 5GW by 2030.") == ["Hyperion"]


def test_companies_and_countries_inside_a_project_name_still_count(extract):
    line = extract("Mistral AI opened Mistral Compute near Paris; Stargate UAE follows.")
    assert line["projects"] == ["Mistral Compute", "Stargate UAE"]
    assert line["companies"] == ["Mistral AI"]
    assert line["countries"] == ["AE", "FR"]


def test_the_list_is_consistent():
    rows = load_projects("projects.jsonl")
    registry = {row["name"] for row in read_jsonl("companies.jsonl")}
    owner: dict[str, str] = {}
    for row in rows:
        assert row["kind"] in KINDS
        assert set(row["companies"]) <= registry, row["name"]  # canonical company names
        for value in [row["name"], *row["aliases"]]:
            key = normalise_name(value)
            assert owner.setdefault(key, row["name"]) == row["name"], f"{value} names two projects"
    names = {row["name"] for row in rows}
    assert all(row.get("part_of") in names for row in rows if row.get("part_of"))
    assert len(rows) >= 60


def test_a_broken_list_is_refused_with_its_file_and_project(tmp_path):
    path = tmp_path / "projects.jsonl"
    path.write_text(json.dumps({"name": "X", "aliases": [], "kind": "castle", "country": None, "companies": []}) + "\n")
    with pytest.raises(ValueError, match="'X' has kind 'castle'"):
        load_projects(str(path))


# -- patterns -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("The campus, called Nordlys Compute Park, will draw 300MW.", ["Nordlys Compute Park"]),
    ("A 1GW cluster dubbed “Aurora Vale” is planned in Finland.", ["Aurora Vale"]),
    ("The site, known as the Kestrel Ridge, lies near the coast.", ["Kestrel Ridge"]),
    ("AWS detailed Project Halcyon, its new Trainium cluster.", ["Project Halcyon"]),
    ("Work began on the Harbourview AI Campus this week.", ["Harbourview AI Campus"]),
    ("Ministers launched the Andean Sovereign AI Mission with $2 billion.", ["Andean Sovereign AI Mission"]),
    ("Lagos joined the Helios initiative last year.", ["Helios"]),
    ("The firm's \"Compute for Nations\" programme adds two sites.", ["Compute for Nations"]),
    ("The Kulai Mega Data Centre will host the cluster.", ["Kulai Mega Data Centre"]),
    ("OpenAI plans a Stargate Japan cluster.", ["Stargate Japan"]),
    ("OpenAI plans a 1GW Stargate data centre in India.", ["Stargate India"]),
    ("The Abilene Stargate campus raised $11.6bn.", ["Stargate I"]),
])
def test_patterns_find_new_names(extract, text, expected):
    assert projects(extract, text) == expected


@pytest.mark.parametrize("text", [
    "Chief executive Jane Moreau called AI the defining technology of the age.",  # no project noun
    "The board named Omar Haddad chief executive.",
    "A startup called Nexacore raised $50 million.",  # a company, not a project
    "The Project Manager left in May.",
    "India's Permanent Mission to the UN held a briefing.",  # Mission without a topic word
    "The UK AI Growth Zone scheme drew 200 bids.",  # a class in one country
    "Nvidia AI Factory designs are sold by partners.",  # a vendor's product line
    "Google Launches National AI Mission In India",  # headline case: capitals say nothing
    "The Microsoft initiative covers 30 countries.",  # only a company
    "A \"very large\" campus is planned.",  # quoted ordinary words
    "OpenAI said Stargate will add a campus in the United States.",  # Stargate at home is Stargate
])
def test_patterns_leave_alone(extract, text):
    assert projects(extract, text) in ([], ["Stargate"])


def test_a_class_of_projects_is_named_only_with_its_place(extract):
    assert projects(extract, "Bids for AI Growth Zones closed; an AI Growth Zone needs 500MW.") == []
    assert projects(extract, "Ministers created an AI Growth Zone in North Wales.") == ["North Wales AI Growth Zone"]
    assert projects(extract, "The government named Teesside an AI Growth Zone.") == ["Teesside AI Growth Zone"]
    assert projects(extract, "Culham AI Growth Zone expands.", title="") == ["Culham AI Growth Zone"]
    # the listed zone under each of its spellings
    for text in ("The North-east AI Growth Zone will bring £30bn.",
                 "The government has named the North-east an AI Growth Zone.",
                 "It set up an AI Growth Zone in the North East."):
        assert projects(extract, text) == ["North East AI Growth Zone"], text


def test_a_found_name_keeps_one_spelling_in_a_document(extract):
    text = "The Italy North cloud region opens in May. The Italy-North cloud region is large."
    assert projects(extract, text) == ["Italy North cloud region"]


def test_patterns_file_has_what_the_component_reads():
    patterns = read_json("project_patterns.json")
    for key in ("name_cues", "project_nouns", "prefix_heads", "suffixes", "class_names", "generic_words",
                "not_projects", "quotes"):
        assert patterns[key], key
    assert "AI Growth Zone" in patterns["class_names"]


# -- each figure's project --------------------------------------------------------------------------

def test_a_figure_takes_the_project_of_its_sentence_else_its_paragraph(extract):
    line = extract(
        "Stargate UAE will draw 1GW; the UAE-US AI Campus will reach 5GW.\n\n"
        "Mistral Compute is growing. Its first phase needs 40MW.\n\n"
        "Separately, a Kenyan firm plans a 60MW site."
    )
    assert [(c["mw"], c["project"]) for c in line["commitments"]] == [
        (1000, "Stargate UAE"), (5000, "UAE-US AI Campus"), (40, "Mistral Compute"), (60, None)]


def test_a_named_project_beats_an_umbrella_programme_in_the_paragraph(extract):
    line = extract("Stargate UAE is the first deal of OpenAI for Countries. Its first phase will draw 200MW.")
    assert [(c["mw"], c["project"]) for c in line["commitments"]] == [(200, "Stargate UAE")]


def test_the_title_does_not_give_figures_a_project(extract):
    line = extract("Microsoft commits £22 billion to Britain.", title="Tech Prosperity Deal brings a wave of money")
    assert line["projects"] == ["Tech Prosperity Deal"]
    assert [c["project"] for c in line["commitments"]] == [None]


def test_mentions_hold_each_project_with_its_offsets(extract):
    line = extract("Nscale builds Stargate UK.", title="Stargate UK grows", with_mentions=True)
    text = "Stargate UK grows\n\nNscale builds Stargate UK."
    found = [(m["value"], m["start"], m["end"]) for m in line["mentions"] if m["kind"] == "project"]
    assert found == [("Stargate UK", 0, 11), ("Stargate UK", 33, 44)]
    assert all(text[start:end] == "Stargate UK" for _, start, end in found)
    assert [m["kind"] for m in line["mentions"]] == ["project", "country", "company", "project", "country"]


# -- the warehouse ---------------------------------------------------------------------------------

def test_the_warehouse_keeps_project_mentions_and_each_figures_project(tmp_path, nlp):
    from pathlib import Path

    from nlp.extract import extract_records
    from warehouse.db import connect
    from warehouse.load import load_documents, load_extractions, load_sources

    fixtures = Path(__file__).resolve().parent.parent / "warehouse" / "fixtures"
    documents = [json.loads(line) for line in (fixtures / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    records = [{"id": d["doc_id"], "title": d["title"], "text": d["text"], "published": d["published"]}
               for d in documents]
    lines = list(extract_records(records, nlp, with_mentions=True))
    path = tmp_path / "extractions.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    con = connect(tmp_path / "tracker.duckdb")
    try:
        load_sources(con, json.loads((fixtures / "sources.json").read_text(encoding="utf-8")))
        load_documents(con, fixtures / "documents.jsonl")
        load_extractions(con, path)
        stargate = "145883bd2a006289"  # OpenAI's "Introducing Stargate UAE"
        mentions = con.execute(
            "select value, surface from mentions where doc_id = ? and kind = 'project' order by start_char",
            [stargate]).fetchall()
        assert mentions[0] == ("Stargate UAE", "Stargate UAE") and len(mentions) >= 2
        figures = con.execute(
            "select surface, project from commitments where doc_id = ? order by start_char", [stargate]).fetchall()
        assert ("200MW", "Stargate UAE") in figures
        # a line from an extractor without projects still loads: project is null
        old = dict(lines[0])
        old["commitments"] = [{k: v for k, v in c.items() if k != "project"} for c in old["commitments"]]
        path.write_text(json.dumps(old) + "\n", encoding="utf-8")
        load_extractions(con, path)
        assert con.execute("select count(*), count(project) from commitments where doc_id = ?",
                           [old["id"]]).fetchall()[0] == (len(old["commitments"]), 0)
    finally:
        con.close()
