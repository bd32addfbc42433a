"""Tokenizer splits, sentence splitting and the data files (exchange rates: test_nlp_fx.py)."""

import json

import pytest

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
