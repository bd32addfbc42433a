"""ISO weeks (`2025-W21`): parsing, labels and date ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class IsoWeek:
    year: int
    week: int

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def start(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)


def parse_week(value: str) -> IsoWeek:
    """Parse `YYYY-Www`; raise ValueError naming the problem."""
    match = _WEEK.match(value.strip())
    if not match:
        raise ValueError(f"invalid week {value!r}: expected YYYY-Www, e.g. 2025-W21")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"invalid week {value!r}: {year} has no ISO week {week}") from None
    return IsoWeek(year, week)


def week_of(day: date) -> IsoWeek:
    iso = day.isocalendar()
    return IsoWeek(iso.year, iso.week)


def current_week() -> IsoWeek:
    return week_of(date.today())
