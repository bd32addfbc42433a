"""Read ``sample/articles/<publisher>/<slug>.md`` and check every field, naming the file at fault.

An article file is TOML front matter between two ``+++`` lines, then the body (blank-line separated
paragraphs; a line starting ``## `` is a subheading). See ``sample/README.md`` for the field list and
``docs/annotation.md`` for the ``[gold]`` table.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import tomllib
from pathlib import Path

import pycountry

from .corpus import ARTICLES_DIR, PUBLISHERS, SLUG_RE, Article, BuildError, Revision

MIN_WORDS, MAX_WORDS = 180, 450

FRONT_KEYS_REQUIRED = {"slug", "title", "published", "author", "summary"}
FRONT_KEYS_OPTIONAL = {"updated", "syndicated_from", "gold", "revisions"}
REVISION_KEYS_REQUIRED = {"until", "body", "commitments"}
REVISION_KEYS_OPTIONAL = {"title", "summary"}
ANNOTATION_KEYS = {"deal", "context"}  # a gold commitment's deal key (deal answer key)
GOLD_KEYS = {"countries", "companies", "commitments"}
COMMITMENT_SHAPES = {
    "money": {"kind", "value", "currency"},
    "power": {"kind", "mw"},
    "chips": {"kind", "count"},
}


def split_front_matter(raw: str, source: Path) -> tuple[dict, str]:
    lines = raw.splitlines()
    if not lines or lines[0].strip() != "+++":
        raise BuildError(f"{source}: must start with a '+++' line opening the front matter")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "+++")
    except StopIteration:
        raise BuildError(f"{source}: front matter is not closed by a second '+++' line") from None
    try:
        front = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        raise BuildError(f"{source}: front matter is not valid TOML: {exc}") from None
    return front, "\n".join(lines[end + 1 :])


def parse_body(body: str) -> list[tuple[str, str]]:
    blocks: list[tuple[str, str]] = []
    for chunk in re.split(r"\n\s*\n", body.strip()):
        lines = [line.strip() for line in chunk.strip().splitlines() if line.strip()]
        if not lines:
            continue
        if lines[0].startswith("## "):
            blocks.append(("h2", lines[0][3:].strip()))
            lines = lines[1:]
            if not lines:
                continue
        blocks.append(("p", " ".join(lines)))
    return blocks


def as_utc(value, key: str, source: Path) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise BuildError(
            f"{source}: '{key}' must be a TOML date-time with an offset, e.g. 2025-05-22T09:30:00Z"
        )
    return value.astimezone(dt.UTC)


def validate_gold(gold, source: Path) -> dict:
    if not isinstance(gold, dict):
        raise BuildError(f"{source}: [gold] must be a table")
    missing, unknown = GOLD_KEYS - gold.keys(), gold.keys() - GOLD_KEYS
    if missing or unknown:
        raise BuildError(
            f"{source}: [gold] needs exactly {sorted(GOLD_KEYS)}"
            f" (missing {sorted(missing)}, unknown {sorted(unknown)})"
        )
    countries, companies, commitments = gold["countries"], gold["companies"], gold["commitments"]
    for name, values in (("countries", countries), ("companies", companies)):
        if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
            raise BuildError(f"{source}: gold {name} must be a list of non-empty strings")
        if values != sorted(set(values)):
            raise BuildError(
                f"{source}: gold {name} must be sorted and without duplicates: "
                f"expected {sorted(set(values))}"
            )
    for code in countries:
        if len(code) != 2 or not code.isupper() or pycountry.countries.get(alpha_2=code) is None:
            raise BuildError(f"{source}: gold country {code!r} is not an ISO 3166-1 alpha-2 code")
    for name in companies:
        if name != name.strip():
            raise BuildError(f"{source}: gold company {name!r} has surrounding spaces")
    validate_commitments(commitments, source, "gold")
    return {"countries": countries, "companies": companies, "commitments": commitments}


def validate_commitments(commitments, source: Path, where: str) -> None:
    """Shapes of a list of gold commitments; each may carry ``deal`` (a key) and ``context``."""
    if not isinstance(commitments, list):
        raise BuildError(f"{source}: {where} commitments must be a list")
    seen = set()
    for item in commitments:
        if not isinstance(item, dict) or item.get("kind") not in COMMITMENT_SHAPES:
            raise BuildError(
                f"{source}: {where} commitment {item!r} needs kind = money | power | chips"
            )
        shape = COMMITMENT_SHAPES[item["kind"]]
        if set(item) - ANNOTATION_KEYS != shape:
            raise BuildError(
                f"{source}: {where} commitment {item!r} must have exactly {sorted(shape)}"
                f" (plus optional {sorted(ANNOTATION_KEYS)})"
            )
        if "deal" in item and (not isinstance(item["deal"], str) or not SLUG_RE.match(item["deal"])):
            raise BuildError(f"{source}: {where} commitment {item!r}: deal must be a deal key (slug)")
        if "context" in item and item["context"] is not True:
            raise BuildError(f"{source}: {where} commitment {item!r}: context can only be true")
        if "context" in item and "deal" not in item:
            raise BuildError(f"{source}: {where} commitment {item!r}: context needs a deal")
        number_key = {"money": "value", "power": "mw", "chips": "count"}[item["kind"]]
        number = item[number_key]
        if isinstance(number, bool) or not isinstance(number, (int, float)) or number <= 0:
            raise BuildError(f"{source}: {where} commitment {item!r}: {number_key} must be positive")
        if item["kind"] == "chips" and not isinstance(number, int):
            raise BuildError(f"{source}: {where} commitment {item!r}: count must be an integer")
        if item["kind"] == "money":
            currency = item["currency"]
            if not isinstance(currency, str) or pycountry.currencies.get(alpha_3=currency) is None:
                raise BuildError(
                    f"{source}: {where} commitment {item!r}: currency must be an ISO 4217 code"
                )
        key = json.dumps(bare(item), sort_keys=True)
        if key in seen:
            raise BuildError(f"{source}: {where} commitment {item!r} is listed twice")
        seen.add(key)


def bare(commitment: dict) -> dict:
    """A gold commitment without its deal annotation (the gold line of docs/architecture.md)."""
    return {k: v for k, v in commitment.items() if k not in ANNOTATION_KEYS}


def validate_revisions(revisions, published: dt.datetime, updated, source: Path) -> list[Revision]:
    """``[[revisions]]``: earlier texts, oldest first, each replaced at ``until`` (<= ``updated``)."""
    if not isinstance(revisions, list) or not revisions:
        raise BuildError(f"{source}: [[revisions]] must be a non-empty array of tables")
    if updated is None:
        raise BuildError(f"{source}: an article with [[revisions]] needs 'updated'")
    found, previous = [], published
    for number, raw in enumerate(revisions, start=1):
        where = f"revision {number}"
        if not isinstance(raw, dict):
            raise BuildError(f"{source}: {where} must be a table")
        missing = REVISION_KEYS_REQUIRED - raw.keys()
        unknown = raw.keys() - REVISION_KEYS_REQUIRED - REVISION_KEYS_OPTIONAL
        if missing or unknown:
            raise BuildError(
                f"{source}: {where} needs {sorted(REVISION_KEYS_REQUIRED)}, may have "
                f"{sorted(REVISION_KEYS_OPTIONAL)} (missing {sorted(missing)}, unknown {sorted(unknown)})"
            )
        until = as_utc(raw["until"], "until", source)
        if not previous < until <= updated:
            raise BuildError(
                f"{source}: {where}: 'until' must follow the previous revision (or 'published') "
                "and not be later than 'updated'"
            )
        for key in ("title", "summary"):
            if key in raw and (not isinstance(raw[key], str) or not raw[key].strip()):
                raise BuildError(f"{source}: {where}: '{key}' must be a non-empty string")
        if not isinstance(raw["body"], str) or not parse_body(raw["body"]):
            raise BuildError(f"{source}: {where}: 'body' must be the text of that revision")
        validate_commitments(raw["commitments"], source, where)
        found.append(
            Revision(
                until=until,
                title=raw.get("title", "").strip() or None,
                summary=raw.get("summary", "").strip() or None,
                blocks=parse_body(raw["body"]),
                commitments=raw["commitments"],
            )
        )
        previous = until
    return found


def read_article(source: Path, publisher: str) -> Article:
    try:
        raw = source.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BuildError(f"{source}: not UTF-8 text") from None
    front, body = split_front_matter(raw, source)
    missing = FRONT_KEYS_REQUIRED - front.keys()
    unknown = front.keys() - FRONT_KEYS_REQUIRED - FRONT_KEYS_OPTIONAL
    if missing:
        raise BuildError(f"{source}: front matter lacks {sorted(missing)}")
    if unknown:
        raise BuildError(f"{source}: front matter has unknown keys {sorted(unknown)}")
    for key in ("slug", "title", "author", "summary"):
        if not isinstance(front[key], str) or not front[key].strip():
            raise BuildError(f"{source}: '{key}' must be a non-empty string")
    slug = front["slug"]
    if not SLUG_RE.match(slug):
        raise BuildError(f"{source}: slug {slug!r} must be lowercase words joined by hyphens")
    if slug != source.stem:
        raise BuildError(f"{source}: slug {slug!r} must equal the file name {source.stem!r}")
    if publisher == "ukgov" and re.fullmatch(r"index|page-\d+", slug):
        raise BuildError(f"{source}: slug {slug!r} collides with a listing page name")
    published = as_utc(front["published"], "published", source)
    updated = as_utc(front["updated"], "updated", source) if "updated" in front else None
    if updated is not None and updated <= published:
        raise BuildError(f"{source}: 'updated' must be later than 'published'")
    syndicated = front.get("syndicated_from")
    if syndicated is not None and (
        not isinstance(syndicated, str) or not re.fullmatch(r"[a-z-]+/[a-z0-9-]+", syndicated)
    ):
        raise BuildError(f"{source}: syndicated_from must look like 'publisher/slug'")
    gold = validate_gold(front["gold"], source) if "gold" in front else None
    if gold is None and syndicated is None:
        raise BuildError(f"{source}: a [gold] table is required (only syndicated copies may omit it)")
    revisions = (
        validate_revisions(front["revisions"], published, updated, source) if "revisions" in front else []
    )
    if syndicated is None:
        for item in gold["commitments"] + [c for r in revisions for c in r.commitments]:
            if "deal" not in item:
                raise BuildError(
                    f"{source}: gold commitment {bare(item)!r} needs deal = \"<key>\" (sample/deals.toml)"
                )
    blocks = parse_body(body)
    if not blocks and syndicated is None:
        raise BuildError(f"{source}: the body is empty")
    return Article(
        publisher=publisher,
        slug=slug,
        title=front["title"].strip(),
        published=published,
        updated=updated,
        author=front["author"].strip(),
        summary=front["summary"].strip(),
        syndicated_from=syndicated,
        gold=gold,
        blocks=blocks,
        source=source,
        revisions=revisions,
    )


def load_articles(articles_dir: Path = ARTICLES_DIR) -> list[Article]:
    articles: list[Article] = []
    for pub_dir in sorted(p for p in articles_dir.iterdir() if p.is_dir()):
        if pub_dir.name not in PUBLISHERS:
            raise BuildError(f"{pub_dir}: unknown publisher (known: {', '.join(PUBLISHERS)})")
        for source in sorted(pub_dir.glob("*.md")):
            articles.append(read_article(source, pub_dir.name))
    by_id = {}
    for article in articles:
        if article.id in by_id:
            raise BuildError(f"{article.source}: slug repeats {by_id[article.id].source}")
        by_id[article.id] = article
    for article in articles:
        if article.syndicated_from is None:
            continue
        original = by_id.get(article.syndicated_from)
        if original is None:
            raise BuildError(
                f"{article.source}: syndicated_from {article.syndicated_from!r} is not an article"
            )
        if original.syndicated_from is not None or original.publisher == article.publisher:
            raise BuildError(
                f"{article.source}: syndicated_from must name an original from another publisher"
            )
        if not article.blocks:
            article.blocks = list(original.blocks)
        elif article.blocks != original.blocks:
            raise BuildError(
                f"{article.source}: a syndicated copy must repeat the body of "
                f"{original.source} exactly (or leave its body empty)"
            )
        if article.published < original.published:
            raise BuildError(f"{article.source}: a syndicated copy cannot predate its original")
    for article in articles:
        if not MIN_WORDS <= article.words <= MAX_WORDS:
            print(
                f"warning: {article.source}: body has {article.words} words "
                f"(aim for {MIN_WORDS}-{MAX_WORDS})",
                file=sys.stderr,
            )
    articles.sort(key=lambda a: (a.published, a.id))
    return articles
