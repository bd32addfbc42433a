"""The formatting filters: pure functions, one house style for all three formats."""

from __future__ import annotations

import pytest

from newsletter_templates import filters as f


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (500e9, "USD", "$500 billion"),
        (109e9, "EUR", "€109 billion"),
        (5e9, "GBP", "£5 billion"),
        (37.5e9, "SAR", "SAR 37.5 billion"),
        (950e6, "USD", "$950 million"),
        (1.234e9, "USD", "$1.23 billion"),       # three significant digits
        (109.25e9, "EUR", "€109 billion"),       # never fewer than the integer digits
        (999.96e9, "USD", "$1 trillion"),        # rounding moves up a scale
        (1.5e12, "usd", "$1.5 trillion"),        # currency code case-insensitive
        (250_000, "USD", "$250,000"),            # below a million: the full figure
        (1234.5, "JPY", "JPY 1,234.5"),
        (20e9, "AED", "AED 20 billion"),
        (3e9, "CAD", "CAD 3 billion"),           # other dollars keep their code
        (-5e9, "USD", "-$5 billion"),
        (0, "USD", "$0"),
        (2.5e6, None, "2.5 million"),
        ("1000000000", "EUR", "€1 billion"),     # numeric strings accepted
        (7e9, "riyals", "7 billion riyals"),     # not an ISO code: written after the amount
    ],
)
def test_money(value, currency, expected):
    assert f.money(value, currency) == expected


@pytest.mark.parametrize("value", [None, float("nan"), float("inf"), "n/a", True])
def test_missing_or_invalid_numbers_format_as_empty(value):
    assert f.money(value, "USD") == ""
    assert f.usd(value) == ""
    assert f.mw(value) == ""
    assert f.count(value) == ""


def test_usd_is_marked_us_dollars():
    assert f.usd(10e9) == "US$10 billion"
    assert f.usd(10.67e9) == "US$10.7 billion"
    assert f.usd(950e6) == "US$950 million"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1000, "1,000 MW (1 GW)"),
        (1000.0, "1,000 MW (1 GW)"),
        (1200, "1,200 MW (1.2 GW)"),
        (5000, "5,000 MW (5 GW)"),
        (300, "300 MW"),
        (1.5, "1.5 MW"),
        (999.99, "1,000 MW (1 GW)"),
    ],
)
def test_mw(value, expected):
    assert f.mw(value) == expected


def test_mw_without_gigawatts():
    assert f.mw(1000, with_gw=False) == "1,000 MW"


def test_count_and_chips():
    assert f.count(18000) == "18,000"
    assert f.count(18000.0) == "18,000"
    assert f.count(1_000_000) == "1,000,000"
    assert f.chips(18000, "GB300") == "18,000 GB300 chips"
    assert f.chips(18000) == "18,000 chips"
    assert f.chips(1) == "1 chip"
    assert f.chips(None) == ""


def test_quantity_pluralises():
    assert f.quantity(1, "deal") == "1 deal"
    assert f.quantity(2, "deal") == "2 deals"
    assert f.quantity(0, "deal") == "0 deals"
    assert f.quantity(None, "deal") == "0 deals"
    assert f.quantity(3, "country", "countries") == "3 countries"


def _fig(**kw):
    base = {"kind": None, "text": "", "mw": None, "value": None, "currency": None,
            "value_usd": None, "count": None, "model": None}
    base.update(kw)
    return base


@pytest.mark.parametrize(
    ("fig", "expected"),
    [
        (_fig(kind="money", value=37.5e9, currency="SAR", value_usd=10e9), "SAR 37.5 billion (US$10 billion)"),
        (_fig(kind="money", value=109e9, currency="EUR", value_usd=118e9), "€109 billion (US$118 billion)"),
        (_fig(kind="money", value=500e9, currency="USD", value_usd=500e9), "$500 billion"),
        (_fig(kind="money", value=5e9, currency="GBP"), "£5 billion"),
        # converted at a rate older than the report's month (the rate table ended before it)
        (_fig(kind="money", value=2e9, currency="EUR", value_usd=2.3e9, fx_month="2026-10", published="2026-12-03"),
         "€2 billion (US$2.3 billion at the October 2026 rate)"),
        (_fig(kind="money", value=2e9, currency="EUR", value_usd=2.3e9, fx_month="2026-12", published="2026-12-03"),
         "€2 billion (US$2.3 billion)"),
        (_fig(kind="money", value_usd=2e9, text="about $2bn"), "US$2 billion"),
        (_fig(kind="power", mw=1000.0, text="1GW"), "1,000 MW (1 GW)"),
        (_fig(kind="chips", count=18000, model="GB300"), "18,000 GB300 chips"),
        (_fig(kind="chips", text="thousands of chips"), "thousands of chips"),
        (_fig(kind="jobs", text="2,000 jobs"), "2,000 jobs"),
        ({"kind": "power", "text": "1GW"}, "1GW"),  # optional keys may be absent
    ],
)
def test_figure(fig, expected):
    assert f.figure(fig) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [("AE", "United Arab Emirates"), ("sa", "Saudi Arabia"), ("KR", "South Korea"),
     ("TW", "Taiwan"), ("RU", "Russia"), ("EU", "European Union"), ("ZZ", "ZZ"), (None, "")],
)
def test_country_name(code, expected):
    assert f.country_name(code) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/sites/openai/news/stargate-uae.html",
        "https://www.gov.uk/government/news/x?a=1&b=2#frag",
        "HTTPS://EXAMPLE.ORG/",
    ],
)
def test_safe_url_keeps_http_and_https(url):
    assert f.safe_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "DATA:image/svg+xml;base64,PHN2Zz4=",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "mailto:a@example.org",
        "//evil.example/x",
        "/relative/path",
        "http:///no-host",
        "http://[::1",
        "",
        None,
    ],
)
def test_safe_url_rejects_everything_else(url):
    assert f.safe_url(url) == "#"


def test_safe_url_encodes_characters_that_could_break_out():
    assert f.safe_url('http://a.example/x y"<b>\'(c)') == "http://a.example/x%20y%22%3Cb%3E%27%28c%29"
    assert f.safe_url(" http://a.example/\n") == "http://a.example/"


def test_plain_flattens_and_strips_invisible_characters():
    assert f.plain("a\n\n b\t c\r\n") == "a b c"
    assert f.plain("ok\x1b[31mred\x1b[0m") == "ok[31mred[0m"
    assert f.plain("abc\u202edcba") == "abcdcba"
    assert f.plain(None) == ""


def test_md_escape():
    assert f.md_escape("<script>") == r"\<script\>"
    assert f.md_escape("[x](javascript:alert(1))") == r"\[x\](javascript:alert(1))"
    assert f.md_escape("*a* _b_ `c` a|b AT&T") == r"\*a\* \_b\_ \`c\` a\|b AT\&T"
    assert f.md_escape("line\n# not a heading") == r"line \# not a heading"


def test_wrap_keeps_lines_short_and_urls_whole():
    text = "word " * 40 + "https://example.org/" + "x" * 90
    lines = f.wrap(text, 78, "  > ").split("\n")
    assert all(line.startswith("  > ") for line in lines)
    assert all(len(line) <= 78 for line in lines[:-1])
    assert lines[-1] == "  > https://example.org/" + "x" * 90


def test_text_table_aligns_and_fits():
    table = f.text_table([["Saudi Arabia", "1", "US$10 billion"]], ["Country", "Deals", "Committed"], "lrr")
    assert table.split("\n") == [
        "Country       Deals      Committed",
        "------------  -----  -------------",
        "Saudi Arabia      1  US$10 billion",
    ]
    wide = f.text_table([["x" * 100, "1"]], ["Country", "Deals"], "lr", width=40)
    assert all(len(line) <= 40 for line in wide.split("\n"))
    assert "…" in wide


def test_dates():
    assert f.long_date("2025-05-22") == "22 May 2025"
    assert f.long_date(None) == ""
    assert f.long_date("sometime") == "sometime"
    assert f.date_range("2025-05-19", "2025-05-25") == "19–25 May 2025"
    assert f.date_range("2025-04-28", "2025-05-04") == "28 April – 4 May 2025"
    assert f.date_range("2024-12-30", "2025-01-05") == "30 December 2024 – 5 January 2025"


def test_label_and_anchor():
    assert f.label("data_center") == "Data center"
    assert f.label("chip_supply") == "Chip supply"
    assert f.label("announced") == "Announced"
    assert f.label("joint_venture") == "Joint venture"
    assert f.label(None) == ""
    assert f.anchor("d-3f2a9c01b7e4") == "d-3f2a9c01b7e4"
    assert f.anchor('d-1"><script>') == "d-1-script"


@pytest.mark.parametrize(("confidence", "expected"), [(0.49, True), (0.5, False), (0.86, False), (None, True)])
def test_needs_review(confidence, expected):
    assert f.needs_review(confidence) is expected


@pytest.mark.parametrize(("percent", "expected"), [(100, 10), (47, 5), (45, 4), (3, 1), (0.2, 1), (0, 0),
                                                   (None, 0), (-5, 0), (250, 10), ("x", 0)])
def test_bar(percent, expected):
    assert f.bar(percent) == "█" * expected


def test_bar_with_other_widths():
    assert f.bar(47, 20, "#") == "#" * 9
    assert f.bar(3, 20, "#") == "#"
    assert f.bar(100, 20, "#") == "#" * 20


def test_series():
    assert f.series(["Kenya"]) == "Kenya"
    assert f.series(["G42", "Microsoft"]) == "G42 and Microsoft"
    assert f.series([1, 2, 4]) == "1, 2 and 4"
    assert f.series(["a", None, "", "b"], "or") == "a or b"
    assert f.series([]) == "" and f.series(None) == ""


def test_visible_keeps_spaces_and_drops_control_characters():
    assert f.visible(" will ship ") == " will ship "
    assert f.visible("a\nb\tc\r") == "a b c "
    assert f.visible("A\u202eB\x1b[2J") == "AB[2J"
    assert f.visible(None) == ""
