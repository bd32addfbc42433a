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


def is_tracking_param(name: str) -> bool:
    """True for query parameters that only track a click or a campaign."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonicalize_url(url: str) -> str:
    """Return one stable spelling of an http(s) URL.

    Lowercases scheme and host, drops default ports, the fragment and tracking parameters
    (utm_*, fbclid, gclid, mc_*, ...), sorts the remaining query arguments and normalises
    percent-encoding of the path. An empty path becomes "/".
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
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
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(key)
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
