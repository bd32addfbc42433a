"""The README's screenshots: the issue of a week of real coverage, as a reader sees it.

    .venv/bin/python docs/screenshots/shoot.py [--week 2025-W38] [--gold tests/deals/gold/dev]

Runs the real pipeline on the development part of the deal gold set (real published coverage,
paraphrased: the articles are stored as the crawler stores pages, then extracted, loaded and
resolved into deals by the same code as the weekly run, in a temporary warehouse), renders the
readers' issue of one ISO week, and photographs its HTML edition with headless Chromium at
1200 px (a desktop) and 390 px (a phone). Headless Chromium lays no window out narrower than
500 px, so the issue is shown in an iframe of exactly the screen's width
(newsletter_templates/browser.py, as in the browser tests). The deal resolver is the one
TRACKER_DEAL_RESOLVER names, as in a weekly run.

Writes docs/screenshots/issue-<week>-1200.png and issue-<week>-390.png.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from app.deal_evaluation.pipeline import build_warehouse
from app.newsletter import render_issue
from newsletter_templates.browser import screenshot
from warehouse.deal_evaluation.gold import read_gold

REPO = Path(__file__).resolve().parents[2]

SCREENS = {1200: 1500, 390: 1700}  # width -> height of the shot, CSS px


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
            shot = screenshot(issue_html, width, height, work, f"issue-{args.week}-{width}")
            png = args.out / shot.name
            shutil.copyfile(shot, png)
            print(png)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
