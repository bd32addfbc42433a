"""The editor's review step: the flow pauses until an editor sends a decision through Prefect.

In the Prefect UI the paused run shows a form built from `ReviewDecision`; the same input can be
sent through Prefect's API (`resume_flow_run(flow_run_id, run_input={...})`). The decision is stored
in the warehouse (`editor_decisions`) like decisions made on the review desk or the command line.
"""

from __future__ import annotations

from typing import Literal

from prefect import get_run_logger
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from pydantic import BaseModel, Field


class Correction(BaseModel):
    deal_id: str = Field(description="The deal's id (d-...), as shown in the draft and the deals table")
    field: Literal["title", "money_usd", "mw", "chips"] = Field(description="What to correct")
    value: str = Field(description="The corrected value (a number for money_usd, mw and chips)")


class ReviewDecision(RunInput):
    approve: bool = Field(True, description="Publish this week's issue")
    editor: str = Field(..., min_length=1, description="Your name: it is stored with the decision")
    drop: list[str] = Field(default_factory=list, description="Deal ids to leave out of this issue")
    keep: list[str] = Field(default_factory=list,
                            description="Low-confidence deal ids to publish anyway (they are left out otherwise)")
    corrections: list[Correction] = Field(default_factory=list, description="Figures or titles to correct")
    note: str = Field("", description="A note stored with the decision")


def wait_for_review(week: str, deals: int, timeout: int) -> ReviewDecision | None:
    """Pause the flow run until an editor decides; None when the wait timed out."""
    logger = get_run_logger()
    logger.info("draft for %s (%s deals) awaits an editor's decision (timeout %ss)", week, deals, timeout)
    try:
        return pause_flow_run(
            wait_for_input=ReviewDecision.with_initial_data(
                description=f"Review the {week} draft (see the newsletter-draft artifact), then approve or reject.",
                approve=True,
            ),
            timeout=timeout,
            poll_interval=2,
            key=f"review-{week.lower()}",
        )
    except FlowPauseTimeout:
        logger.warning("no editor decision for %s within %ss: the draft is kept in out/drafts", week, timeout)
        return None
