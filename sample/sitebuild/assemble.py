"""Put the pieces together: ``build()`` writes the site, its editions and the two answer keys."""

from __future__ import annotations

import shutil
from pathlib import Path

from .articles import load_articles
from .corpus import ARTICLES_DIR, DEALS_FILE, EDITIONS_FILE, MARKER, PUBLISHERS, SITE_DIR, TEMPLATES_DIR, BuildError
from .editions import edition_name, load_editions, sites_as_of
from .keys import gold_deal_lines, gold_lines, load_deals, write_lines
from .render import Writer, make_env, render_site
from .urls import assign_urls


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
