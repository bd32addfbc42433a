"""Places inside a country (nlp/places.py): the resolver's evidence of where a site stands."""

from nlp.places import find_places


def places(text: str) -> list[tuple[str, str]]:
    return [(name, country) for _, _, name, country in find_places(text)]


def test_states_regions_and_cities_give_their_country():
    text = ("Meta's campus in Richland Parish, Louisiana; CloudHQ's buildings in Querétaro; "
            "Stargate Norway at Kvandal near Narvik; a site in Rayong and another in Johor.")
    assert places(text) == [("Richland Parish", "US"), ("Louisiana", "US"), ("Querétaro", "MX"),
                            ("Kvandal", "NO"), ("Narvik", "NO"), ("Rayong", "TH"), ("Johor", "MY")]


def test_the_longest_name_wins_and_only_whole_words_in_their_own_case_count():
    assert places("West Virginia and New South Wales") == [("West Virginia", "US"), ("New South Wales", "AU")]
    assert places("texas, Texasville and Maharashtra-based firms") == []


def test_offsets_point_at_the_name():
    text = "A campus in Ohio."
    ((start, end, name, country),) = find_places(text)
    assert text[start:end] == name == "Ohio" and country == "US"


def test_names_two_countries_share_are_left_out():
    assert places("Georgia and Victoria") == []
