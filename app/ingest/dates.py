"""Date expressions of a page's body, as EDTF values with strict bounds.

Absolute expressions: a day ("14 September", "September 14, 1931"), a month ("September 1931"),
a season ("the summer of 1932" is ``1932-22``), a year ("1932"), a decade ("the 1920s"), and
year ranges ("1904–05" is ``1904/1905``, "between 1929 and 1933"). Relative expressions:
"Five days after the Mukden Incident", "A few weeks after ...", "A year later", "the next day".

Rules, each recorded in words with the date it produced:

* A day or month without a year takes the year of the graph's date of the event it is given
  for ("the Mukden Incident of 18 September"), else that of the nearest earlier date of the text
  that is not a range (a range such as "1904–05" is background, not the narrative's time).
* "N units after EVENT" counts from the end of the event's time-span in the graph, "before" from
  its start (``ontology/README.md``). Quantities: a/an/one ... twelve, digits; "a few" is read as
  2 to 6, "several" as 3 to 9, "a couple of" as 2. Weeks are counted as 7 days.
* "N units later/earlier", "the next/following day", "the previous day" count from the nearest
  earlier date of the text. Years after a year, or months after a month, keep that precision
  ("A year later" after "In 1932" is 1933); otherwise the bounds are moved by days.
* An expression whose anchor is missing (an event the graph does not date, no earlier date, no
  year anywhere before) is kept with no EDTF value, and the rule says why.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from app.ingest import edtf
from app.ingest.graph import EventSpan

__all__ = ["DateMention", "DateValue", "EventMention", "find_dates"]

_MONTHS = {name: i for i, name in enumerate(calendar.month_name) if name}
_MONTH = "(?P<month>" + "|".join(_MONTHS) + ")"
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_VAGUE = {"a few": (2, 6), "several": (3, 9), "a couple of": (2, 2)}
_QUANTITY = r"(?P<qty>a few|several|a couple of|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,3})"  # noqa: E501
_UNIT = r"(?P<unit>day|week|month|year)s?"
_NAME = re.compile(r"[A-Z][\w’'-]*(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w’'-]*)*")
_SEASONS = {"spring": 21, "summer": 22, "autumn": 23, "fall": 23, "winter": 24}

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "event-relative",
        re.compile(rf"\b{_QUANTITY}\s+{_UNIT}\s+(?P<dir>after|before)\s+(?:the\s+)?", re.I),
    ),
    ("text-relative", re.compile(rf"\b{_QUANTITY}\s+{_UNIT}\s+(?P<dir>later|earlier)\b", re.I)),
    (
        "next",
        re.compile(
            r"\bthe\s+(?P<dir>next|following|previous|preceding)\s+(?P<unit>day|week|month|year)\b",
            re.I,
        ),
    ),
    ("day", re.compile(rf"\b(?P<day>\d{{1,2}})\s+{_MONTH}(?:,?\s+(?P<year>\d{{4}}))?\b")),
    ("day", re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:,\s*(?P<year>\d{{4}}))?\b")),
    (
        "season",
        re.compile(
            r"\b(?:the\s+)?(?P<season>spring|summer|autumn|fall|winter)\s+(?:of\s+)?(?P<year>\d{4})\b",
            re.I,
        ),
    ),
    ("month", re.compile(rf"\b{_MONTH}\s+(?:of\s+)?(?P<year>\d{{4}})\b")),
    (
        "month",
        re.compile(rf"\b(?:[Ii]n|[Bb]y|of|until|since|during|early|late)\s+(?P<span>{_MONTH})\b"),
    ),
    (
        "range",
        re.compile(r"\b(?:between|from)\s+(?P<y1>\d{4})\s+(?:and|to|until)\s+(?P<y2>\d{4})\b"),
    ),
    ("range", re.compile(r"\b(?P<y1>\d{4})\s*[–-]\s*(?P<y2>\d{2}|\d{4})\b")),
    ("decade", re.compile(r"\bthe\s+(?P<decade>\d{3}0)s\b")),
    ("year", re.compile(r"(?<![\d–-])\b(?P<year>1[0-9]{3}|20[0-9]{2})\b(?![\d–-])")),
]


@dataclass(frozen=True)
class DateValue:
    """An EDTF value with its first and last day and its precision."""

    edtf: str
    earliest: date
    latest: date
    precision: str  # day, month, season, year, range

    @classmethod
    def of(cls, value: str, precision: str) -> DateValue:
        first, last = edtf.bounds(value)
        return cls(value, first, last, precision)


@dataclass(frozen=True)
class EventMention:
    """An event of the graph named in the text (from the mention finder)."""

    start: int
    end: int
    event: str


@dataclass(frozen=True)
class DateMention:
    """A date expression: its span in the clean text, its value, and how it was obtained."""

    text: str
    start: int
    end: int
    value: DateValue | None
    rule: str
    relative_to: str | None = None  # an event IRI, or "#/dates/N" for a date of the text
    anchor_event: str | None = None
    offset_min: str | None = None  # xsd:duration
    offset_max: str | None = None

    def to_json(self) -> dict[str, object]:
        value = self.value
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "edtf": value.edtf if value else None,
            "earliest": edtf.begin_of(value.earliest) if value else None,
            "latest": edtf.end_of(value.latest) if value else None,
            "relative_to": self.relative_to,
            "rule": self.rule,
        }


def _quantity(text: str) -> tuple[int, int]:
    key = " ".join(text.lower().split())
    if key in _VAGUE:
        return _VAGUE[key]
    n = int(key) if key.isdigit() else _NUMBERS[key]
    return n, n


def _shift(day: date, unit: str, amount: int) -> date:
    if unit in ("day", "week"):
        return day + timedelta(days=amount * (7 if unit == "week" else 1))
    months = day.month - 1 + amount * (12 if unit == "year" else 1)
    year, month = day.year + months // 12, months % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _duration(unit: str, amount: int) -> str:
    if unit == "week":
        return f"P{amount * 7}D"
    return f"P{amount}{ {'day': 'D', 'month': 'M', 'year': 'Y'}[unit] }"


def _move(anchor: DateValue, unit: str, low: int, high: int, from_end: bool) -> DateValue:
    """The anchor moved by low..high units (negative: earlier), keeping coarse precision."""
    if unit == "year" and anchor.precision == "year":
        low_year, high_year = anchor.earliest.year + low, anchor.earliest.year + high
        years = str(low_year) if low_year == high_year else f"{low_year}/{high_year}"
        return DateValue.of(years, "year")
    if unit in ("month", "year") and anchor.precision == "month":
        months = 12 if unit == "year" else 1
        a, b = (
            _shift(anchor.earliest, "month", low * months),
            _shift(anchor.earliest, "month", high * months),
        )
        value = edtf.format_month(a.year, a.month)
        if a != b:
            value += "/" + edtf.format_month(b.year, b.month)
        return DateValue.of(value, "month")
    coarse = anchor.precision in ("month", "season", "year")
    base_low = anchor.earliest if coarse or not from_end else anchor.latest
    base_high = anchor.latest if coarse or from_end else anchor.earliest
    first, last = _shift(base_low, unit, low), _shift(base_high, unit, high)
    return DateValue.of(edtf.format_days(first, last), "day" if first == last else "range")


def _span(value: DateValue) -> str:
    return value.edtf.replace("/", " to ")


@dataclass
class _Finder:
    text: str
    events: dict[str, EventSpan]
    event_mentions: list[EventMention]
    before: DateMention | None = None  # the last date of the pages before (a book)

    def candidates(self) -> list[tuple[int, int, str, re.Match[str]]]:
        found = []
        for kind, pattern in _PATTERNS:
            for match in pattern.finditer(self.text):
                start, end = match.span("span") if "span" in match.re.groupindex else match.span()
                if kind == "event-relative":
                    mention = next((m for m in self.event_mentions if m.start == end), None)
                    name = _NAME.match(self.text, end)
                    if mention is None and name is None:
                        continue
                    end = mention.end if mention else name.end()  # type: ignore[union-attr]
                found.append((start, end, kind, match))
        # Longest first at each start; drop anything overlapping an earlier choice.
        found.sort(key=lambda c: (c[0], -(c[1] - c[0])))
        chosen: list[tuple[int, int, str, re.Match[str]]] = []
        for candidate in found:
            if all(candidate[0] >= c[1] or candidate[1] <= c[0] for c in chosen):
                chosen.append(candidate)
        return chosen

    def run(self) -> list[DateMention]:
        dates: list[DateMention] = []
        for start, end, kind, match in self.candidates():
            mention = getattr(self, "_" + kind.replace("-", "_"))(match, dates)
            dates.append(replace(mention, text=self.text[start:end], start=start, end=end))
        return dates

    # -------------------------------------------------------------- absolute expressions

    def _year_for(self, match: re.Match[str], dates: list[DateMention]) -> tuple[int, str] | None:
        before = self.text[: match.start()]
        for mention in self.event_mentions:
            if re.fullmatch(r"\s+of\s+", before[mention.end :]) and mention.event in self.events:
                span = self.events[mention.event]
                return span.earliest.year, (
                    f"the year from the graph's date of {span.label} ({span.edtf}), "
                    "the event it is given for"
                )
        for earlier in reversed(dates):
            if earlier.value and earlier.value.precision != "range":
                return earlier.value.earliest.year, (
                    f"the year from the nearest earlier date of the text (“{earlier.text}”)"
                )
        if self.before is not None and self.before.value is not None:
            return self.before.value.earliest.year, (
                f"the year from the nearest earlier date, on the page before (“{self.before.text}”)"
            )
        return None

    def _day(self, match: re.Match[str], dates: list[DateMention]) -> DateMention:
        month, day = _MONTHS[match["month"]], int(match["day"])
        if match["year"]:
            year, rule = int(match["year"]), "as written"
        elif found := self._year_for(match, dates):
            year, rule = found[0], "day and month from the text; " + found[1]
        else:
            return DateMention("", 0, 0, None, "no year in the text before it")
        try:
            value = DateValue.of(date(year, month, day).isoformat(), "day")
        except ValueError:
            return DateMention("", 0, 0, None, "no such day")
        return DateMention("", 0, 0, value, rule)

    def _month(self, match: re.Match[str], dates: list[DateMention]) -> DateMention:
        month = _MONTHS[match["month"]]
        if match.groupdict().get("year"):
            year, rule = int(match["year"]), "as written"
        elif found := self._year_for(match, dates):
            year, rule = found[0], "month from the text; " + found[1]
        else:
            return DateMention("", 0, 0, None, "no year in the text before it")
        return DateMention("", 0, 0, DateValue.of(edtf.format_month(year, month), "month"), rule)

    def _season(self, match: re.Match[str], dates: list[DateMention]) -> DateMention:
        code = _SEASONS[match["season"].lower()]
        value = DateValue.of(f"{match['year']}-{code}", "season")
        return DateMention("", 0, 0, value, f"season code {code} ({match['season'].lower()})")

    def _range(self, match: re.Match[str], dates: list[DateMention]) -> DateMention:
        first, last = match["y1"], match["y2"]
        if len(last) == 2:
            last = first[:2] + last
        if int(last) < int(first):
            return DateMention("", 0, 0, None, "range ends before it starts")
        return DateMention("", 0, 0, DateValue.of(f"{first}/{last}", "range"), "year range")

    def _decade(self, match: re.Match[str], dates: list[DateMention]) -> DateMention:
        first = int(match["decade"])
        value = DateValue.of(f"{first}/{first + 9}", "range")
        return DateMention("", 0, 0, value, "a decade as the interval of its years")

    def _year(self, match: re.Match[str], dates: list[DateMention]) -> DateMention:
        return DateMention("", 0, 0, DateValue.of(match["year"], "year"), "as written")

    # -------------------------------------------------------------- relative expressions

    def _event_relative(self, match: re.Match[str], dates: list[DateMention]) -> DateMention:
        mention = next((m for m in self.event_mentions if m.start == match.end()), None)
        low, high = _quantity(match["qty"])
        unit, after = match["unit"].lower(), match["dir"].lower() == "after"
        words = self._reading(match["qty"], unit, low, high)
        span = self.events.get(mention.event) if mention else None
        if mention is None or span is None:
            return DateMention(
                "", 0, 0, None, f"{words} {match['dir']} an event the graph does not date"
            )
        anchor = DateValue.of(span.edtf, "day" if len(span.edtf) == 10 else "range")
        anchor = replace(anchor, earliest=span.earliest, latest=span.latest)
        value = _move(anchor, unit, low if after else -high, high if after else -low, after)
        rule = (
            f"{words} {'after the end' if after else 'before the start'} of {span.label} "
            f"({span.edtf}, from the graph): {_span(value)}"
        )
        # hk:offsetMin/Max are delays after the end of the anchor: only "after" has them.
        return DateMention(
            "", 0, 0, value, rule, relative_to=mention.event, anchor_event=mention.event,
            offset_min=_duration(unit, low) if after else None,
            offset_max=_duration(unit, high) if after else None,
        )  # fmt: skip

    def _reading(self, quantity: str, unit: str, low: int, high: int) -> str:
        said = " ".join(quantity.split()).capitalize()
        if low == high:
            return f"{said} {unit}{'s' if low > 1 else ''} ({_duration(unit, low)})"
        return (
            f"“{said} {unit}s” read as {low} to {high} {unit}s "
            f"({_duration(unit, low)} to {_duration(unit, high)})"
        )

    def _text_relative(self, match: re.Match[str], dates: list[DateMention]) -> DateMention:
        low, high = _quantity(match["qty"])
        later = match["dir"].lower() == "later"
        words = self._reading(match["qty"], match["unit"].lower(), low, high)
        return self._from_earlier(match["unit"].lower(), low, high, later, words, dates)

    def _next(self, match: re.Match[str], dates: list[DateMention]) -> DateMention:
        later = match["dir"].lower() in ("next", "following")
        words = f"the {match['dir'].lower()} {match['unit'].lower()} (one {match['unit']})"
        return self._from_earlier(match["unit"].lower(), 1, 1, later, words, dates)

    def _from_earlier(
        self, unit: str, low: int, high: int, later: bool, words: str, dates: list[DateMention]
    ) -> DateMention:
        for index in range(len(dates) - 1, -1, -1):
            anchor = dates[index].value
            if anchor is None:
                continue
            shift = (low, high) if later else (-high, -low)
            value = _move(anchor, unit, shift[0], shift[1], True)
            rule = (
                f"{words} {'after' if later else 'before'} the nearest earlier date of the text "
                f"(“{dates[index].text}”, {anchor.edtf}): {_span(value)}"
            )
            return DateMention("", 0, 0, value, rule, relative_to=f"#/dates/{index}")
        return DateMention("", 0, 0, None, f"{words}, but no earlier date in the text")


def find_dates(
    text: str,
    events: dict[str, EventSpan],
    event_mentions: list[EventMention],
    before: DateMention | None = None,
) -> list[DateMention]:
    """Every date expression of ``text`` in text order, resolved where an anchor is known;
    ``before``: the last date of the pages before, which gives a year to a day or month at the
    top of a book's page that the page does not give ("31 December")."""
    mentions = sorted(event_mentions, key=lambda m: m.start)
    return _Finder(text, events, mentions, before).run()
