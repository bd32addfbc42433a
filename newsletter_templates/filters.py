"""Formatting filters shared by the HTML, plain-text and Markdown newsletters.

Every function here is pure: same input, same output, no locale, no clock, no I/O
(except reading pycountry's bundled data). The templates never format a number
themselves; they call one of these.

House style (decided here, used in all three formats):

* Money is written with the currency's symbol when it is unambiguous (``$``, ``€``,
  ``£``), otherwise with its ISO code and a space: ``$500 billion``, ``€109 billion``,
  ``£5 billion``, ``SAR 37.5 billion``, ``$950 million``.
* Amounts from one million upwards use a word scale (million, billion, trillion) and
  three significant digits, trailing zeros dropped: ``$10 billion``, ``SAR 37.5 billion``,
  ``$1.23 billion``, ``€109 billion``. Below one million the full figure is written
  with thousands separators: ``$250,000``.
* A converted or aggregated US dollar value is written ``US$10 billion`` (``usd``), so
  that it cannot be confused with another dollar when it follows a foreign figure:
  ``SAR 37.5 billion (US$10 billion)``.
* Power is always in megawatts with thousands separators, followed by the gigawatt
  value from 1,000 MW upwards: ``300 MW``, ``1,000 MW (1 GW)``, ``1,200 MW (1.2 GW)``.
* Counts use thousands separators: ``18,000``.
* Missing values (``None``) format as the empty string, so templates can write
  ``{{ x | usd or "n/a" }}``.
"""

from __future__ import annotations

import math
import re
import textwrap
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from urllib.parse import urlsplit

import pycountry

__all__ = [
    "REVIEW_THRESHOLD",
    "anchor",
    "bar",
    "chips",
    "count",
    "country_name",
    "date_range",
    "figure",
    "label",
    "long_date",
    "md_escape",
    "md_url",
    "money",
    "mw",
    "needs_review",
    "plain",
    "quantity",
    "safe_url",
    "series",
    "text_table",
    "usd",
    "visible",
    "wrap",
]

#: Deals whose extraction confidence is below this value are marked "needs review".
REVIEW_THRESHOLD = 0.5

# Currencies written with a symbol; every other currency is written with its ISO code.
# "$" alone means US dollars; other dollars (AUD, CAD, SGD...) keep their code.
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}

_SCALES = ((Decimal(10) ** 12, "trillion"), (Decimal(10) ** 9, "billion"), (Decimal(10) ** 6, "million"))

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)

# Short English names where ISO 3166's official-style name reads badly in prose, and
# the few codes outside ISO 3166-1 that deal coverage uses.
_COUNTRY_NAMES = {
    "CD": "Democratic Republic of the Congo",
    "EU": "European Union",
    "RU": "Russia",
    "XK": "Kosovo",
}

# Labels for the deal types and statuses the warehouse emits; anything else is
# turned from snake_case into a capitalised phrase.
_LABELS = {
    "data_center": "Data center",
    "chip_supply": "Chip supply",
    "sovereign_model": "Sovereign model",
    "startup_fund": "Startup fund",
    "mou": "Memorandum of understanding",
}

# C0/C1 control characters and the Unicode bidirectional overrides/isolates, which can
# make a line read differently from what it says.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")
# What browsers ignore in a URL: leading/trailing C0 controls and spaces, and tabs and
# newlines anywhere. Other control characters are dropped too.
_URL_TRIM = re.compile("^[\x00-\x20]+|[\x00-\x20]+$")
_URL_DROP = re.compile("[\x00-\x1f\x7f]")
# Characters kept out of an emitted URL (percent-encoded), so a URL can never close
# an attribute, a Markdown link or an angle-bracketed plain-text link.
_URL_ENCODE = {c: f"%{ord(c):02X}" for c in " \"'<>\\`()[]{}|^"}
_URL_ENCODED = re.compile("[" + re.escape("".join(_URL_ENCODE)) + "]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~&])")


# --- numbers -----------------------------------------------------------------------

def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _plain_number(d: Decimal, places: int) -> str:
    """``d`` rounded to at most ``places`` decimals, thousands separators, no trailing zeros."""
    q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN) if places else d.quantize(
        Decimal(1), rounding=ROUND_HALF_EVEN
    )
    text = f"{q:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _significant(d: Decimal, digits: int = 3) -> Decimal:
    """Round ``d`` to ``digits`` significant digits, never dropping integer digits."""
    if d == 0:
        return d
    integer_digits = len(str(int(abs(d)))) if abs(d) >= 1 else 1
    places = max(0, digits - integer_digits)
    return d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def _amount(d: Decimal) -> str:
    """``37500000000`` -> ``37.5 billion``; ``250000`` -> ``250,000``."""
    sign = "-" if d < 0 else ""
    d = abs(d)
    for i, (size, word) in enumerate(_SCALES):
        if d >= size:
            scaled = _significant(d / size)
            if scaled >= 1000 and i > 0:  # 999.96 billion rounds up to 1 trillion
                bigger, bigger_word = _SCALES[i - 1]
                scaled, word = _significant(d / bigger), bigger_word
            return f"{sign}{_plain_number(scaled, 2)} {word}"
    return sign + _plain_number(d, 2)


def money(value: Any, currency: str | None = "USD") -> str:
    """Format an amount in its own currency: ``money(37.5e9, "SAR") == "SAR 37.5 billion"``.

    ``$``, ``€`` and ``£`` are used for USD, EUR and GBP; other currencies keep their
    ISO code (``SAR``, ``JPY``, ``INR``...). A missing currency is written as the bare
    amount. ``None`` gives ``""``.
    """
    d = _decimal(value)
    if d is None:
        return ""
    amount = _amount(d)
    code = plain(currency)
    if not code:
        return amount
    if not re.fullmatch(r"[A-Za-z]{3}", code):  # not an ISO 4217 code: show it as given
        return f"{amount} {code}"
    code = code.upper()
    symbol = _SYMBOLS.get(code)
    if symbol:
        return f"-{symbol}{amount[1:]}" if amount.startswith("-") else f"{symbol}{amount}"
    return f"{code} {amount}"


def usd(value: Any) -> str:
    """A US dollar value, marked ``US$`` so it reads unambiguously next to other currencies.

    ``usd(1e10) == "US$10 billion"``; ``None`` gives ``""``.
    """
    d = _decimal(value)
    if d is None:
        return ""
    amount = _amount(d)
    return f"-US${amount[1:]}" if amount.startswith("-") else f"US${amount}"


def count(value: Any) -> str:
    """A count with thousands separators: ``count(18000) == "18,000"``; ``None`` gives ``""``."""
    d = _decimal(value)
    if d is None:
        return ""
    return _plain_number(d, 2)


def mw(value: Any, with_gw: bool = True) -> str:
    """Power capacity: ``"300 MW"``, ``"1,000 MW (1 GW)"``, ``"1,200 MW (1.2 GW)"``.

    Megawatts first (the unit the warehouse stores and analysts sum), the gigawatt value
    in brackets from 1,000 MW upwards because announcements usually speak in GW. Pass
    ``with_gw=False`` for narrow table columns. ``None`` gives ``""``.
    """
    d = _decimal(value)
    if d is None:
        return ""
    text = f"{_plain_number(d, 1)} MW"
    if with_gw and abs(d.quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)) >= 1000:
        text += f" ({_plain_number(_significant(d / 1000), 2)} GW)"
    return text


def bar(percent: Any, cells: int = 10, char: str = "\u2588") -> str:
    """A text bar for the plain-text and Markdown charts: ``percent`` of ``cells`` characters,
    rounded, at least one for any positive value: ``bar(100) == "██████████"``, ``bar(3) == "█"``,
    ``bar(0) == ""``. Non-numbers and negatives give ``""``."""
    d = _decimal(percent)
    if d is None or d <= 0:
        return ""
    filled = int((min(d, Decimal(100)) * cells / 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    return char * max(1, filled)


def series(items: Any, conjunction: str = "and") -> str:
    """Words joined as English prose: ``["a"]`` -> ``"a"``, ``["a", "b", "c"]`` -> ``"a, b and c"``.
    Each item is :func:`plain` text; empty items are skipped."""
    words = [plain(item) for item in items or ()]
    words = [word for word in words if word]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def quantity(value: Any, singular: str, plural_form: str | None = None) -> str:
    """A count with its noun: ``quantity(1, "deal") == "1 deal"``,
    ``quantity(18000, "chip") == "18,000 chips"``, ``quantity(3, "country", "countries")``."""
    n = count(value)
    if not n:
        n = "0"
    noun = singular if n == "1" else (plural_form or singular + "s")
    return f"{n} {noun}"


def chips(value: Any, model: str | None = None) -> str:
    """``chips(18000, "GB300") == "18,000 GB300 chips"``; ``chips(1) == "1 chip"``."""
    n = count(value)
    if not n:
        return ""
    noun = "chip" if n == "1" else "chips"
    model = plain(model)
    return f"{n} {model} {noun}" if model else f"{n} {noun}"


def figure(fig: Mapping[str, Any]) -> str:
    """One commitment of a deal, formatted for a reader.

    * money: ``"SAR 37.5 billion (US$10 billion)"``, or ``"$500 billion"`` for USD; a conversion
      at a rate older than the figure's report says which (``"(US$2.2 billion at the October
      2026 rate)"``);
    * power: ``"1,000 MW (1 GW)"``;
    * chips: ``"18,000 GB300 chips"``;
    * anything else (or a figure without its number): the figure's own text.
    """
    kind = fig.get("kind")
    if kind == "money":
        value, currency, value_usd = fig.get("value"), fig.get("currency"), fig.get("value_usd")
        if value is not None and (currency or "").upper() == "USD":
            return money(value, "USD")
        if value is not None:
            own = money(value, currency)
            converted = usd(value_usd)
            if converted and _stale_rate(fig):  # the rate table ended before the report's month
                converted += f" at the {month_name(fig['fx_month'])} rate"
            return f"{own} ({converted})" if converted else own
        if value_usd is not None:
            return usd(value_usd)
    elif kind == "power" and fig.get("mw") is not None:
        return mw(fig.get("mw"))
    elif kind == "chips" and fig.get("count") is not None:
        return chips(fig.get("count"), fig.get("model"))
    return plain(fig.get("text"))


def _stale_rate(fig: Mapping[str, Any]) -> bool:
    month, published = fig.get("fx_month"), fig.get("published")
    return bool(month and published and str(month) < str(published)[:7])


def month_name(month: str) -> str:
    """``"2026-10"`` as ``"October 2026"`` (the text itself when it is not a month)."""
    try:
        return datetime.strptime(str(month)[:7], "%Y-%m").strftime("%B %Y")
    except ValueError:
        return plain(month)


# --- words, names and dates -----------------------------------------------------------

def plain(value: Any) -> str:
    """Untrusted text made safe to lay out: one line, single spaces, no control or
    bidirectional-override characters. ``None`` gives ``""``. (Not HTML escaping:
    autoescaping does that in the HTML template.)"""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = _INVISIBLE.sub("", text.replace("\r", " ").replace("\n", " ").replace("\t", " "))
    return _SPACES.sub(" ", text).strip()


def visible(value: Any) -> str:
    """Untrusted text with control and bidirectional-override characters removed, line breaks
    and tabs turned into spaces, but nothing trimmed: for pieces of a sentence laid out next to
    each other (the review page's marked-up segments). ``None`` gives ``""``."""
    if value is None:
        return ""
    text = str(value).replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return _INVISIBLE.sub("", text)


def country_name(code: Any) -> str:
    """English short name of an ISO 3166-1 alpha-2 code: ``"AE"`` -> ``"United Arab Emirates"``,
    ``"KR"`` -> ``"South Korea"``. An unknown code is returned as given."""
    key = plain(code).upper()
    if not key:
        return ""
    if key in _COUNTRY_NAMES:
        return _COUNTRY_NAMES[key]
    country = pycountry.countries.get(alpha_2=key) if len(key) == 2 else None
    if country is None:
        return key
    return getattr(country, "common_name", None) or country.name


def label(value: Any) -> str:
    """A machine value as words: ``"data_center"`` -> ``"Data center"``; ``None`` -> ``""``."""
    key = plain(value)
    if not key:
        return ""
    if key in _LABELS:
        return _LABELS[key]
    words = key.replace("_", " ").replace("-", " ")
    words = _SPACES.sub(" ", words).strip()
    return words[:1].upper() + words[1:]


def _parse_date(value: Any) -> tuple[int, int, int] | None:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", plain(value)[:10]) if value else None
    if not m:
        return None
    year, month, day = (int(g) for g in m.groups())
    return (year, month, day) if 1 <= month <= 12 and 1 <= day <= 31 else None


def long_date(value: Any) -> str:
    """``"2025-05-22"`` -> ``"22 May 2025"``. Unparseable text is returned cleaned; ``None`` -> ``""``."""
    parsed = _parse_date(value)
    if parsed is None:
        return plain(value)
    year, month, day = parsed
    return f"{day} {_MONTHS[month - 1]} {year}"


def date_range(start: Any, end: Any) -> str:
    """``("2025-05-19", "2025-05-25")`` -> ``"19–25 May 2025"``; spans months and years as needed."""
    a, b = _parse_date(start), _parse_date(end)
    if a is None or b is None:
        return " – ".join(x for x in (long_date(start), long_date(end)) if x)
    if a == b:
        return long_date(start)
    if a[0] == b[0] and a[1] == b[1]:
        return f"{a[2]}–{b[2]} {_MONTHS[b[1] - 1]} {b[0]}"
    if a[0] == b[0]:
        return f"{a[2]} {_MONTHS[a[1] - 1]} – {b[2]} {_MONTHS[b[1] - 1]} {b[0]}"
    return f"{long_date(start)} – {long_date(end)}"


def needs_review(confidence: Any) -> bool:
    """True when a deal's confidence is missing or below :data:`REVIEW_THRESHOLD`."""
    d = _decimal(confidence)
    return d is None or d < Decimal(str(REVIEW_THRESHOLD))


def anchor(value: Any) -> str:
    """A value reduced to ``[a-z0-9-]``, for HTML ``id`` attributes and fragment links."""
    slug = re.sub(r"[^a-z0-9]+", "-", plain(value).lower()).strip("-")
    return slug or "item"


# --- links ----------------------------------------------------------------------------

def safe_url(value: Any) -> str:
    """The URL when its scheme is http or https and it names a host, otherwise ``"#"``.

    ``javascript:``, ``data:``, ``vbscript:``, ``file:``, scheme-relative (``//host``)
    and relative URLs all become ``"#"``. Whitespace and control characters (which
    browsers ignore in a URL) are removed before the check, and the few characters
    that could end an attribute or a Markdown link (space, quotes, ``<>``, brackets,
    backslash...) are percent-encoded in the result.
    """
    if value is None:
        return "#"
    url = _URL_DROP.sub("", _URL_TRIM.sub("", str(value)))
    try:
        parts = urlsplit(url)
    except ValueError:
        return "#"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "#"
    return _URL_ENCODED.sub(lambda m: _URL_ENCODE[m.group()], url)


def md_url(value: Any) -> str:
    """A URL for a Markdown link target: :func:`safe_url` (whose result never contains
    a space, ``(``, ``)``, ``<`` or ``>``)."""
    return safe_url(value)


def md_escape(value: Any) -> str:
    """Untrusted text for Markdown: :func:`plain`, then every character that Markdown or
    inline HTML could interpret (``\\ ` * _ { } [ ] < > # | ~ &``) backslash-escaped,
    so ``<script>`` shows as text and ``[x](javascript:...)`` is not a link (brackets
    are escaped, so parentheses are left alone for readability)."""
    return _MD_SPECIAL.sub(r"\\\1", plain(value))


# --- plain-text layout ------------------------------------------------------------------

def wrap(value: Any, width: int = 78, indent: str = "", subsequent_indent: str | None = None) -> str:
    """Wrap one paragraph at ``width`` columns. Words longer than a line (URLs) are kept
    whole rather than broken. ``indent`` starts the first line, ``subsequent_indent``
    (default: same as ``indent``) the following ones."""
    text = plain(value)
    if subsequent_indent is None:
        subsequent_indent = indent
    if not text:
        return indent.rstrip()
    return textwrap.fill(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=subsequent_indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _truncate(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def text_table(
    rows: Sequence[Sequence[Any]],
    headers: Sequence[str],
    align: str = "",
    width: int = 78,
    indent: str = "",
) -> str:
    """A fixed-width plain-text table.

    ``align`` has one letter per column, ``l`` or ``r`` (default ``l``). Cells are
    :func:`plain` text. When the table is wider than ``width``, the first column is
    shortened (with ``…``) to fit.
    """
    cells = [[plain(c) for c in headers]] + [[plain(c) for c in row] for row in rows]
    ncols = len(headers)
    widths = [max(len(r[i]) for r in cells) for i in range(ncols)]
    gap = 2
    total = len(indent) + sum(widths) + gap * (ncols - 1)
    if total > width and ncols > 1:
        widths[0] = max(len(headers[0]), widths[0] - (total - width))
        cells = [[_truncate(r[0], widths[0])] + r[1:] for r in cells]
    aligns = (align + "l" * ncols)[:ncols]

    def line(row: Sequence[str]) -> str:
        parts = [c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(row, widths, aligns, strict=False)]
        return (indent + (" " * gap).join(parts)).rstrip()

    rule = indent + (" " * gap).join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule] + [line(r) for r in cells[1:]])


#: Name -> function, as registered on the Jinja environment by ``render.build_environment``.
FILTERS = {
    "anchor": anchor,
    "bar": bar,
    "chips": chips,
    "count": count,
    "country_name": country_name,
    "date_range": date_range,
    "figure": figure,
    "label": label,
    "long_date": long_date,
    "md": md_escape,
    "md_url": md_url,
    "money": money,
    "mw": mw,
    "plain": plain,
    "quantity": quantity,
    "safe_url": safe_url,
    "series": series,
    "text_table": text_table,
    "usd": usd,
    "visible": visible,
    "wrap": wrap,
}

#: Jinja tests (``{% if deal.confidence is needs_review %}``).
TESTS = {"needs_review": needs_review}
