"""The tracker's tokenizer: spaCy's English rules plus splits for figures.

Extra rules, built from the data files so that a new currency symbol needs no code:
- a scale or unit glued to a number is split off: ``109bn`` -> ``109 bn``, ``1GW`` -> ``1 GW``;
- a currency symbol or code glued to a number is split off: ``R$3`` -> ``R$ 3``, ``Dh1bn``;
- a hyphen after an abbreviation is split: ``U.S.-based`` -> ``U.S. - based``.
"""

from __future__ import annotations

import re

import spacy
from spacy.lang.en import English
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

from .resources import read_json, read_jsonl

SCALE_INITIALS = {"b.", "k.", "m."}


def build_tokenizer(nlp, currencies_path: str, figures_path: str) -> Tokenizer:
    """Return a tokenizer with English defaults and the figure splits described above."""
    figures = read_json(figures_path)
    glued = set(figures["scales"]) | {unit for unit in figures["power_units"]}
    glued |= {unit.upper() for unit in figures["power_units"] if len(unit) == 2}
    glued |= {"GWh", "MWh", "kW", "kWh", "TWh"}
    units = "|".join(re.escape(unit) for unit in sorted(glued, key=len, reverse=True))
    suffixes = list(nlp.Defaults.suffixes) + [rf"(?<=[0-9])(?:{units})"]

    symbols = set()
    for row in read_jsonl(currencies_path):
        symbols.update(row.get("symbols", []))
    marks = "|".join(re.escape(symbol) for symbol in sorted(symbols, key=len, reverse=True))
    prefixes = [rf"(?:{marks})(?=[0-9])"] + list(nlp.Defaults.prefixes)
    infixes = list(nlp.Defaults.infixes) + [r"(?<=[A-Z]\.)-(?=[A-Za-z])"]

    # "m." or "k." after a number ends a sentence ("raised $400m."), it is not an initial
    rules = {key: value for key, value in nlp.Defaults.tokenizer_exceptions.items() if key not in SCALE_INITIALS}
    return Tokenizer(
        nlp.vocab,
        rules=rules,
        prefix_search=compile_prefix_regex(prefixes).search,
        suffix_search=compile_suffix_regex(suffixes).search,
        infix_finditer=compile_infix_regex(infixes).finditer,
        token_match=nlp.Defaults.token_match,
        url_match=nlp.Defaults.url_match,
    )


@spacy.registry.tokenizers("tracker_tokenizer.v1")
def create_tracker_tokenizer(
    currencies_path: str = "currencies.jsonl", figures_path: str = "figures.json"
):
    """Registered tokenizer factory used by ``nlp/config.cfg``."""

    def make_tokenizer(nlp: English) -> Tokenizer:
        return build_tokenizer(nlp, currencies_path, figures_path)

    return make_tokenizer
