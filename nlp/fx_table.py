"""The monthly USD rate table (``fx_rates.csv``) built from the ECB's daily euro reference rates.

One method for both tables the tracker uses: the bundled ``nlp/data/fx_rates.csv`` (built by hand
with ``nlp/data/build_fx_rates.py``, whole months only, so it is reproducible) and the table the
weekly run refreshes from the ECB's current history file (``refresh_fx_rates`` in flows/tasks.py,
which keeps the month in progress too: its rate is the mean of the days published so far).

Method, for every month from FIRST_MONTH on:
- for each ECB publication day, USD per unit of currency X = (USD per EUR) / (X per EUR); for the
  euro itself, USD per EUR;
- the month's rate is the plain mean of those daily rates over the days the ECB published both
  figures (no interpolation; a currency the ECB stopped quoting drops out for those months);
- USD is 1; the Gulf currencies pegged to the dollar get their fixed peg (PEGS) every month.
"""

from __future__ import annotations

import calendar
import csv
import io
import zipfile
from collections import defaultdict
from datetime import date

FIRST_MONTH = "2024-01"
#: Fixed pegs, units of the currency per US dollar (central-bank pegs).
PEGS = {"AED": 3.6725, "SAR": 3.75, "QAR": 3.64, "BHD": 0.376, "OMR": 0.3845}
#: Currencies the tracker knows (data/currencies.jsonl) that have neither an ECB rate nor a peg.
NOT_COVERED = {
    "ARS": "Argentine peso", "EGP": "Egyptian pound", "KES": "Kenyan shilling", "MAD": "Moroccan dirham",
    "NGN": "Nigerian naira", "TWD": "New Taiwan dollar", "VND": "Vietnamese dong",
}
SIGNIFICANT = 10  # significant digits of a rate in the CSV
HEADER = "month,currency,usd_per_unit"


class RateFileError(ValueError):
    """The ECB file is not what it should be (not a zip, no CSV inside, no USD column, no days)."""


def read_daily_rates(zip_bytes: bytes) -> dict[str, dict[str, float]]:
    """``{YYYY-MM-DD: {currency: units per EUR}}`` from the ECB zip (N/A and blanks skipped)."""
    try:
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
            names = [item for item in archive.namelist() if item.endswith(".csv")]
            if len(names) != 1:
                raise RateFileError(f"expected one CSV file in the ECB zip, found {len(names)}")
            text = archive.read(names[0]).decode("utf-8")
    except (zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise RateFileError(f"not the ECB history zip ({exc})") from None
    days: dict[str, dict[str, float]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        day = (row.pop("Date", None) or "").strip()
        try:
            date.fromisoformat(day)
        except ValueError:
            continue
        rates = {}
        for code, value in row.items():
            code, value = (code or "").strip(), (value or "").strip()
            if code and value and value != "N/A":
                try:
                    rates[code] = float(value)
                except ValueError:
                    continue
        days[day] = rates
    if not any("USD" in rates for rates in days.values()):
        raise RateFileError("the ECB file has no dated USD rates")
    return days


def last_full_month(last_day: date) -> str:
    """The latest month the file covers completely: the month of ``last_day`` when only weekend
    days (no ECB publication) remain after it, else the month before."""
    days_in_month = calendar.monthrange(last_day.year, last_day.month)[1]
    remaining = [date(last_day.year, last_day.month, d) for d in range(last_day.day + 1, days_in_month + 1)]
    if all(day.weekday() >= 5 for day in remaining):
        return f"{last_day.year:04d}-{last_day.month:02d}"
    year, month = (last_day.year, last_day.month - 1) if last_day.month > 1 else (last_day.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def monthly_usd_rates(days: dict[str, dict[str, float]], first: str, last: str) -> dict[str, dict[str, float]]:
    """``{month: {currency: mean USD per unit}}`` for the months ``first``..``last`` (inclusive)."""
    samples: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for day, rates in days.items():
        month = day[:7]
        if not first <= month <= last or "USD" not in rates:
            continue
        usd_per_eur = rates["USD"]
        samples[month]["EUR"].append(usd_per_eur)
        for code, per_eur in rates.items():
            if code != "USD" and per_eur > 0:
                samples[month][code].append(usd_per_eur / per_eur)
    return {
        month: {code: sum(values) / len(values) for code, values in by_code.items()}
        for month, by_code in samples.items()
    }


def months_between(first: str, last: str) -> list[str]:
    """The months ``first``..``last`` (YYYY-MM, inclusive)."""
    year, month = (int(part) for part in first.split("-"))
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def render_table(zip_bytes: bytes, source: str, *, whole_months: bool = True, first: str = FIRST_MONTH,
                 generated: str = "nlp/data/build_fx_rates.py - do not edit by hand; run the script again") -> str:
    """The full text of an ``fx_rates.csv`` built from the ECB history zip.

    ``whole_months``: end at the latest month the file covers completely (the bundled table);
    otherwise the month of the file's last day is included with the days published so far (the
    weekly refresh). ``source`` and ``generated`` (what wrote it) go into the header comments.
    """
    days = read_daily_rates(zip_bytes)
    last_day = date.fromisoformat(max(day for day, rates in days.items() if "USD" in rates))
    last = last_full_month(last_day) if whole_months else last_day.isoformat()[:7]
    monthly = monthly_usd_rates(days, first, last)
    ecb_codes = sorted({code for rates in monthly.values() for code in rates})
    pegs = ", ".join(f"{code} {per_usd}" for code, per_usd in PEGS.items())
    missing = ", ".join(f"{code} ({name})" for code, name in sorted(NOT_COVERED.items()))
    span = "latest full month of the file" if whole_months else "the last month so far"
    lines = [
        "# Monthly average exchange rates: US dollars per one unit of the currency (usd_per_unit).",
        f"# Generated by {generated}.",
        "# Source: European Central Bank euro foreign exchange reference rates, daily, from",
        f"#   {source} (last ECB day in the file: {last_day.isoformat()}).",
        "# Method: per ECB publication day, USD per unit = (USD per EUR) / (units per EUR); a month's",
        "#   rate is the mean of its daily rates (days the ECB quoted both; no interpolation).",
        f"# Months: {first} to {last} ({span}). USD is 1.",
        f"# Fixed pegs (units per USD), constant every month: {pegs}.",
        f"# Not covered (no ECB rate, no peg; value_usd stays null): {missing}.",
        f"# ECB currencies: {' '.join(ecb_codes)}.",
        "# Used by nlp/currencies.py: a document's published month picks the row (outside the table:",
        "#   the nearest month; undated documents: the latest month).",
        HEADER,
    ]
    for month in months_between(first, last):
        rates = dict(monthly.get(month, {}))
        rates["USD"] = 1.0
        for code, per_usd in PEGS.items():
            rates[code] = 1.0 / per_usd
        for code in sorted(rates):
            lines.append(f"{month},{code},{rates[code]:.{SIGNIFICANT}g}")
    return "\n".join(lines) + "\n"
