"""The newsletter's use cases: render a week's draft or its readers' issue, record an editor's
review, approve a week (record -> draft -> issue -> publish), publish an issue.

The command line (`tracker newsletter`, `tracker approve`), the review desk, the weekly flow and
the benchmarks all go through these functions, so a week is drafted, approved and published the
same way whichever way the decision arrives.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from common.weeks import current_week
from newsletter_templates.archive import archive_context, update_archive
from newsletter_templates.render import render_newsletter
from newsletter_templates.review import write_review
from warehouse.db import connect
from warehouse.decisions import apply_decisions, decisions_from_review, record_decisions, week_decisions
from warehouse.report import changed_deals, latest_week, week_context
from warehouse.review import review_context
from warehouse.snapshot import writing

log = logging.getLogger("tracker.app")

# Who writes the warehouse when a review is recorded, by `via` (named to a writer that has to wait).
REVIEW_WRITERS = {"cli": "tracker approve", "prefect": "a weekly run recording its review",
                  "review-desk": "an editor at the review desk"}


def render_week(db: str, out_dir: str, week: str | None, read_only: bool = False, for_readers: bool = False,
                logger: logging.Logger | logging.LoggerAdapter = log) -> dict:
    """Build the week's context from the warehouse and render the three formats into `out_dir`.

    `read_only` for the public file (analysts may hold it); the flow renders from its working copy.
    `for_readers` renders the issue readers get: low-confidence deals only when an editor kept them.
    A draft also gets its review page, `review-<week>.html`, in the same folder.
    """
    con = connect(db, read_only=read_only, create=False)
    try:
        week = week or latest_week(con) or current_week().label
        context = apply_decisions(week_context(con, week), week_decisions(con, week), for_readers=for_readers)
        changed = changed_deals(con, week)
        review = None if for_readers else review_context(con, week)
    finally:
        con.close()
    files = render_newsletter(context, out_dir)
    # The draft's review page (each deal with its marked-up source sentences) goes next to it.
    review_page = None if review is None else str(write_review(review, out_dir))
    logger.info("newsletter %s: %s deals -> %s", week, len(context["deals"]), out_dir)
    return {
        "week": week,
        "review": review_page,
        "deals": len(context["deals"]),
        "new_deals": context["summary"]["new_deals"],
        "changed_deals": changed,
        "files": {kind: str(path) for kind, path in files.items()},
        "archive": archive_context(context),
        "table": [
            {
                "deal": deal["title"],
                "new": "yes" if deal.get("is_new") else "",
                "countries": ", ".join(c["code"] for c in deal["countries"]),
                "money_usd": deal.get("money_usd"),
                "mw": deal.get("mw"),
                "chips": deal.get("chips"),
                "sources": len(deal["sources"]),
                "confidence": deal.get("confidence"),
            }
            for deal in context["deals"]
        ],
    }


def render_draft(db: str, out: str, week: str | None = None, read_only: bool = True,
                 logger: logging.Logger | logging.LoggerAdapter = log) -> dict:
    """Render the week's draft (editors' decisions so far applied) into OUT/drafts."""
    return render_week(db, str(Path(out) / "drafts"), week, read_only=read_only, logger=logger)


def render_issue(db: str, out: str, week: str | None,
                 logger: logging.Logger | logging.LoggerAdapter = log) -> dict:
    """Render the issue readers get into OUT/work/issue, from the published warehouse."""
    return render_week(db, str(Path(out) / "work" / "issue"), week, read_only=True, for_readers=True, logger=logger)


def publish_issue(draft_files: dict[str, str], out: str, archive: dict) -> dict[str, str]:
    """Copy an approved issue into the newsletter folder and add it to the archive and its feed.

    `archive` is what the issue's render returned under that key (its week, title, summary).
    """
    published = Path(out) / "newsletter"
    published.mkdir(parents=True, exist_ok=True)
    result = {}
    for kind, file in draft_files.items():
        target = published / Path(file).name
        shutil.copyfile(file, target)
        result[kind] = str(target)
    archived = update_archive({k: Path(v) for k, v in result.items()}, archive, published / "archive")
    result["archive"] = str(archived["index"])
    result["feed"] = str(archived["feed"])
    return result


def record_review(db: str, week: str, review: dict, via: str,
                  logger: logging.Logger | logging.LoggerAdapter = log) -> int:
    """Store an editor's review (approve/reject, drops, keeps, corrections) in the warehouse.

    Raises ValueError for a review that names no deal of the week or a figure it cannot correct."""
    return record(db, decisions_from_review(week, review), via,
                  editor=review.get("editor"), week=week, logger=logger)


def record(db: str, decisions: list[dict], via: str, timeout: float | None = None, editor: str | None = None,
           week: str | None = None, logger: logging.Logger | logging.LoggerAdapter = log) -> int:
    """Store editors' decisions under the warehouse's writer lock, on a working copy published at
    the end (analysts keep reading). `timeout`: seconds to wait for another writer (WarehouseBusy)."""
    options = {} if timeout is None else {"timeout": timeout}
    with writing(db, holder=REVIEW_WRITERS.get(via, "a review"), **options) as con:
        count = record_decisions(con, decisions, via=via)
    logger.info("review of %s by %s: %s decisions stored", week, editor, count)
    return count


def approve(db: str, out: str, week: str, decisions: list[dict], via: str, timeout: float | None = None,
            logger: logging.Logger | logging.LoggerAdapter = log) -> dict:
    """Record editors' decisions, render the week's draft again, and when the issue is approved
    render the readers' issue and publish it to OUT/newsletter and its archive.

    `decisions` as `warehouse.decisions.decisions_from_review` makes them (one per drop, keep,
    correction, and the approve or reject). Returns the draft's render, the issue's (or None) and
    the published files (or None)."""
    editor = next((d.get("editor") for d in decisions), None)
    record(db, decisions, via, timeout=timeout, editor=editor, week=week, logger=logger)
    draft = render_draft(db, out, week, logger=logger)
    if not any(d["action"] == "approve" for d in decisions):
        return {"week": week, "draft": draft, "issue": None, "newsletter": None}
    issue = render_issue(db, out, week, logger=logger)
    return {"week": week, "draft": draft, "issue": issue,
            "newsletter": publish_issue(issue["files"], out, issue["archive"])}
