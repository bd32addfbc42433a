"""Helpers shared by the newsletter tests (imported as ``tests.newsletter.helpers``,
the name pytest gives this folder's modules)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

#: Expected outputs pinned by the snapshot tests (regenerate with UPDATE_SNAPSHOTS=1).
SNAPSHOTS = Path(__file__).parent / "snapshots"

HOSTILE_TEXT = "<script>alert(1)</script>"
HOSTILE_IMG = "<img src=x onerror=alert(1)>"
HOSTILE_QUOTES = "\"quoted\" & 'single'"


class LinkCollector(HTMLParser):
    """Collects the tags, attributes and hrefs of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str | None]] = []
        self.hrefs: list[str] = []
        self.links: list[tuple[str, str]] = []  # (href, text)
        self._open_href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            self.attributes.append((tag, name, value))
        if tag == "a":
            href = dict(attrs).get("href")
            if href is not None:
                self.hrefs.append(href)
                self._open_href, self._text = href, []

    def handle_data(self, data):
        if self._open_href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._open_href is not None:
            self.links.append((self._open_href, "".join(self._text)))
            self._open_href = None


def parse_html(html: str) -> LinkCollector:
    parser = LinkCollector()
    parser.feed(html)
    parser.close()
    return parser


def context_urls(context: dict) -> set[str]:
    """Every figure and source URL of a context, with the reports an updated deal is compared to."""
    urls = set()
    for deal in context["deals"]:
        urls.update(f["url"] for f in deal["figures"])
        urls.update(s["url"] for s in deal["sources"])
        if deal.get("previous"):
            urls.add(deal["previous"]["url"])
        for change in deal.get("changes") or ():
            urls.update(side["url"] for side in (change["old"], change["new"]) if side)
    return urls


def text_urls(text: str) -> set[str]:
    """URLs of the plain-text edition, written as <http...>."""
    return set(re.findall(r"<(https?://[^>\s]+)>", text))


def markdown_urls(markdown: str) -> set[str]:
    """Targets of the Markdown edition's [text](url) links."""
    return set(re.findall(r"(?<!\\)\]\((https?://[^)\s]+)\)", markdown))
