"""The editor's review through Prefect's input API: approve, reject and edit a paused run."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from uuid import UUID

import duckdb
import pytest

pytestmark = pytest.mark.slow


def paused_run_id(timeout: float = 120) -> UUID:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
    from prefect.client.schemas.objects import StateType

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
                )
            )
            if runs:
                return runs[0].id
            time.sleep(0.5)
    raise AssertionError("no paused flow run appeared")


def review_run(sample_db, tmp_path, run_input: dict | None, timeout: int = 120) -> dict:
    """Copy the sample warehouse, run the flow waiting for review, answer through Prefect."""
    from prefect.flow_runs import resume_flow_run

    from flows.weekly import weekly_tracker

    db = tmp_path / "tracker.duckdb"
    shutil.copyfile(sample_db["db"], db)
    out = tmp_path / "out"
    result: dict = {}

    def run():
        result["value"] = weekly_tracker(sample=True, db=str(db), out=str(out), wait_for_approval=True,
                                         approval_timeout=timeout)

    thread = threading.Thread(target=run)
    thread.start()
    if run_input is not None:
        resume_flow_run(paused_run_id(), run_input=run_input)
    thread.join(timeout=300)
    assert not thread.is_alive()
    return {"db": db, "out": out, **result["value"]}


def decisions(db) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select action, deal_id, field, value, editor, via from editor_decisions "
                           "where editor != 'auto-approve' "
                           "order by action, deal_id").fetchall()
    finally:
        con.close()


def week_deals(db, week) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select deal_id, d.title from deals d join weekly_deals using (deal_id) "
                           "where iso_week = ? order by deal_id", [week]).fetchall()
    finally:
        con.close()


def test_approve_publishes_and_records_the_editor(sample_db, tmp_path):
    result = review_run(sample_db, tmp_path, {"approve": True, "editor": "Rosa Editor"})
    assert result["status"] == "approved"
    published = tmp_path / "out" / "newsletter" / f"tracker-{result['week']}.html"
    assert published.exists()
    assert ("approve", None, None, None, "Rosa Editor", "prefect") in decisions(result["db"])


def test_reject_keeps_the_draft_and_publishes_nothing(sample_db, tmp_path):
    result = review_run(sample_db, tmp_path, {"approve": False, "editor": "Rosa Editor", "note": "too thin"})
    assert result["status"] == "rejected"
    assert not (tmp_path / "out" / "newsletter").exists()
    assert (tmp_path / "out" / "drafts" / f"tracker-{result['week']}.txt").exists()
    assert [d[0] for d in decisions(result["db"])] == ["reject"]


def test_edit_drops_a_deal_and_corrects_a_figure(sample_db, tmp_path):
    week = sample_db["result"]["week"]
    deals = week_deals(sample_db["db"], week)
    assert len(deals) >= 2
    (drop_id, drop_title), (fix_id, fix_title) = deals[0], deals[1]
    result = review_run(sample_db, tmp_path, {
        "approve": True, "editor": "Rosa Editor", "drop": [drop_id], "keep": [fix_id],
        "corrections": [{"deal_id": fix_id, "field": "mw", "value": "1234"}],
    })
    assert result["status"] == "approved"
    text = (tmp_path / "out" / "newsletter" / f"tracker-{week}.txt").read_text()
    assert drop_title not in text
    assert fix_title in text and "1,234 MW" in text
    assert ("correct", fix_id, "mw", "1234", "Rosa Editor", "prefect") in decisions(result["db"])
    # A later render of the week (here: the command line) still applies the decisions.
    from app.newsletter import render_week

    again = render_week(str(result["db"]), str(tmp_path / "again"), week)
    rerendered = Path(again["files"]["text"]).read_text()
    assert drop_title not in rerendered and "1,234 MW" in rerendered


def test_a_timed_out_review_keeps_the_draft(sample_db, tmp_path):
    result = review_run(sample_db, tmp_path, None, timeout=3)
    assert result["status"] == "timed out"
    assert (tmp_path / "out" / "drafts" / f"tracker-{result['week']}.html").exists()
    assert decisions(result["db"]) == []
