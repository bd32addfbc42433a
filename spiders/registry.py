"""The sources registry: publishers to crawl, declared as data in a TOML file.

Format (docs/architecture.md, "Sources registry (TOML)")::

    [[source]]
    id = "openai-news"            # stable slug
    name = "OpenAI News"
    kind = "company"              # company | government | trade | media
    country = "US"                # ISO alpha-2 of the publisher
    feeds = ["https://openai.com/news/rss.xml"]
    start_urls = []               # listing pages the spider walks (pagination followed)
    article_pattern = ""          # regex for article links on listing pages
    allowed_domains = ["openai.com"]

Optional per-source budgets (one run; defaults: TRACKER_SOURCE_MAX_* in spiders/settings.py)::

    max_requests = 250            # requests of any kind: feeds, listing pages, articles, retries
    max_articles = 150            # article pages requested (known, unchanged articles not counted)
    max_seconds = 300             # seconds from the source's first request
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pycountry

from spiders.urls import host_allowed, is_http_url

KINDS = ("company", "government", "trade", "media")
FIELDS = ("id", "name", "kind", "country", "feeds", "start_urls", "article_pattern", "allowed_domains")
REQUIRED = ("id", "name", "kind", "country", "allowed_domains")
# Optional keys: a source's own budget per run, overriding the crawler's defaults (spiders/budgets.py).
BUDGET_FIELDS = ("max_requests", "max_articles", "max_seconds")

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")


class RegistryError(ValueError):
    """A sources registry that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Source:
    """One publisher: where its feeds and listing pages are, and where the spider may go."""

    id: str
    name: str
    kind: str
    country: str
    feeds: tuple[str, ...]
    start_urls: tuple[str, ...]
    article_pattern: str
    allowed_domains: tuple[str, ...]
    # The source's own budget per run; None: the crawler's default (TRACKER_SOURCE_MAX_*).
    max_requests: int | None = None
    max_articles: int | None = None
    max_seconds: int | None = None

    def to_dict(self) -> dict:
        """Plain JSON-able form (lists instead of tuples), in registry field order."""
        return {name: list(v) if isinstance(v := getattr(self, name), tuple) else v for name in FIELDS}


def render_sources(path: str | Path, substitutions: dict[str, str] | None = None) -> str:
    """Return the registry text with placeholders (e.g. ``__BASE__``) replaced."""
    text = _read_text(Path(path))
    for placeholder, value in (substitutions or {}).items():
        text = text.replace(placeholder, value)
    return text


def load_sources(path: str | Path, substitutions: dict[str, str] | None = None) -> list[Source]:
    """Read and validate a registry file; raises RegistryError naming file, source and problem."""
    path = Path(path)
    return parse_sources(render_sources(path, substitutions), origin=str(path))


def parse_sources(text: str, origin: str = "<string>") -> list[Source]:
    """Validate registry TOML text; `origin` names the file in error messages.

    Raises RegistryError with the first problem; `check_registry` reports them all.
    """
    sources, problems = _parse(text, origin)
    if problems:
        raise RegistryError(problems[0])
    return sources


def check_registry(path: str | Path, substitutions: dict[str, str] | None = None) -> list[str]:
    """Every problem of a registry file, one line each (an empty list: the registry is valid).

    Unlike `load_sources`, which stops at the first problem, this reports all of them: each
    source is checked field by field, and a bad source does not hide the next one.
    """
    path = Path(path)
    try:
        text = render_sources(path, substitutions)
    except RegistryError as exc:
        return [str(exc)]
    return _parse(text, str(path))[1]


def _parse(text: str, origin: str) -> tuple[list[Source], list[str]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return [], [f"{origin}: invalid TOML: {_one_line(str(exc))}"]
    problems: list[str] = []
    for key in sorted(set(data) - {"source"}):
        problems.append(f"{origin}: unknown top-level key {key!r} (expected [[source]] tables)")
    entries = data.get("source", [])
    if not isinstance(entries, list) or not entries:
        problems.append(f"{origin}: no [[source]] entries")
        return [], problems
    sources: list[Source] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problems.append(_problem(origin, f"#{index}", "is not a table (write [[source]] entries)"))
            continue
        label = entry.get("id") if isinstance(entry.get("id"), str) and entry.get("id") else f"#{index}"
        found: list[str] = []
        source = _validate(entry, found.append)
        if isinstance(entry.get("id"), str) and entry["id"] in seen:
            found.append("duplicate id")
        if isinstance(entry.get("id"), str):
            seen.add(entry["id"])
        problems += [_problem(origin, label, problem) for problem in found]
        if source is not None and not found:
            sources.append(source)
    return sources, problems


def _validate(entry: dict, fail) -> Source | None:
    """Check one entry, calling `fail(problem)` for every problem; the Source, or None."""
    for name in sorted(set(entry) - set(FIELDS) - set(BUDGET_FIELDS)):
        fail(f"unknown field {name!r}")
    missing = [name for name in REQUIRED if name not in entry]
    for name in missing:
        fail(f"missing field {name!r}")
    bad_type = set(missing)
    for name in ("id", "name", "kind", "country", "article_pattern"):
        if name in entry and not isinstance(entry[name], str):
            fail(f"field {name!r} must be a string")
            bad_type.add(name)
    for name in ("feeds", "start_urls", "allowed_domains"):
        value = entry.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            fail(f"field {name!r} must be a list of strings")
            bad_type.add(name)

    source_id = entry.get("id") if "id" not in bad_type else None
    if source_id is not None and not _SLUG.match(source_id):
        fail(f"id {source_id!r} is not a slug (lowercase letters, digits and single hyphens)")
    name = entry["name"].strip() if "name" not in bad_type else ""
    if "name" not in bad_type and not name:
        fail("name is empty")
    if "kind" not in bad_type and entry["kind"] not in KINDS:
        fail(f"kind {entry['kind']!r} is not one of {', '.join(KINDS)}")
    country = entry.get("country") if "country" not in bad_type else None
    if country is not None and (
        len(country) != 2 or not country.isupper() or pycountry.countries.get(alpha_2=country) is None
    ):
        fail(f"country {country!r} is not an ISO 3166-1 alpha-2 code")

    domains = tuple(entry["allowed_domains"]) if "allowed_domains" not in bad_type else ()
    if "allowed_domains" not in bad_type and not domains:
        fail("allowed_domains is empty")
    for domain in domains:
        if not _DOMAIN.match(domain):
            fail(f"allowed domain {domain!r} is not a bare lowercase host name (no scheme, port or path)")

    feeds = tuple(entry.get("feeds", [])) if "feeds" not in bad_type else ()
    start_urls = tuple(entry.get("start_urls", [])) if "start_urls" not in bad_type else ()
    if "feeds" not in bad_type and "start_urls" not in bad_type and not feeds and not start_urls:
        fail("no feeds and no start_urls: nothing to crawl")
    for field_name, urls in (("feeds", feeds), ("start_urls", start_urls)):
        for url in urls:
            if not is_http_url(url):
                fail(f"{field_name} entry {url!r} is not an http(s) URL")
            elif domains and not host_allowed(url, domains):
                fail(f"{field_name} entry {url!r} is outside allowed_domains")
        if len(set(urls)) != len(urls):
            fail(f"{field_name} lists the same URL twice")

    pattern = entry.get("article_pattern", "") if "article_pattern" not in bad_type else ""
    if pattern:
        try:
            re.compile(pattern)
        except re.error as exc:
            fail(f"article_pattern {pattern!r} is not a valid regex: {exc}")
    elif start_urls and "article_pattern" not in bad_type:
        fail("start_urls given but article_pattern is empty")

    for key in BUDGET_FIELDS:
        value = entry.get(key)
        if key in entry and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            fail(f"field {key!r} must be a whole number of at least 1 (got {repr(value)[:40]})")
            bad_type.add(key)

    if bad_type:
        return None
    return Source(
        id=source_id,
        name=name,
        kind=entry["kind"],
        country=country,
        feeds=feeds,
        start_urls=start_urls,
        article_pattern=pattern,
        allowed_domains=domains,
        **{key: entry[key] for key in BUDGET_FIELDS if key in entry},
    )


def _problem(origin: str, label: str, problem: str) -> str:
    return f"{origin}: source {label}: {_one_line(problem)}"


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegistryError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}: cannot read: {_one_line(str(exc))}") from None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def main(argv: list[str] | None = None) -> int:
    """`python -m spiders.registry check FILE...`: print every problem; exit 1 if any, 2 on bad usage."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or args[0] != "check":
        print("usage: python -m spiders.registry check FILE [FILE...]", file=sys.stderr)
        return 2
    failed = False
    for path in args[1:]:
        problems = check_registry(path)
        for problem in problems:
            print(problem)
        if problems:
            failed = True
        else:
            print(f"{path}: ok, {len(load_sources(path))} sources")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
