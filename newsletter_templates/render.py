"""Render the weekly newsletter from its context object.

The context is the plain JSON-able dict built by ``warehouse.report.week_context``
(reference shape: ``example_context.json`` next to this file). Templates receive it as
is and never query anything, so a render is a pure function of its context.

Public API:

* :func:`build_environment` -- the Jinja environment (autoescape for HTML,
  ``StrictUndefined``, the filters of :mod:`newsletter_templates.filters`).
* :func:`validate_context` -- raises ``ValueError`` naming the first missing key.
* :func:`render_formats` -- the three documents as strings (for previews and artifacts).
* :func:`render_newsletter` -- writes ``tracker-<week>.html|.txt|.md`` and returns their paths.

Rendering is deterministic: the same context gives the same bytes. Nothing here reads
the clock, the locale or the environment.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from newsletter_templates.filters import FILTERS, TESTS

__all__ = [
    "FORMATS",
    "TEMPLATE_DIR",
    "build_environment",
    "render_formats",
    "render_newsletter",
    "validate_context",
]

#: Directory holding the templates and their partials.
TEMPLATE_DIR = Path(__file__).resolve().parent

#: Output format -> (template name, file suffix). The keys are the keys of the dict
#: returned by :func:`render_newsletter`.
FORMATS: dict[str, tuple[str, str]] = {
    "html": ("newsletter.html.j2", ".html"),
    "text": ("newsletter.txt.j2", ".txt"),
    "markdown": ("newsletter.md.j2", ".md"),
}

_WEEK = re.compile(r"\d{4}-W(0[1-9]|[1-4]\d|5[0-3])")

# The keys the templates read, by place in the context. Values may be null where the
# warehouse has nothing (a deal's status, a figure's currency...), but the key must be
# there. Keys not listed here (e.g. a deal's money_usd, figures' value/currency, which
# the ``figure`` filter reads with defaults) are optional.
_REQUIRED_TOP = (
    "week", "week_start", "week_end", "title", "summary", "deals", "countries",
    "lead", "first_countries", "company_watch", "chart",
)
_REQUIRED_SUMMARY = ("deals", "new_deals", "countries", "documents", "money_usd", "mw", "chips")
_REQUIRED_DEAL = (
    "deal_id", "number", "title", "deal_type", "status", "is_new", "confidence",
    "first_reported", "last_reported", "countries", "companies", "figures", "sources",
)
_REQUIRED_DEAL_COUNTRY = ("code", "name")
_REQUIRED_FIGURE = ("kind", "text", "sentence", "url")
_REQUIRED_SOURCE = ("title", "url", "publisher", "published")
_REQUIRED_COUNTRY = ("code", "name", "deals", "money_usd", "mw", "chips")
# The derived sections (warehouse.report.week_sections builds them from the deals).
_REQUIRED_LEAD = ("deal_id", "number", "title", "is_new", "countries", "companies", "figures", "quote", "also")
_REQUIRED_LEAD_ALSO = ("number", "title", "measure", "figure")
_REQUIRED_DEAL_REF = ("number", "title")
_REQUIRED_FIRST_COUNTRY = ("code", "name", "deals", "money_usd", "mw", "chips")
_REQUIRED_COMPANY = ("name", "is_new", "deals", "countries")
_REQUIRED_COMPANY_COUNTRY = ("code", "name", "is_new")
_REQUIRED_CHART = ("week", "year")
_REQUIRED_CHART_PERIOD = ("label", "rows", "more")
_REQUIRED_CHART_ROW = ("code", "name", "money_usd", "mw", "money_width", "mw_width")


def build_environment() -> Environment:
    """The Jinja environment for the newsletter templates.

    * autoescaping on for ``*.html.j2`` (and, to be safe, for any template whose kind
      it does not know), off for ``*.txt.j2``, ``*.md.j2`` and ``*.css``: the text and
      Markdown templates escape with the ``plain`` and ``md`` filters instead;
    * ``StrictUndefined``: a missing key is an error, never an empty string;
    * ``trim_blocks``/``lstrip_blocks`` so block tags leave no blank lines;
    * ``finalize`` prints ``None`` as an empty string (never the word "None");
    * the ``do`` extension, for building table rows in the text template.
    """
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(
            enabled_extensions=("html", "htm", "xml", "html.j2", "htm.j2", "xml.j2"),
            disabled_extensions=("txt", "txt.j2", "md", "md.j2", "css"),
            default_for_string=True,
            default=True,
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=lambda value: "" if value is None else value,
        extensions=["jinja2.ext.do"],
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    env.tests.update(TESTS)
    return env


def _require(obj: Any, keys: tuple[str, ...], where: str) -> None:
    if not isinstance(obj, Mapping):
        raise ValueError(f"newsletter context: {where or 'context'} must be an object, got {type(obj).__name__}")
    for key in keys:
        if key not in obj:
            path = f"{where}.{key}" if where else key
            raise ValueError(f"newsletter context: missing key '{path}'")


def _items(obj: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = obj[key]
    path = f"{where}.{key}" if where else key
    if not isinstance(value, list):
        raise ValueError(f"newsletter context: '{path}' must be a list, got {type(value).__name__}")
    return value


def validate_context(context: Any) -> None:
    """Check that ``context`` has every key the templates read.

    Raises ``ValueError`` whose message names the first missing key with its path, e.g.
    ``newsletter context: missing key 'deals[1].sources[0].url'``, or a key of the wrong
    type (lists must be lists), or a ``week`` that is not ``YYYY-Www`` (the week names
    the output files, so it must not be able to name another path).
    """
    _require(context, _REQUIRED_TOP, "")
    week = context["week"]
    if not isinstance(week, str) or not _WEEK.fullmatch(week):
        raise ValueError(f"newsletter context: 'week' must look like 2025-W21, got {week!r}")
    _require(context["summary"], _REQUIRED_SUMMARY, "summary")
    for i, deal in enumerate(_items(context, "deals", "")):
        where = f"deals[{i}]"
        _require(deal, _REQUIRED_DEAL, where)
        for j, country in enumerate(_items(deal, "countries", where)):
            _require(country, _REQUIRED_DEAL_COUNTRY, f"{where}.countries[{j}]")
        _items(deal, "companies", where)
        for j, fig in enumerate(_items(deal, "figures", where)):
            _require(fig, _REQUIRED_FIGURE, f"{where}.figures[{j}]")
        for j, source in enumerate(_items(deal, "sources", where)):
            _require(source, _REQUIRED_SOURCE, f"{where}.sources[{j}]")
    for i, country in enumerate(_items(context, "countries", "")):
        _require(country, _REQUIRED_COUNTRY, f"countries[{i}]")
    _validate_sections(context)


def _validate_sections(context: Mapping[str, Any]) -> None:
    lead = context["lead"]
    if lead is not None:
        _require(lead, _REQUIRED_LEAD, "lead")
        _items(lead, "figures", "lead")
        for j, item in enumerate(_items(lead, "also", "lead")):
            _require(item, _REQUIRED_LEAD_ALSO, f"lead.also[{j}]")
    for i, country in enumerate(_items(context, "first_countries", "")):
        where = f"first_countries[{i}]"
        _require(country, _REQUIRED_FIRST_COUNTRY, where)
        for j, ref in enumerate(_items(country, "deals", where)):
            _require(ref, _REQUIRED_DEAL_REF, f"{where}.deals[{j}]")
    for i, company in enumerate(_items(context, "company_watch", "")):
        where = f"company_watch[{i}]"
        _require(company, _REQUIRED_COMPANY, where)
        for j, ref in enumerate(_items(company, "deals", where)):
            _require(ref, _REQUIRED_DEAL_REF, f"{where}.deals[{j}]")
        for j, country in enumerate(_items(company, "countries", where)):
            _require(country, _REQUIRED_COMPANY_COUNTRY, f"{where}.countries[{j}]")
    _require(context["chart"], _REQUIRED_CHART, "chart")
    for period in _REQUIRED_CHART:
        where = f"chart.{period}"
        _require(context["chart"][period], _REQUIRED_CHART_PERIOD, where)
        for j, row in enumerate(_items(context["chart"][period], "rows", where)):
            _require(row, _REQUIRED_CHART_ROW, f"{where}.rows[{j}]")


def _inline_css(html: str) -> str:
    """Move the ``<style>`` rules onto the elements (mail clients drop ``<style>``),
    keeping only the ``@media`` rules in a ``<style>`` block for phones. Never fetches."""
    inliner = css_inline.CSSInliner(
        inline_style_tags=True,
        keep_style_tags=False,
        keep_link_tags=False,
        keep_at_rules=True,
        load_remote_stylesheets=False,
    )
    return inliner.inline(html)


def _with_final_newline(text: str) -> str:
    return text.rstrip("\n") + "\n"


def render_formats(context: Mapping[str, Any], env: Environment | None = None) -> dict[str, str]:
    """Render the three documents as strings: ``{"html": ..., "text": ..., "markdown": ...}``.

    Validates the context first (``ValueError``); a key a template reads but the
    validation missed still fails loudly (``jinja2.UndefinedError``).
    """
    validate_context(context)
    env = env or build_environment()
    out: dict[str, str] = {}
    for fmt, (template_name, _suffix) in FORMATS.items():
        rendered = env.get_template(template_name).render(context)
        if fmt == "html":
            rendered = _inline_css(rendered)
        out[fmt] = _with_final_newline(rendered)
    return out


def _write_atomic(path: Path, text: str) -> None:
    # Write then rename, so a reader (editor preview, file watcher) never sees half a file.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the newsletter is meant to be read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render_newsletter(context: Mapping[str, Any], out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Render the week's newsletter and write it to ``out_dir`` (created if needed).

    Writes ``tracker-<week>.html``, ``tracker-<week>.txt`` and ``tracker-<week>.md``
    (UTF-8, ``\\n`` line endings) and returns ``{"html": path, "text": path,
    "markdown": path}``. Nothing is written when the context is invalid.
    """
    documents = render_formats(context)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for fmt, (_template, suffix) in FORMATS.items():
        path = out / f"tracker-{context['week']}{suffix}"
        _write_atomic(path, documents[fmt])
        paths[fmt] = path
    return paths
