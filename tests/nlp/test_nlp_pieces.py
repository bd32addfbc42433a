"""Tokenizer splits, sentence splitting, exchange rates and the data files."""

import csv
import json

import pytest

from nlp.currencies import convert_to_usd, nearest_rate
from nlp.resources import DATA_DIR, read_jsonl


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("€109bn", ["€", "109", "bn"]),
        ("$30-50bn", ["$", "30", "-", "50", "bn"]),
        ("1GW", ["1", "GW"]),
        ("Dh5bn", ["Dh", "5", "bn"]),
        ("R$23", ["R$", "23"]),
        ("U.S.-based", ["U.S.", "-", "based"]),
        ("GB300", ["GB300"]),
    ],
)
def test_tokenizer_splits_figures(nlp, text, tokens):
    assert [token.text for token in nlp.make_doc(text)] == tokens


def test_sentences(nlp):
    doc = nlp("A title without a stop\n\nIt said \"yes.\" Then (it left.) Acme Inc. stayed in the U.S. market.")
    assert [sent.text.strip() for sent in doc.sents] == [
        "A title without a stop", 'It said "yes."', "Then (it left.)", "Acme Inc. stayed in the U.S. market.",
    ]


def test_exchange_rates():
    assert nearest_rate("AED", "2025-03-03") == pytest.approx(1 / 3.6725, rel=1e-4)
    assert nearest_rate("SAR", None) == pytest.approx(1 / 3.75, rel=1e-4)
    assert nearest_rate("EUR", "2025-02-10") == pytest.approx(1.041)
    assert nearest_rate("EUR", "2024-06-01") == nearest_rate("EUR", "2025-01-20")  # before the table
    assert nearest_rate("EUR", "2027-01-01") == nearest_rate("EUR", "2025-12-01")  # after the table
    assert nearest_rate("XXX", "2025-01-01") is None
    assert convert_to_usd(10, "USD") == 10
    assert convert_to_usd(3.6725e9, "AED", "2025-07-01") == 1_000_000_000


def test_fx_table_covers_the_listed_currencies():
    lines = [line for line in (DATA_DIR / "fx_rates.csv").read_text().splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(lines))
    currencies = {row["currency"] for row in rows}
    for code in "USD EUR GBP JPY INR AED SAR KRW CNY BRL CAD AUD CHF SGD MYR NOK SEK ARS".split():
        assert code in currencies
        assert len({row["month"] for row in rows if row["currency"] == code}) == 12
    currency_codes = {row["code"] for row in read_jsonl("currencies.jsonl")}
    assert currency_codes <= currencies


def test_company_registry():
    rows = list(read_jsonl("companies.jsonl"))
    assert len(rows) >= 150
    names = [row["name"] for row in rows]
    assert len(names) == len(set(names))
    types = {"lab", "hyperscaler", "chipmaker", "neocloud", "datacenter", "telecom", "energy", "fund",
             "tech", "hardware", "integrator", "conglomerate"}
    aliases = {}
    for row in rows:
        assert row["type"] in types, row
        assert len(row["country"]) == 2 and row["country"].isupper(), row
        for alias in [row["name"], *row["aliases"], *row["legal_names"]]:
            assert aliases.setdefault(alias, row["name"]) == row["name"], f"{alias} is ambiguous"


def test_country_data_uses_iso_codes():
    import pycountry

    for row in read_jsonl("countries.jsonl"):
        assert pycountry.countries.get(alpha_2=row["code"]) is not None, row["code"]


def test_figures_vocabulary_is_json():
    data = json.loads((DATA_DIR / "figures.json").read_text(encoding="utf-8"))
    assert {"scales", "power_units", "chip_nouns", "chip_models", "qualifiers"} <= set(data)
