"""The builder of the offline sample web: ``sample/articles`` + ``sample/templates`` -> ``sample/site``.

Each module does one job, in the order a build runs them:

- ``corpus``: the folders, the publishers, the ``Article`` record and ``BuildError``;
- ``articles``: read and check the article files;
- ``urls``: each publisher's URL scheme and listing pages;
- ``dates`` and ``render``: the Jinja2 filters, environment and page writer;
- ``editions``: the web as it stood at the dates of ``editions.toml``;
- ``keys``: the answer keys ``gold.jsonl`` and ``gold_deals.jsonl``;
- ``assemble``: ``build()``, which runs all of the above.

The command line is ``sample/build.py``; from Python, ``build(out_dir)`` (``sample/README.md``).
The build is deterministic (no clock, no randomness, sorted inputs): running it twice gives the same
bytes. Every URL it writes is absolute and starts with the placeholder ``__BASE__/sites/``.
"""

from .articles import load_articles
from .assemble import build
from .corpus import ATOM_ENTRIES, PAGE_SIZE, PUBLISHERS, SITE_DIR, Article, BuildError
from .urls import assign_urls

__all__ = [
    "ATOM_ENTRIES",
    "PAGE_SIZE",
    "PUBLISHERS",
    "SITE_DIR",
    "Article",
    "BuildError",
    "assign_urls",
    "build",
    "load_articles",
]
