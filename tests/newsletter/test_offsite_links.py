"""No off-site link reaches readers: a hostile page's phishing canonical, end to end.

A hostile publisher's article reports the week's biggest deal and declares a phishing
rel=canonical, og:url and AMP link; a calm publisher reports another deal. The real crawl
(Scrapy on loopback), load (DuckDB), extraction (spaCy), deal building and rendering run; the
three editions and the review page must link each story only to the URL it was fetched from on
its own publisher's host, and the refused canonical must be on record in the warehouse.
"""

from __future__ import annotations

import re

import pytest

from newsletter_templates.render import render_formats
from newsletter_templates.review import render_review
from nlp.extract import extract_records
from spiders.registry import load_sources as read_registry
from spiders.urls import parse_http_url
from tests.newsletter.helpers import markdown_urls, parse_html, text_urls
from tests.spiders.hostile_web import BIG_DEAL, DEAL, FILLER, article, crawl, html, registry, rss, serve_web
from warehouse.db import connect
from warehouse.deals import build_deals
from warehouse.load import documents_to_extract, load_crawl_errors, load_documents, load_extraction_batch, load_sources
from warehouse.report import latest_week, week_context
from warehouse.review import review_context

PHISH = "https://phish.example/stargate?login=1"


def build(web) -> None:
    calm, hostile = web.calm.base, web.hostile.base
    web.calm.pages.update({
        "/a/feed.xml": rss("Calm News", [f"{calm}/a/narvik.html"]),
        "/a/narvik.html": html(article("Norway and Alpha sign Narvik AI data center deal", DEAL + " " + FILLER * 2)),
    })
    web.hostile.pages.update({
        "/b/feed.xml": rss("Hostile Post", [f"{hostile}/b/humain.html"]),
        "/b/humain.html": html(article(
            "Saudi Arabia and Humain plan a $90 billion AI campus", BIG_DEAL + " " + FILLER * 2,
            head=f'<link rel="canonical" href="{PHISH}"><meta property="og:url" content="{PHISH}">'
                 f'<link rel="amphtml" href="https://phish.example/amp">')),
    })


@pytest.fixture(scope="module")
def issue(tmp_path_factory):
    work = tmp_path_factory.mktemp("offsite-links")
    with serve_web(build) as web:
        sources = [
            {"id": "calm-news", "name": "Calm News", "kind": "media", "country": "NO",
             "feeds": [f"{web.calm.base}/a/feed.xml"], "allowed_domains": ["127.0.0.1"]},
            {"id": "hostile-post", "name": "Hostile Post", "kind": "media", "country": "GB",
             "feeds": [f"{web.hostile.base}/b/feed.xml"], "allowed_domains": ["127.0.0.2"]},
        ]
        result = crawl(registry(sources), work)
        hosts = {"calm-news": web.calm.base, "hostile-post": web.hostile.base}
    con = connect(work / "tracker.duckdb")
    try:
        load_sources(con, read_registry(result["sources"]))
        load_documents(con, result["out"] / "documents.jsonl")
        load_crawl_errors(con, result["out"] / "crawl_errors.jsonl")
        load_extraction_batch(con, extract_records(documents_to_extract(con), with_mentions=True),
                              work / "extractions.jsonl")
        build_deals(con)
        week = latest_week(con)
        context = week_context(con, week)
        review = review_context(con, week)
        refused = con.execute("select source_id, url, reason from crawl_errors where stage = 'canonical'").fetchall()
    finally:
        con.close()
    return {"hosts": hosts, "context": context, "editions": render_formats(context),
            "review": render_review(review), "refused": refused}


def test_the_hostile_story_leads_the_issue_with_its_own_url(issue):
    hostile = f"{issue['hosts']['hostile-post']}/b/humain.html"
    lead = issue["context"]["lead"]
    assert lead is not None and "Humain" in lead["title"]
    html_edition = issue["editions"]["html"]
    lead_html = html_edition[html_edition.index(">Story of the week<"):html_edition.index(">This week<")]
    assert f'href="{hostile}"' in lead_html


def test_no_offsite_link_in_any_edition_or_the_review_page(issue):
    allowed = {parse_http_url(base).host for base in issue["hosts"].values()}
    pages = {**issue["editions"], "review": issue["review"]}
    for name, page in pages.items():
        assert "phish.example" not in page, name
    found = {
        "html": set(parse_html(issue["editions"]["html"]).hrefs),
        "text": text_urls(issue["editions"]["text"]),
        "markdown": markdown_urls(issue["editions"]["markdown"]),
        "review": set(parse_html(issue["review"]).hrefs),
    }
    for name, urls in found.items():
        links = {u for u in urls if re.match(r"https?://", u)}
        assert links, name  # each edition links its stories
        assert {parse_http_url(u).host for u in links} <= allowed, (name, links)


def test_the_refused_canonical_is_on_record(issue):
    hostile = f"{issue['hosts']['hostile-post']}/b/humain.html"
    assert sorted(issue["refused"]) == [
        ("hostile-post", hostile, f"og:url {PHISH} refused: host phish.example is outside the source's allowed "
                                  "domains; the fetched URL is kept"),
        ("hostile-post", hostile, "rel=amphtml https://phish.example/amp refused: host phish.example is outside "
                                  "the source's allowed domains; not kept as an edition"),
        ("hostile-post", hostile, f"rel=canonical {PHISH} refused: host phish.example is outside the source's "
                                  "allowed domains; the fetched URL is kept"),
    ]
