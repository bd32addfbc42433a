"""Companies: registry names and aliases to canonical names, unregistered firms from their form."""

import pytest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Amazon Web Services opened a region.", ["AWS"]),
        ("NVIDIA and Nvidia are the same firm.", ["Nvidia"]),
        ("Alphabet said Google would invest.", ["Google"]),
        ("Microsoft Corp. signed the agreement.", ["Microsoft"]),
        ("Meta Platforms and Samsung Electronics agreed.", ["Meta", "Samsung"]),
        ("Saudi Aramco and Deutsche Telekom signed.", ["Aramco", "Deutsche Telekom"]),
        ("SK hynix and SK Telecom will supply memory and networks.", ["SK Telecom", "SK hynix"]),
        ("Mistral AI and G42 joined OpenAI and Oracle.", ["G42", "Mistral AI", "OpenAI", "Oracle"]),
        ("The Public Investment Fund backs Humain.", ["Humain", "PIF"]),
        ("MGX, Mubadala and BlackRock invested alongside Global Infrastructure Partners.",
         ["BlackRock", "GIP", "MGX", "Mubadala"]),
        ("Nvidia’s partner Humain signed.", ["Humain", "Nvidia"]),
    ],
)
def test_registry_names(extract, text, expected):
    assert extract(text)["companies"] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Acme Compute Holdings Ltd signed a lease.", ["Acme Compute"]),
        ("Power comes from Nordic Grid AS under a ten-year contract.", ["Nordic Grid"]),
        ("Nexacore, a Riyadh-based startup, raised money.", ["Nexacore"]),
        ("The deal was led by the firm Gulf Horizon Capital.", ["Gulf Horizon Capital"]),
        ("Kenyan startup Savanna Compute opened a site.", ["Savanna Compute"]),
        ("Zeta Cloud GmbH and Oracle Corporation agreed.", ["Oracle", "Zeta Cloud"]),
    ],
)
def test_unregistered_companies(extract, text, expected):
    assert extract(text)["companies"] == expected


@pytest.mark.parametrize(
    "text",
    [
        "The Ministry of Digital Economy praised the plan.",
        "Stanford University and the European Commission published a study.",
        "Stargate, ChatGPT and InvestAI were discussed.",
        "The company said it would expand.",
        "The Stargate LLC venture was named.",
        "Switch to renewable power, the report said.",
    ],
)
def test_not_companies(extract, text):
    assert extract(text)["companies"] == []


def test_ambiguous_name_inside_a_sentence(extract):
    assert extract("Data centre operator Switch plans a campus.")["companies"] == ["Switch"]


def test_company_mentions(extract):
    out = extract("Microsoft Corp. backs G42.", with_mentions=True)
    assert [(m["kind"], m["value"], m["text"]) for m in out["mentions"]] == [
        ("company", "Microsoft", "Microsoft Corp."),
        ("company", "G42", "G42"),
    ]


def test_ambiguous_name_opening_a_list(extract):
    assert extract("Arm, Microsoft and Oracle are partners.")["companies"] == ["Arm", "Microsoft", "Oracle"]
    assert extract("Switch, Equinix and QTS bid.")["companies"] == ["Equinix", "QTS", "Switch"]


def test_hyphenated_unregistered_name(extract):
    assert extract("It was spun out of the hedge fund High-Flyer last year.")["companies"] == ["High-Flyer"]
