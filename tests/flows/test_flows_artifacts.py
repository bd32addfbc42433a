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
    assert "| documents fetched | 48 |" in text
    assert "| documents new | 48 |" in text
    assert "deals new this week" in text and "| newsletter | approved |" in text
