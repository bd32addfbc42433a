"""The ECB's euro reference-rate history, fetched for the weekly refresh of the USD rate table.

The ECB publishes every working day's reference rates since 1999 as one small zip
(``eurofxref-hist.zip``, about 600 kB). The weekly run fetches it once, with a short timeout and a
size cap, and ``nlp.fx_table`` turns it into monthly rates. Without it (no network, the ECB down,
a broken file) the run goes on with the table it already has; nothing here raises anything but
``RateFetchError``, whose message is one line.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request

from spiders.settings import USER_AGENT

#: Where the ECB publishes the daily history (override with TRACKER_FX_URL; "" turns refreshing off).
ECB_HISTORY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
FX_URL_ENV = "TRACKER_FX_URL"
#: The file is ~600 kB; anything far larger is not the file we want.
MAX_BYTES = 8 * 1024 * 1024
#: Seconds for connecting and for each read.
TIMEOUT = 20


class RateFetchError(RuntimeError):
    """The history could not be fetched; the message is one line saying why."""


def history_url() -> str | None:
    """The URL to refresh from: TRACKER_FX_URL when set (empty: no refresh), else the ECB's."""
    url = os.environ.get(FX_URL_ENV, ECB_HISTORY_URL).strip()
    return url or None


def fetch_history(url: str, *, timeout: float = TIMEOUT, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of the history zip at ``url`` (http or https only), at most ``max_bytes``."""
    if not url.lower().startswith(("http://", "https://")):
        raise RateFetchError(f"{url}: only http and https URLs are fetched")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # the scheme is checked above
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise RateFetchError(f"{url}: {int(declared):,} bytes is more than the {max_bytes:,} allowed")
            body = response.read(max_bytes + 1)
    except RateFetchError:
        raise
    except urllib.error.HTTPError as exc:
        raise RateFetchError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise RateFetchError(f"{url}: {exc.reason}") from None
    except (OSError, ValueError) as exc:
        raise RateFetchError(f"{url}: {exc}") from None
    if len(body) > max_bytes:
        raise RateFetchError(f"{url}: more than the {max_bytes:,} bytes allowed")
    return body
