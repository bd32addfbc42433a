"""The README's screenshots: the issue of a week of real coverage, as a reader sees it.

    .venv/bin/python docs/screenshots/shoot.py [--week 2025-W38] [--gold tests/deals/gold/dev]

Runs the real pipeline on the development part of the deal gold set (real published coverage,
paraphrased: the articles are stored as the crawler stores pages, then extracted, loaded and
resolved into deals by the same code as the weekly run, in a temporary warehouse), renders the
readers' issue of one ISO week, and photographs its HTML edition with headless Chromium at
1200 px (a desktop) and 390 px (a phone). Headless Chromium lays no window out narrower than
500 px, so the issue is shown in an iframe of exactly the screen's width (as the browser tests
do). The deal resolver is the one TRACKER_DEAL_RESOLVER names, as in a weekly run.

Writes docs/screenshots/issue-<week>-1200.png and issue-<week>-390.png.
"""

from __future__ import annotations

import argparse
import html
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from app.deal_evaluation.pipeline import build_warehouse
from app.newsletter import render_issue
from warehouse.deal_evaluation.gold import read_gold

REPO = Path(__file__).resolve().parents[2]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-extensions", "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # the issue has no external resources; nothing leaves
]
SCREENS = {1200: 1500, 390: 1700}  # width -> height of the shot, CSS px


def framed(issue_html: str, width: int, height: int) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        "<style>html,body{margin:0;padding:0;overflow:hidden}iframe{display:block;border:0}</style>"
        f'</head><body><iframe width="{width}" height="{height}" '
        f'srcdoc="{html.escape(issue_html, quote=True)}"></iframe></body></html>'
    )


def shoot(issue_html: str, width: int, height: int, png: Path, work: Path) -> None:
    page = work / f"framed-{width}.html"
    page.write_text(framed(issue_html, width, height), encoding="utf-8")
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
                        f"--screenshot={png}", page.as_uri()], capture_output=True, timeout=120, check=True)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--week", default="2025-W38", help="ISO week of the issue (default: 2025-W38)")
    parser.add_argument("--gold", type=Path, default=REPO / "tests" / "deals" / "gold" / "dev")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tracker-screenshots-") as folder:
        work = Path(folder)
        db, _ = build_warehouse(read_gold(args.gold), work)
        rendered = render_issue(str(db), str(work / "out"), args.week)
        issue_html = Path(rendered["files"]["html"]).read_text(encoding="utf-8")
        for width, height in SCREENS.items():
            png = args.out / f"issue-{args.week}-{width}.png"
            shoot(issue_html, width, height, png, work)
            print(png)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
