"""Linking: each commitment carries the countries and companies of its sentence, else of its
paragraph, else of the title (``link_scope``), and a ``deal_type`` from keyword cues."""

import pytest

from nlp.resources import read_json

DEAL_TYPES = {"data_center", "chip_supply", "sovereign_model", "fund", "energy", "partnership",
              "investment_programme"}


def test_commitments_link_to_their_sentence(extract):
    out = extract(
        "G42 and OpenAI will build a 1GW cluster in Abu Dhabi. "
        "Separately, Humain in Saudi Arabia will buy 18,000 GB300 chips from Nvidia."
    )
    power, chips = out["commitments"]
    assert (power["countries"], power["companies"], power["link_scope"]) == (["AE"], ["G42", "OpenAI"], "sentence")
    assert (chips["countries"], chips["companies"], chips["link_scope"]) == (["SA"], ["Humain", "Nvidia"], "sentence")


def test_paragraph_fills_what_the_sentence_lacks(extract):
    out = extract(
        "Saudi Arabia's Humain signed a deal with the chipmaker. Nvidia will ship 18,000 GB300 chips.\n\n"
        "In Kenya, a separate project was announced. The first phase will draw 200MW."
    )
    chips, power = out["commitments"]
    # the sentence names Nvidia but no country: the country comes from the paragraph
    assert (chips["countries"], chips["companies"], chips["link_scope"]) == (["SA"], ["Nvidia"], "paragraph")
    # the second paragraph is about Kenya: nothing leaks from the first one
    assert (power["countries"], power["companies"], power["link_scope"]) == (["KE"], [], "paragraph")


def test_title_is_the_last_resort(extract):
    out = extract("Nscale will deploy 60,000 GPUs.\n\nThe first phase will draw 200MW.",
                  title="Britain and Nvidia sign compute pact")
    chips, power = out["commitments"]
    assert chips["sentence"] == "Nscale will deploy 60,000 GPUs."
    assert (chips["companies"], chips["countries"], chips["link_scope"]) == (["Nscale"], ["GB"], "title")
    assert (power["companies"], power["countries"], power["link_scope"]) == (["Nvidia"], ["GB"], "title")
    assert out["countries"] == ["GB"]


def test_a_figure_in_the_title_links_to_the_title(extract):
    out = extract("The plan was announced on Monday.", title="Humain to buy 18,000 Nvidia chips")
    (chips,) = out["commitments"]
    assert (chips["companies"], chips["link_scope"]) == (["Humain", "Nvidia"], "sentence")


def test_nothing_to_link(extract):
    (item,) = extract("The first phase will draw 200MW.")["commitments"]
    assert item["countries"] == [] and item["companies"] == [] and item["link_scope"] is None


@pytest.mark.parametrize(
    ("text", "deal_type", "cue"),
    [
        ("G42 will build a 1GW data center campus in Abu Dhabi.", "data_center", "data center"),
        ("Humain will deploy 18,000 GB300 chips in its first phase.", "chip_supply", "chips"),
        ("The government set up a $1bn venture fund for AI startups.", "fund", "venture fund"),
        ("Aker will build a 500MW solar plant next to the site.", "energy", "solar"),
        ("The country will spend $200m to train a sovereign language model.", "sovereign_model", "language model"),
        ("The two firms signed a $2bn memorandum of understanding.", "partnership", "memorandum of understanding"),
        ("The government unveiled a $10bn investment plan.", "investment_programme", "investment plan"),
        # a specific cue beats a generic one in the same sentence
        ("Microsoft will invest $15bn in new data centers.", "data_center", "data centers"),
        # the nearest cue wins among specific ones
        ("A 1GW data center will be powered by a 300MW solar farm.", "data_center", "data center"),
        # a sovereign wealth fund is an investor, not a startup fund
        ("The sovereign wealth fund will put $5bn into data centres.", "data_center", "data centres"),
    ],
)
def test_deal_type_from_sentence_cues(extract, text, deal_type, cue):
    first = extract(text)["commitments"][0]
    assert (first["deal_type"], first["deal_type_cue"]) == (deal_type, cue)


def test_deal_type_falls_back_to_paragraph_title_then_kind(extract):
    out = extract("It will cost $3bn.\n\nAnother $4bn was announced.", title="Korea plans AI supercomputer")
    first, second = out["commitments"]
    assert (first["deal_type"], first["deal_type_cue"]) == ("data_center", "supercomputer")
    assert second["deal_type"] == "data_center"
    para = extract("Officials described the sovereign model project. It will cost $3bn.")["commitments"][0]
    assert (para["deal_type"], para["deal_type_cue"]) == ("sovereign_model", "sovereign model")
    bare = extract("It will cost $3bn. It will need 200MW.")["commitments"]
    assert [(item["deal_type"], item["deal_type_cue"]) for item in bare] == [
        ("investment_programme", None), ("data_center", None)]


def test_deal_type_vocabulary_is_the_documented_set():
    data = read_json("deal_types.json")
    assert set(data["specific"]) | set(data["generic"]) == DEAL_TYPES
    assert set(data["default_by_kind"]) == {"money", "power", "chips"}
    assert set(data["default_by_kind"].values()) <= DEAL_TYPES
