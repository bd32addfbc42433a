"""Editions: the web as it stood at an earlier time (``sample/editions.toml``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from pathlib import Path

from .articles import as_utc
from .corpus import EDITIONS_FILE, Article, BuildError
from .urls import assign_urls


def load_editions(path: Path = EDITIONS_FILE) -> list[dt.datetime]:
    """The times of ``editions.toml`` (``[[edition]] at = ...``), strictly increasing."""
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise BuildError(f"{path}: not valid TOML: {exc}") from None
    if set(data) - {"edition"}:
        raise BuildError(f"{path}: only [[edition]] tables are allowed")
    times = []
    for number, edition in enumerate(data.get("edition", []), start=1):
        if not isinstance(edition, dict) or set(edition) != {"at"}:
            raise BuildError(f"{path}: edition {number} needs exactly 'at'")
        times.append(as_utc(edition["at"], "at", path))
    if times != sorted(set(times)):
        raise BuildError(f"{path}: editions must be listed oldest first, each once")
    return times


def edition_name(at: dt.datetime) -> str:
    """The folder of an edition: its UTC date, e.g. 2025-05-23."""
    return at.astimezone(dt.UTC).date().isoformat()


def article_as_of(article: Article, at: dt.datetime) -> Article | None:
    """The article as it stood at ``at`` (its text then, no later update), or None before publication."""
    if article.published > at:
        return None
    if article.updated is None or article.updated <= at:
        return dataclasses.replace(article, extra={})
    started = article.published
    for revision in article.revisions:
        if at < revision.until:
            return dataclasses.replace(
                article,
                title=revision.title or article.title,
                summary=revision.summary or article.summary,
                blocks=list(revision.blocks),
                updated=started if started > article.published else None,
                extra={},
            )
        started = revision.until
    # updated later, but no earlier text recorded: the same text, not yet marked as updated
    return dataclasses.replace(article, updated=started if started > article.published else None, extra={})


def sites_as_of(articles: list[Article], at: dt.datetime) -> list[Article]:
    found = [copy for a in articles if (copy := article_as_of(a, at)) is not None]
    by_id = {a.id: a for a in found}
    for copy in found:  # a syndicated copy repeats its original's text of that time
        if copy.syndicated_from and copy.syndicated_from in by_id:
            copy.blocks = list(by_id[copy.syndicated_from].blocks)
    found.sort(key=lambda a: (a.published, a.id))
    assign_urls(found)
    return found
