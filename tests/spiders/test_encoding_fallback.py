"""Declared UTF-8 that is not UTF-8: read the way browsers read Western pages (windows-1252).

A real crawl (Scrapy, loopback) of pages served with `charset=utf-8` whose bytes are
windows-1252 must store "Zürich" and "Société Générale", not "Z³rich" or "Sociķtķ Gķnķrale";
a UTF-8 page with one stray windows-1252 byte keeps its good characters; pages that declare
nothing still go to charset-normalizer's detection.
"""

from __future__ import annotations

import pytest

from spiders.encoding import decode_html, western_fallback
from tests.spiders.hostile_web import FILLER, crawl, registry, serve_web

TITLE = "Société Générale backs a Zürich AI data centre"
TEXT = ("Société Générale will lend €2 billion for a 300 MW AI data centre near Zürich, the bank’s "
        "spokeswoman said on Tuesday. Crédit Agricole and the canton’s pension fund join the deal. ")
META_TITLE = "Générale Électricité picks Zürich"
META_TEXT = ("Générale Électricité will build a 120 MW plant to power the Zürich campus; the régie’s board "
             "approved the contract. Construction starts in spring, with turbines from Sulzer and cables from "
             "Nexans, and the first power is due next year for the computing halls. ")
STRAY = "Zürich’s new campus opens in 2026"  # UTF-8 everywhere but the apostrophe (windows-1252 0x92)


def page(title: str, text: str, charset_meta: str = "") -> str:
    paragraphs = "".join(f"<p>{part.strip()}.</p>" for part in text.split(". ") if part.strip())
    return (f'<!DOCTYPE html><html lang="fr"><head>{charset_meta}<title>{title}</title>'
            f'<meta property="article:published_time" content="2025-09-16T08:00:00Z"></head>'
            f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>")


def stray_page() -> bytes:
    before, after = STRAY.split("’")
    body = page(STRAY, "Zürich welcomes the campus. " + FILLER * 3)
    head, tail = body.split(STRAY, 1)  # the title: one stray byte there, the rest valid UTF-8
    return head.encode("utf-8") + before.encode("utf-8") + b"\x92" + after.encode("utf-8") + tail.encode("utf-8")


def build(web) -> None:
    html = "text/html; charset=utf-8"
    web.calm.pages.update({
        "/w/feed.xml": (200, {"Content-Type": "application/rss+xml; charset=utf-8"}, (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Zeitung</title>'
            f"<item><title>one</title><link>{web.calm.base}/w/cp1252.html</link></item>"
            f"<item><title>two</title><link>{web.calm.base}/w/meta-only.html</link></item>"
            f"<item><title>three</title><link>{web.calm.base}/w/stray.html</link></item>"
            "</channel></rss>").encode()),
        # the HTTP header says UTF-8, the bytes are windows-1252
        "/w/cp1252.html": (200, {"Content-Type": html}, page(TITLE, TEXT + FILLER * 3).encode("cp1252")),
        # no charset in the header, <meta charset="utf-8"> in the page, windows-1252 bytes
        "/w/meta-only.html": (200, {"Content-Type": "text/html"},
                              page(META_TITLE, META_TEXT, '<meta charset="utf-8">').encode("cp1252")),
        "/w/stray.html": (200, {"Content-Type": html}, stray_page()),
    })


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    work = tmp_path_factory.mktemp("encoding-fallback")
    with serve_web(build) as web:
        sources = [{"id": "zurich-zeitung", "name": "Zürich Zeitung", "kind": "media", "country": "CH",
                    "feeds": [f"{web.calm.base}/w/feed.xml"], "allowed_domains": ["127.0.0.1"]}]
        result = crawl(registry(sources), work)
    return {d["url"].rsplit("/", 1)[1]: d for d in result["documents"]}, result["errors"]


def test_a_windows_1252_page_declared_utf8_is_stored_right(stored):
    documents, errors = stored
    doc = documents["cp1252.html"]
    assert doc["title"] == TITLE
    assert "Société Générale will lend €2 billion" in doc["text"] and "near Zürich, the bank’s" in doc["text"]
    assert "Crédit Agricole and the canton’s pension fund" in doc["text"]
    for garbled in ("Z³rich", "Sociķtķ", "Ã", "\ufffd"):
        assert garbled not in doc["title"] + doc["text"]
    assert not errors


def test_a_meta_declaration_gets_the_same_fallback(stored):
    doc = stored[0]["meta-only.html"]
    assert doc["title"] == META_TITLE
    assert "power the Zürich campus; the régie’s board" in doc["text"]


def test_one_stray_byte_does_not_garble_a_utf8_page(stored):
    doc = stored[0]["stray.html"]
    assert doc["title"] == STRAY  # the stray byte read as windows-1252: ’
    assert "Zürich welcomes the campus" in doc["text"]  # the good UTF-8 untouched (not "ZÃ¼rich")


# -- decode_html alone -------------------------------------------------------------------------

def test_declared_utf8_falls_back_before_detection():
    body = page(TITLE, TEXT).encode("cp1252")
    decoded = decode_html(body, "text/html; charset=utf-8")
    assert (decoded.encoding, decoded.declared, decoded.problem) == ("utf-8+cp1252", "utf-8", None)
    assert TITLE in decoded.text and "€2 billion" in decoded.text


def test_undeclared_pages_still_go_to_detection():
    body = page(TITLE, TEXT).encode("cp1252")
    decoded = decode_html(body, "text/html")
    assert decoded.encoding not in ("utf-8", "utf-8+cp1252") and decoded.problem is None


def test_a_non_western_page_declared_utf8_is_left_to_detection():
    russian = "Президент России заявил, что новый центр обработки данных откроется в Москве. " * 10
    body = page("Центр обработки данных", russian).encode("cp1251")
    assert western_fallback(body) is None  # runs of "accented letters": not Western text
    decoded = decode_html(body, "text/html; charset=utf-8")
    assert decoded.encoding == "cp1251" and "Президент России" in decoded.text


def test_binary_declared_utf8_is_still_undecodable():
    assert western_fallback(bytes(range(128, 256)) * 20) is None  # bytes windows-1252 leaves undefined
    assert decode_html(bytes(range(128, 256)) * 20, "text/html; charset=utf-8").problem.startswith("undecodable bytes")


def test_valid_utf8_is_never_reinterpreted():
    body = page(TITLE, TEXT).encode("utf-8")
    assert decode_html(body, "text/html; charset=windows-1252").text == page(TITLE, TEXT)
    assert western_fallback(body) == page(TITLE, TEXT)
