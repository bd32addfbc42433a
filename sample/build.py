"""Build the offline sample web from ``sample/articles`` and ``sample/templates``.

Usage::

    .venv/bin/python sample/build.py            # rebuilds sample/site, sample/editions/ and the keys
    .venv/bin/python sample/build.py --out DIR  # builds DIR/, DIR/../editions/, DIR/../gold*.jsonl

or, from Python, ``build(out_dir)``.

Besides the current site it writes the *editions* listed in ``sample/editions.toml`` (the web as it
stood at an earlier time, replayed by ``tracker run --sample`` before the current site), the
extraction answer key ``gold.jsonl`` and the deal answer key ``gold_deals.jsonl`` (from the
``deal = "<key>"`` of every gold commitment and the deals of ``sample/deals.toml``).

The build is deterministic (no clock, no randomness, sorted inputs): running it twice gives the
same bytes. Every URL it writes is absolute and starts with the placeholder ``__BASE__/sites/``;
the loopback server used by ``tracker run --sample`` swaps ``__BASE__`` for its own address.

Article source files are ``sample/articles/<publisher>/<slug>.md``: TOML front matter between two
``+++`` lines, then the body (blank-line separated paragraphs; a line starting ``## `` is a
subheading). See ``sample/README.md`` for the field list and ``docs/annotation.md`` for the
``[gold]`` table.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import re
import shutil
import sys
import tomllib
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import Path

import jinja2
import pycountry

SAMPLE_DIR = Path(__file__).resolve().parent
ARTICLES_DIR = SAMPLE_DIR / "articles"
TEMPLATES_DIR = SAMPLE_DIR / "templates"
SITE_DIR = SAMPLE_DIR / "site"
DEALS_FILE = SAMPLE_DIR / "deals.toml"  # the real-world deals of the corpus (deal answer key)
EDITIONS_FILE = SAMPLE_DIR / "editions.toml"  # earlier states of the web to render

BASE = "__BASE__"
SITES = f"{BASE}/sites"
PAGE_SIZE = 5  # listing pages (ukgov news, dcledger archive)
ATOM_ENTRIES = 8  # dcledger's Atom feed carries only the newest entries
TRACKING = "utm_source=rss&utm_medium=feed"  # meridian's feed links
FOOTER_NOTE = (
    "Sample page written for the AI Infrastructure Deals Tracker test corpus; "
    "not an official publication."
)
MARKER = ".sample-site"  # marks a directory this script may wipe

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MIN_WORDS, MAX_WORDS = 180, 450

# Publishers are data: name, kind and the pages each one has besides its articles.
PUBLISHERS: dict[str, dict] = {
    "nvidia-newsroom": {"name": "NVIDIA Newsroom", "kind": "company"},
    "ukgov": {"name": "GOV.UK press releases", "kind": "government"},
    "dcledger": {"name": "DataCenter Ledger", "kind": "trade"},
    "meridian": {"name": "The Daily Meridian", "kind": "media"},
}

FRONT_KEYS_REQUIRED = {"slug", "title", "published", "author", "summary"}
FRONT_KEYS_OPTIONAL = {"updated", "syndicated_from", "gold", "revisions"}
REVISION_KEYS_REQUIRED = {"until", "body", "commitments"}
REVISION_KEYS_OPTIONAL = {"title", "summary"}
ANNOTATION_KEYS = {"deal", "context"}  # a gold commitment's deal key (deal answer key)
DEAL_KEYS_REQUIRED = {"key", "title", "countries", "companies"}
DEAL_KEYS_OPTIONAL = {"national", "money", "mw", "chips", "note"}
GOLD_KEYS = {"countries", "companies", "commitments"}
COMMITMENT_SHAPES = {
    "money": {"kind", "value", "currency"},
    "power": {"kind", "mw"},
    "chips": {"kind", "count"},
}
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


class BuildError(Exception):
    """A problem in an article file or template; the message names the file."""


@dataclass
class Revision:
    """An earlier text of an article, online from the previous revision (or publication) until ``until``."""

    until: dt.datetime
    title: str | None
    summary: str | None
    blocks: list[tuple[str, str]]
    commitments: list[dict]


@dataclass
class Article:
    publisher: str
    slug: str
    title: str
    published: dt.datetime
    updated: dt.datetime | None
    author: str
    summary: str
    syndicated_from: str | None
    gold: dict | None
    blocks: list[tuple[str, str]]  # ("p" | "h2", text)
    source: Path
    revisions: list[Revision] = field(default_factory=list)  # earlier texts, oldest first
    url: str = ""  # the page's own clean URL
    canonical: str = ""  # its own URL, or the original's for a syndicated copy
    path: str = ""  # file path relative to the site root
    extra: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.publisher}/{self.slug}"

    @property
    def text(self) -> str:
        return "\n\n".join(text for _, text in self.blocks)

    @property
    def modified(self) -> dt.datetime:
        return self.updated or self.published

    @property
    def words(self) -> int:
        return len(self.text.split())


# ---------------------------------------------------------------------------------------------
# Reading and validating article files
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# URLs: each publisher's own scheme
# ---------------------------------------------------------------------------------------------


def assign_urls(articles: list[Article]) -> None:
    for a in articles:
        p = a.published
        if a.publisher == "nvidia-newsroom":
            rel, url_rel = f"nvidia-newsroom/news/{a.slug}/index.html", f"nvidia-newsroom/news/{a.slug}/"
        elif a.publisher == "ukgov":
            rel = url_rel = f"ukgov/news/{a.slug}.html"
        elif a.publisher == "dcledger":
            rel = url_rel = f"dcledger/{p:%Y}/{p:%m}/{a.slug}.html"
        else:  # meridian
            url_rel = f"meridian/technology/{p:%Y/%m/%d}/{a.slug}/"
            rel = url_rel + "index.html"
        a.path, a.url = rel, f"{SITES}/{url_rel}"
    by_id = {a.id: a for a in articles}
    for a in articles:
        a.canonical = by_id[a.syndicated_from].url if a.syndicated_from else a.url
        a.extra["original"] = by_id[a.syndicated_from] if a.syndicated_from else None


def paginate(items: list, prefix: str) -> list[dict]:
    """Split newest-first items into pages: index.html, page-2.html, ... under ``prefix``."""
    chunks = [items[i : i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)] or [[]]

    def name(n: int) -> str:
        return "index.html" if n == 1 else f"page-{n}.html"

    pages = []
    for n, chunk in enumerate(chunks, start=1):
        pages.append(
            {
                "number": n,
                "total": len(chunks),
                "entries": chunk,
                "path": f"{prefix}/{name(n)}",
                "url": f"{SITES}/{prefix}/{name(n)}",
                "prev_url": f"{SITES}/{prefix}/{name(n - 1)}" if n > 1 else None,
                "next_url": f"{SITES}/{prefix}/{name(n + 1)}" if n < len(chunks) else None,
            }
        )
    return pages


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def rfc822(value: dt.datetime) -> str:
    return format_datetime(value.astimezone(dt.UTC), usegmt=True)


def rfc3339(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc822z(value: dt.datetime) -> str:  # numeric zone, as some CMSs write it
    return format_datetime(value.astimezone(dt.UTC))


def long_date(value: dt.datetime) -> str:  # 16 September 2025
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def us_date(value: dt.datetime) -> str:  # September 16, 2025
    return f"{MONTHS[value.month - 1]} {value.day}, {value.year}"


def day_date(value: dt.datetime) -> str:  # Tue 16 Sep 2025
    return f"{WEEKDAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1][:3]} {value.year}"


def hhmm(value: dt.datetime) -> str:
    return value.strftime("%H:%M")


def make_env(templates_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        rfc822=rfc822, rfc822z=rfc822z, rfc3339=rfc3339, long_date=long_date, us_date=us_date,
        day_date=day_date, hhmm=hhmm,
    )
    env.globals.update(SITES=SITES, FOOTER_NOTE=FOOTER_NOTE, TRACKING=TRACKING, PUBLISHERS=PUBLISHERS)
    return env


class Writer:
    def __init__(self, env: jinja2.Environment, out_dir: Path):
        self.env, self.out_dir, self.files = env, out_dir, []

    def render(self, template: str, rel_path: str, **context) -> None:
        try:
            text = self.env.get_template(template).render(**context)
        except (jinja2.TemplateError, TypeError, AttributeError, KeyError) as exc:
            raise BuildError(f"template {template}: {type(exc).__name__}: {exc}") from None
        self.write(rel_path, text)

    def write(self, rel_path: str, text: str) -> None:
        target = self.out_dir / rel_path
        if target.exists():
            raise BuildError(f"two pages want the same file {rel_path}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
        self.files.append(rel_path)


def render_publisher(w: Writer, pub: str, items: list[Article], everything: list[Article]) -> None:
    """Render one publisher: home, nav pages, listings, articles, feed."""
    info = {"slug": pub, **PUBLISHERS[pub], "root": f"{SITES}/{pub}"}
    newest = list(reversed(items))  # newest first
    others = [a for a in reversed(everything) if a.publisher != pub and not a.syndicated_from]
    ctx = {"pub": info, "newest": newest, "others": others[:5]}
    t = f"{pub}/"

    # static assets
    static_src = TEMPLATES_DIR / pub / "static"
    if static_src.is_dir():
        for asset in sorted(static_src.rglob("*")):
            if asset.is_file():
                w.write(f"{pub}/static/{asset.relative_to(static_src).as_posix()}", asset.read_text("utf-8"))

    # nav pages that are not articles
    for page in ("about", "contact"):
        rel = f"{pub}/{page}/index.html" if pub in ("nvidia-newsroom", "meridian") else f"{pub}/{page}.html"
        w.render(t + f"{page}.html", rel, **ctx)
    w.render(t + "home.html", f"{pub}/index.html", **ctx)

    if pub == "nvidia-newsroom":
        w.render(t + "listing.html", f"{pub}/news/index.html", **ctx)
        w.render(t + "feed.xml", f"{pub}/feed.xml", **ctx,
                 build_date=max((a.modified for a in items), default=None))
    elif pub == "ukgov":
        for page in paginate(newest, "ukgov/news"):
            w.render(t + "listing.html", page["path"], page=page, **ctx)
    elif pub == "dcledger":
        for page in paginate(newest, "dcledger/archive"):
            w.render(t + "listing.html", page["path"], page=page, **ctx)
        entries = newest[:ATOM_ENTRIES]
        w.render(t + "atom.xml", f"{pub}/atom.xml", **ctx, entries=entries,
                 feed_updated=max((a.modified for a in entries), default=None))
    elif pub == "meridian":
        w.render(t + "listing.html", f"{pub}/technology/index.html", **ctx)
        for section in ("world", "business", "opinion"):
            w.render(t + "section.html", f"{pub}/{section}/index.html", section=section, **ctx)
        w.render(t + "rss.xml", f"{pub}/rss/technology.xml", **ctx,
                 build_date=max((a.modified for a in items), default=None))

    for a in newest:
        related = [b for b in newest if b is not a][:4]
        w.render(t + "article.html", a.path, a=a, related=related, **ctx)


def gold_lines(articles: list[Article]) -> list[str]:
    lines = []
    for a in articles:
        if a.syndicated_from:
            continue
        record = {
            "id": a.id,
            "title": a.title,
            "text": a.text,
            "published": a.published.date().isoformat(),
            "countries": a.gold["countries"],
            "companies": a.gold["companies"],
            "commitments": [bare(c) for c in a.gold["commitments"]],
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    return lines


# ---------------------------------------------------------------------------------------------
# Editions: the web as it stood at an earlier time
# ---------------------------------------------------------------------------------------------


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


def render_site(w: Writer, articles: list[Article]) -> None:
    for pub in PUBLISHERS:
        render_publisher(w, pub, [a for a in articles if a.publisher == pub], articles)
    w.render("index.html", "index.html", publishers=PUBLISHERS, articles=articles)


# ---------------------------------------------------------------------------------------------
# The deal answer key
# ---------------------------------------------------------------------------------------------


def load_deals(path: Path = DEALS_FILE) -> dict[str, dict]:
    """``deals.toml``: the real-world deals, by key, in file order."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise BuildError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise BuildError(f"{path}: not valid TOML: {exc}") from None
    deals: dict[str, dict] = {}
    for number, deal in enumerate(data.get("deal", []), start=1):
        where = f"{path}: deal {deal.get('key', number)!r}" if isinstance(deal, dict) else f"{path}: deal {number}"
        if not isinstance(deal, dict):
            raise BuildError(f"{where} must be a table")
        missing = DEAL_KEYS_REQUIRED - deal.keys()
        unknown = deal.keys() - DEAL_KEYS_REQUIRED - DEAL_KEYS_OPTIONAL
        if missing or unknown:
            raise BuildError(f"{where}: missing {sorted(missing)}, unknown {sorted(unknown)}")
        if not isinstance(deal["key"], str) or not SLUG_RE.match(deal["key"]) or deal["key"] in deals:
            raise BuildError(f"{where}: key must be a slug, used once")
        national = deal.get("national", True)
        countries = deal["countries"]
        if not isinstance(countries, list) or (national and not countries) or (not national and countries):
            raise BuildError(f"{where}: countries must list the host country first ([] only with national = false)")
        for code in countries:
            if not isinstance(code, str) or pycountry.countries.get(alpha_2=code) is None or not code.isupper():
                raise BuildError(f"{where}: {code!r} is not an ISO 3166-1 alpha-2 code")
        if not isinstance(deal["companies"], list) or deal["companies"] != sorted(set(deal["companies"])):
            raise BuildError(f"{where}: companies must be a sorted list without duplicates")
        money = deal.get("money")
        if money is not None and not (
            isinstance(money, list) and len(money) == 2 and isinstance(money[0], (int, float))
            and pycountry.currencies.get(alpha_3=money[1]) is not None
        ):
            raise BuildError(f"{where}: money must be [value, \"ISO 4217 code\"]")
        for key in ("mw", "chips"):
            if key in deal and (isinstance(deal[key], bool) or not isinstance(deal[key], int) or deal[key] <= 0):
                raise BuildError(f"{where}: {key} must be a positive integer")
        deals[deal["key"]] = deal
    return deals


def figure_of(commitment: dict) -> dict:
    out = bare(commitment)
    if commitment.get("context"):
        out["context"] = True
    return out


def gold_deal_lines(articles: list[Article], deals: dict[str, dict], deals_path: Path) -> list[str]:
    """One line per deal of ``deals.toml``: what it is and every document version reporting it.

    ``documents``: the originals that report one of its figures (not only in passing) in their
    current text; ``context_documents``: those that only cite it; ``copies``: syndicated copies of
    those documents (stored once by the tracker); ``reports``: per document and version, its
    figures (``context`` marks a figure cited in passing).
    """
    reports: dict[str, list[dict]] = {key: [] for key in deals}
    copies: dict[str, list[str]] = {}
    for a in articles:
        if a.syndicated_from:
            copies.setdefault(a.syndicated_from, []).append(a.id)
            continue
        versions = [(f"until {rfc3339(r.until)}", r.commitments) for r in a.revisions]
        versions.append(("current", a.gold["commitments"]))
        for version, commitments in versions:
            per_deal: dict[str, list[dict]] = {}
            for c in commitments:
                if c["deal"] not in deals:
                    raise BuildError(f"{a.source}: deal {c['deal']!r} is not in {deals_path}")
                per_deal.setdefault(c["deal"], []).append(figure_of(c))
            for key, figures in per_deal.items():
                reports[key].append({
                    "doc": a.id, "url": a.canonical, "publisher": a.publisher,
                    "published": a.published.date().isoformat(), "version": version, "figures": figures,
                })
    lines = []
    for key, deal in deals.items():
        if not reports[key]:
            raise BuildError(f"{deals_path}: deal {key!r} has no figure in any article")
        current = [r for r in reports[key] if r["version"] == "current"]
        documents = sorted({r["doc"] for r in current if any(not f.get("context") for f in r["figures"])})
        context = sorted({r["doc"] for r in current} - set(documents))
        record = {
            "key": key,
            "title": deal["title"],
            "countries": deal["countries"],
            "companies": deal["companies"],
            "national": deal.get("national", True),
            "money": {"value": deal["money"][0], "currency": deal["money"][1]} if "money" in deal else None,
            "mw": deal.get("mw"),
            "chips": deal.get("chips"),
            "documents": documents,
            "context_documents": context,
            "copies": sorted(c for doc in documents + context for c in copies.get(doc, [])),
            "publishers": len({doc.split("/")[0] for doc in documents}),
            "reports": reports[key],
            "note": deal.get("note"),
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    return lines


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8") if lines else b"")


def prepare_out_dir(out_dir: Path) -> None:
    if out_dir.exists():
        if any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
            raise BuildError(
                f"{out_dir}: exists, is not empty and has no {MARKER} marker; refusing to wipe it"
            )
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    (out_dir / MARKER).write_text("Built by sample/build.py; wiped on every build.\n", "utf-8")


def build(
    out_dir: Path | str = SITE_DIR,
    gold_path: Path | str | None = None,
    *,
    articles_dir: Path | str = ARTICLES_DIR,
    templates_dir: Path | str = TEMPLATES_DIR,
    deals_path: Path | str = DEALS_FILE,
    editions_path: Path | str = EDITIONS_FILE,
) -> dict:
    """Build the site into ``out_dir`` (wiped first), its editions and the two answer keys.

    Next to ``out_dir``: ``editions/<YYYY-MM-DD>/`` (wiped first), and unless ``gold_path`` says
    otherwise ``gold.jsonl``; ``gold_deals.jsonl`` goes next to the gold file. Returns counts:
    ``{"articles": n, "gold": n, "deals": n, "files": n, "editions": [...], "per_publisher":
    {...}, "weeks": [...]}``. Raises ``BuildError`` naming the file at fault.
    """
    out_dir = Path(out_dir)
    gold_path = Path(gold_path) if gold_path else out_dir.parent / "gold.jsonl"
    editions_dir = out_dir.parent / "editions"
    articles = load_articles(Path(articles_dir))
    assign_urls(articles)
    deals = load_deals(Path(deals_path))
    deal_lines = gold_deal_lines(articles, deals, Path(deals_path))
    editions = load_editions(Path(editions_path))
    env = make_env(Path(templates_dir))
    prepare_out_dir(out_dir)
    w = Writer(env, out_dir)
    render_site(w, articles)
    files = len(w.files) + 1
    if editions or editions_dir.exists():
        prepare_out_dir(editions_dir)
    for at in editions:
        folder = editions_dir / edition_name(at)
        edition = Writer(env, folder)
        render_site(edition, sites_as_of(articles, at))
        files += len(edition.files)
    lines = gold_lines(articles)
    write_lines(gold_path, lines)
    write_lines(gold_path.parent / "gold_deals.jsonl", deal_lines)
    weeks = sorted({"{}-W{:02d}".format(*a.published.isocalendar()[:2]) for a in articles})
    return {
        "articles": len(articles),
        "gold": len(lines),
        "deals": len(deal_lines),
        "files": files,
        "editions": [edition_name(at) for at in editions],
        "per_publisher": {p: sum(a.publisher == p for a in articles) for p in PUBLISHERS},
        "weeks": weeks,
        "out_dir": str(out_dir),
        "gold_path": str(gold_path),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the offline sample web, its editions and answer keys.")
    parser.add_argument("--out", type=Path, default=SITE_DIR, help="site directory (wiped; editions/ go next to it)")
    parser.add_argument("--gold", type=Path, default=None, help="gold JSONL (default: next to --out)")
    args = parser.parse_args(argv)
    try:
        stats = build(args.out, args.gold)
    except BuildError as exc:
        print(f"build.py: error: {exc}", file=sys.stderr)
        return 2
    per = ", ".join(f"{k} {v}" for k, v in stats["per_publisher"].items())
    print(
        f"built {stats['articles']} articles ({per}) into {stats['out_dir']}; "
        f"{stats['gold']} gold lines in {stats['gold_path']}, {stats['deals']} deals in gold_deals.jsonl; "
        f"editions {' '.join(stats['editions']) or '(none)'}; "
        f"{len(stats['weeks'])} ISO weeks: {' '.join(stats['weeks'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
