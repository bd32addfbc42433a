"""Scores on the hand-written development gold file (tests/nlp/gold_dev.jsonl)."""

import json
from pathlib import Path

import pytest

from nlp.evaluate import evaluate, format_report
from nlp.extract import extract_records

GOLD = Path(__file__).resolve().parent / "gold_dev.jsonl"
THRESHOLDS = {"countries": 0.95, "companies": 0.95, "money": 0.95, "power": 0.95, "chips": 0.95}


@pytest.fixture(scope="module")
def metrics(nlp):
    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(gold) >= 40
    return evaluate(gold, extract_records(gold, nlp))


@pytest.mark.parametrize("field", sorted(THRESHOLDS))
def test_f1_threshold(metrics, field):
    assert metrics["fields"][field]["f1"] >= THRESHOLDS[field], format_report(metrics)
