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
from functools import lru_cache

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


def find_places(text: str) -> list[tuple[int, int, str, str]]:
    """``(start, end, name, country)`` of each place named in ``text``, in text order."""
    names = place_names()
    return [(m.start(), m.end(), m.group(0), names[m.group(0)]) for m in place_pattern().finditer(text or "")]
