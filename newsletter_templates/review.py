"""The review page: a week's draft as an editor checks it, deal by deal.

The context is built by ``warehouse.review.review_context``: every deal of the week (dropped
ones too) with its state in the issue, its confidence, the figures as the draft shows them, what
changed since it was last reported, and its evidence documents with the sentences split into
marked segments (countries, companies, figures) from the stored character offsets. The template
(``review/review.html.j2``, autoescaped) marks the segments up in the manner of displaCy; nothing
from the warehouse is ever inserted as markup, and the page carries no script.

* :func:`render_review` -- the page as a string; with ``desk`` (the review desk's CSRF token,
  the editor's name, a notice or an error) it carries the forms that post decisions.
* :func:`write_review` -- writes the static page ``review-<week>.html`` next to the draft.

Deterministic: the same context gives the same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from newsletter_templates.render import _WEEK, _write_atomic, build_environment

__all__ = ["render_review", "review_path", "write_review"]

TEMPLATE = "review/review.html.j2"


def _links(week: str, desk: bool) -> dict[str, str]:
    """Where the page links the draft: the desk serves it; the static page sits next to it."""
    if desk:
        return {"html": "/draft.html", "text": "/draft.txt", "markdown": "/draft.md"}
    return {kind: f"tracker-{week}{suffix}" for kind, suffix in (("html", ".html"), ("text", ".txt"),
                                                                 ("markdown", ".md"))}


def render_review(context: Mapping[str, Any], desk: Mapping[str, Any] | None = None) -> str:
    """The review page of ``context``; with ``desk`` = {"csrf", "editor", "notice", "error"}
    the page has the review desk's forms."""
    week = context.get("week")
    if not isinstance(week, str) or not _WEEK.fullmatch(week):
        raise ValueError(f"review context: 'week' must look like 2025-W21, got {week!r}")
    env = build_environment()
    page = env.get_template(TEMPLATE).render(dict(context, desk=desk, links=_links(week, desk is not None)))
    return page.rstrip("\n") + "\n"


def review_path(out_dir: str | os.PathLike[str], week: str) -> Path:
    return Path(out_dir) / f"review-{week}.html"


def write_review(context: Mapping[str, Any], out_dir: str | os.PathLike[str]) -> Path:
    """Write the static review page ``review-<week>.html`` into ``out_dir``; returns its path."""
    page = render_review(context)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = review_path(out, context["week"])
    _write_atomic(path, page)
    return path
