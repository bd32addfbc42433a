"""The review page's context: every deal of a week's draft with the evidence an editor checks.

`review_context(con, week)` gives, for each deal reported in the week (dropped ones included), its
state in the issue (published, hidden for low confidence, kept or dropped by an editor), its
confidence, the figures as the draft shows them (corrections applied), what changed since it was
last reported, and one entry per evidence document (publisher, date, link) with the sentences that
support the deal, split into segments from the stored character offsets of the mentions and
figures found in them (for its REVIEW_REPORTS newest documents; older ones are listed as links).
The template marks the segments up (displaCy style) with autoescaping on; no markup is ever built
here, and a stored offset that does not match the stored text is skipped, never guessed. Queries
live in warehouse/sql/review_*.sql. Plain, JSON-able data; same warehouse, same context.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb

from warehouse.db import fetch_dicts
from warehouse.decisions import apply_decisions, issue_status, week_decisions
from warehouse.report import REVIEW_THRESHOLD, week_context

#: Mark kinds, in the order they win when two marks overlap at the same start: figures first.
MARK_KINDS = ("money", "power", "chips", "country", "company")

#: Documents per deal shown with their marked-up sentences, newest first; the page lists the rest
#: as links (a deal retold by a hundred articles is checked on a dozen of them, and the page of a
#: busy week stays a few megabytes).
REVIEW_REPORTS = 12

# Deal states on the review page, in the words the page uses.
STATES = {
    "published": "In the issue",
    "kept": "Kept by an editor (low confidence)",
    "hidden": "Hidden from readers: low confidence",
    "dropped": "Dropped from this issue",
}


def analysed_text(title: str | None, text: str | None) -> str:
    """The text the extractor counted offsets in: the title, a blank line, then the body
    (nlp.extract.compose_text; repeated here so the warehouse does not import spaCy)."""
    title = (title or "").strip()
    body = text or ""
    return f"{title}\n\n{body}" if title else body


def locate_sentence(text: str, sentence: str, start: int, end: int) -> int | None:
    """Where ``sentence`` starts in ``text`` such that it covers [start, end); None if nowhere."""
    if not sentence:
        return None
    found = text.rfind(sentence, 0, start + len(sentence))
    if found < 0 or found > start or found + len(sentence) < end:
        return None
    return found


def mark_segments(text: str, start: int, end: int, marks: list[dict]) -> list[dict]:
    """``text[start:end]`` as consecutive segments: plain ones ``{"text"}`` and marked ones
    ``{"text", "kind", ...}`` for each mark lying wholly inside the span whose ``surface`` is
    exactly the text at its offsets. Overlapping marks: the earliest wins, then the longest,
    then figures before countries and companies."""
    inside = [
        m for m in marks
        if start <= m["start"] < m["end"] <= end and text[m["start"]:m["end"]] == m["surface"]
    ]
    inside.sort(key=lambda m: (m["start"], -(m["end"] - m["start"]), MARK_KINDS.index(m["kind"])))
    segments: list[dict] = []
    cursor = start
    for mark in inside:
        if mark["start"] < cursor:
            continue  # overlaps a mark already taken
        if mark["start"] > cursor:
            segments.append({"text": text[cursor:mark["start"]], "kind": None})
        segment = {key: value for key, value in mark.items() if key not in ("start", "end", "surface")}
        segment["text"] = mark["surface"]
        segments.append(segment)
        cursor = mark["end"]
    if cursor < end:
        segments.append({"text": text[cursor:end], "kind": None})
    return segments


def _mark(row: dict) -> dict:
    mark = {"kind": row["kind"], "start": row["start_char"], "end": row["end_char"], "surface": row["surface"] or ""}
    if row["kind"] in ("country", "company"):
        mark["name"] = row["name"]
    else:
        mark["commitment_id"] = row["commitment_id"]
        mark["context"] = row.get("role") == "context"  # never a deal figure: the page says so
        mark["figure"] = {
            "kind": row["kind"], "text": row["surface"], "value": row["value"], "currency": row["currency"],
            "value_usd": row["value_usd"], "mw": row["mw"], "count": row["chip_count"], "model": row["chip_model"],
        }
    return mark


def _reports(rows: list[dict], texts: dict[str, str], marks: dict[str, list[dict]]) -> list[dict]:
    """A deal's evidence rows (one per figure) as one entry per document with its sentences."""
    reports: dict[str, dict] = {}
    for row in rows:
        report = reports.setdefault(row["doc_id"], {
            "doc_id": row["doc_id"], "title": row["title"], "url": row["url"], "publisher": row["publisher"],
            "published": row["published"], "this_week": bool(row["this_week"]), "sentences": {}})
        text = texts.get(row["doc_id"], "")
        begin = None
        if row["start_char"] is not None and row["end_char"] is not None:
            begin = locate_sentence(text, row["sentence"] or "", row["start_char"], row["end_char"])
        key = begin if begin is not None else f"unplaced:{row['sentence']}"
        sentence = report["sentences"].get(key)
        if sentence is None:
            if begin is None:
                segments = [{"text": row["sentence"] or row["surface"] or "", "kind": None}]
            else:
                segments = mark_segments(text, begin, begin + len(row["sentence"]), marks.get(row["doc_id"], []))
            sentence = report["sentences"][key] = {"position": begin if begin is not None else -1,
                                                   "segments": segments, "evidence": []}
        sentence["evidence"].append(row["commitment_id"])
    result = []
    for report in reports.values():
        sentences = sorted(report["sentences"].values(), key=lambda s: (s["position"], s["segments"][0]["text"]))
        evidence = {c for s in sentences for c in s["evidence"]}
        for sentence in sentences:
            for segment in sentence["segments"]:
                if segment.get("commitment_id"):
                    segment["evidence"] = segment["commitment_id"] in evidence
            del sentence["position"], sentence["evidence"]
        report["sentences"] = sentences
        result.append(report)
    return result


def _split_reports(rows: list[dict], shown: int) -> tuple[list[dict], list[dict]]:
    """A deal's evidence rows of its first ``shown`` documents, and a link entry for each later one."""
    first_docs: set[str] = set()
    first: list[dict] = []
    more: dict[str, dict] = {}
    for row in rows:
        doc_id = row["doc_id"]
        if doc_id in first_docs or (doc_id not in more and len(first_docs) < shown):
            first_docs.add(doc_id)
            first.append(row)
        elif doc_id not in more:
            more[doc_id] = {key: row[key] for key in ("doc_id", "title", "url", "publisher", "published")}
            more[doc_id]["this_week"] = bool(row["this_week"])
    return first, list(more.values())


def _state(deal_id: str, draft_ids: set[str], issue_ids: set[str], confidence) -> str:
    if deal_id not in draft_ids:
        return "dropped"
    unsure = confidence is None or confidence < REVIEW_THRESHOLD
    if deal_id not in issue_ids:
        return "hidden"
    return "kept" if unsure else "published"


def review_context(con: duckdb.DuckDBPyConnection, week: str) -> dict:
    """The review page's context for an ISO week (see the module docstring)."""
    raw = week_context(con, week)
    decisions = week_decisions(con, week)
    draft = apply_decisions(raw, decisions)
    issue = apply_decisions(raw, decisions, for_readers=True)
    params = {"week": raw["week"]}
    texts = {row["doc_id"]: analysed_text(row["title"], row["text"])
             for row in fetch_dicts(con, "review_week_documents", params)}
    marks: dict[str, list[dict]] = defaultdict(list)
    for row in fetch_dicts(con, "review_week_marks", params):
        marks[row["doc_id"]].append(_mark(row))
    evidence: dict[str, list[dict]] = defaultdict(list)
    for row in fetch_dicts(con, "review_week_evidence", params):
        evidence[row["deal_id"]].append(row)
    log = fetch_dicts(con, "review_week_decisions", params)

    drafted = {deal["deal_id"]: deal for deal in draft["deals"]}
    draft_ids, issue_ids = set(drafted), {deal["deal_id"] for deal in issue["deals"]}
    titles = {deal["deal_id"]: deal["title"] for deal in raw["deals"]}
    deals = []
    undrafted = [d for d in raw["deals"] if d["deal_id"] not in drafted]
    for deal in sorted(draft["deals"], key=lambda d: d["number"]) + undrafted:
        deal_id = deal["deal_id"]
        own = [d for d in log if d["deal_id"] == deal_id]
        verdict = next((d for d in reversed(own) if d["action"] in ("drop", "keep") and d["week"] == raw["week"]), None)
        state = _state(deal_id, draft_ids, issue_ids, deal.get("confidence"))
        shown, more = _split_reports(evidence[deal_id], REVIEW_REPORTS)
        deals.append({
            "deal_id": deal_id,
            "number": deal["number"] if deal_id in drafted else None,
            "title": deal["title"],
            "summary": deal.get("summary"),
            "is_new": deal["is_new"],
            "confidence": deal.get("confidence"),
            "needs_review": deal.get("confidence") is None or deal["confidence"] < REVIEW_THRESHOLD,
            "state": state,
            "state_label": STATES[state],
            "decision": verdict,
            "corrections": [d for d in own if d["action"] == "correct"],
            "countries": deal["countries"],
            "companies": deal["companies"],
            "money_usd": deal.get("money_usd"),
            "mw": deal.get("mw"),
            "chips": deal.get("chips"),
            "chip_model": deal.get("chip_model"),
            "corrected": deal.get("corrected", []),
            "previous": deal.get("previous"),
            "changes": deal.get("changes") or [],
            "reports": _reports(shown, texts, marks),
            "more_reports": more,
        })
    counts = {state: sum(1 for d in deals if d["state"] == state) for state in STATES}
    return {
        "week": raw["week"],
        "week_start": raw["week_start"],
        "week_end": raw["week_end"],
        "title": f"Review: {raw['title']}",
        "status": issue_status(decisions, raw["week"]),
        "verdict": next((d for d in reversed(log) if d["action"] in ("approve", "reject")), None),
        "counts": counts,
        "deals": deals,
        "decisions": [dict(d, deal_title=titles.get(d["deal_id"])) for d in log],
    }
