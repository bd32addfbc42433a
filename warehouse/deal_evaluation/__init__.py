"""Deal evaluation: how well the deal records match a hand-made key (``tracker eval --deals GOLD``).

A deal gold set (gold.py) is real coverage, paraphrased, with every figure of every article
labelled: a ``commitment`` of a deal in the key (with the deal's host country and principal
parties), or ``context`` (revenue, GDP, valuations, fund sizes, other deals cited...). The
evaluation runs the real pipeline on the articles in a fresh warehouse (app/deal_evaluation, the
use case above this package), aligns the extracted figures with the gold ones and scores the deals
built from them (scoring.py, pure):

- figures extracted: gold figures the extractor found (same kind, currency, within 1 %);
- pairwise precision and recall over pairs of gold commitment figures from different articles
  (same gold deal vs. evidence of the same predicted deal);
- deals reported by two or more articles kept whole (one predicted deal, holding no other deal);
- host country right (the main predicted deal's first country is the gold host);
- principal parties right (recall and precision of its companies against the gold parties);
- context figures shown as deal figures (count and share of gold context figures that are evidence
  of a deal and not marked context by the pipeline; those kept marked are counted apart).

report.py prints the scores and, with ``errors``, each gold deal's figures and where they went.
"""

from __future__ import annotations

from warehouse.deal_evaluation.gold import GoldError, GoldSet, read_gold
from warehouse.deal_evaluation.report import format_errors, format_report, list_errors
from warehouse.deal_evaluation.scoring import Prediction, Scorer, score_deals

__all__ = ["GoldError", "GoldSet", "Prediction", "evaluate", "format_errors", "format_report", "read_gold",
           "score_deals"]


def evaluate(gold: GoldSet, prediction: Prediction, party_names: dict[str, str] | None = None,
             errors: bool = False) -> dict:
    """The scores of a prediction against a gold set; with ``errors``, also the ``errors`` listing."""
    report = score_deals(gold, prediction, party_names)
    if errors:
        report["errors"] = list_errors(Scorer(gold, prediction, party_names))
    return report

