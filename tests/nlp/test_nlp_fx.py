"""USD conversion: the monthly ECB table, its generator, and the rate recorded on each figure."""

import csv
import importlib.util

import pytest

from nlp.currencies import convert_to_usd, nearest_rate, rate_for
from nlp.fx_table import NOT_COVERED, last_full_month
from nlp.resources import DATA_DIR, read_jsonl

FX_CSV = DATA_DIR / "fx_rates.csv"
PEGS = {"AED": 3.6725, "SAR": 3.75, "QAR": 3.64, "BHD": 0.376, "OMR": 0.3845}


def load_builder():
    spec = importlib.util.spec_from_file_location("build_fx_rates", DATA_DIR / "build_fx_rates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def table_rows():
    lines = [line for line in FX_CSV.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines))


@pytest.mark.parametrize(
    ("currency", "published", "expected", "rel"),
    [
        ("EUR", "2025-02-10", 1.041, 0.002),    # ECB February 2025 average
        ("GBP", "2025-09-15", 1.35, 0.005),
        ("JPY", "2025-03-01", 0.0066, 0.03),
        ("JPY", "2025-11-20", 0.0066, 0.05),
        ("INR", "2025-05-05", 0.0117, 0.03),
        ("CHF", "2025-06-30", 1.22, 0.02),
    ],
)
def test_real_monthly_rates(currency, published, expected, rel):
    assert nearest_rate(currency, published) == pytest.approx(expected, rel=rel)


def test_pegs_and_lookup_rules():
    for code, per_usd in PEGS.items():
        assert nearest_rate(code, "2025-03-03") == pytest.approx(1 / per_usd, rel=1e-6)
    assert rate_for("USD", "2025-05-22") == (1.0, "2025-05")
    assert rate_for("EUR", "2025-05-22")[1] == "2025-05"
    first, last = min(row["month"] for row in table_rows()), max(row["month"] for row in table_rows())
    assert first == "2024-01"
    assert rate_for("EUR", "2019-06-01")[1] == first      # before the table: the first month
    assert rate_for("EUR", "2031-01-01")[1] == last       # after the table: the last month
    assert rate_for("EUR", None)[1] == last               # undated: the latest month
    assert rate_for("ARS", "2025-01-01") is None          # not covered: no rate from memory
    assert rate_for("XXX", "2025-01-01") is None
    assert convert_to_usd(10, "USD") == 10
    assert convert_to_usd(3.6725e9, "AED", "2025-07-01") == 1_000_000_000


def test_table_covers_the_known_currencies_every_month():
    rows = table_rows()
    months = sorted({row["month"] for row in rows})
    by_code = {}
    for row in rows:
        by_code.setdefault(row["currency"], set()).add(row["month"])
        assert float(row["usd_per_unit"]) > 0
    known = {row["code"] for row in read_jsonl("currencies.jsonl")}
    assert known - set(by_code) == set(NOT_COVERED)   # every other currency has a rate
    for code in "USD EUR GBP JPY INR CNY KRW BRL CAD AUD CHF SGD MYR NOK SEK".split() + list(PEGS):
        assert by_code[code] == set(months), code
    header = FX_CSV.read_text(encoding="utf-8").split("month,currency")[0]
    assert "European Central Bank" in header and "build_fx_rates.py" in header
    for code in NOT_COVERED:
        assert code in header


def test_csv_is_what_the_builder_generates():
    pytest.importorskip("currency_converter")
    builder = load_builder()
    assert FX_CSV.read_text(encoding="utf-8") == builder.render_csv(builder.default_zip()), (
        "nlp/data/fx_rates.csv is stale: run .venv/bin/python nlp/data/build_fx_rates.py"
    )


def test_last_full_month():
    from datetime import date

    assert last_full_month(date(2026, 10, 30)) == "2026-10"   # a Friday; only a weekend left
    assert last_full_month(date(2026, 10, 28)) == "2026-09"
    assert last_full_month(date(2026, 1, 15)) == "2025-12"


def test_runtime_does_not_import_currencyconverter():
    import subprocess
    import sys

    code = "import sys, nlp.extract; nlp.extract.load_pipeline(); print('currency_converter' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_each_money_figure_records_its_rate(extract):
    out = extract("France announced €109bn ($112.5bn) and a ¥1 trillion fund.", published="2025-02-10")
    euro, dollar, yen = out["commitments"]
    assert (euro["fx_month"], euro["fx_rate"]) == ("2025-02", nearest_rate("EUR", "2025-02-10"))
    assert euro["value_usd"] == round(109e9 * euro["fx_rate"])
    assert (dollar["fx_rate"], dollar["fx_month"]) == (1.0, "2025-02")
    assert yen["fx_month"] == "2025-02" and yen["fx_rate"] == pytest.approx(0.0066, rel=0.03)
    (peso,) = extract("Argentina pledged ARS 500 billion.", published="2025-02-10")["commitments"]
    assert (peso["value_usd"], peso["fx_rate"], peso["fx_month"]) == (None, None, None)
