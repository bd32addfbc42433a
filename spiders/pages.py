"""Article pages: main text, title, date, canonical URL and language, from HTML.

trafilatura finds the main text without navigation and boilerplate; the metadata comes from
explicit markup first and falls back step by step. `published_source` records where the date
came from: "meta" (markup: article:published_time, JSON-LD, <time datetime>, ...), "page" (a
visible "Published 16 September 2025"), "feed" (the feed entry), or None.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import trafilatura
from lxml import html as lxml_html

from spiders.encoding import decode_html
from spiders.feeds import FeedEntry, parse_date_text
from spiders.urls import canonicalize_url, is_http_url, resolve_url, url_refusal

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_VISIBLE_DATE = re.compile(
    r"\b(?:published|posted|released|issued)(?:\s+on)?\s*:?\s*"
    r"(?:[A-Za-z]+day,?\s+)?"
    r"(?:(?P<d1>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH.replace("month", "m1") + r",?\s+(?P<y1>\d{4})"
    r"|" + _MONTH.replace("month", "m2") + r"\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{4})"
    r"|(?P<iso>\d{4}-\d{2}-\d{2}))",
    re.IGNORECASE,
)
_META_DATE_KEYS = (
    "article:published_time", "og:article:published_time", "og:published_time", "datepublished",
    "publishdate", "publish_date", "pubdate", "citation_publication_date", "dc.date.issued",
    "dcterms.issued", "dcterms.date", "dcterms.created", "dc.date", "date", "parsely-pub-date",
    "sailthru.date",
)
_FUTURE_TOLERANCE = timedelta(days=1)
# Class names (whole tokens) of blocks that sit inside articles but are not the story: kickers,
# bylines, share bars, sign-up boxes, "About <company>" boilerplate, tip lines, update notes.
BOILERPLATE_CLASSES = (
    "kicker", "eyebrow", "section-tag", "byline", "share", "social", "newsletter", "newsletter-signup",
    "promo", "sponsor", "advert", "ad-slot", "cookie", "cookie-banner", "related", "boilerplate",
    "about-company", "tip", "updated-note", "breadcrumbs",
)
_PRUNE_XPATH = [
    f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]" for name in BOILERPLATE_CLASSES
]


def parse_article(
    html: str | bytes, url: str, feed_entry: FeedEntry | None = None, *, today: date | None = None,
    allowed_domains: tuple[str, ...] | list[str] | None = None, allowed_ports=None,
) -> dict:
    """Extract one article page.

    Returns {"url", "canonical_url", "title", "published", "published_source", "text",
    "language", "alternate_urls", "refused_urls"}; text is "" when no main text was found. Dates
    after `today` (UTC, plus one day of timezone slack) are ignored. Bytes are decoded with
    `spiders.encoding.decode_html` (BOM, valid UTF-8, declaration, detection). `alternate_urls`
    lists the page's other editions it links to (rel="amphtml"), tracking parameters removed.

    A page only names URLs of its own source: with `allowed_domains` (and `allowed_ports`, see
    `spiders.urls.allowed_ports`) a rel=canonical, og:url or rel=amphtml link outside them, or
    one whose host is a trick (user@host, a backslash), is not used; the fetched URL stands,
    and `refused_urls` lists each refused link as {"url", "reason"} for the crawl to record.
    The crawler always passes its source's domains; without them (None) any http(s) link of
    the page is used, as before.
    """
    if isinstance(html, bytes):
        html = decode_html(html).text
    tree = _parse_tree(html)
    limit = (today or datetime.now(UTC).date()) + _FUTURE_TOLERANCE

    text = _main_text(html, url)
    bounds = (allowed_domains, allowed_ports)
    refused: list[dict] = []
    meta = _meta_map(tree)
    document = trafilatura.extract_metadata(html, default_url=url, extensive=False) if tree is not None else None
    title = _title(tree, meta, document) or (feed_entry.title if feed_entry else None)
    published, source = _published(tree, meta, document, feed_entry, limit)
    return {
        "url": url,
        "canonical_url": _canonical(tree, url, bounds, refused),
        "title": title,
        "published": published,
        "published_source": source,
        "text": text,
        "language": _language(tree, meta) or guess_language(text),
        "alternate_urls": _amp_urls(tree, url, bounds, refused),
        "refused_urls": refused,
    }


_HTML_PARSER = lxml_html.HTMLParser(encoding="utf-8")


def _parse_tree(html: str):
    try:
        # An explicit parser encoding: the text is already decoded (spiders.encoding), so a
        # <meta charset> that lies must not make lxml decode the UTF-8 bytes a second time.
        return lxml_html.fromstring(html.encode("utf-8"), parser=_HTML_PARSER) if html.strip() else None
    except (ValueError, lxml_html.etree.ParserError):
        return None


def _main_text(html: str, url: str) -> str:
    text = trafilatura.extract(
        html, url=url, include_comments=False, include_tables=True, favor_precision=True,
        deduplicate=False, prune_xpath=_PRUNE_XPATH,
    )
    if not text:
        text = trafilatura.extract(
            html, url=url, include_comments=False, favor_recall=True, prune_xpath=_PRUNE_XPATH
        ) or ""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _meta_map(tree) -> dict[str, str]:
    """First content of each <meta name|property|itemprop>, keys lowercased."""
    found: dict[str, str] = {}
    if tree is None:
        return found
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop") or element.get("http-equiv")
        content = element.get("content")
        if key and content and content.strip():
            found.setdefault(key.strip().lower(), content.strip())
    return found


def _title(tree, meta: dict[str, str], document) -> str | None:
    candidates = [document.title if document is not None else None, meta.get("og:title"), meta.get("twitter:title")]
    if tree is not None:
        candidates += tree.xpath("//title/text()")
        candidates += [heading.text_content() for heading in tree.xpath("//article//h1 | //main//h1 | //h1")]
    for candidate in candidates:
        if candidate and candidate.strip():
            return " ".join(candidate.split())
    return None


def _published(
    tree, meta: dict[str, str], document, feed_entry: FeedEntry | None, limit: date
) -> tuple[str | None, str | None]:
    def valid(day: str | None) -> str | None:
        return day if day and date.fromisoformat(day) <= limit else None

    markup = [meta.get(key) for key in _META_DATE_KEYS]
    markup.append(_jsonld_value(tree, "datePublished"))
    if tree is not None:
        markup += tree.xpath("//*[@itemprop='datePublished']/@datetime | //*[@itemprop='datePublished']/@content")
        markup += tree.xpath("//article//time/@datetime | //time[@pubdate]/@datetime | //time/@datetime")
    for candidate in markup:
        day = valid(parse_date_text(candidate)) if isinstance(candidate, str) and candidate.strip() else None
        if day:
            return day, "meta"
    if tree is not None:
        body = tree.find("body")
        visible = " ".join(" ".join(_visible_strings(body if body is not None else tree)).split())
        for match in _VISIBLE_DATE.finditer(visible):
            day = valid(_visible_match_date(match))
            if day:
                return day, "page"
    if feed_entry is not None:
        day = valid(feed_entry.published) or valid(feed_entry.updated)
        if day:
            return day, "feed"
    # Last resort: htmldate's reading (via trafilatura), which may come from the text or the URL.
    day = valid(parse_date_text(document.date)) if document is not None and document.date else None
    return (day, "page") if day else (None, None)


def _visible_strings(root):
    """Text nodes outside script/style, so adjacent blocks do not run together."""
    for element in root.iter():
        if element.tag in ("script", "style", "noscript") or not isinstance(element.tag, str):
            if element.tail:
                yield element.tail
            continue
        if element.text:
            yield element.text
        if element.tail:
            yield element.tail


def _visible_match_date(match: re.Match) -> str | None:
    if match.group("iso"):
        return parse_date_text(match.group("iso"))
    day, month, year = (
        (match.group("d1"), match.group("m1"), match.group("y1"))
        if match.group("d1")
        else (match.group("d2"), match.group("m2"), match.group("y2"))
    )
    number = _MONTHS.get(month.lower())
    if number is None:
        return None
    try:
        return date(int(year), number, int(day)).isoformat()
    except ValueError:
        return None


def _jsonld_value(tree, key: str) -> str | None:
    if tree is None:
        return None
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        value = _find_key(data, key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _find_key(data, key: str):
    if isinstance(data, dict):
        if key in data:
            return data[key]
        for value in data.values():
            found = _find_key(value, key)
            if found is not None:
                return found
    elif isinstance(data, list):
        for value in data:
            found = _find_key(value, key)
            if found is not None:
                return found
    return None


def _canonical(tree, url: str, bounds=(None, None), refused: list | None = None) -> str:
    """<link rel="canonical">, else og:url, else the fetched URL, canonicalised.

    A canonical pointing at a site's home page from an article is a common CMS mistake; it is
    ignored, or every article of the site would share one id. A canonical or og:url outside the
    source's bounds (see `parse_article`) is refused and noted in `refused`; the next candidate,
    or the fetched URL, stands.
    """
    own = canonicalize_url(url)
    if tree is None:
        return own
    candidates = [("rel=canonical", href) for href in
                  tree.xpath("//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href")]
    candidates += [("og:url", href) for href in tree.xpath("//meta[@property='og:url']/@content")]
    for label, href in candidates:
        absolute = resolve_url(url, href.strip())
        if not href.strip() or not is_http_url(absolute):
            continue
        canonical = canonicalize_url(absolute)
        if urlsplit(canonical).path == "/" and urlsplit(own).path != "/":
            continue
        if _refused(label, absolute, canonical, bounds, refused, "the fetched URL is kept"):
            continue
        return canonical
    return own


def _refused(label: str, absolute: str, canonical: str, bounds, refused: list | None, outcome: str) -> bool:
    """True (and a note in `refused`) when a URL a page names is outside its source's bounds."""
    domains, ports = bounds
    if domains is None:
        return False
    reason = url_refusal(absolute, domains, ports) or url_refusal(canonical, domains, ports)
    if reason is None:
        return False
    if refused is not None:
        refused.append({"url": absolute[:500], "reason": f"{label} {absolute[:300]} refused: {reason}; {outcome}"})
    return True


def _language(tree, meta: dict[str, str]) -> str | None:
    candidates = []
    if tree is not None:
        candidates += tree.xpath("/html/@lang | /html/@xml:lang")
    candidates += [meta.get("content-language"), meta.get("og:locale"), meta.get("language")]
    for candidate in candidates:
        if candidate and candidate.strip():
            primary = re.split(r"[-_]", candidate.strip())[0].lower()
            if re.fullmatch(r"[a-z]{2,3}", primary):
                return primary
    return None


def _amp_urls(tree, url: str, bounds=(None, None), refused: list | None = None) -> list[str]:
    if tree is None:
        return []
    found = set()
    for href in tree.xpath("//link[contains(concat(' ', normalize-space(@rel), ' '), ' amphtml ')]/@href"):
        absolute = resolve_url(url, href.strip())
        if href.strip() and is_http_url(absolute):
            alternate = canonicalize_url(absolute, editions=False)
            if not _refused("rel=amphtml", absolute, alternate, bounds, refused, "not kept as an edition"):
                found.add(alternate)
    return sorted(found)


# The most frequent short words of the languages the tracker meets most; a page without a lang
# attribute gets the language whose words cover most of its text (None below 10 % or 20 words).
_STOPWORDS = {
    "en": "the of and to in a is that for on with as by are was it from at this be which has have will its an".split(),
    "fr": "le la les de des et un une du en est que pour dans qui sur au par avec pas plus aux ce sont".split(),
    "de": "der die und das ist den von zu mit sich des auf für im dem nicht ein eine als auch es an werden".split(),
    "es": "el la de que y en los del se las por un para con una es al lo como más pero sus".split(),
    "pt": "o a de que e do da em um para com não uma os no se na por mais as dos ao".split(),
    "it": "il di che e la per un in è del della con non una sono alla si gli le da".split(),
    "nl": "de het een en van in is dat op te zijn met voor niet aan er ook als door".split(),
    "nb": "og i det på er som en til av for med at har ikke den de om et fra".split(),
}


def guess_language(text: str) -> str | None:
    """A two-letter language code from common words, for pages that declare none."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    if len(words) < 20:
        return None
    scores = {code: sum(1 for w in words if w in vocab) for code, vocab in _STOPWORD_SETS.items()}
    best = max(scores, key=lambda code: (scores[code], code == "en"))
    return best if scores[best] >= 0.1 * len(words) else None


_STOPWORD_SETS = {code: frozenset(words) for code, words in _STOPWORDS.items()}
