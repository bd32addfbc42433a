"""Render the pages: the Jinja2 environment, the file writer, each publisher's site and the index."""

from __future__ import annotations

from pathlib import Path

import jinja2

from .corpus import ATOM_ENTRIES, FOOTER_NOTE, PUBLISHERS, SITES, TEMPLATES_DIR, TRACKING, Article, BuildError
from .dates import day_date, hhmm, long_date, rfc822, rfc822z, rfc3339, us_date
from .urls import paginate


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


def render_site(w: Writer, articles: list[Article]) -> None:
    for pub in PUBLISHERS:
        render_publisher(w, pub, [a for a in articles if a.publisher == pub], articles)
    w.render("index.html", "index.html", publishers=PUBLISHERS, articles=articles)
