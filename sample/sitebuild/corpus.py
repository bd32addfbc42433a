"""What the sample corpus is made of: its folders, its publishers, the article record, the error.

Every other module of the builder reads these; nothing here reads a file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_DIR = Path(__file__).resolve().parent.parent  # sample/
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

# Publishers are data: name, kind and the pages each one has besides its articles.
PUBLISHERS: dict[str, dict] = {
    "nvidia-newsroom": {"name": "NVIDIA Newsroom", "kind": "company"},
    "ukgov": {"name": "GOV.UK press releases", "kind": "government"},
    "dcledger": {"name": "DataCenter Ledger", "kind": "trade"},
    "meridian": {"name": "The Daily Meridian", "kind": "media"},
}


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
