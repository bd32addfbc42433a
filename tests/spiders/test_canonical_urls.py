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
