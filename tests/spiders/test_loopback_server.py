import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from spiders.loopback import serve_directory


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    (root / "pub" / "news").mkdir(parents=True)
    (root / "pub" / "news" / "index.html").write_text('<a href="__BASE__/sites/pub/a.html">__TOKEN__</a>')
    (root / "pub" / "feed.xml").write_text("<rss><link>__BASE__/sites/pub/</link></rss>")
    (root / "pub" / "atom.xml").write_text("<feed/>")
    (root / "pub" / "logo.png").write_bytes(b"\x89PNG__BASE__")
    (root / "secret.txt").write_text("outside /sites? no: inside root")
    with serve_directory(root, {"__TOKEN__": "token-value"}) as base:
        yield base


def get(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.headers["Content-Type"], response.read()


def test_base_url_and_substitution(site):
    assert site.startswith("http://127.0.0.1:")
    status, content_type, body = get(f"{site}/sites/pub/news/")
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert body.decode() == f'<a href="{site}/sites/pub/a.html">token-value</a>'


def test_feed_content_types(site):
    assert get(f"{site}/sites/pub/feed.xml")[1].startswith("application/rss+xml")
    assert get(f"{site}/sites/pub/atom.xml")[1].startswith("application/atom+xml")


def test_binary_files_are_not_rewritten(site):
    assert get(f"{site}/sites/pub/logo.png")[1:] == ("image/png", b"\x89PNG__BASE__")


def test_directory_without_slash_redirects(site):
    status, _, body = get(f"{site}/sites/pub/news")  # urllib follows the 301
    assert status == 200 and b"token-value" in body


@pytest.mark.parametrize(
    "path", ["/sites/pub/", "/sites/pub/missing.html", "/pub/feed.xml", "/sites/../secret.txt", "/robots.txt"]
)
def test_not_found_and_no_listings(site, path):
    with pytest.raises(urllib.error.HTTPError) as info:
        get(site + path)
    assert info.value.code == 404


def test_many_parallel_requests(site):
    with ThreadPoolExecutor(max_workers=64) as pool:
        statuses = list(pool.map(lambda _: get(f"{site}/sites/pub/feed.xml")[0], range(200)))
    assert statuses == [200] * 200
