"""evaluate(): set matching for entities, 1 % tolerance for figures, micro totals; the report table."""

import pytest

from nlp.evaluate import evaluate, format_report

GOLD = [
    {"id": "d1", "text": "...", "countries": ["AE", "US"], "companies": ["G42", "OpenAI"],
     "commitments": [{"kind": "money", "value": 100, "currency": "USD"},
                     {"kind": "power", "mw": 1000},
                     {"kind": "chips", "count": 18000}]},
    {"id": "d2", "text": "...", "countries": ["FR"], "companies": [],
     "commitments": [{"kind": "money", "value": 109e9, "currency": "EUR"}]},
]
PRED = [
    {"id": "d1", "countries": ["AE"], "companies": ["G42", "OpenAI", "Oracle"],
     "commitments": [{"kind": "money", "value": 100.5, "currency": "USD"},   # within 1 %
                     {"kind": "power", "mw": 1020},                          # 2 % off
                     {"kind": "chips", "count": 18000}]},
    {"id": "d2", "countries": ["FR"], "companies": [],
     "commitments": [{"kind": "money", "value": 109e9, "currency": "USD"}]},  # wrong currency
    {"id": "extra", "countries": ["DE"], "companies": [], "commitments": []},   # not in gold: ignored
]


def test_per_field_scores():
    metrics = evaluate(GOLD, PRED)
    fields = metrics["fields"]
    assert fields["countries"]["precision"] == 1.0
    assert fields["countries"]["recall"] == pytest.approx(2 / 3)
    assert fields["countries"]["support"] == 3
    assert fields["companies"]["precision"] == pytest.approx(2 / 3)
    assert fields["companies"]["recall"] == 1.0
    assert fields["companies"]["f1"] == pytest.approx(0.8)
    assert fields["money"]["precision"] == 0.5 and fields["money"]["recall"] == 0.5
    assert fields["power"]["f1"] == 0.0 and fields["power"]["support"] == 1
    assert fields["chips"]["f1"] == 1.0
    micro = metrics["micro"]
    assert (micro["tp"], micro["fp"], micro["fn"]) == (2 + 2 + 1 + 0 + 1, 0 + 1 + 1 + 1 + 0, 1 + 0 + 1 + 1 + 0)
    assert metrics["documents"] == 2


def test_accepts_json_strings_and_missing_predictions():
    import json

    metrics = evaluate([json.dumps(line) for line in GOLD], [])
    assert metrics["fields"]["countries"]["recall"] == 0.0
    assert metrics["fields"]["countries"]["precision"] == 0.0


def test_one_prediction_matches_one_gold_figure():
    gold = [{"id": "x", "countries": [], "companies": [],
             "commitments": [{"kind": "power", "mw": 100}, {"kind": "power", "mw": 100}]}]
    pred = [{"id": "x", "countries": [], "companies": [], "commitments": [{"kind": "power", "mw": 100}]}]
    power = evaluate(gold, pred)["fields"]["power"]
    assert (power["tp"], power["fp"], power["fn"]) == (1, 0, 1)


def test_perfect_and_empty():
    metrics = evaluate(GOLD, GOLD)
    assert all(values["f1"] == 1.0 for values in metrics["fields"].values())
    empty = [{"id": "e", "countries": [], "companies": [], "commitments": []}]
    assert evaluate(empty, empty)["micro"]["f1"] == 1.0


def test_report_is_an_aligned_table():
    report = format_report(evaluate(GOLD, PRED))
    lines = report.splitlines()
    assert lines[0].split() == ["field", "precision", "recall", "f1", "support"]
    assert [line.split()[0] for line in lines[2:8]] == ["countries", "companies", "money", "power", "chips", "micro"]
    assert len({len(line) for line in lines[2:8]}) == 1
