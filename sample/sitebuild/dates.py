"""How the publishers write a date: the Jinja2 filters of the sample templates."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime

# month and weekday names as the English-language publishers write them
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def rfc822(value: dt.datetime) -> str:
    return format_datetime(value.astimezone(dt.UTC), usegmt=True)


def rfc3339(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc822z(value: dt.datetime) -> str:  # numeric zone, as some CMSs write it
    return format_datetime(value.astimezone(dt.UTC))


def long_date(value: dt.datetime) -> str:  # 16 September 2025
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def us_date(value: dt.datetime) -> str:  # September 16, 2025
    return f"{MONTHS[value.month - 1]} {value.day}, {value.year}"


def day_date(value: dt.datetime) -> str:  # Tue 16 Sep 2025
    return f"{WEEKDAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1][:3]} {value.year}"


def hhmm(value: dt.datetime) -> str:
    return value.strftime("%H:%M")
