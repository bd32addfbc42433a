"""The argument types and shared options of the `tracker` command line.

Each type turns one command-line string into a value or raises argparse.ArgumentTypeError with a
message the user can act on; the parser (`OneLineParser`) turns any argument error into one line and
exit status 2 (`UsageError`, caught by tracker/cli.py). tracker/cli.py wires these into its commands.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from common import settings
from common.weeks import parse_week
from tracker.files import describe_size


class UsageError(Exception):
    """A problem with the user's arguments or input files (exit status 2)."""


class OneLineParser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line and exit 2."""

    def error(self, message: str) -> None:  # argparse's API
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def parse_week_arg(value: str) -> str:
    try:
        return parse_week(value).label
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_existing_file(value: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {value}")
    return path


def describe_line_limit() -> str:
    return describe_size(settings.MAX_INPUT_LINE_BYTES)


def make_count_parser(minimum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid number: {value!r}") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}: {value}")
        return number

    return parse


def parse_port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {value!r}: expected 0 to 65535")
    return port


def parse_correction(value: str) -> dict:
    deal_id, sep, rest = value.partition(":")
    field, eq, new = rest.partition("=")
    if not (sep and eq and deal_id and field):
        raise argparse.ArgumentTypeError(f"invalid correction {value!r}: expected DEAL_ID:FIELD=VALUE")
    return {"deal_id": deal_id.strip(), "field": field.strip(), "value": new.strip()}


def add_paths(parser: argparse.ArgumentParser, out_help: str | None = "output folder") -> None:
    parser.add_argument("--db", default=settings.DEFAULT_DB, help="DuckDB file (default: %(default)s)")
    if out_help:
        parser.add_argument("--out", default=settings.DEFAULT_OUT, help=f"{out_help} (default: %(default)s)")


def add_source_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--sources", type=parse_existing_file, metavar="FILE",
                       help="sources registry (TOML; default: the production registry spiders/sources.toml)")
    group.add_argument(
        "--sample",
        action="store_true",
        help="use the bundled sample corpus, served from a loopback HTTP server",
    )
