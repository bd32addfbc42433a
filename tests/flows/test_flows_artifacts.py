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


def test_a_long_draft_is_cut_for_the_prefect_ui(tmp_path):
    """A draft over the artifact limit is cut at a deal's heading, and says where the whole draft is."""
    from flows.weekly import artifact_markdown

    deal = "### {n}. Deal {n} in Kenya\n\n" + "- **US$1 billion**\n  > A sentence about the deal.\n" * 40
    markdown = "# Week 2025-W47\n\n## New this week\n\n" + "\n".join(deal.format(n=n) for n in range(1, 400))
    path = tmp_path / "tracker-2025-W47.md"
    path.write_text(markdown, encoding="utf-8")
    assert artifact_markdown(path, limit=len(markdown)) == markdown
    cut = artifact_markdown(path, limit=20_000)
    assert len(cut) < 20_500 and cut.startswith("# Week 2025-W47")
    body, note = cut.rsplit("\n---\n", 1)
    assert body.rstrip().endswith("  > A sentence about the deal.")  # the last deal shown is whole
    assert f"the whole draft is `{path}`" in note and f"of {len(markdown):,} characters" in note
    path.write_text("x" * 50_000, encoding="utf-8")  # no line break to cut at
    assert artifact_markdown(path, limit=20_000).startswith("x" * 20_000 + "\n\n---")
