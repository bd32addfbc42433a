"""What an operator sees in the Prefect UI: the draft, the week's deals and the run summary."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def read_artifact(key: str):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
    assert found, f"no artifact {key}"
    return found[-1]


def test_each_run_publishes_the_draft_the_deals_and_a_summary(sample_db):
    week = sample_db["result"]["week"]
    key = week.lower()
    draft = read_artifact(f"newsletter-draft-{key}")
    assert draft.type == "markdown" and week in draft.data
    deals = read_artifact(f"deals-{key}")
    assert deals.type == "table"
    summary = read_artifact(f"run-summary-{key}")
    text = summary.data
    # a new warehouse first replays the sample's earlier editions, then crawls the current site
    history = sample_db["result"]["history"]
    assert [h["edition"] for h in history] == ["2025-05-23", "2025-05-30"]
    replayed = sum(h["new"] for h in history)
    assert history[1]["updated"] == 1  # the story updated on 26 May
    assert "| earlier sample editions replayed | 2025-05-23 (" in text
    assert f"| documents fetched | {48 - replayed} |" in text
    assert f"| documents new | {48 - replayed} |" in text
    assert "deals new this week" in text and "| newsletter | approved |" in text
