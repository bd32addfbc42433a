"""Build the offline sample web from ``sample/articles`` and ``sample/templates``.

Usage::

    .venv/bin/python sample/build.py            # rebuilds sample/site and sample/gold.jsonl
    .venv/bin/python sample/build.py --out DIR  # builds DIR/ and DIR/../gold.jsonl

or, from Python, ``build(out_dir)``.

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
FRONT_KEYS_OPTIONAL = {"updated", "syndicated_from", "gold"}
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
    return value.astimezone(dt.timezone.utc)


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
    if not isinstance(commitments, list):
        raise BuildError(f"{source}: gold commitments must be a list")
    seen = set()
    for item in commitments:
        if not isinstance(item, dict) or item.get("kind") not in COMMITMENT_SHAPES:
            raise BuildError(
                f"{source}: gold commitment {item!r} needs kind = money | power | chips"
            )
        shape = COMMITMENT_SHAPES[item["kind"]]
        if set(item) != shape:
            raise BuildError(f"{source}: gold commitment {item!r} must have exactly {sorted(shape)}")
        number_key = {"money": "value", "power": "mw", "chips": "count"}[item["kind"]]
        number = item[number_key]
        if isinstance(number, bool) or not isinstance(number, (int, float)) or number <= 0:
            raise BuildError(f"{source}: gold commitment {item!r}: {number_key} must be positive")
        if item["kind"] == "chips" and not isinstance(number, int):
            raise BuildError(f"{source}: gold commitment {item!r}: count must be an integer")
        if item["kind"] == "money":
            currency = item["currency"]
            if not isinstance(currency, str) or pycountry.currencies.get(alpha_3=currency) is None:
                raise BuildError(
                    f"{source}: gold commitment {item!r}: currency must be an ISO 4217 code"
                )
        key = json.dumps(item, sort_keys=True)
        if key in seen:
            raise BuildError(f"{source}: gold commitment {item!r} is listed twice")
        seen.add(key)
    return {"countries": countries, "companies": companies, "commitments": commitments}


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
    return format_datetime(value.astimezone(dt.timezone.utc), usegmt=True)


def rfc3339(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc822z(value: dt.datetime) -> str:  # numeric zone, as some CMSs write it
    return format_datetime(value.astimezone(dt.timezone.utc))


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

    for i, a in enumerate(newest):
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
            "commitments": a.gold["commitments"],
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    return lines


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
) -> dict:
    """Build the site into ``out_dir`` (wiped first) and the gold file (default: next to it).

    Returns counts: ``{"articles": n, "gold": n, "files": n, "per_publisher": {...},
    "weeks": [...]}``. Raises ``BuildError`` naming the file at fault.
    """
    out_dir = Path(out_dir)
    gold_path = Path(gold_path) if gold_path else out_dir.parent / "gold.jsonl"
    articles = load_articles(Path(articles_dir))
    assign_urls(articles)
    env = make_env(Path(templates_dir))
    prepare_out_dir(out_dir)
    w = Writer(env, out_dir)
    for pub in PUBLISHERS:
        render_publisher(w, pub, [a for a in articles if a.publisher == pub], articles)
    w.render("index.html", "index.html", publishers=PUBLISHERS, articles=articles)
    lines = gold_lines(articles)
    gold_path.write_bytes(("\n".join(lines) + "\n").encode("utf-8") if lines else b"")
    weeks = sorted({"{}-W{:02d}".format(*a.published.isocalendar()[:2]) for a in articles})
    return {
        "articles": len(articles),
        "gold": len(lines),
        "files": len(w.files) + 1,
        "per_publisher": {p: sum(a.publisher == p for a in articles) for p in PUBLISHERS},
        "weeks": weeks,
        "out_dir": str(out_dir),
        "gold_path": str(gold_path),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the offline sample web and its gold file.")
    parser.add_argument("--out", type=Path, default=SITE_DIR, help="site directory (wiped)")
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
        f"{stats['gold']} gold lines in {stats['gold_path']}; "
        f"{len(stats['weeks'])} ISO weeks: {' '.join(stats['weeks'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
