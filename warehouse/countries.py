"""English country names for ISO 3166-1 alpha-2 codes (deal titles, newsletter context).

pycountry's common name when it has one ("South Korea"), else its official short name; the few
names editors would not write ("Russian Federation") are overridden in data/country_names.csv.
"""

from __future__ import annotations

import csv
from functools import cache

import pycountry

from warehouse.db import DATA_DIR


@cache
def _overrides() -> dict[str, str]:
    with (DATA_DIR / "country_names.csv").open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


@cache
def country_name(code: str) -> str:
    """English name of an alpha-2 code; the code itself when it is not a country."""
    if code in _overrides():
        return _overrides()[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name
