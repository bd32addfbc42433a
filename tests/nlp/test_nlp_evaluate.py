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


def test_document_errors_lists_missing_and_spurious():
    from nlp.evaluate import document_errors

    errors = document_errors(GOLD, PRED)
    assert [error["id"] for error in errors] == ["d1", "d2"]
    d1, d2 = errors
    assert d1["missing"] == {"countries": ["US"], "power": [{"kind": "power", "mw": 1000}]}
    assert d1["spurious"] == {"companies": ["Oracle"], "power": [{"kind": "power", "mw": 1020}]}
    assert d2["missing"]["money"][0]["currency"] == "EUR"
    assert d2["spurious"]["money"][0]["currency"] == "USD"
    assert document_errors(GOLD, GOLD) == []


def test_format_errors_names_every_error_per_document():
    from nlp.evaluate import format_errors

    pred = [dict(line) for line in PRED]
    pred[1] = dict(pred[1], commitments=[{"kind": "money", "value": 109e9, "currency": "USD",
                                          "text": "$109bn", "sentence": "France announced $109bn."}])
    metrics = evaluate(GOLD, pred)
    text = format_errors(GOLD, pred, metrics)
    lines = text.splitlines()
    assert lines[0] == "errors: 2 document(s) with at least one error"
    assert "[d1]" in lines and "[d2]" in lines
    assert "  - missing countries: US" in lines
    assert "  + spurious companies: Oracle" in lines
    assert "  - missing power 1_000 MW" in lines
    assert "  + spurious power 1_020 MW" in lines
    assert "  - missing money 109_000_000_000 EUR" in lines
    assert '  + spurious money 109_000_000_000 USD ("$109bn")' in lines
    assert "      in: France announced $109bn." in lines
    assert lines[-1] == "totals: countries -1 +0, companies -0 +1, money -1 +1, power -1 +1, chips -0 +0"
    assert format_errors(GOLD, GOLD).splitlines() == ["errors: 0 document(s) with at least one error"]
