"""An issue as a reader's browser shows it: headless Chromium, local files only.

Used by the browser tests (tests/newsletter/test_browser.py) and the README's screenshots
(docs/screenshots/shoot.py). Headless Chromium never lays a window out narrower than 500 CSS px:
`--window-size=390,844` gives a 500 px layout cropped to 390 px. An issue is therefore shown in an
iframe of exactly the screen's size (``srcdoc``, same origin as the page holding it), whose
viewport is what the issue's media queries and layout see; a shot of the window's top left is the
issue at that width. Name resolution is switched off: nothing can leave the machine.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # Debian's package; CHROMIUM= another build
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--hide-scrollbars", "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: nothing can leave the machine
]
TIMEOUT = 120  # seconds one Chromium run may take


def framed_page(issue_html: str, width: int, height: int, script: str = "") -> str:
    """A page showing the issue in an iframe (id ``issue``) of exactly width x height CSS px, with
    an optional script of the page's own (never the issue's)."""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>pending</title>'
        "<style>html,body{margin:0;padding:0;overflow:hidden}iframe{display:block;border:0}</style>"
        f'</head><body><iframe id="issue" width="{width}" height="{height}" '
        f'srcdoc="{html.escape(issue_html, quote=True)}"></iframe>'
        + (f"<script>{script}</script>" if script else "")
        + "</body></html>"
    )


def run_chromium(page: Path, *args: str) -> str:
    """Chromium's standard output for a local page, in a fresh profile; RuntimeError on failure."""
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        done = subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
            capture_output=True, text=True, timeout=TIMEOUT, check=False,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if done.returncode != 0:
        raise RuntimeError(f"chromium exited {done.returncode}: {done.stderr[-2000:]}")
    return done.stdout


def screenshot(issue_html: str, width: int, height: int, folder: Path, name: str) -> Path:
    """``folder/name.png``: the first width x height px of the issue, as that screen shows it."""
    page = folder / f"{name}.html"
    page.write_text(framed_page(issue_html, width, height), encoding="utf-8")
    png = folder / f"{name}.png"
    run_chromium(page, f"--window-size={width},{height}", f"--screenshot={png}")
    return png
