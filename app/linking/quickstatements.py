"""QuickStatements v1 commands: values, statement lines and item-creation blocks.

The grammar is the one of Wikidata's ``Help:QuickStatements`` ("Command sequence syntax",
https://www.wikidata.org/wiki/Help:QuickStatements): one command a line, its parts separated
by TABs; a statement is ``ITEM<TAB>Pnnn<TAB>VALUE``, followed by qualifier pairs
``Pnnn<TAB>VALUE`` and source pairs ``Snnn<TAB>VALUE`` (all sources of one line make one
reference, so a second reference is a second line with the same statement); ``CREATE`` makes an
item that the following ``LAST`` lines describe (``LAST<TAB>Len<TAB>"label"``, ``Den``
description). Values: an item ``Q42``; a string ``"text"``; a monolingual text ``en:"text"``;
a time ``+1931-09-18T00:00:00Z/11`` (precision 9 year, 10 month, 11 day; the parts finer than
the precision are zero).

Texts are made safe for that grammar here, once: a TAB or line break would split the command
and QuickStatements also takes ``|`` as a separator, so whitespace runs become one space and
``|`` becomes ``¦``; Wikidata keeps strings to 1,500 characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

__all__ = [
    "MAX_TEXT",
    "PRECISION",
    "Snak",
    "item",
    "line",
    "monolingual",
    "string",
    "time",
]

MAX_TEXT: Final = 1500
#: Wikidata's time precisions by name (Help:Dates).
PRECISION: Final = {"decade": 8, "year": 9, "month": 10, "day": 11}
_QID: Final = re.compile(r"^Q[1-9][0-9]*$")
_LANGUAGE: Final = re.compile(r"^[a-z]{2,3}(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Snak:
    """One property-value pair of a command: ``P710 Q34266``, ``S304 "103"``."""

    property: str
    value: str

    def cells(self) -> tuple[str, str]:
        return (self.property, self.value)


def _clean(text: str) -> str:
    cleaned = " ".join(text.split()).replace("|", "¦")
    if not cleaned:
        raise ValueError("an empty text cannot be exported")
    if len(cleaned) > MAX_TEXT:
        cleaned = cleaned[: MAX_TEXT - 1] + "…"
    return cleaned


def item(qid: str) -> str:
    """An item value; refuses anything that is not a QID."""
    if not _QID.match(qid):
        raise ValueError(f"not a Wikidata item ID: {qid!r}")
    return qid


def string(text: str) -> str:
    """A string value: ``"text"``."""
    return f'"{_clean(text)}"'


def monolingual(text: str, language: str) -> str:
    """A monolingual text value: ``en:"text"`` (the language as Wikidata codes it)."""
    code = language.lower()
    if not _LANGUAGE.match(code):
        raise ValueError(f"not a language code: {language!r}")
    return f'{code}:"{_clean(text)}"'


def time(year: int, month: int = 0, day: int = 0, *, precision: int) -> str:
    """A Gregorian time value at ``precision`` (9 year, 10 month, 11 day, 8 decade)."""
    if precision not in PRECISION.values():
        raise ValueError(f"unsupported precision {precision}")
    month = month if precision >= 10 else 0
    day = day if precision >= 11 else 0
    sign = "-" if year < 0 else "+"
    return f"{sign}{abs(year):04d}-{month:02d}-{day:02d}T00:00:00Z/{precision}"


def line(subject: str, prop: str, value: str, *snaks: Sequence[Snak]) -> str:
    """One statement command: subject, property, value, then each group of snaks in order."""
    cells = [subject, prop, value]
    for group in snaks:
        for snak in group:
            cells.extend(snak.cells())
    return "\t".join(cells)
