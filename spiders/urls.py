"""URLs: one spelling per article whatever link led to it, and the checks that keep a source's
URLs on its own hosts.

`canonicalize_url` gives the spelling documents are keyed by. `parse_http_url` reads a URL the
way a browser does (WHATWG: "\\" is "/" for http(s), IDNA hosts, numeric IPv4 forms) and refuses
the tricks: a user name (user@host), a percent-encoded or invalid host, and a URL whose host
Python's urlsplit reads differently from a browser. `url_refusal` / `host_allowed` add the
source's bounds: its allowed domains and, besides the scheme's default, only the ports its own
feeds and start pages use (`allowed_ports`). The crawler (requests, redirects, page-declared
canonical, og:url and AMP links) and the warehouse load use these same checks.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that identify a campaign or a click, never the page itself.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
        "twclid", "ttclid", "li_fat_id", "igshid", "mkt_tok", "_hsenc", "_hsmi",
        "hsctatracking", "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv", "rb_clickid",
        "s_cid", "cmpid", "ncid", "sr_share", "spm", "_ga", "_gl", "ref_src", "ref_url",
        "at_medium", "at_campaign", "wt.mc_id", "ocid", "trk", "trkcampaign",
    }
)
# Prefixes of tracking parameter families (utm_source, mc_cid, pk_campaign, ...).
TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "piwik_", "matomo_", "mtm_", "hmb_", "ga_", "itm_")

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Host prefixes of mobile and AMP editions of a site (m.example.com is example.com's article).
MOBILE_HOST_PREFIXES = ("m.", "mobile.", "amp.")
# Query arguments that only switch a page to its AMP rendering (?amp=1, ?outputType=amp).
_AMP_QUERY = {"amp": None, "amp_js_v": None, "usqp": None, "outputtype": "amp", "output": "amp", "format": "amp"}
# Path forms of AMP pages: /amp/ segments, a trailing /amp, and a .amp or .amp.html suffix.
_AMP_SEGMENT = re.compile(r"/amp(?=/|$)", re.IGNORECASE)
_AMP_SUFFIX = re.compile(r"\.amp(?=(?:\.html?)?$)", re.IGNORECASE)


def is_tracking_param(name: str) -> bool:
    """True for query parameters that only track a click or a campaign."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def is_amp_param(name: str, value: str) -> bool:
    """True for query arguments that only ask for the AMP rendering of a page."""
    key = name.lower()
    if key not in _AMP_QUERY:
        return False
    wanted = _AMP_QUERY[key]
    return wanted is None or value.lower() == wanted


def canonicalize_url(url: str, *, editions: bool = True) -> str:
    """Return one stable spelling of an http(s) URL.

    Lowercases scheme and host, drops default ports, the fragment and tracking parameters
    (utm_*, fbclid, gclid, mc_*, ...), sorts the remaining query arguments and normalises
    percent-encoding of the path. An empty path becomes "/". Mobile and AMP editions map to
    the article itself: an ``m.``/``mobile.``/``amp.`` host prefix, ``/amp/`` path segments,
    a trailing ``/amp`` or ``.amp`` suffix and ``?amp=1``/``?outputType=amp`` are removed
    (a page's rel=canonical, read by the spider, settles the rest). With ``editions=False``
    the URL keeps its edition: the clean spelling of one alternate URL of an article.
    """
    try:
        parsed = parse_http_url(url)
    except UrlRefused:  # kept as spelt, so that every check downstream refuses it too
        return _legacy_canonical(url, editions)
    return _assemble(parsed.scheme, parsed.host, None if parsed.default_port else parsed.port, "",
                     parsed.path, parsed.query, editions)


def _legacy_canonical(url: str, editions: bool) -> str:
    """A cleaned spelling of a URL that `parse_http_url` refuses: its authority is kept as written
    (lowercased), so that a check made on the result refuses it too, and never finds it cleaner."""
    parts = urlsplit(url.strip())
    return _assemble(parts.scheme.lower(), parts.netloc.lower(), None, "", parts.path, parts.query, editions)


def _assemble(scheme: str, host: str, port: int | None, userinfo: str, path: str, query: str, editions: bool) -> str:
    for prefix in MOBILE_HOST_PREFIXES if editions else ():
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
            break
    netloc = userinfo + (host if port is None else f"{host}:{port}")
    path = quote(unquote(path), safe="/:@!$&'()*+,;=-._~") or "/"
    path = re.sub(r"/{2,}", "/", path)
    if editions:
        path = _AMP_SUFFIX.sub("", _AMP_SEGMENT.sub("", path)) or "/"
    pairs = [
        (key, value)
        for key, value in parse_qsl(query, keep_blank_values=True)
        if not is_tracking_param(key) and not (editions and is_amp_param(key, value))
    ]
    pairs.sort()
    return urlunsplit((scheme, netloc, path, urlencode(pairs, doseq=True), ""))


def is_http_url(url: str) -> bool:
    """True for an absolute http:// or https:// URL with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


# -- where a URL really goes ------------------------------------------------------------------
# Browsers (the WHATWG URL standard) and Python's urlsplit disagree on some spellings: for
# http(s) a browser reads "\" as "/", so http://a.example\@b.example/ goes to a.example for a
# browser and to b.example for urlsplit. A URL is checked on the browser's reading, and refused
# when the two readings name different hosts, when it carries a user name or password, or when
# its host is percent-encoded or not a valid host name: such a URL is a trick, never a news link.

# What browsers ignore in a URL: leading and trailing C0 controls and spaces, tabs and newlines anywhere.
_URL_EDGES = re.compile("^[\x00-\x20]+|[\x00-\x20]+$")
_URL_TAB_NEWLINE = re.compile("[\t\n\r]")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
# scheme, authority (after any run of / and \, up to / \ ? #) and the rest of an http(s) URL.
_HTTP_URL = re.compile(r"^(https?):[/\\]*([^/\\?#]*)(.*)$", re.IGNORECASE | re.DOTALL)
# A host name after IDNA: letters, digits, hyphens and underscores in dot-separated labels.
_HOST_NAME = re.compile(r"^[a-z0-9_](?:[a-z0-9_\-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_\-]{0,61}[a-z0-9_])?)*$")
_IPV4_PART = re.compile(r"^(?:0[xX][0-9A-Fa-f]*|0[0-7]*|[1-9][0-9]*)$")


class UrlRefused(ValueError):
    """A URL the crawler does not follow, store or show; the message is the one-line reason."""


@dataclass(frozen=True)
class HttpUrl:
    """An http(s) URL as a browser reads it: lowercase scheme, normalised ASCII host, effective port."""

    scheme: str
    host: str  # lowercase ASCII (IDNA), no trailing dot; IPv4 dotted quad; IPv6 in brackets
    port: int  # the effective port: the scheme's default when none is written
    path: str  # backslashes read as slashes, as browsers do
    query: str
    fragment: str

    @property
    def default_port(self) -> bool:
        return _DEFAULT_PORTS[self.scheme] == self.port

    @property
    def netloc(self) -> str:
        return self.host if self.default_port else f"{self.host}:{self.port}"


def parse_http_url(url: str) -> HttpUrl:
    """Read an absolute http(s) URL the way a browser does; raise UrlRefused with the reason.

    Refused: another scheme, no host, a user name or password (``user@host``), a host that
    is percent-encoded or not a valid name or address, a port out of range, and any URL whose
    host Python's urlsplit (what the downloader uses) reads differently from a browser.
    """
    text = _clean(str(url))
    match = _HTTP_URL.match(text)
    if match is None:
        scheme = _SCHEME.match(text)
        raise UrlRefused(f"not an http(s) URL ({scheme.group(1).lower() if scheme else 'no'} scheme)")
    # Special schemes: any run of "/" and "\" starts the authority, which ends at / \ ? or #.
    scheme, authority, remainder = match.group(1).lower(), match.group(2), match.group(3)
    if "@" in authority:
        raise UrlRefused("the URL carries a user name or password (user@host)")
    raw_host, port_text = _split_port(authority)
    port = _port(port_text, scheme)
    host = _host(raw_host)
    path, _, fragment = remainder.partition("#")
    path, _, query = path.partition("?")
    path = path.replace("\\", "/") or "/"
    # Plain "scheme://authority" ended by / ? # or the end: urlsplit reads the same host, no need to ask it.
    plain = (match.start(2) == len(scheme) + 3 and text[len(scheme) + 1:len(scheme) + 3] == "//"
             and remainder[:1] != "\\")
    if not plain and _python_host(text) != _plain_host(raw_host):
        raise UrlRefused("ambiguous URL: browsers and the downloader read different hosts")
    return HttpUrl(scheme, host, port, path, query, fragment)


def _clean(text: str) -> str:
    """Drop what browsers ignore: C0 controls and spaces at the ends, tabs and newlines anywhere."""
    if text[:1] <= " " or text[-1:] <= " ":
        text = _URL_EDGES.sub("", text)
    if "\t" in text or "\n" in text or "\r" in text:
        text = _URL_TAB_NEWLINE.sub("", text)
    return text


def _split_port(authority: str) -> tuple[str, str]:
    if authority.startswith("["):
        close = authority.find("]")
        if close < 0:
            raise UrlRefused("invalid IPv6 host (no closing bracket)")
        host, after = authority[: close + 1], authority[close + 1:]
        if after and not after.startswith(":"):
            raise UrlRefused("invalid characters after the IPv6 host")
        return host, after[1:]
    host, _, port = authority.partition(":")
    return host, port


def _port(text: str, scheme: str) -> int:
    if not text:
        return _DEFAULT_PORTS[scheme]
    if not text.isascii() or not text.isdigit() or int(text) > 65535:
        raise UrlRefused(f"invalid port {text[:20]!r}")
    return int(text)


def _host(raw: str) -> str:
    """Normalised host: lowercase ASCII name without a trailing dot, IPv4 dotted quad, [IPv6]."""
    if not raw:
        raise UrlRefused("the URL has no host")
    if raw.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(raw[1:-1]).compressed}]"
        except ValueError:
            raise UrlRefused(f"invalid IPv6 host {raw[:60]!r}") from None
    if "%" in raw:
        raise UrlRefused(f"percent-encoded host {raw[:60]!r}")
    host = raw.lower() if raw.isascii() else _idna(raw)
    if host.endswith("."):
        host = host[:-1]
    if not _HOST_NAME.match(host) or len(host) > 253:
        raise UrlRefused(f"invalid host {raw[:60]!r}")
    last = host.rsplit(".", 1)[-1]
    if _IPV4_PART.match(last):  # a host ending in a number is an IPv4 address for browsers
        return _ipv4(host, raw)
    return host


def _idna(raw: str) -> str:
    try:
        import idna  # UTS 46 mapping, as browsers do; ships with requests
    except ImportError:  # pragma: no cover
        idna = None
    try:
        if idna is not None:
            return idna.encode(raw, uts46=True).decode("ascii").lower()
        return raw.encode("idna").decode("ascii").lower()
    except (UnicodeError, ValueError) as exc:  # idna.IDNAError is a UnicodeError
        raise UrlRefused(f"invalid international host {raw[:60]!r}") from exc


def _ipv4(host: str, raw: str) -> str:
    """The WHATWG IPv4 reading (1 to 4 parts, decimal, octal or hex) as a dotted quad."""
    parts = host.split(".")
    if len(parts) > 4 or not all(_IPV4_PART.match(p) for p in parts):
        raise UrlRefused(f"invalid IPv4 host {raw[:60]!r}")
    numbers = [int(p, 16) if p[:2] in ("0x", "0X") and len(p) > 2 else int(p, 8) if p.startswith("0") and len(p) > 1
               else 0 if p in ("0x", "0X") else int(p) for p in parts]
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise UrlRefused(f"invalid IPv4 host {raw[:60]!r}")
    value = numbers[-1] + sum(n << (8 * (3 - i)) for i, n in enumerate(numbers[:-1]))
    return str(ipaddress.IPv4Address(value))


def _python_host(text: str) -> str | None:
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    return _plain_host(host) if host else None


def _plain_host(host: str) -> str:
    """A host as written, for comparing two readings: lowercase, brackets and one trailing dot off."""
    host = host.lower().strip("[]")
    return host[:-1] if host.endswith(".") else host


def allowed_ports(urls) -> frozenset[int]:
    """Ports a source's own URLs (feeds, start pages) use, besides the default ports."""
    ports = set()
    for url in urls:
        try:
            ports.add(parse_http_url(url).port)
        except UrlRefused:
            continue
    return frozenset(ports)


def url_refusal(url: str, allowed_domains=None, ports=None) -> str | None:
    """Why the crawler must not fetch, store or show `url` for a source, or None when it may.

    `allowed_domains`: the source's domains (a host matches a domain or a subdomain of it; an
    IP address only itself); `ports`: ports besides the scheme's default the source may use
    (see `allowed_ports`); None skips that check.
    """
    try:
        parsed = parse_http_url(url)
    except UrlRefused as exc:
        return str(exc)
    if allowed_domains is not None and not _domain_match(parsed.host, allowed_domains):
        return f"host {parsed.host} is outside the source's allowed domains"
    if ports is not None and not parsed.default_port and parsed.port not in ports:
        return f"port {parsed.port} of {parsed.host} is not a port the source uses"
    return None


def _domain_match(host: str, domains) -> bool:
    for domain in domains:
        domain = _plain_host(str(domain))
        if host.strip("[]") == domain:
            return True
        if not _is_ip(domain) and host.endswith("." + domain):
            return True
    return False


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def host_allowed(url: str, allowed_domains: tuple[str, ...] | list[str], ports=None) -> bool:
    """True when the URL is a clean http(s) URL whose host is one of the domains or a subdomain
    of one (and, with `ports`, whose port is the default or one of them); see `url_refusal`."""
    return url_refusal(url, allowed_domains, ports) is None


def resolve_url(base: str, href: str) -> str:
    """`href` made absolute against `base` the way a browser does: for an http(s) result, "\\" in
    the part before the query is "/" (so ``\\\\evil.example/x`` is another host, not a path)."""
    href = _URL_TAB_NEWLINE.sub("", _URL_EDGES.sub("", href))
    match = _SCHEME.match(href)
    scheme = match.group(1).lower() if match else urlsplit(base).scheme.lower()
    if scheme in _DEFAULT_PORTS:
        cut = min((i for i in (href.find("?"), href.find("#")) if i >= 0), default=len(href))
        href = href[:cut].replace("\\", "/") + href[cut:]
    return urljoin(base, href)
