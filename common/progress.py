"""Progress bars for the long commands (crawl, extract, reextract, the extract-and-load stage).

A bar (tqdm: count, rate, elapsed and, when the total is known, percentage and time left) is drawn
on standard error only when someone watches it: standard error is a terminal and the `CI`
environment variable is unset (or "0"/"false"). `TRACKER_PROGRESS=1` forces bars on, `=0` off.
Logs, pipes, cron jobs and CI therefore get no bar at all, not a stream of carriage returns.

Disabled, `progress()` returns the iterable itself and `progress_bar()` a do-nothing object, and
tqdm is never imported: this module imports only `os` and `sys`, so `tracker extract`'s start-up
does not pay for it.

    for line in progress(lines, total=n, desc="extract", unit="doc"):
        ...
    with progress_bar(total=n, desc="reextract", unit="doc") as bar:
        bar.update(len(batch))
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

_OFF = {"0", "false", "no", "off"}
_ON = {"1", "true", "yes", "on"}


def progress_enabled(stream: Any = None) -> bool:
    """Whether bars are drawn: `TRACKER_PROGRESS` if set, else a terminal on stderr outside CI."""
    forced = os.environ.get("TRACKER_PROGRESS", "").strip().lower()
    if forced in _OFF:
        return False
    if forced in _ON:
        return True
    if os.environ.get("CI", "").strip().lower() not in ("", *_OFF):
        return False
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _tqdm_options(total: int | None, desc: str | None, unit: str) -> dict:
    return {"total": total, "desc": desc, "unit": unit, "dynamic_ncols": True,
            "file": sys.stderr, "mininterval": 0.2, "smoothing": 0.1}


def progress(iterable: Iterable[T], total: int | None = None, desc: str | None = None,
             unit: str = "it") -> Iterable[T]:
    """`iterable` with a progress bar when bars are enabled; `iterable` itself otherwise."""
    if not progress_enabled():
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, **_tqdm_options(total, desc, unit))


class _Quiet:
    """The bar when bars are disabled: accepts the calls, draws nothing."""

    n = 0

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix_str(self, text: str = "", refresh: bool = True) -> None:
        pass

    def set_description_str(self, text: str = "", refresh: bool = True) -> None:
        pass


@contextmanager
def progress_bar(total: int | None = None, desc: str | None = None, unit: str = "it") -> Iterator[Any]:
    """A bar to `update(n)` by hand (work that arrives in batches, or from another process)."""
    if not progress_enabled():
        yield _Quiet()
        return
    from tqdm import tqdm

    with tqdm(**_tqdm_options(total, desc, unit)) as bar:
        yield bar
