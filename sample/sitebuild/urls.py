"""Where each page lives: every publisher's own URL scheme, and listing pages split into pages."""

from __future__ import annotations

from .corpus import PAGE_SIZE, SITES, Article


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
