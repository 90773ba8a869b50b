"""histkg's EDTF profile, computed here: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, seasons
``YYYY-21``..``YYYY-24`` and intervals ``A/B`` of those.

Bounds follow the project's convention (``ontology/README.md``, checked by the TimeSpan shape):
the begin is the strict lower bound at ``T00:00:00``, the end the strict upper bound at
``T23:59:59``, no time zone. Seasons are spring March-May (21), summer June-August (22), autumn
September-November (23) and winter December of the same year (24), as python-edtf computes them;
``tests/test_ingest_dates.py`` compares these bounds with python-edtf's ``lower_strict`` and
``upper_strict``.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

__all__ = ["SEASONS", "begin_of", "bounds", "end_of", "format_days", "format_month"]

SEASONS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 12)}
_SINGLE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def _single_bounds(value: str) -> tuple[date, date]:
    match = _SINGLE.match(value)
    if not match:
        raise ValueError(f"{value!r} is outside histkg's EDTF profile")
    year = int(match[1])
    if match[2] is None:
        return date(year, 1, 1), date(year, 12, 31)
    month = int(match[2])
    if month in SEASONS:
        first, last = SEASONS[month]
        return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])
    if match[3] is None:
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    day = date(year, month, int(match[3]))
    return day, day


def bounds(value: str) -> tuple[date, date]:
    """The first and last day an EDTF value of the profile covers."""
    if "/" in value:
        start, end = value.split("/", 1)
        return _single_bounds(start)[0], _single_bounds(end)[1]
    return _single_bounds(value)


def begin_of(day: date) -> str:
    return f"{day.isoformat()}T00:00:00"


def end_of(day: date) -> str:
    return f"{day.isoformat()}T23:59:59"


def format_days(first: date, last: date) -> str:
    """A day, or an interval of days."""
    return first.isoformat() if first == last else f"{first.isoformat()}/{last.isoformat()}"


def format_month(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"
