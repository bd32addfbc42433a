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
        ("FluidStack, the company behind the cluster, will start work in 2025.", ["Fluidstack"]),
        ("NScale will host the GPUs.", ["Nscale"]),
        ("Coreweave signed a lease.", ["CoreWeave"]),
        ("Ask the oracle, not Oracle.", ["Oracle"]),  # a lower-case word is a word
    ],
)
def test_registry_names_with_other_capitals(extract, text, expected):
    """A registered name written with other capitals is still the company; lower case is not."""
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # legal forms from Malaysia, Finland, Spain, Ireland, Brazil, the Gulf, Japan, Egypt
        ("Kampar Data Sdn Bhd broke ground on a campus.", ["Kampar Data"]),
        ("Lumo Compute Oy and Vale Dados Ltda signed supply deals.", ["Lumo Compute", "Vale Dados"]),
        ("Tajo Datos SL will lease the site to Shannon Compute DAC.", ["Shannon Compute", "Tajo Datos"]),
        ("Awal Compute W.L.L. ordered servers from Sakura Grid K.K. last year.", ["Awal Compute", "Sakura Grid"]),
        ("Delta Tensor S.A.E. raised debt.", ["Delta Tensor"]),
        # "AI" may close a longer name; camel-case names; a dateline dash is not part of the name
        ("Baraka AI, a Nairobi-based startup, raised $5m.", ["Baraka AI"]),
        ("QuantaLeaf, a Tallinn-based startup, raised money.", ["QuantaLeaf"]),
        ("ACCRA (Wire) - Volta Grid Group said it would build a campus.", ["Volta Grid"]),
    ],
)
def test_more_unregistered_forms(extract, text, expected):
    assert extract(text)["companies"] == expected


def test_short_second_mention_is_the_same_firm(extract):
    out = extract("Volta Compute, an Accra-based startup, won a grant. The firm Volta will open an office.")
    assert out["companies"] == ["Volta Compute"]


def test_a_listed_city_before_an_apposition_is_not_a_firm(extract):
    out = extract("Deutsche Telekom will build a data centre in Munich, a project that shows where European "
                  "telecom operators see their place.")
    assert out["companies"] == ["Deutsche Telekom"]


def test_adjective_compounds_are_not_names(extract):
    assert extract("The grant will fund Spanish-language models and tools.")["companies"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Blue Owl Capital and CPP Investments joined the round.", ["Blue Owl", "CPP Investments"]),
        ("The Canada Pension Plan Investment Board invested.", ["CPP Investments"]),
        ("YTL Power and YTL Corporation are part of the same group.", ["YTL", "YTL Power"]),
        ("Bank of America and China Mobile were cited.", ["Bank of America", "China Mobile"]),
    ],
)
def test_registry_additions(extract, text, expected):
    out = extract(text)
    assert out["companies"] == expected
    assert out["countries"] == []  # "America", "China", "Canada" inside a company name add nothing
