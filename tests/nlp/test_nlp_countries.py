"""Countries: ISO alpha-2 codes from names, short forms, demonyms and capitals; no false hits."""

import pytest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The United Arab Emirates signed the deal.", ["AE"]),
        ("The UAE and the U.S. signed a framework.", ["AE", "US"]),
        ("Officials from the Emirates flew to Britain.", ["AE", "GB"]),
        ("The US and the UK agreed; KSA joined later.", ["GB", "SA", "US"]),
        ("South Korea and North Korea were not mentioned together before.", ["KP", "KR"]),
        ("An Emirati firm, a Saudi fund, a French minister, a British startup and Korean investors.",
         ["AE", "FR", "GB", "KR", "SA"]),
        ("Abu Dhabi, Riyadh and Paris hosted the talks; Washington and Seoul watched.", ["AE", "FR", "KR", "SA", "US"]),
        ("Tokyo and New Delhi signed a compute pact.", ["IN", "JP"]),
        ("Stargate Norway will be built near Narvik.", ["NO"]),
        ("A U.S.-based investor and a UK-based lab joined.", ["GB", "US"]),
        ("Türkiye and Turkey are the same country.", ["TR"]),
        ("Turkey will host a new campus.", ["TR"]),
        ("In Tbilisi, the Georgian government backed a campus in Georgia.", ["GE"]),
        ("The Kingdom of Saudi Arabia and the Republic of India signed.", ["IN", "SA"]),
    ],
)
def test_countries_found(extract, text, expected):
    assert extract(text)["countries"] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Deutsche Telekom will build the cloud.",
        "Saudi Aramco signed with Groq.",
        "SK Telecom partnered with a hyperscaler.",
        "We ate turkey and talked about a hanging chad.",
        "Data centres in Georgia are booming.",
        "New Mexico approved the campus.",
        "Jordan Smith is an analyst.",
        "Prices are quoted in US$ and A$ by the firm.",
        "The Arabic edition was printed.",
        "The French-language press covered it.",
        "A cable crosses the Indian Ocean.",
        "The European Union launched InvestAI for EU gigafactories.",
        "Utilities in Washington State and New Jersey raised rates.",
    ],
)
def test_no_false_countries(extract, text):
    assert extract(text)["countries"] == []


def test_georgia_needs_a_clear_sign(extract):
    assert extract("Georgia approved tax breaks for data centres.")["countries"] == []
    assert extract("Georgia approved tax breaks, the government in Tbilisi said.")["countries"] == ["GE"]


def test_jordan_the_country(extract):
    assert extract("Jordan signed a cloud agreement with the UAE.")["countries"] == ["AE", "JO"]


def test_lowercase_words_are_not_countries(extract):
    assert extract("the chad in the ballot and the turkey on the table")["countries"] == []


def test_country_mentions_carry_offsets(extract):
    out = extract("Talks in Abu Dhabi went well.", with_mentions=True)
    mention = out["mentions"][0]
    assert mention == {
        "kind": "country", "value": "AE", "text": "Abu Dhabi", "start": 9, "end": 18,
        "sentence": "Talks in Abu Dhabi went well.",
    }


def test_continents_are_not_countries(extract):
    assert extract("Demand in North America and South America rose; Latin American buyers waited.")["countries"] == []


def test_country_before_a_capitalised_word(extract):
    assert extract("The India Semiconductor Mission approved a fab.")["countries"] == ["IN"]
    assert extract("Chad Morgan runs the site in Chile.")["countries"] == ["CL"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RIYADH (Wire) - The fund said it would invest.", ["SA"]),
        ("MUMBAI, May 3 (Reuters) - The group said it would invest.", ["IN"]),
        ("Jeddah, March 2 - The port operator said it would expand.", ["SA"]),
        ("The plant near Mumbai will open next year.", []),          # a city that is not a capital
        ("A campus in Johor and another in Osaka were planned.", []),
        ("Talks in Paris and Abu Dhabi went well.", ["AE", "FR"]),    # capitals and emirates count
        ("The firm said RIYADH was not chosen.", []),                 # capitals only in a dateline
    ],
)
def test_capitals_always_cities_only_as_datelines(extract, text, expected):
    assert extract(text)["countries"] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Teams built chatbots in Malay, Swahili and Portuguese during a hackathon.", []),
        ("The report was published in French.", []),
        ("Courses are taught in Bahasa Indonesia.", []),
        ("The fund will invest in French and German startups.", ["DE", "FR"]),
        ("Portuguese officials welcomed the deal.", ["PT"]),
    ],
)
def test_languages_are_not_countries(extract, text, expected):
    assert extract(text)["countries"] == expected
