"""Editors' decisions applied to a week's context: drops, corrections, low-confidence deals."""

from __future__ import annotations

import json
from pathlib import Path

from warehouse.decisions import apply_decisions, decisions_from_review

REPO = Path(__file__).resolve().parents[2]
CONTEXT = json.loads((REPO / "newsletter_templates" / "example_context.json").read_text())


def context_with_unsure_deal() -> tuple[dict, str, str]:
    context = json.loads(json.dumps(CONTEXT))
    sure, unsure = context["deals"][0], context["deals"][1]
    unsure["confidence"] = 0.3
    return context, sure["deal_id"], unsure["deal_id"]


def ids(context: dict) -> list[str]:
    return [deal["deal_id"] for deal in context["deals"]]


def test_low_confidence_deals_are_in_the_draft_but_not_in_the_readers_issue():
    context, sure, unsure = context_with_unsure_deal()
    assert ids(apply_decisions(context, [])) == [sure, unsure]
    issue = apply_decisions(context, [], for_readers=True)
    assert ids(issue) == [sure]
    assert issue["edition"] == "issue"
    assert issue["summary"]["deals"] == 1 and issue["summary"]["chips"] == 0
    assert [c["code"] for c in issue["countries"]] == ["AE", "US"]


def test_an_editor_can_keep_a_low_confidence_deal_and_drop_a_sure_one():
    context, sure, unsure = context_with_unsure_deal()
    review = {"approve": True, "editor": "Ana", "keep": [unsure], "drop": [sure]}
    decisions = decisions_from_review(context["week"], review)
    issue = apply_decisions(context, decisions, for_readers=True)
    assert ids(issue) == [unsure]


def test_a_correction_changes_the_deal_and_its_figure():
    context, sure, _ = context_with_unsure_deal()
    decisions = decisions_from_review(context["week"], {
        "approve": True, "editor": "Ana", "corrections": [{"deal_id": sure, "field": "mw", "value": "1200"}]})
    deal = apply_decisions(context, decisions)["deals"][0]
    assert deal["mw"] == 1200.0 and deal["corrected"] == ["mw"]
    figure = next(f for f in deal["figures"] if f["kind"] == "power")
    assert figure["mw"] == 1200.0 and figure["sentence"].startswith("Corrected by the editor (extracted: 1,000).")
