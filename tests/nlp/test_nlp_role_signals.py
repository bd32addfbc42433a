"""Figure roles from the signals a reader names (nlp/roles.py): the noun the figure measures, a
level that grows, an aim, a company's yearly spending, a comparison, a figure far larger than the
story's own, a place's own figure. Each sentence is our own, placed after the lead of a made-up
story the way such figures sit in real coverage; the story figure stays a commitment."""

from __future__ import annotations

import pytest

TITLE = "Nscale to build a 50MW AI data centre in Johor with 20,000 GPUs"
LEAD = ("Nscale will build a 50MW AI data centre in Johor, Malaysia, with 20,000 Nvidia GPUs and an investment "
        "of $1.2 billion, the company said on Tuesday.")


@pytest.fixture(scope="module")
def roles(extract):
    """roles(paragraph): (text, role) of each figure of the paragraph after the lead."""

    def run(paragraph: str):
        line = extract(f"{LEAD}\n\n{paragraph}", title=TITLE, published="2025-06-10")
        first = len(TITLE) + 2 + len(LEAD)
        return [(c["text"], c["role"]) for c in line["commitments"] if c["start"] > first]

    return run


@pytest.mark.parametrize(("signal", "paragraph", "figure"), [
    ("a level that grew", "Data-centre capacity in the state has grown from 10 megawatts in 2021 to far more today.",
     "10 megawatts"),
    ("an aim of a state", "The state government wants to host 3GW of data-centre capacity by 2030.", "3GW"),
    ("a company's yearly capital spending",
     "Across all its markets the company expects capital spending of $9 billion this year.", "$9 billion"),
    ("a comparison", "The project compares with a 240MW campus that Nebius is building in France.", "240MW"),
    ("a place's own figure", "Malaysia's installed data-centre capacity stands at about 1,000MW.", "1,000MW"),
])
def test_context_figures(roles, signal, paragraph, figure):
    assert (figure, "context") in roles(paragraph), signal


@pytest.mark.parametrize(("case", "paragraph", "figures"), [
    ("a phase of the story's deal", "The first phase will draw 20MW and open in 2026.", ["20MW"]),
    ("a later phase", "A second phase of 30MW will follow in 2027 with 10,000 more GPUs.",
     ["30MW", "10,000 more GPUs"]),
    ("an amount added by the news", "Nscale will also put a further $300 million into the site's cooling.",
     ["$300 million"]),
])
def test_commitment_figures(roles, case, paragraph, figures):
    assert roles(paragraph) == [(text, "commitment") for text in figures], case


def test_the_story_figures_are_commitments(extract):
    line = extract(LEAD, title=TITLE, published="2025-06-10")
    assert {c["role"] for c in line["commitments"]} == {"commitment"}


@pytest.fixture(scope="module")
def signals():
    """signals(paragraph): {figure text: its signals} for the figures of the paragraph after the lead."""
    from nlp.extract import load_pipeline, make_doc

    nlp = load_pipeline()
    component = nlp.get_pipe("tracker_roles")

    def run(paragraph: str):
        doc = make_doc(nlp, {"id": "t", "title": TITLE, "text": f"{LEAD}\n\n{paragraph}", "published": "2025-06-10"})
        for _, pipe in nlp.pipeline:
            doc = pipe(doc)
        first = len(TITLE) + 2 + len(LEAD)
        return {doc[start:end].text: set(found) for start, end, _, found in component.describe(doc)
                if doc[start].idx > first}

    return run


# three times the story's figure of the same kind or more (dollars compared across currencies)
@pytest.mark.parametrize(("paragraph", "figure", "larger"), [
    ("Amazon, Google and Microsoft will together spend about $400 billion on AI data centres.", "$400 billion", True),
    ("Its plans add up to 300,000 GPUs across the world.", "300,000 GPUs", True),
    ("The project is worth about RM2 billion.", "RM2 billion", False),  # about $0.47 billion: the same scale
    ("A second phase of 30MW will follow.", "30MW", False),
])
def test_larger_than_story(signals, paragraph, figure, larger):
    assert ("larger_than_story" in signals(paragraph)[figure]) is larger


@pytest.mark.parametrize(("paragraph", "figure", "owned"), [
    ("Malaysia's installed data-centre capacity stands at about 1,000MW.", "1,000MW", True),
    ("Malaysia's government, for its part, will add 1,000MW.", "1,000MW", False),  # a comma ends the clause
    ("Singapore's STT GDC has earmarked 500MW for the state.", "500MW", False),  # a company's home, not its owner
])
def test_place_owner(signals, paragraph, figure, owned):
    assert ("place_owner" in signals(paragraph)[figure]) is owned


def test_project_signals(extract):
    """A sentence naming the story's project (title or lead) speaks of the story's deal; one
    naming another project speaks of a named deal, maybe another one cited."""
    from nlp.extract import load_pipeline, make_doc

    nlp = load_pipeline()
    title = "G42 and OpenAI switch on the first 200MW of Stargate UAE"
    text = ("The first 200MW of Stargate UAE, a 1GW cluster in Abu Dhabi, went live on Monday, G42 said.\n\n"
            "Stargate UAE will reach 1GW by 2029. Meta's Hyperion campus in Louisiana is designed to grow to 5GW.")
    doc = make_doc(nlp, {"id": "p", "title": title, "text": text, "published": "2026-02-02"})
    for _, pipe in nlp.pipeline:
        doc = pipe(doc)
    found = {doc[start:end].text: set(signals) for start, end, _, signals in nlp.get_pipe("tracker_roles").describe(doc)
             if doc[start].idx > len(title) + 60}
    assert "story_project" in found["1GW"] and "other_project" not in found["1GW"]
    assert "other_project" in found["5GW"] and "story_project" not in found["5GW"]


# the company named last before the figure in its sentence: the story's (title or lead) or another one
@pytest.mark.parametrize(("paragraph", "figure", "actor"), [
    ("Amazon intends to put $12.7 billion into cloud infrastructure in India by 2030.", "$12.7 billion", "actor_other"),
    ("Nscale had already spent $200 million on the site's land and grid connection.", "$200 million", "actor_story"),
    ("Data-centre capacity in the state will reach 3GW by 2030.", "3GW", None),  # no company named before it
])
def test_actor(signals, paragraph, figure, actor):
    found = signals(paragraph)[figure] & {"actor_story", "actor_other"}
    assert found == ({actor} if actor else set())


def test_no_country_or_title_signals(signals):
    """Countries of the sentence and the title's cue words are not signals (see nlp/roles.py)."""
    found = signals("Malaysia's Johor state will host a 300MW campus that Singapore's STT GDC builds.")["300MW"]
    assert not {s for s in found if s.startswith("title:") or s.endswith(("_country", "_other_country"))}
