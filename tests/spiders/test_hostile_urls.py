"""URLs are bounded by the source: a hostile publisher next to a calm one, crawled for real.

The hostile publisher (127.0.0.2) declares a phishing canonical, og:url and AMP link, claims the
calm publisher's article (127.0.0.1) as its canonical, links to another port of its own host,
redirects there, and links with user@host, backslash and percent-encoded hosts. A third publisher
sharing the calm one's host claims the calm article too, in a later crawl. The crawl (real Scrapy,
subprocess) and the load (real DuckDB) must keep every URL inside its source, record each refused
attempt with its reason, and leave the calm publisher's article as it was. "Not requested" is read
from the servers' own request logs.
"""

from __future__ import annotations

import pytest

from spiders.registry import load_sources as read_registry
from spiders.urls import UrlRefused, allowed_ports, canonicalize_url, host_allowed, parse_http_url, url_refusal
from tests.spiders.hostile_web import (
    BIG_DEAL,
    DEAL,
    FILLER,
    article,
    crawl,
    html,
    listing,
    redirect,
    registry,
    rss,
    serve_web,
)
from warehouse.db import connect
from warehouse.load import load_crawl_errors, load_documents, load_sources

PHISH = "https://phish.example/login?next=%2Faccount"


def build(web) -> None:
    calm, hostile, other = web.calm.base, web.hostile.base, web.other_port.base
    web.calm.pages.update({
        "/a/feed.xml": rss("Calm News", [f"{calm}/a/deal.html", f"{calm}/a/second.html"]),
        "/a/deal.html": html(article("Norway and Alpha sign Narvik AI data center deal", DEAL + " " + FILLER * 3,
                                     head=f'<link rel="canonical" href="{calm}/a/deal.html">')),
        "/a/second.html": html(article("Alpha hires for Narvik", "Alpha is hiring engineers in Narvik. " + FILLER * 3)),
        # a publisher sharing the calm one's host (a blog platform), crawled later
        "/c/feed.xml": rss("Mirror", [f"{calm}/c/copy.html"]),
        "/c/copy.html": html(article("Narvik deal collapses, says mirror",
                                     "The Narvik deal has collapsed. " + FILLER * 3,
                                     head=f'<link rel="canonical" href="{calm}/a/deal.html">')),
    })
    web.hostile.pages.update({
        "/b/feed.xml": rss("Hostile Post", [f"{hostile}/b/phish.html", f"{hostile}/b/claim.html",
                                            f"{hostile}/b/og.html", f"{hostile}/b/redirect-port.html"]),
        "/b/phish.html": html(article("Saudi Arabia and Humain plan a 5 GW campus", BIG_DEAL + " " + FILLER * 3,
                                      head=f'<link rel="canonical" href="{PHISH}">')),
        "/b/claim.html": html(article("Narvik deal off, Alpha says",
                                      "Alpha has cancelled the Narvik plan. " + FILLER * 3,
                                      head=f'<link rel="canonical" href="{calm}/a/deal.html">')),
        "/b/og.html": html(article("Gulf cloud region opens", "A new cloud region opened in the Gulf. " + FILLER * 3,
                                   head='<meta property="og:url" content="https://phish.example/og">'
                                        '<link rel="amphtml" href="https://phish.example/amp">')),
        "/b/redirect-port.html": redirect(f"{other}/b/landing.html"),
        "/b/news/": listing([
            f"{other}/b/other-port.html",  # another port of the allowed host
            f"{calm}\\@{hostile[len('http://'):]}/b/backslash.html",  # urlsplit: 127.0.0.2, browsers: 127.0.0.1
            f"http://reader:secret@{hostile[len('http://'):]}/b/userinfo.html",
            f"http://127%2E0%2E0%2E2:{web.hostile.server_address[1]}/b/percent.html",
        ]),
    })
    web.other_port.pages.update({
        "/b/other-port.html": html(article("Other port", FILLER * 4)),
        "/b/landing.html": html(article("Landing", FILLER * 4)),
    })


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    work = tmp_path_factory.mktemp("hostile-urls")
    with serve_web(build) as web:
        calm, hostile = web.calm.base, web.hostile.base
        sources = [
            {"id": "calm-news", "name": "Calm News", "kind": "media", "country": "NO",
             "feeds": [f"{calm}/a/feed.xml"], "allowed_domains": ["127.0.0.1"]},
            {"id": "hostile-post", "name": "Hostile Post", "kind": "media", "country": "GB",
             "feeds": [f"{hostile}/b/feed.xml"], "start_urls": [f"{hostile}/b/news/"], "article_pattern": "/b/",
             "allowed_domains": ["127.0.0.2"]},
        ]
        first = crawl(registry(sources), work, "first")
        mirror = [{"id": "calm-mirror", "name": "Calm Mirror", "kind": "media", "country": "NO",
                   "feeds": [f"{calm}/c/feed.xml"], "allowed_domains": ["127.0.0.1"]}]
        con = connect(work / "tracker.duckdb")
        try:
            load_sources(con, read_registry(first["sources"]))
            load_documents(con, first["out"] / "documents.jsonl")
            load_crawl_errors(con, first["out"] / "crawl_errors.jsonl")
            before = con.execute("select doc_id, source_id, url, title, text, content_hash from documents "
                                 "where canonical_url = ?", [f"{calm}/a/deal.html"]).fetchall()
            second = crawl(registry(mirror), work, "second")
            load_sources(con, read_registry(second["sources"]))
            counts = load_documents(con, second["out"] / "documents.jsonl")
            documents = con.execute("select source_id, url, canonical_url, title, text, content_hash, doc_id "
                                    "from documents order by url").fetchall()
            errors = con.execute("select source_id, url, stage, reason from crawl_errors order by all").fetchall()
        finally:
            con.close()
        logs = {"calm": list(web.calm.log), "hostile": list(web.hostile.log), "other_port": list(web.other_port.log)}
    return {"calm": calm, "hostile": hostile, "first": first, "second": second, "before": before,
            "counts": counts, "documents": documents, "errors": errors, "logs": logs}


def doc(result: dict, url: str) -> dict:
    matches = [d for d in result["first"]["documents"] if d["url"] == url]
    assert len(matches) == 1, url
    return matches[0]


def test_a_cross_domain_canonical_is_refused_and_recorded(hostile):
    phish = doc(hostile, f"{hostile['hostile']}/b/phish.html")
    assert phish["canonical_url"] == phish["url"]  # the fetched URL stands
    assert phish["source_id"] == "hostile-post" and "Humain" in phish["text"]  # the article itself is kept
    notes = [e for e in hostile["first"]["errors"] if e["stage"] == "canonical"]
    phish_note = [e for e in notes if e["url"] == phish["url"]]
    assert len(phish_note) == 1 and phish_note[0]["source_id"] == "hostile-post"
    assert phish_note[0]["reason"] == (f"rel=canonical {PHISH} refused: host phish.example is outside the source's "
                                       "allowed domains; the fetched URL is kept")
    og = doc(hostile, f"{hostile['hostile']}/b/og.html")
    assert og["canonical_url"] == og["url"] and og["alternate_urls"] == []
    og_reasons = sorted(e["reason"] for e in notes if e["url"] == og["url"])
    assert [r.split(" ", 1)[0] for r in og_reasons] == ["og:url", "rel=amphtml"]
    assert all("https://phish.example/" in r for r in og_reasons)


def test_no_stored_url_leaves_its_source(hostile):
    for source_id, url, canonical, *_ in hostile["documents"]:
        host = "127.0.0.1" if source_id.startswith("calm") else "127.0.0.2"
        assert parse_http_url(url).host == host and parse_http_url(canonical).host == host, (source_id, canonical)
    assert not [row for row in hostile["documents"] if "phish.example" in row[2]]
    for line in hostile["first"]["documents"]:
        assert not [u for u in line["alternate_urls"] if "phish.example" in u]


def test_another_publishers_article_cannot_be_claimed(hostile):
    calm, hostile_base = hostile["calm"], hostile["hostile"]
    # another domain: the canonical claim is refused in the crawl, the page is stored as itself
    claim = doc(hostile, f"{hostile_base}/b/claim.html")
    assert claim["canonical_url"] == claim["url"]
    assert [e["reason"] for e in hostile["first"]["errors"] if e["url"] == claim["url"]] == [
        f"rel=canonical {calm}/a/deal.html refused: host 127.0.0.1 is outside the source's allowed domains; "
        "the fetched URL is kept"]
    # the same host (a shared platform): the warehouse refuses to hand the article over
    mirror = hostile["second"]["documents"]
    assert [(d["source_id"], d["canonical_url"]) for d in mirror] == [("calm-mirror", f"{calm}/a/deal.html")]
    assert hostile["counts"]["rejected"] == 1
    after = [row for row in hostile["documents"] if row[2] == f"{calm}/a/deal.html"]
    doc_id, source_id, url, title, text, content_hash = hostile["before"][0]
    assert after == [(source_id, url, f"{calm}/a/deal.html", title, text, content_hash, doc_id)]
    assert source_id == "calm-news" and title == "Norway and Alpha sign Narvik AI data center deal"
    assert "Narvik" in text and "collapsed" not in text
    assert ("calm-mirror", f"{calm}/c/copy.html", "load",
            f"claims the canonical URL {calm}/a/deal.html of a document of source calm-news: "
            "not applied, the stored article is kept") in hostile["errors"]


def test_other_ports_and_trick_urls_are_never_requested(hostile):
    logs = hostile["logs"]
    assert logs["other_port"] == []  # neither the link nor the redirect reached the other port
    assert not [p for p in logs["calm"] if "backslash" in p or "@" in p]
    assert not [p for p in logs["hostile"] if "userinfo" in p or "percent" in p or "other-port" in p]
    assert "/b/news/" in logs["hostile"] and "/b/redirect-port.html" in logs["hostile"]
    port = hostile["first"]["errors"]
    redirect_error = [e for e in port if e["url"].endswith("/b/redirect-port.html")]
    other_port = int(hostile_other_port(hostile))
    assert [(e["stage"], e["reason"], e["retryable"]) for e in redirect_error] == [(
        "article", f"refused: redirect to http://127.0.0.2:{other_port}/b/landing.html: port {other_port} of "
        "127.0.0.2 is not a port the source uses", False)]


def hostile_other_port(result: dict) -> str:
    reason = next(e["reason"] for e in result["first"]["errors"] if e["url"].endswith("/b/redirect-port.html"))
    return reason.split("http://127.0.0.2:", 1)[1].split("/", 1)[0]


def test_the_calm_publisher_is_untouched(hostile):
    calm = [d for d in hostile["first"]["documents"] if d["source_id"] == "calm-news"]
    assert sorted(d["title"] for d in calm) == ["Alpha hires for Narvik", "Norway and Alpha sign Narvik AI data "
                                                                          "center deal"]
    assert not [e for e in hostile["first"]["errors"] if e["source_id"] == "calm-news"]


# -- the URL checks themselves ------------------------------------------------------------------

DOMAINS = ("allowed.example",)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://allowed.example\\@evil.example/", "ambiguous URL: browsers and the downloader read different hosts"),
        ("http://evil.example\\@allowed.example/", "ambiguous URL: browsers and the downloader read different hosts"),
        ("http://allowed.example\\x/", "ambiguous URL: browsers and the downloader read different hosts"),
        ("http://user:pw@allowed.example/x", "the URL carries a user name or password (user@host)"),
        ("http://evil.example@allowed.example/x", "the URL carries a user name or password (user@host)"),
        ("http://allowed%2Eexample/x", "percent-encoded host 'allowed%2Eexample'"),
        ("http://evil.example%2F.allowed.example/", "percent-encoded host 'evil.example%2F.allowed.example'"),
        ("https://allowed.example:8443/x", "port 8443 of allowed.example is not a port the source uses"),
        ("http://allowed.example:443/x", "port 443 of allowed.example is not a port the source uses"),
        ("https://allowedexample.com/", "host allowedexample.com is outside the source's allowed domains"),
        ("http://allowed.example.evil.example/", "host allowed.example.evil.example is outside the source's allowed "
                                                 "domains"),
        ("http://allowed.example../x", "invalid host 'allowed.example..'"),
        ("javascript:alert(1)//allowed.example", "not an http(s) URL (javascript scheme)"),
        ("http:\\\\evil.example\\x", "ambiguous URL: browsers and the downloader read different hosts"),
    ],
)
def test_trick_urls_are_refused(url, reason):
    assert url_refusal(url, DOMAINS, ()) == reason
    assert not host_allowed(url, DOMAINS, ())
    assert not host_allowed(canonicalize_url(url), DOMAINS, ())  # a canonical spelling does not launder it


@pytest.mark.parametrize(
    "url",
    [
        "HTTPS://News.ALLOWED.example./a?utm_source=x",  # mixed case, trailing dot
        "https://allowed.example:443/a",  # the scheme's default port, written out
        "http://allowed.example/a\\b.html",  # a backslash in the path is a slash, as in browsers
        "https://ａｌｌｏｗｅｄ.example/a",  # fullwidth letters are the same host for browsers (IDNA)
        " http://allowed.example/a\t",
    ],
)
def test_clean_spellings_are_accepted(url):
    assert url_refusal(url, DOMAINS, ()) is None
    assert parse_http_url(canonicalize_url(url)).host.endswith("allowed.example")


def test_ports_come_from_the_sources_own_urls():
    ports = allowed_ports(["http://127.0.0.1:8123/feed.xml", "https://allowed.example/news/"])
    assert ports == {8123, 443}
    assert host_allowed("http://127.0.0.1:8123/a.html", ("127.0.0.1",), ports)
    assert not host_allowed("http://127.0.0.1:8124/a.html", ("127.0.0.1",), ports)
    assert host_allowed("http://127.0.0.1/a.html", ("127.0.0.1",), ports)  # port 80 is http's default


def test_addresses_match_only_themselves():
    assert not host_allowed("http://1.127.0.0.1/", ("127.0.0.1",))
    assert host_allowed("http://2130706433/", ("127.0.0.1",))  # the same address, as browsers read it
    assert canonicalize_url("http://2130706433:8000/x") == "http://127.0.0.1:8000/x"
    with pytest.raises(UrlRefused, match="invalid IPv4 host"):
        parse_http_url("http://256.1.1.1/")
