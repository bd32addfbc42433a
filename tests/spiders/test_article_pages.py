from datetime import date

import pytest

from spiders.feeds import FeedEntry
from spiders.pages import parse_article

BODY = "".join(
    f"<p>Paragraph {n}: the government and the company agreed to build a large data center with "
    f"hundreds of megawatts of capacity and thousands of accelerators for national research.</p>"
    for n in range(3)
)
URL = "https://news.example.org/2025/deal.html?utm_source=x"
TODAY = date(2025, 10, 1)


def page(head: str = "", body_extra: str = "", lang: str = "en") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head><body>'
        f'<nav><a href="/">Home</a><a href="/about">About us</a></nav>'
        f"<article><h1>Heading of the story</h1>{body_extra}{BODY}</article>"
        f"<footer>All rights reserved. Example News Ltd.</footer></body></html>"
    )


def test_text_title_canonical_language():
    head = '<title>Doc title | Example</title><link rel="canonical" href="/2025/deal.html">'
    result = parse_article(page(head, lang="en-GB"), URL, today=TODAY)
    assert result["url"] == URL
    assert result["canonical_url"] == "https://news.example.org/2025/deal.html"
    assert "Paragraph 2" in result["text"] and "All rights reserved" not in result["text"]
    assert "About us" not in result["text"]
    assert result["title"]
    assert result["language"] == "en"


def test_no_canonical_link_uses_the_cleaned_url():
    assert parse_article(page(), URL, today=TODAY)["canonical_url"] == "https://news.example.org/2025/deal.html"


def test_og_title_wins_over_title_tag():
    head = '<title>X | Site</title><meta property="og:title" content="The real headline">'
    result = parse_article(page(head), URL, today=TODAY)
    assert result["title"] == "The real headline"


@pytest.mark.parametrize(
    ("head", "extra", "expected"),
    [
        ('<meta property="article:published_time" content="2025-09-16T09:00:00+02:00">', "", ("2025-09-16", "meta")),
        ('<script type="application/ld+json">{"@graph": [{"@type": "NewsArticle", "datePublished": '
         '"2025-08-01T10:00:00Z"}]}</script>', "", ("2025-08-01", "meta")),
        ("", '<time datetime="2025-07-04">4 July</time>', ("2025-07-04", "meta")),
        ("", "<p>Published 16 September 2025</p>", ("2025-09-16", "page")),
        ("", "<p>Posted on March 3, 2025 by staff</p>", ("2025-03-03", "page")),
        ('<meta property="article:published_time" content="2099-01-01">', "<p>Published 2 Jan 2025</p>",
         ("2025-01-02", "page")),
    ],
)
def test_date_sources(head, extra, expected):
    result = parse_article(page(head, extra), URL, today=TODAY)
    assert (result["published"], result["published_source"]) == expected


def test_feed_date_and_title_are_the_last_fallback():
    entry = FeedEntry(link=URL, title="Feed title", published="2025-09-13", updated=None, feed_url="https://x/f")
    html = f"<html><body><div>{BODY}</div></body></html>"
    result = parse_article(html, URL, entry, today=TODAY)
    assert (result["published"], result["published_source"], result["title"]) == ("2025-09-13", "feed", "Feed title")


def test_future_feed_date_is_dropped():
    entry = FeedEntry(link=URL, title=None, published="2030-01-01", updated=None, feed_url="https://x/f")
    result = parse_article(f"<html><body><div>{BODY}</div></body></html>", URL, entry, today=TODAY)
    assert result["published"] is None and result["published_source"] is None


def test_empty_page_gives_empty_text():
    result = parse_article(b"", URL, today=TODAY)
    assert result["text"] == "" and result["title"] is None


def test_canonical_to_home_page_is_ignored():
    result = parse_article(page('<link rel="canonical" href="https://news.example.org/">'), URL, today=TODAY)
    assert result["canonical_url"] == "https://news.example.org/2025/deal.html"


def test_canonical_to_another_publisher_is_kept():
    result = parse_article(page('<link rel="canonical" '
                                'href="https://origin.example.com/story?utm_medium=syndication">'), URL, today=TODAY)
    assert result["canonical_url"] == "https://origin.example.com/story"
