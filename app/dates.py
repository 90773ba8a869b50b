"""Dates in words, as a reference work prints them, from EDTF values and relative offsets.

Pure functions, no store and no web framework. Examples (they run as doctests,
``tests/test_doctests.py``; ranges are printed with an en dash, U+2013):

>>> edtf_in_words("1931-09-18"), edtf_in_words("1931-09"), edtf_in_words("1932-22")
('18 September 1931', 'September 1931', 'summer 1932')
>>> [edtf_in_words(v).replace(EN_DASH, "-") for v in ("1904/1905", "1931-10-02/1931-10-30")]
['1904-05', '2-30 October 1931']
>>> edtf_in_words("[1931-10-02..1931-10-30]").replace(EN_DASH, "-")  # one unknown day of it
'one day in 2-30 October 1931'
>>> edtf_in_words("1931-09-18/1932-02-27").replace(EN_DASH, "-")
'18 September 1931 - 27 February 1932'
>>> edtf_in_words("1931~"), edtf_in_words("1931?"), edtf_in_words("1931%")
('about 1931', '1931 (uncertain)', 'about 1931 (uncertain)')
>>> date_in_words(DateFacts(edtf="1931-09-23", relative_to="Mukden Incident",
...     offset_min="P5D", offset_max="P5D", relative_article=True))
'23 September 1931, five days after the Mukden Incident'
>>> edtf_bounds("1932-24")  # winter is December of its year
(datetime.date(1932, 12, 1), datetime.date(1932, 12, 31))

histkg's EDTF profile (``ontology/shapes.ttl``) is YYYY, YYYY-MM, YYYY-MM-DD and the seasons
YYYY-21..24, each with an optional ``? ~ %`` qualifier, intervals of those, and one day of a
range (``[A..B]``, EDTF's "one of a set": an event on one unknown day, not one that lasted
from A to B; its bounds are the range's). This module also
reads open and unknown interval ends (``..``, empty), unspecified digits (``193X``), the other
EDTF "seasons" (25-41: hemispheres, quarters, quadrimesters, semesters) and negative years;
anything else is returned as it is written. Bounds follow the shapes: a season runs over its
three months, and winter (24) is December of the same year, as python-edtf computes it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

__all__ = [
    "DateFacts",
    "date_in_words",
    "day_in_words",
    "duration_in_words",
    "edtf_bounds",
    "edtf_in_words",
    "offset_in_words",
    "one_of_range",
]

EN_DASH = "\u2013"
MONTHS = tuple(calendar.month_name)  # "", "January", ...
SEASONS = {
    21: "spring",
    22: "summer",
    23: "autumn",
    24: "winter",
    25: "spring (Northern Hemisphere)",
    26: "summer (Northern Hemisphere)",
    27: "autumn (Northern Hemisphere)",
    28: "winter (Northern Hemisphere)",
    29: "spring (Southern Hemisphere)",
    30: "summer (Southern Hemisphere)",
    31: "autumn (Southern Hemisphere)",
    32: "winter (Southern Hemisphere)",
    33: "first quarter of",
    34: "second quarter of",
    35: "third quarter of",
    36: "fourth quarter of",
    37: "first third of",
    38: "second third of",
    39: "last third of",
    40: "first half of",
    41: "second half of",
}
# First and last month of the seasons whose bounds the histkg profile fixes.
SEASON_MONTHS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 12)}
_NUMBERS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
)

_DATE = re.compile(
    r"^(?P<year>Y?-?\d{4,}|-?\d{2}[\dX]{2})(?:-(?P<month>\d\d|XX))?(?:-(?P<day>\d\d|XX))?(?P<q>[?~%]?)$"
)


@dataclass(frozen=True)
class _Date:
    """One EDTF date: year, optional month (1-12 or a season code 21-41), optional day."""

    year: int | None  # None when digits are unspecified (decade/century in ``decade``)
    decade: str | None  # "193X" -> "the 1930s"
    month: int | None
    day: int | None
    qualifier: str

    def words(self, *, with_year: bool = True, with_month: bool = True) -> str:
        if self.year is None:
            return _qualified(_unspecified(self.decade or ""), self.qualifier)
        year = _year(self.year) if with_year else ""
        if self.month is None:
            text = year
        elif self.month > 12:
            season = SEASONS.get(self.month, f"season {self.month}")
            text = f"{season} {year}".strip()
        elif self.day is None:
            text = f"{MONTHS[self.month]} {year}".strip() if with_month else ""
        else:
            month = MONTHS[self.month] if with_month else ""
            text = " ".join(part for part in (str(self.day), month, year) if part)
        return _qualified(text, self.qualifier)


def _year(year: int) -> str:
    return f"{-year + 1} BC" if year <= 0 else str(year)


def _unspecified(digits: str) -> str:
    stem = digits.rstrip("X")
    if len(digits) == 4 and len(stem) == 3:
        return f"the {stem}0s"
    if len(digits) == 4 and len(stem) == 2:
        return f"the {stem}00s"
    return digits


def _qualified(text: str, qualifier: str) -> str:
    return {
        "~": f"about {text}",
        "?": f"{text} (uncertain)",
        "%": f"about {text} (uncertain)",
    }.get(qualifier, text)


def _parse_date(text: str) -> _Date | None:
    found = _DATE.match(text)
    if found is None:
        return None
    raw_year, raw_month, raw_day = found["year"], found["month"], found["day"]
    qualifier = found["q"]
    if "X" in raw_year:
        if raw_month or raw_day:
            return None
        return _Date(None, raw_year, None, None, qualifier)
    year = int(raw_year.removeprefix("Y"))
    month = None if raw_month in (None, "XX") else int(raw_month)
    day = None if raw_day in (None, "XX") or month is None else int(raw_day)
    if month is not None and not (1 <= month <= 12 or 21 <= month <= 41):
        return None
    if day is not None and (month is None or month > 12):
        return None
    if day is not None and month and year > 0 and day > calendar.monthrange(year, month)[1]:
        return None
    if day is not None and day < 1:
        return None
    return _Date(year, None, month, day, qualifier)


def _interval_words(start: _Date, end: _Date) -> str:
    same_qualifier = start.qualifier == end.qualifier
    if start.year is not None and start.year == end.year and same_qualifier:
        if start.day and end.day and start.month == end.month:
            core = f"{start.day}{EN_DASH}{end.day} {MONTHS[start.month or 0]} {_year(start.year)}"
            return _qualified(core, start.qualifier)
        months = bool(start.month and end.month) and max(start.month or 0, end.month or 0) <= 12
        if months and (start.day is None) == (end.day is None):
            first = _Date(start.year, None, start.month, start.day, "").words(with_year=False)
            last = _Date(end.year, None, end.month, end.day, "").words()
            sep = EN_DASH if start.day is None else f" {EN_DASH} "
            return _qualified(f"{first}{sep}{last}", start.qualifier)
    both_years = start.month is None and end.month is None
    if both_years and start.year and end.year and same_qualifier and 0 < start.year < end.year:
        first, last = str(start.year), str(end.year)
        if first[:2] == last[:2] and len(first) == len(last) == 4:
            last = last[2:]
        return _qualified(f"{first}{EN_DASH}{last}", start.qualifier)
    return f"{start.words()} {EN_DASH} {end.words()}"


_ONE_OF: re.Pattern[str] = re.compile(r"^\[([^\[\].,]+)\.\.([^\[\].,]+)\]$")


def one_of_range(value: str) -> bool:
    """True for EDTF's one day of a range, ``[A..B]``: one unknown day, not a span."""
    return _ONE_OF.match(value.strip()) is not None


def _as_interval(value: str) -> str:
    """``[A..B]`` as ``A/B``, for bounds and words; anything else unchanged."""
    match = _ONE_OF.match(value.strip())
    return f"{match.group(1)}/{match.group(2)}" if match else value


def edtf_in_words(value: str) -> str:
    """An EDTF date or interval in words; a value this module cannot read is returned as is."""
    if one_of_range(value):
        words = edtf_in_words(_as_interval(value))
        return value if words == _as_interval(value) else f"one day in {words}"
    text = value.strip()
    if "/" in text:
        first, _, second = text.partition("/")
        start = _parse_date(first) if first not in ("", "..") else None
        end = _parse_date(second) if second not in ("", "..") else None
        if start is not None and end is not None:
            return _interval_words(start, end)
        if start is not None and second in ("", ".."):
            return f"from {start.words()}" + (" onwards" if second == ".." else " (end unknown)")
        if end is not None and first in ("", ".."):
            return f"until {end.words()}" + ("" if first == ".." else " (start unknown)")
        return value
    single = _parse_date(text)
    return value if single is None else single.words()


def _bounds(single: _Date) -> tuple[date, date] | None:
    if single.year is None or single.year <= 0:
        return None
    year = single.year
    if single.month is None:
        return date(year, 1, 1), date(year, 12, 31)
    if single.month > 12:
        if single.month not in SEASON_MONTHS:
            return None
        first, last = SEASON_MONTHS[single.month]
        return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])
    if single.day is None:
        return date(year, single.month, 1), date(
            year, single.month, calendar.monthrange(year, single.month)[1]
        )
    return date(year, single.month, single.day), date(year, single.month, single.day)


def edtf_bounds(value: str) -> tuple[date, date] | None:
    """The first and last day an EDTF value covers (strict bounds, qualifiers ignored), if known."""
    first, slash, second = _as_interval(value).strip().partition("/")
    start = _parse_date(first)
    end = _parse_date(second) if slash else start
    if start is None or end is None:
        return None
    start_bounds, end_bounds = _bounds(start), _bounds(end)
    if start_bounds is None or end_bounds is None:
        return None
    return start_bounds[0], end_bounds[1]


def day_in_words(day: date) -> str:
    """A calendar day in words: ``18 September 1931``."""
    return f"{day.day} {MONTHS[day.month]} {day.year}"


_DURATION = re.compile(
    r"^(?P<sign>-?)P(?:(?P<Y>\d+)Y)?(?:(?P<M>\d+)M)?(?:(?P<W>\d+)W)?(?:(?P<D>\d+)D)?"
    r"(?:T(?:(?P<H>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<S>\d+(?:\.\d+)?)S)?)?$"
)
_UNITS = (
    ("Y", "year"),
    ("M", "month"),
    ("W", "week"),
    ("D", "day"),
    ("H", "hour"),
    ("m", "minute"),
)


def _number(n: int) -> str:
    return _NUMBERS[n] if n < len(_NUMBERS) else str(n)


def _parts(lexical: str) -> tuple[bool, list[tuple[int, str]]] | None:
    """Sign and (amount, unit) parts of an xsd:duration; whole weeks of days become weeks."""
    found = _DURATION.match(lexical.strip())
    if found is None or lexical.strip() in ("P", "-P", "PT"):
        return None
    parts = [(int(found[code]), unit) for code, unit in _UNITS if found[code]]
    if found["S"]:
        parts.append((round(float(found["S"])), "second"))
    if len(parts) == 1 and parts[0][1] == "day" and parts[0][0] >= 14 and parts[0][0] % 7 == 0:
        parts = [(parts[0][0] // 7, "week")]
    return found["sign"] == "-", parts


def _join(parts: list[tuple[int, str]]) -> str:
    words = [f"{_number(n)} {unit}{'' if n == 1 else 's'}" for n, unit in parts]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def duration_in_words(lexical: str) -> str | None:
    """An ``xsd:duration`` in words without its sign: ``P5D`` is ``five days``, ``P14D`` is
    ``two weeks``; None when it is not a duration."""
    parsed = _parts(lexical)
    return None if parsed is None or not parsed[1] else _join(parsed[1])


def offset_in_words(least: str | None, greatest: str | None) -> tuple[str, bool] | None:
    """Words for an offset given as least and greatest ``xsd:duration``, and whether it points
    backwards in time: ``("five days", False)``, ``("two to six weeks", False)``."""
    parsed = [p for p in (_parts(least or ""), _parts(greatest or "")) if p is not None and p[1]]
    if not parsed:
        return None
    backwards = parsed[0][0]
    if len(parsed) == 1 or parsed[0] == parsed[1]:
        return _join(parsed[0][1]), backwards
    (_, low), (_, high) = parsed
    if len(low) == len(high) == 1 and low[0][1] == high[0][1]:
        unit = low[0][1]
        return f"{_number(low[0][0])} to {_number(high[0][0])} {unit}s", backwards
    return f"{_join(low)} to {_join(high)}", backwards


@dataclass(frozen=True)
class DateFacts:
    """What the graph says about one date (a ``crm:E52_Time-Span`` or a bare phrase)."""

    edtf: str | None = None
    """The ``hk:edtf`` value."""
    phrase: str | None = None
    """The source's own words (the time-span's ``rdfs:label``, or ``hk:datePhrase``)."""
    relative_to: str | None = None
    """Label of the event a relative date counts from (``hk:relativeTo``)."""
    relative_article: bool = True
    """Whether the anchor's label takes "the" in a sentence ("after the Mukden Incident")."""
    offset_min: str | None = None
    """Least offset from the end of that event, an ``xsd:duration`` (``hk:offsetMin``)."""
    offset_max: str | None = None
    """Greatest offset (``hk:offsetMax``)."""
    derivation: str | None = None
    """How the date was worked out, in words (``hk:derivation``)."""
    begin: date | None = None
    """First day it may cover (``crm:P82a_begin_of_the_begin``, or the EDTF lower bound)."""
    end: date | None = None
    """Last day it may cover (``crm:P82b_end_of_the_end``, or the EDTF upper bound)."""

    @property
    def bounds(self) -> tuple[date, date] | None:
        """First and last day, from the stored bounds or else from the EDTF value."""
        if self.begin is not None and self.end is not None:
            return self.begin, self.end
        return edtf_bounds(self.edtf) if self.edtf else None

    @property
    def exact_day(self) -> bool:
        """True when the date is one known day."""
        bounds = self.bounds
        return bounds is not None and bounds[0] == bounds[1]


def date_in_words(facts: DateFacts) -> str:
    """The date as a reader wants it: the absolute date, then, for a relative date, its relation.

    ``23 September 1931, five days after the Mukden Incident``; without an EDTF value the
    source's phrase is used; an empty string when nothing is known.
    """
    absolute = edtf_in_words(facts.edtf) if facts.edtf else ""
    if facts.relative_to:
        offset = offset_in_words(facts.offset_min, facts.offset_max)
        anchor = f"the {facts.relative_to}" if facts.relative_article else facts.relative_to
        if offset is not None:
            words, backwards = offset
            relation = f"{words} {'before' if backwards else 'after'} {anchor}"
            return f"{absolute}, {relation}" if absolute else relation
    if absolute:
        return absolute
    return facts.phrase or ""
