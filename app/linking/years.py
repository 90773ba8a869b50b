"""Dates as spans of decimal years, parsed from query text, our time-spans and Wikidata times.

Scoring only needs to know whether two periods agree, so every date becomes a ``Span``: a start
and an end in decimal years (``1931.71`` is mid-September 1931), wide enough to hold the whole
day, month, year or decade the value names. Floats rather than ``datetime.date`` because
Wikidata has dates before year 1 and python's dates do not.

Accepted query forms (``parse_when``): ``1932``, ``1932-05``, ``1931-09-18`` (also with a time),
``1930s``, ``193X``, EDTF seasons (``1932-22`` is summer), ranges ``1881-1969``, ``1881-1969``
and ``1904/1905``, and approximate years (``c. 1932``, ``ca 1932``, ``~1932``, ``1932?``),
which are widened by ``APPROXIMATE`` years on each side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from app.dates import SEASON_MONTHS

__all__ = ["APPROXIMATE", "Span", "parse_when", "span_of_datetime", "span_of_wikidata_time"]

#: Years added on each side of a date marked approximate (``c. 1932``).
APPROXIMATE: Final = 2.0
_DAYS_BEFORE_MONTH: Final = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365)
#: EDTF season codes and their months, as the whole app reads them (winter, 24, is December of
#: the same year: histkg's EDTF profile, ``app.dates``).
_SEASONS: Final = SEASON_MONTHS


@dataclass(frozen=True)
class Span:
    """A period from ``start`` to ``end`` in decimal years; ``text`` says it in words."""

    start: float
    end: float
    text: str

    def overlaps(self, other: Span, slack: float = 0.0) -> bool:
        """True when the two periods share a moment, allowing ``slack`` years of error."""
        return self.start <= other.end + slack and other.start <= self.end + slack

    def within(self, outer: Span, slack: float = 0.0) -> bool:
        """True when this period lies inside ``outer``, allowing ``slack`` years of error."""
        return outer.start - slack <= self.start and self.end <= outer.end + slack

    def union(self, other: Span) -> Span:
        """The smallest span covering both."""
        start, end = min(self.start, other.start), max(self.end, other.end)
        return Span(start, end, _years_text(start, end))


def _day_start(year: int, month: int = 1, day: int = 1) -> float:
    """Decimal year at the start of a day (month and day clamped to the calendar)."""
    month = min(max(month, 1), 12)
    days = _DAYS_BEFORE_MONTH[month - 1] + min(max(day, 1), 31) - 1
    return year + days / 365.0


def _month_span(year: int, first: int, last: int) -> tuple[float, float]:
    """Start and end of months ``first``..``last`` (``last`` may run into the next year)."""
    end_year, end_month = (year + 1, last - 12) if last > 12 else (year, last)
    end = (
        _day_start(end_year, end_month)
        + (_DAYS_BEFORE_MONTH[end_month] - _DAYS_BEFORE_MONTH[end_month - 1]) / 365.0
    )
    return _day_start(year, first), end


def _years_text(start: float, end: float) -> str:
    first, last = int(start // 1), int((end - 1e-6) // 1)
    return str(first) if first == last else f"{first}-{last}"


_ISO = re.compile(
    r"^(?P<year>[+-]?\d{1,4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_DECADE = re.compile(r"^(?P<stem>\d{3})(?:0s|0's|[xX])$")
_CENTURY = re.compile(r"^(?P<stem>\d{2})(?:00s|[xX]{2})$")
_APPROX = re.compile(r"^(?:c\.|ca\.?|circa|about|~)\s*(?P<rest>.+)$|^(?P<rest2>.+?)\s*[~?]$", re.I)
_RANGE = re.compile(
    r"^(?P<a>[^/\u2013\u2014]+?)\s*(?:/|\u2013|\u2014|\.\.|\s-\s|-|\bto\b)\s*(?P<b>[^/\u2013\u2014]+)$",
    re.I,
)


def _parse_single(text: str) -> Span | None:
    match = _ISO.match(text)
    if match:
        year = int(match["year"])
        month = int(match["month"]) if match["month"] else None
        day = int(match["day"]) if match["day"] else None
        if month is None:
            return Span(float(year), year + 1.0, str(year))
        if month in _SEASONS and day is None:
            start, end = _month_span(year, *_SEASONS[month])
            return Span(start, end, text)
        if not 1 <= month <= 12:
            return None
        if day is None:
            start, end = _month_span(year, month, month)
            return Span(start, end, text)
        if not 1 <= day <= 31:
            return None
        start = _day_start(year, month, day)
        return Span(start, start + 1 / 365.0, f"{year:04d}-{month:02d}-{day:02d}")
    match = _DECADE.match(text)
    if match:
        first = int(match["stem"]) * 10
        return Span(float(first), first + 10.0, f"{first}s")
    match = _CENTURY.match(text)
    if match:
        first = int(match["stem"]) * 100
        return Span(float(first), first + 100.0, f"{first}s")
    return None


def parse_when(text: str) -> Span | None:
    """Parse a date, a period or a range typed by a person; ``None`` if it is none of those."""
    cleaned = " ".join(text.strip().split())
    if not cleaned:
        return None
    single = _parse_single(cleaned)
    if single is not None:
        return single
    approximate = _APPROX.match(cleaned)
    if approximate:
        inner = parse_when(approximate["rest"] or approximate["rest2"] or "")
        if inner is not None:
            return Span(inner.start - APPROXIMATE, inner.end + APPROXIMATE, f"c. {inner.text}")
    ranged = _RANGE.match(cleaned)
    if ranged:
        first, last = _parse_single(ranged["a"]), _parse_single(ranged["b"])
        if first is not None and last is not None and first.start <= last.end:
            return Span(first.start, last.end, f"{first.text}-{last.text}")
    return None


def span_of_datetime(begin: str, end: str) -> Span | None:
    """The span between two ``xsd:dateTime`` lexical values (a time-span's P82a and P82b)."""
    first, last = _parse_single(begin.strip()[:10]), _parse_single(end.strip()[:10])
    if first is None or last is None:
        return None
    whole_years = begin[4:10] == "-01-01" and end[4:10] == "-12-31"
    if whole_years:
        text = _years_text(first.start, last.end)
    else:
        text = first.text if first.text == last.text else f"{first.text}/{last.text}"
    return Span(first.start, last.end, text)


#: Wikidata time precision codes: 6 millennium, 7 century, 8 decade, 9 year, 10 month, 11 day.
_PRECISION_YEARS: Final = {6: 1000, 7: 100, 8: 10}


def span_of_wikidata_time(time: str, precision: int) -> Span | None:
    """The span a Wikidata time value covers (``+1881-02-04T00:00:00Z``, precision 11)."""
    match = re.match(r"^(?P<year>[+-]?\d+)-(?P<month>\d{2})-(?P<day>\d{2})T", time)
    if not match:
        return None
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    if precision >= 11 and month and day:
        start = _day_start(year, month, day)
        return Span(start, start + 1 / 365.0, f"{year:04d}-{month:02d}-{day:02d}")
    if precision == 10 and month:
        start, end = _month_span(year, month, month)
        return Span(start, end, f"{year:04d}-{month:02d}")
    if precision == 9:
        return Span(float(year), year + 1.0, str(year))
    width = _PRECISION_YEARS.get(precision)
    if width is None:
        return None
    # Wikidata writes a decade as a year inside it (1930 or 1935 for the 1930s); a century as a
    # year inside it too (1901 or 1950 for the 20th century), counted from year 1.
    if width == 10:
        first = year // 10 * 10
        return Span(float(first), first + 10.0, f"{first}s")
    first = (year - 1) // width * width + 1 if year > 0 else year // width * width
    return Span(float(first), first + float(width), _years_text(first, first + width))
