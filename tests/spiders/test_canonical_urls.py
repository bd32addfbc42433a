import pytest

from spiders.urls import canonicalize_url, host_allowed, is_tracking_param


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a?utm_source=rss&utm_medium=feed", "https://example.com/a"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("HTTPS://Example.COM:443/Path#section", "https://example.com/Path"),
        ("http://example.com:80", "http://example.com/"),
        ("http://127.0.0.1:8123/sites/x.html?fbclid=abc&gclid=d", "http://127.0.0.1:8123/sites/x.html"),
        ("https://example.com/a?id=7&mc_cid=1&mc_eid=2&_hsenc=x", "https://example.com/a?id=7"),
        ("https://example.com/a%20b", "https://example.com/a%20b"),
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/news//post", "https://example.com/news/post"),
    ],
)
def test_canonicalize_url(url, expected):
    assert canonicalize_url(url) == expected


def test_canonicalize_is_idempotent():
    url = "HTTP://Example.com:80/x/?utm_campaign=a&q=b&a=c#frag"
    assert canonicalize_url(canonicalize_url(url)) == canonicalize_url(url)


def test_tracking_params():
    assert is_tracking_param("UTM_Source") and is_tracking_param("fbclid") and is_tracking_param("mc_eid")
    assert not is_tracking_param("id") and not is_tracking_param("page")


def test_host_allowed_includes_subdomains_only():
    assert host_allowed("https://news.example.com/x", ("example.com",))
    assert host_allowed("http://127.0.0.1:9000/x", ("127.0.0.1",))
    assert not host_allowed("https://badexample.com/x", ("example.com",))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://m.example.com/news/a?utm_source=x", "https://example.com/news/a"),
        ("https://mobile.example.com/news/a", "https://example.com/news/a"),
        ("https://amp.example.com/news/a", "https://example.com/news/a"),
        ("https://example.com/amp/news/a/", "https://example.com/news/a/"),
        ("https://example.com/news/a/amp/", "https://example.com/news/a/"),
        ("https://example.com/news/a.amp.html", "https://example.com/news/a.html"),
        ("https://example.com/a?amp=1&id=3", "https://example.com/a?id=3"),
        ("https://example.com/a?outputType=amp", "https://example.com/a"),
        ("https://example.com/amplifier/x", "https://example.com/amplifier/x"),  # not an AMP marker
        ("https://m.co/x", "https://m.co/x"),  # a two-label host is a site of its own
    ],
)
def test_amp_and_mobile_editions(url, expected):
    assert canonicalize_url(url) == expected


def test_editions_kept_for_alternate_urls():
    assert canonicalize_url("https://m.example.com/amp/a?amp=1&utm_source=x", editions=False) == "https://m.example.com/amp/a?amp=1"


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("\\\\evil.example/x", "http://evil.example/x"),  # a browser reads \\host as //host: another site
        ("..\\c.html?q=a\\b", "http://news.example.org/c.html?q=a\\b"),  # backslashes before the query only
        ("/\\evil.example/x", "http://evil.example/x"),
        ("https://other.example/y", "https://other.example/y"),
        ("javascript:alert(1)", "javascript:alert(1)"),
    ],
)
def test_links_resolve_the_way_browsers_do(href, expected):
    from spiders.urls import resolve_url

    assert resolve_url("http://news.example.org/a/b.html", href) == expected


def test_browser_spellings_canonicalise_to_one_url():
    assert canonicalize_url("http://News.Example.org./a\\b.html?utm_source=x") == "http://news.example.org/a/b.html"
    assert canonicalize_url("https://bücher.example/a") == "https://xn--bcher-kva.example/a"
    # refused spellings keep their authority, so a check on the canonical form refuses them too
    assert canonicalize_url("http://user@example.org/a") == "http://user@example.org/a"
    assert not host_allowed(canonicalize_url("http://user@example.org/a"), ("example.org",))
