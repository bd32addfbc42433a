"""Deal evaluation, the use case: run the real pipeline on a deal gold set and score its deals
(``tracker eval --deals GOLD``).

The pure parts (reading the gold set, aligning figures, scoring, the report) live in
warehouse/deal_evaluation; this package runs the pipeline (pipeline.py) and so sits in app/.
"""

from __future__ import annotations

import json
from pathlib import Path

from app.deal_evaluation.pipeline import company_names, run_pipeline
from warehouse.deal_evaluation import evaluate, format_errors, format_report, read_gold

__all__ = ["evaluate_gold", "eval_output"]


def evaluate_gold(path: str | Path, errors: bool = False, work_dir: str | Path | None = None) -> dict:
    """Read the gold set at ``path`` (a folder of pairs or an articles file), run the pipeline on
    it in a fresh warehouse (in ``work_dir`` when given, kept; else a temporary folder) and score
    its deals. Raises GoldError for a broken gold set, before running anything."""
    gold = read_gold(path)
    prediction = run_pipeline(gold, work_dir)
    return evaluate(gold, prediction, company_names(), errors)


def eval_output(path: str | Path, as_json: bool = False, errors: bool = False) -> str:
    """What ``tracker eval --deals`` prints: the report as text (with the errors after it), or JSON."""
    report = evaluate_gold(path, errors=errors)
    if as_json:
        return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False)
    text = format_report(report)
    if errors:
        text += "\n\n" + format_errors(report["errors"])
    return text
