"""The archive of published issues: one folder per week, an index page and an Atom feed.

:func:`update_archive` is called once per published issue. It copies the issue's files
(HTML, plain text, Markdown) into ``archive_dir/<week>/``, records the issue in
``archive_dir/issues.json`` and regenerates, from that JSON alone:

* ``archive_dir/index.html``: every issue, newest first, with its headline numbers
  (template ``archive/index.html.j2``, autoescaped);
* ``archive_dir/feed.xml``: an Atom 1.0 feed (RFC 4287) of the issues, newest first
  (template ``archive/feed.xml.j2``).

Publishing a week again replaces that week (files, index entry, feed entry).

Deterministic, like the renderer: the same issues give the same bytes. Nothing reads
the clock: an entry's ``updated`` is its week's end date, the feed's is the newest
issue's. Feed links are absolute, built from ``base_url`` (an http or https URL where
the archive folder is served), never from the archive's local path. Entry ids are
``tag:`` URIs (RFC 4151) built from the base URL's host and the week, so they stay the
same when an issue is re-published.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newsletter_templates.filters import count, mw, plain, quantity, safe_url, usd
from newsletter_templates.render import _WEEK, _write_atomic, build_environment

__all__ = ["DEFAULT_BASE_URL", "FEED_TITLE", "TAG_DATE", "archive_context", "update_archive"]

#: Where the archive folder is served; feed links are absolute URLs under it.
DEFAULT_BASE_URL = "https://tracker.example.org/newsletter/"

#: Title of the feed and of the index page; also the feed's author.
FEED_TITLE = "AI Infrastructure Deals Tracker"

#: The date part of the feed's tag: URIs (tag:<host>,<TAG_DATE>:newsletter/<week>). Fixed,
#: so that ids never change; RFC 4151 only asks that the host was ours on that date.
TAG_DATE = "2025"

#: Up to this many deal titles per issue are kept in issues.json for the feed entry.
HEADLINES = 5

_INDEX = "issues.json"
_SUMMARY_KEYS = ("deals", "new_deals", "countries", "documents", "money_usd", "mw", "chips")
# Characters XML 1.0 does not allow, beyond the control characters `plain` removes.
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def _text(value: Any) -> str:
    """Untrusted text for the index and the feed: one line, no control characters,
    nothing XML 1.0 forbids. (Escaping is done by the autoescaping templates.)"""
    return _NOT_XML.sub("", plain(value))


def _iso_date(value: Any, key: str) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValueError(f"archive: '{key}' must be a date like 2025-05-25, got {value!r}") from None


def _base(base_url: str) -> str:
    url = safe_url(base_url)
    if url == "#":
        raise ValueError(f"archive: base_url must be an absolute http or https URL, got {base_url!r}")
    return url if url.endswith("/") else url + "/"


def _issue_record(context: Mapping[str, Any], files: dict[str, str]) -> dict[str, Any]:
    """The issue as stored in issues.json: plain JSON, texts already cleaned."""
    week = context.get("week")
    if not isinstance(week, str) or not _WEEK.fullmatch(week):
        raise ValueError(f"archive: 'week' must look like 2025-W21, got {week!r}")
    summary = context.get("summary")
    if not isinstance(summary, Mapping):
        raise ValueError("archive: the context has no 'summary' object")
    deals = context.get("deals") or []
    return {
        "week": week,
        "week_start": _iso_date(context.get("week_start"), "week_start"),
        "week_end": _iso_date(context.get("week_end"), "week_end"),
        "title": _text(context.get("title")) or f"{FEED_TITLE}: week {week}",
        "summary": {key: summary.get(key) for key in _SUMMARY_KEYS},
        "headlines": [_text(deal.get("title")) for deal in deals[:HEADLINES] if _text(deal.get("title"))],
        "files": files,
    }


def archive_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a rendered issue's context that :func:`update_archive` keeps: its week, dates,
    title, summary and first headlines (a few kilobytes, where the whole context of a busy week
    is megabytes that a Prefect task should not return)."""
    deals = context.get("deals") or []
    return {
        **{key: context.get(key) for key in ("week", "week_start", "week_end", "title", "summary")},
        "deals": [{"title": deal.get("title")} for deal in deals[:HEADLINES] if isinstance(deal, Mapping)],
    }


def _read_index(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("issues"), list):
        raise ValueError(f"archive: {path} is not an archive index (expected {{\"issues\": [...]}})")
    return data["issues"]


def _copy_atomic(source: Path, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _headline(summary: Mapping[str, Any]) -> str:
    """``2 deals (1 new) in 3 countries; US$10 billion committed; 1,000 MW (1 GW); 18,000 chips.``"""
    if not summary.get("deals"):
        return "No deals were reported this week."
    parts = [
        f"{quantity(summary.get('deals'), 'deal')} ({count(summary.get('new_deals')) or '0'} new) in "
        f"{quantity(summary.get('countries'), 'country', 'countries')}"
    ]
    if summary.get("money_usd"):
        parts.append(f"{usd(summary['money_usd'])} committed")
    if summary.get("mw"):
        parts.append(mw(summary["mw"]))
    if summary.get("chips"):
        parts.append(quantity(summary["chips"], "chip"))
    return "; ".join(parts) + "."


def _view(issue: Mapping[str, Any], base: str, authority: str) -> dict[str, Any]:
    """What the index and feed templates read for one issue."""
    week = issue["week"]
    files = issue["files"]
    return {
        **issue,
        "headline": _headline(issue["summary"]),
        "id": f"tag:{authority},{TAG_DATE}:newsletter/{week}",
        "updated": f"{issue['week_end']}T00:00:00Z",
        # Relative links for the index page (works on disk and when served), absolute for the feed.
        "links": {kind: files[kind] for kind in sorted(files)},
        "urls": {kind: base + files[kind] for kind in sorted(files)},
    }


def update_archive(
    issue_files: Mapping[str, str | os.PathLike[str]],
    context: Mapping[str, Any],
    archive_dir: str | os.PathLike[str],
    base_url: str = DEFAULT_BASE_URL,
) -> dict[str, Path]:
    """Add (or replace) a published issue in the archive and regenerate its index and feed.

    ``issue_files`` is what :func:`render_newsletter` returns (``{"html": path,
    "text": path, "markdown": path}``); ``context`` is the context they were rendered
    from (its week, dates, title, summary and deal titles are kept). ``base_url`` is the
    public http(s) address of ``archive_dir`` (``ValueError`` otherwise).

    Returns the archived copies under their ``issue_files`` keys plus ``"index"``
    (index.html), ``"feed"`` (feed.xml) and ``"issues"`` (issues.json).
    """
    base = _base(base_url)
    authority = urlsplit(base).hostname  # the tag: URIs' authority (RFC 4151)
    archive = Path(archive_dir)
    week = context.get("week")
    record = _issue_record(context, {})  # validates the week before anything is written
    week_dir = archive / week
    week_dir.mkdir(parents=True, exist_ok=True)

    issues = _read_index(archive / _INDEX)
    previous = next((issue for issue in issues if issue.get("week") == week), None)

    copied: dict[str, Path] = {}
    files: dict[str, str] = {}
    for kind in sorted(issue_files):
        source = Path(issue_files[kind])
        target = week_dir / source.name
        _copy_atomic(source, target)
        copied[kind] = target
        files[kind] = f"{week}/{source.name}"
    # A re-published week replaces the old one: drop its files that the new issue lacks.
    for old in (previous or {}).get("files", {}).values():
        old_path = archive / old
        if old not in files.values() and old_path.parent == week_dir:
            old_path.unlink(missing_ok=True)

    record["files"] = files
    issues = [issue for issue in issues if issue.get("week") != week] + [record]
    issues.sort(key=lambda issue: issue["week"], reverse=True)

    index_json = json.dumps({"issues": issues}, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    views = [_view(issue, base, authority) for issue in issues]
    env = build_environment()
    page = {
        "feed_title": FEED_TITLE,
        "feed_id": f"tag:{authority},{TAG_DATE}:newsletter",
        "base_url": base,
        "feed_url": base + "feed.xml",
        "updated": views[0]["updated"],
        "issues": views,
    }
    for view in views:
        view["content"] = str(env.get_template("archive/entry.html.j2").render(issue=view))
    index_html = env.get_template("archive/index.html.j2").render(page)
    feed_xml = env.get_template("archive/feed.xml.j2").render(page)

    paths = {"issues": archive / _INDEX, "index": archive / "index.html", "feed": archive / "feed.xml"}
    _write_atomic(paths["issues"], index_json)
    _write_atomic(paths["index"], index_html.rstrip("\n") + "\n")
    _write_atomic(paths["feed"], feed_xml.rstrip("\n") + "\n")
    return {**copied, **paths}
