"""Hostile input: text and URLs from crawled pages must never become markup or script."""

from __future__ import annotations

import re

import pytest

from newsletter_templates.render import render_formats
from tests.newsletter.helpers import HOSTILE_IMG, markdown_urls, parse_html, text_urls

ESCAPED_IMG = "&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture
def docs(hostile_context) -> dict[str, str]:
    return render_formats(hostile_context)


def test_html_has_no_script_no_handlers_no_script_urls(docs):
    html = docs["html"]
    lowered = html.lower()
    assert "<script" not in lowered
    assert "<img" not in lowered
    assert "javascript:" not in lowered
    assert "vbscript:" not in lowered
    assert "data:" not in lowered
    # "onerror" may appear only as escaped text of the hostile title, never as markup.
    assert "onerror" not in lowered.replace(ESCAPED_IMG, "")
    doc = parse_html(html)
    assert "script" not in doc.tags and "img" not in doc.tags
    assert not [a for a in doc.attributes if a[1].startswith("on")]
    assert all(re.match(r"https?://", href) for href in doc.hrefs)
    for _tag, _name, value in doc.attributes:
        assert "<" not in (value or "") and ">" not in (value or "")


def test_html_escapes_the_text(docs):
    html = docs["html"]
    assert "Stargate &lt;script&gt;alert(1)&lt;/script&gt; " + ESCAPED_IMG in html
    assert ESCAPED_IMG + ", Evil" in html  # companies
    assert "Pub &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html  # deal type
    assert "&amp; 'single'" in html
    assert 'id="d-1-script-alert-1-script"' in html  # deal id reduced to a slug


def test_html_escapes_the_derived_sections(docs, hostile_context):
    html = docs["html"]
    lead = html[html.index(">Story of the week<"):html.index(">This week<")]
    assert ">Humain \"quoted\" &amp; 'single' &lt;script&gt;alert(1)&lt;/script&gt;</h2>" in lead
    assert "18,000 " + ESCAPED_IMG + " chips" in lead  # the chip model, in the lead's figures
    watch = html[html.index(">Company watch<"):]
    assert "Nvidia &lt;script&gt;alert(1)&lt;/script&gt;" in watch
    assert ESCAPED_IMG in watch
    changed = html[html.index(">Updated this week<"):]
    assert "Wire " + ESCAPED_IMG in changed and "Office " + ESCAPED_IMG in changed
    # a date that is not a date is shown as escaped text, never as markup
    assert "since &lt;script&gt;alert(1)&lt;/script&gt;" in changed


def test_unsafe_links_are_removed_not_linked(docs):
    html = docs["html"]
    doc = parse_html(html)
    # Every figure and source URL of the hostile context is javascript:, data: or
    # vbscript:, so nothing is linked and each one is reported to the editor: the six figure
    # and source links, the lead's quote, and the updated deal's two compared reports and its
    # last report before the week.
    assert doc.hrefs == []
    assert html.count("link removed: not an http or https address") == 10


def test_plain_text_drops_unsafe_urls(docs):
    text = docs["text"]
    assert "javascript:alert(1)\n" not in text
    assert text_urls(text) == set()
    assert text.count("[link removed: not an http or https address]") == 10
    # Plain text is not markup: the hostile text is shown as is, on one line each.
    assert HOSTILE_IMG in text


def test_markdown_escapes_markup_and_drops_unsafe_urls(docs):
    md = docs["markdown"]
    assert markdown_urls(md) == set()
    assert not re.search(r"(?<!\\)\]\((javascript|data|vbscript)", md, flags=re.I)
    assert not re.search(r"(?<!\\)<", md)  # every "<" is backslash-escaped
    assert r"\<script\>alert(1)\</script\>" in md
    assert r"\<img src=x onerror=alert(1)\>" in md
    assert md.count("(link removed: not an http or https address)") == 10


def test_markdown_link_syntax_in_text_stays_text(example_context):
    example_context["deals"][0]["figures"][0]["sentence"] = "Click [here](javascript:alert(3)) ![x](http://evil.example/t.png)"
    md = render_formats(example_context)["markdown"]
    assert r"Click \[here\](javascript:alert(3)) !\[x\](http://evil.example/t.png)" in md
    assert "http://evil.example/t.png" not in markdown_urls(md)


def test_newlines_in_text_cannot_forge_structure(example_context):
    example_context["deals"][0]["title"] = "Real title\n\n## Fake section\n- fake item\n<http://evil.example/>"
    example_context["deals"][0]["companies"] = ["A\x1b[2J\u202eB"]
    docs = render_formats(example_context)
    assert "\n## Fake section" not in docs["markdown"]
    assert r"Real title \#\# Fake section - fake item \<http://evil.example/\>" in docs["markdown"]
    assert "\nFake section" not in docs["text"]
    assert "<http://evil.example/>" not in docs["text"].splitlines()
    for body in docs.values():
        assert "\x1b" not in body and "\u202e" not in body
