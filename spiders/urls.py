"""URL canonicalisation: one spelling per article, whatever link led to it."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

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
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    for prefix in MOBILE_HOST_PREFIXES if editions else ():
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
            break
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}{':' + parts.password if parts.password else ''}@{netloc}"
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=-._~") or "/"
    path = re.sub(r"/{2,}", "/", path)
    if editions:
        path = _AMP_SUFFIX.sub("", _AMP_SEGMENT.sub("", path)) or "/"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(key) and not (editions and is_amp_param(key, value))
    ]
    query.sort()
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def is_http_url(url: str) -> bool:
    """True for an absolute http:// or https:// URL with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def host_allowed(url: str, allowed_domains: tuple[str, ...] | list[str]) -> bool:
    """True when the URL's host is one of the domains or a subdomain of one."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    return any(host == domain or host.endswith("." + domain) for domain in allowed_domains)
