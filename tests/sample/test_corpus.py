"""The bundled sample web (sample/): reproducible, complete, crawlable, and with a valid gold file.

These tests read the committed files under sample/ and rebuild them into a temporary directory;
they start no server (the crawler's own tests do that).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pycountry
import pytest

import sample.sitebuild as builder  # the builder behind sample/build.py

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample"
SITE = SAMPLE / "site"
GOLD = SAMPLE / "gold.jsonl"
GOLD_DEALS = SAMPLE / "gold_deals.jsonl"
EDITIONS = SAMPLE / "editions"
SOURCES = SAMPLE / "sources.toml"
BASE = "__BASE__"
SITES = f"{BASE}/sites/"
FOOTER_NOTE = (
    "Sample page written for the AI Infrastructure Deals Tracker test corpus; "
    "not an official publication."
)


@pytest.fixture(scope="module")
def articles():
    found = builder.load_articles()
    builder.assign_urls(found)
    return found


@pytest.fixture(scope="module")
def gold():
    return [json.loads(line) for line in GOLD.read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def sources():
    return {s["id"]: s for s in tomllib.loads(SOURCES.read_text("utf-8"))["source"]}


class Page(HTMLParser):
    """Collects the links, <link> tags, <meta> tags, <time> and JSON-LD of one HTML page."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []  # every href/src/action
        self.anchors: list[dict] = []
        self.links: list[dict] = []
        self.metas: list[dict] = []
        self.times: list[str] = []
        self.jsonld: list[dict] = []
        self._in_jsonld = False
        self._buffer: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("href", "src", "action"):
            if a.get(key):
                self.hrefs.append(a[key])
        if tag == "a":
            self.anchors.append(a)
        elif tag == "link":
            self.links.append(a)
        elif tag == "meta":
            self.metas.append(a)
        elif tag == "time" and "datetime" in a:
            self.times.append(a["datetime"])
        elif tag == "script" and a.get("type") == "application/ld+json":
            self._in_jsonld, self._buffer = True, []

    def handle_data(self, data):
        if self._in_jsonld:
            self._buffer.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._in_jsonld:
            self.jsonld.append(json.loads("".join(self._buffer)))
            self._in_jsonld = False

    def meta(self, **match) -> list[str]:
        (key, value), = match.items()
        return [m.get("content") for m in self.metas if m.get(key.replace("_", ":")) == value]

    def link_rel(self, rel: str) -> list[str]:
        return [link["href"] for link in self.links if rel in (link.get("rel") or "").split()]


def url_to_file(url: str, site: Path = SITE) -> Path:
    assert url.startswith(SITES), url
    rel = re.split(r"[?#]", url[len(SITES) :], maxsplit=1)[0]
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return site / rel


def read_page(path: Path) -> Page:
    return Page(path.read_text("utf-8"))


def iso_week(day: str) -> str:
    year, week, _ = dt.date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


# --------------------------------------------------------------------------------------------
# Reproducible
# --------------------------------------------------------------------------------------------


def test_committed_site_equals_a_fresh_build(tmp_path):
    stats = builder.build(tmp_path / "site")
    fresh = {p.relative_to(tmp_path / "site"): p for p in (tmp_path / "site").rglob("*") if p.is_file()}
    committed = {p.relative_to(SITE): p for p in SITE.rglob("*") if p.is_file()}
    assert sorted(map(str, committed)) == sorted(map(str, fresh)), (
        "sample/site is stale: run .venv/bin/python sample/build.py"
    )
    stale = [str(rel) for rel, p in fresh.items() if p.read_bytes() != committed[rel].read_bytes()]
    assert not stale, f"stale files (rebuild with sample/build.py): {stale[:10]}"
    assert (tmp_path / "gold.jsonl").read_bytes() == GOLD.read_bytes()
    assert (tmp_path / "gold_deals.jsonl").read_bytes() == GOLD_DEALS.read_bytes()
    fresh = {p.relative_to(tmp_path / "editions"): p for p in (tmp_path / "editions").rglob("*") if p.is_file()}
    committed = {p.relative_to(EDITIONS): p for p in EDITIONS.rglob("*") if p.is_file()}
    assert sorted(map(str, committed)) == sorted(map(str, fresh)), "sample/editions is stale: rebuild"
    assert all(p.read_bytes() == committed[rel].read_bytes() for rel, p in fresh.items())
    assert stats["articles"] >= 40
    assert stats["editions"] == [p.name for p in sorted(EDITIONS.iterdir()) if p.is_dir()]


def test_build_twice_gives_identical_bytes(tmp_path):
    builder.build(tmp_path / "a" / "site")
    builder.build(tmp_path / "b" / "site")
    a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()}
    b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*") if p.is_file()}
    assert a == b


def test_bad_front_matter_names_the_file(tmp_path):
    pub = tmp_path / "articles" / "ukgov"
    pub.mkdir(parents=True)
    bad = pub / "broken-article.md"
    bad.write_text('+++\nslug = "broken-article"\ntitle = "x\n+++\nBody.\n', "utf-8")
    with pytest.raises(builder.BuildError, match="broken-article.md"):
        builder.build(tmp_path / "site", articles_dir=tmp_path / "articles")
    bad.write_text(
        '+++\nslug = "broken-article"\ntitle = "T"\npublished = 2025-01-01T00:00:00Z\n'
        'author = "A"\nsummary = "S"\n[gold]\ncountries = ["UK"]\ncompanies = []\n'
        "commitments = []\n+++\nBody.\n",
        "utf-8",
    )
    with pytest.raises(builder.BuildError, match=r"broken-article.md.*'UK'"):
        builder.build(tmp_path / "site", articles_dir=tmp_path / "articles")


def test_build_refuses_to_wipe_a_foreign_directory(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(builder.BuildError, match="refusing"):
        builder.build(tmp_path)
    assert (tmp_path / "precious.txt").exists()


# --------------------------------------------------------------------------------------------
# Size and coverage
# --------------------------------------------------------------------------------------------


def test_corpus_size_and_weeks(articles, gold):
    per_publisher = defaultdict(int)
    for a in articles:
        per_publisher[a.publisher] += 1
    assert len(articles) >= 40
    assert len(per_publisher) >= 4, dict(per_publisher)
    weeks = {iso_week(a.published.date().isoformat()) for a in articles}
    assert len(weeks) >= 6
    weeks_with_figures = {iso_week(g["published"]) for g in gold if g["commitments"]}
    assert weeks <= weeks_with_figures, f"weeks without any deal figure: {sorted(weeks - weeks_with_figures)}"


def test_article_length(articles):
    for a in articles:
        assert 180 <= a.words <= 450, f"{a.source}: {a.words} words"


def test_every_publisher_has_its_own_templates():
    for pub in builder.PUBLISHERS:
        for name in ("base.html", "article.html", "home.html", "about.html", "contact.html"):
            assert (SAMPLE / "templates" / pub / name).is_file(), (pub, name)


# --------------------------------------------------------------------------------------------
# Gold file
# --------------------------------------------------------------------------------------------

SHAPES = {"money": {"kind", "value", "currency"}, "power": {"kind", "mw"}, "chips": {"kind", "count"}}


def test_gold_lines_are_valid(gold, articles):
    originals = {a.id: a for a in articles if not a.syndicated_from}
    assert [g["id"] for g in gold] == [a.id for a in sorted(originals.values(), key=lambda a: (a.published, a.id))]
    keys = ["id", "title", "text", "published", "countries", "companies", "commitments"]
    for g in gold:
        assert list(g) == keys, g["id"]
        assert g["title"] and g["text"] and "## " not in g["text"]
        dt.date.fromisoformat(g["published"])
        assert g["countries"] == sorted(set(g["countries"])), g["id"]
        assert g["companies"] == sorted(set(g["companies"])), g["id"]
        for code in g["countries"]:
            assert pycountry.countries.get(alpha_2=code) is not None, (g["id"], code)
        for c in g["commitments"]:
            assert set(c) == SHAPES[c["kind"]], (g["id"], c)
            if c["kind"] == "money":
                assert pycountry.currencies.get(alpha_3=c["currency"]) is not None, (g["id"], c)
                assert c["value"] > 0
            elif c["kind"] == "power":
                assert c["mw"] > 0
            else:
                assert isinstance(c["count"], int) and c["count"] > 0
        assert len({json.dumps(c, sort_keys=True) for c in g["commitments"]}) == len(g["commitments"])


def test_gold_text_matches_the_article_page(gold, articles):
    by_id = {a.id: a for a in articles}
    for g in gold:
        html = url_to_file(by_id[g["id"]].url).read_text("utf-8")
        for paragraph in g["text"].split("\n\n"):
            escaped = paragraph.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            escaped = escaped.replace('"', "&#34;").replace("'", "&#39;")
            assert escaped in html, (g["id"], paragraph[:60])


# --------------------------------------------------------------------------------------------
# Feeds and listings
# --------------------------------------------------------------------------------------------


def feed_files(sources):
    for source in sources.values():
        for url in source["feeds"]:
            yield source["id"], url_to_file(url)


def test_every_feed_parses_and_its_links_resolve(sources, articles):
    urls = {a.url for a in articles}
    seen_feeds = 0
    for _, path in feed_files(sources):
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.entries, path
        for entry in parsed.entries:
            assert entry.link.startswith(SITES), entry.link
            assert url_to_file(entry.link).is_file(), entry.link
            assert entry.link.split("?")[0] in urls
            assert entry.get("published_parsed"), (path, entry.link)
        seen_feeds += 1
    assert seen_feeds == 3


def test_feed_specifics(articles):
    meridian = feedparser.parse((SITE / "meridian/rss/technology.xml").read_bytes())
    assert meridian.version == "rss20"
    assert all(e.link.endswith("?utm_source=rss&utm_medium=feed") for e in meridian.entries)
    nvidia = feedparser.parse((SITE / "nvidia-newsroom/feed.xml").read_bytes())
    assert nvidia.version == "rss20"
    assert len(nvidia.entries) == sum(a.publisher == "nvidia-newsroom" for a in articles)
    atom = feedparser.parse((SITE / "dcledger/atom.xml").read_bytes())
    assert atom.version == "atom10"
    dcledger = sorted((a for a in articles if a.publisher == "dcledger"), key=lambda a: (a.published, a.id))
    newest = list(reversed(dcledger))[: builder.ATOM_ENTRIES]
    assert [e.link for e in atom.entries] == [a.url for a in newest]
    for entry, a in zip(atom.entries, newest, strict=True):
        if a.updated:
            assert entry.updated_parsed > entry.published_parsed, a.id
        else:
            assert entry.updated_parsed == entry.published_parsed, a.id


def test_atom_feed_shows_an_updated_entry():
    atom = feedparser.parse((SITE / "dcledger/atom.xml").read_bytes())
    assert any(e.updated_parsed > e.published_parsed for e in atom.entries), (
        "one of dcledger's 8 newest stories needs an `updated` date, so that the Atom feed "
        "shows an entry whose <updated> is later than its <published>"
    )


def walk_listing(start: str) -> tuple[list[str], list[str]]:
    """Follow rel=next from a listing page; return the pages visited and every href on them."""
    pages, hrefs, url = [], [], start
    while url:
        assert url not in pages, f"pagination loops at {url}"
        pages.append(url)
        page = read_page(url_to_file(url))
        hrefs += page.hrefs
        nexts = [a["href"] for a in page.anchors if "next" in (a.get("rel") or "").split()]
        assert nexts == page.link_rel("next"), url  # <a rel=next> and <link rel=next> agree
        url = nexts[0] if nexts else None
    return pages, hrefs


@pytest.mark.parametrize("publisher,start", [
    ("ukgov", "__BASE__/sites/ukgov/news/index.html"),
    ("dcledger", "__BASE__/sites/dcledger/archive/index.html"),
])
def test_pagination_reaches_every_article(publisher, start, articles, sources):
    pattern = re.compile(sources[publisher]["article_pattern"])
    pages, hrefs = walk_listing(start)
    expected = {a.url for a in articles if a.publisher == publisher}
    found = {h for h in hrefs if pattern.search(h)}
    assert found == expected
    assert len(pages) == -(-len(expected) // builder.PAGE_SIZE)


def test_sources_registry(sources):
    assert set(sources) == {"nvidia-newsroom", "ukgov", "dcledger", "meridian"}
    kinds = {s: sources[s]["kind"] for s in sources}
    assert kinds == {"nvidia-newsroom": "company", "ukgov": "government", "dcledger": "trade", "meridian": "media"}
    for s in sources.values():
        assert set(s) == {"id", "name", "kind", "country", "feeds", "start_urls", "article_pattern", "allowed_domains"}
        assert s["allowed_domains"] == ["127.0.0.1"]
        for url in s["feeds"] + s["start_urls"]:
            assert url_to_file(url).is_file(), url
    assert sources["ukgov"]["feeds"] == [] and sources["ukgov"]["start_urls"]
    assert sources["dcledger"]["feeds"] and sources["dcledger"]["start_urls"]


def test_article_patterns_match_articles_only(sources, articles):
    patterns = {sid: re.compile(s["article_pattern"]) for sid, s in sources.items()}
    article_urls = {a.url for a in articles}
    for a in articles:
        assert [sid for sid, p in patterns.items() if p.search(a.url)] == [a.publisher], a.url
    assert patterns["meridian"].search(
        next(a.url for a in articles if a.publisher == "meridian") + "?utm_source=rss&utm_medium=feed"
    )
    for path in SITE.rglob("*"):
        if not path.is_file() or path.name.startswith("."):
            continue
        rel = path.relative_to(SITE).as_posix()
        url = SITES + (rel[: -len("index.html")] if rel.endswith("/index.html") else rel)
        if url in article_urls:
            continue
        for sid, p in patterns.items():
            assert not p.search(url) and not p.search(SITES + rel), f"{sid} pattern matches non-article {url}"


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------


def html_files():
    return sorted(p for p in SITE.rglob("*.html"))


def test_every_internal_url_is_absolute_and_resolves():
    for path in html_files():
        page = read_page(path)
        text = path.read_text("utf-8")
        assert FOOTER_NOTE in text, path
        for href in page.hrefs:
            if href.startswith("#"):  # same-page anchor (skip link, update history)
                continue
            assert href.startswith(SITES), f"{path}: relative or foreign URL {href}"
            assert url_to_file(href).is_file(), f"{path}: broken link {href}"
    for path in SITE.rglob("*.xml"):
        for url in re.findall(r"__BASE__[^\s<\"']*", path.read_text("utf-8")):
            assert url.startswith(SITES), (path, url)


def test_each_publisher_links_to_nav_pages_that_are_not_articles(sources):
    for pub in builder.PUBLISHERS:
        home = read_page(url_to_file(f"{SITES}{pub}/"))
        pattern = re.compile(sources[pub]["article_pattern"])
        nav = [h for h in home.hrefs if "/about" in h or "/contact" in h]
        assert len(set(nav)) >= 2, pub
        assert not any(pattern.search(h) for h in nav)


def test_article_pages_carry_canonical_and_publisher_metadata(articles):
    by_id = {a.id: a for a in articles}
    for a in articles:
        page = read_page(url_to_file(a.url))
        text = url_to_file(a.url).read_text("utf-8")
        canonical = page.link_rel("canonical")
        expected = by_id[a.syndicated_from].url if a.syndicated_from else a.url
        assert canonical == [expected], a.id
        assert "?" not in canonical[0]
        published = a.published.strftime("%Y-%m-%dT%H:%M:%SZ")
        if a.publisher == "nvidia-newsroom":
            assert page.meta(property="article:published_time") == [published]
            assert page.meta(property="og:title") == [a.title]
        elif a.publisher == "ukgov":
            assert page.meta(name="dcterms.date") == [a.published.date().isoformat()]
            assert f"Published {a.published.day} {a.published:%B %Y}" in text
        elif a.publisher == "dcledger":
            (ld,) = page.jsonld
            assert ld["@type"] == "NewsArticle"
            assert ld["datePublished"] == published
            assert ld["dateModified"] == (a.updated or a.published).strftime("%Y-%m-%dT%H:%M:%SZ")
            assert ("Updated" in text) == bool(a.updated), a.id
        else:
            assert page.times and page.times[0] == published


def test_meridian_pages_have_heavy_boilerplate(articles):
    a = next(a for a in articles if a.publisher == "meridian")
    text = url_to_file(a.url).read_text("utf-8")
    for marker in ("cookie-banner", "Most read", "newsletter-box", "Share"):
        assert marker in text


# --------------------------------------------------------------------------------------------
# The deal answer key and the editions
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gold_deals():
    return [json.loads(line) for line in GOLD_DEALS.read_text("utf-8").splitlines()]


def test_every_figure_of_an_original_names_its_deal(articles, gold_deals):
    keys = {d["key"] for d in gold_deals}
    for a in articles:
        if a.syndicated_from:
            continue
        for c in a.gold["commitments"] + [c for r in a.revisions for c in r.commitments]:
            assert c.get("deal") in keys, (a.id, c)


def test_gold_deals_list_the_documents_that_report_them(gold_deals, gold):
    ids = {g["id"] for g in gold}
    for deal in gold_deals:
        assert deal["reports"], deal["key"]
        assert set(deal["documents"]) | set(deal["context_documents"]) <= ids, deal["key"]
        assert not set(deal["documents"]) & set(deal["context_documents"]), deal["key"]
        for report in deal["reports"]:
            assert report["figures"], (deal["key"], report["doc"])
        if deal["national"]:
            assert deal["countries"], deal["key"]
    # the same story on two outlets, a syndicated copy, and an update that changes a figure
    assert any(len({d.split("/")[0] for d in deal["documents"]}) >= 3 for deal in gold_deals)
    assert any(deal["copies"] for deal in gold_deals)
    assert any(r["version"] != "current" for deal in gold_deals for r in deal["reports"])


def test_a_deal_build_error_names_the_file(tmp_path):
    pub = tmp_path / "articles" / "ukgov"
    pub.mkdir(parents=True)
    (pub / "lonely-figure.md").write_text(
        '+++\nslug = "lonely-figure"\ntitle = "T"\npublished = 2025-01-01T00:00:00Z\n'
        'author = "A"\nsummary = "S"\n[gold]\ncountries = ["GB"]\ncompanies = []\n'
        'commitments = [{ kind = "power", mw = 100 }]\n+++\nBody.\n',
        "utf-8",
    )
    with pytest.raises(builder.BuildError, match=r"lonely-figure.md.*needs deal"):
        builder.build(tmp_path / "site", articles_dir=tmp_path / "articles")


def test_editions_show_the_web_as_it_stood(articles):
    editions = sorted(p for p in EDITIONS.iterdir() if p.is_dir())
    assert editions
    updated = [a for a in articles if a.revisions]
    assert updated
    for edition in editions:
        at = dt.datetime.fromisoformat(edition.name).replace(tzinfo=dt.UTC)
        for a in articles:
            page = url_to_file(a.url, edition)
            assert page.is_file() == (a.published.date() <= at.date()), (edition.name, a.id)
        for a in updated:
            if a.published.date() > at.date():
                continue
            html = url_to_file(a.url, edition).read_text("utf-8")
            current = a.updated.date() <= at.date()
            body = a.blocks if current else a.revisions[0].blocks
            first = body[0][1].replace("'", "&#39;")
            assert first in html, (edition.name, a.id)
            assert ("updated-note" in html) == current or a.publisher != "dcledger"
