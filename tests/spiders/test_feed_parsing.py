import pytest

from spiders.feeds import FeedError, parse_feed

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T</title>
<item><title>  One
  deal </title><link>https://x.org/one?utm_source=rss</link><pubDate>Tue, 16 Sep 2025 23:30:00 -0700</pubDate></item>
<item><title>No link</title><description>none</description></item>
<item><title>Relative</title><link>/two</link></item>
<item><title>Mail</title><link>mailto:press@x.org</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id><updated>2025-09-18T10:00:00Z</updated>
<entry><title>Atom one</title><id>urn:1</id><link rel="alternate" href="https://x.org/atom-one"/>
<published>2025-09-15T10:00:00+02:00</published><updated>2025-09-18T10:00:00Z</updated></entry></feed>"""


def test_rss_entries():
    entries = parse_feed(RSS, "https://x.org/feed.xml")
    assert [e.link for e in entries] == ["https://x.org/one?utm_source=rss", "https://x.org/two"]
    first = entries[0]
    assert first.title == "One deal"
    assert first.published == "2025-09-16"  # the publisher's local date, not UTC's 17th
    assert first.feed_url == "https://x.org/feed.xml"
    assert entries[1].published is None


def test_atom_dates():
    [entry] = parse_feed(ATOM, "https://x.org/atom.xml")
    assert (entry.link, entry.title, entry.published, entry.updated) == (
        "https://x.org/atom-one", "Atom one", "2025-09-15", "2025-09-18",
    )


def test_latin1_declared_feed():
    body = '<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><item><title>Café</title><link>https://x.org/c</link></item></channel></rss>'
    [entry] = parse_feed(body.encode("iso-8859-1"), "https://x.org/f.xml")
    assert entry.title == "Café"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>cut', "unparseable feed: "),
        (b"", "not an RSS or Atom feed"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Empty</title></channel></rss>', "feed has no "
                                                                                                   "entries"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>x</title></item></channel></rss>',
         "feed has no entry with an http(s) link"),
    ],
)
def test_feeds_without_entries_raise_with_reason(body, reason):
    with pytest.raises(FeedError) as info:
        parse_feed(body, "https://x.org/feed.xml")
    assert str(info.value).startswith(reason)
    assert "\n" not in str(info.value)
