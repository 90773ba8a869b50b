"""histkg's EDTF profile, computed here: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, seasons
``YYYY-21``..``YYYY-24`` and intervals ``A/B`` of those.

Bounds follow the project's convention (``ontology/README.md``, checked by the TimeSpan shape):
the begin is the strict lower bound at ``T00:00:00``, the end the strict upper bound at
``T23:59:59``, no time zone. The days a value covers are ``app.dates.edtf_bounds``' (one
definition of the seasons for the whole app: ``app.dates.SEASON_MONTHS``); this module only
holds ingestion to the profile. ``tests/test_ingest.py`` compares these bounds with
python-edtf's ``lower_strict`` and ``upper_strict``.
"""

from __future__ import annotations

import re
from datetime import date

from app.dates import edtf_bounds

__all__ = ["begin_of", "bounds", "end_of", "format_days", "format_month"]

_SINGLE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2]|2[1-4])(?:-\d{2})?)?$")


def bounds(value: str) -> tuple[date, date]:
    """The first and last day an EDTF value of the profile covers."""
    found = edtf_bounds(value) if all(map(_SINGLE.match, value.split("/", 1))) else None
    if found is None:
        raise ValueError(f"{value!r} is outside histkg's EDTF profile")
    return found


def begin_of(day: date) -> str:
    return f"{day.isoformat()}T00:00:00"


def end_of(day: date) -> str:
    return f"{day.isoformat()}T23:59:59"


def format_days(first: date, last: date) -> str:
    """A day, or an interval of days."""
    return first.isoformat() if first == last else f"{first.isoformat()}/{last.isoformat()}"


def format_month(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"
