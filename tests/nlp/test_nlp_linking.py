"""Linking: each commitment carries the countries and companies of its own sentence."""


def test_commitments_link_to_their_sentence(extract):
    out = extract(
        "G42 and OpenAI will build a 1GW cluster in Abu Dhabi. "
        "Separately, Humain in Saudi Arabia will buy 18,000 GB300 chips from Nvidia."
    )
    power, chips = out["commitments"]
    assert (power["countries"], power["companies"]) == (["AE"], ["G42", "OpenAI"])
    assert (chips["countries"], chips["companies"]) == (["SA"], ["Humain", "Nvidia"])


def test_title_is_its_own_sentence(extract):
    out = extract("Nscale will deploy 60,000 GPUs.", title="Britain and Nvidia sign compute pact")
    (chips,) = out["commitments"]
    assert chips["sentence"] == "Nscale will deploy 60,000 GPUs."
    assert chips["companies"] == ["Nscale"]
    assert chips["countries"] == []
    assert out["countries"] == ["GB"]


def test_sentence_without_entities_links_nothing(extract):
    (item,) = extract("The first phase will draw 200MW.")["commitments"]
    assert item["countries"] == [] and item["companies"] == []
