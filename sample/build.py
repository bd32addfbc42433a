"""Build the offline sample web from ``sample/articles`` and ``sample/templates``.

Usage::

    .venv/bin/python sample/build.py            # rebuilds sample/site, sample/editions/ and the keys
    .venv/bin/python sample/build.py --out DIR  # builds DIR/, DIR/../editions/, DIR/../gold*.jsonl

or, from Python, ``build(out_dir)`` of the ``sitebuild`` package next to this file.

Besides the current site it writes the *editions* listed in ``sample/editions.toml`` (the web as it
stood at an earlier time, replayed by ``tracker run --sample`` before the current site), the
extraction answer key ``gold.jsonl`` and the deal answer key ``gold_deals.jsonl`` (from the
``deal = "<key>"`` of every gold commitment and the deals of ``sample/deals.toml``).

The build is deterministic (no clock, no randomness, sorted inputs): running it twice gives the
same bytes. Every URL it writes is absolute and starts with the placeholder ``__BASE__/sites/``;
the loopback server used by ``tracker run --sample`` swaps ``__BASE__`` for its own address.

This file is only the command line: run as a script, its own folder is on ``sys.path``, so the
``sitebuild`` package beside it imports as a top-level package.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sitebuild import SITE_DIR, BuildError, build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the offline sample web, its editions and answer keys.")
    parser.add_argument("--out", type=Path, default=SITE_DIR, help="site directory (wiped; editions/ go next to it)")
    parser.add_argument("--gold", type=Path, default=None, help="gold JSONL (default: next to --out)")
    args = parser.parse_args(argv)
    try:
        stats = build(args.out, args.gold)
    except BuildError as exc:
        print(f"build.py: error: {exc}", file=sys.stderr)
        return 2
    per = ", ".join(f"{k} {v}" for k, v in stats["per_publisher"].items())
    print(
        f"built {stats['articles']} articles ({per}) into {stats['out_dir']}; "
        f"{stats['gold']} gold lines in {stats['gold_path']}, {stats['deals']} deals in gold_deals.jsonl; "
        f"editions {' '.join(stats['editions']) or '(none)'}; "
        f"{len(stats['weeks'])} ISO weeks: {' '.join(stats['weeks'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
