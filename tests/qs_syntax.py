"""A checker of QuickStatements v1 commands, written from the documented grammar.

Source: Wikidata's ``Help:QuickStatements``, section "Command sequence syntax" (the V1
commands): one command a line, parts separated by TAB; ``CREATE`` alone on its line; ``LAST``
names the item the last ``CREATE`` made; a statement is ``ENTITY PROPERTY VALUE`` followed by
qualifier pairs ``Pnnn VALUE`` and source pairs ``Snnn VALUE`` (the sources of one line make
one reference); labels, descriptions and aliases are ``ENTITY Lxx|Dxx|Axx "text"``. Values:
an item ``Q123``; ``somevalue`` / ``novalue``; a string in double quotes; a monolingual text
``xx:"text"``; a time ``+YYYY-MM-DDT00:00:00Z/P`` (P the precision, 0 to 11 for dates: 9 year,
10 month, 11 day); a coordinate ``@LAT/LON``; a quantity ``123``, ``1.5~0.1``, ``12U11573``.

Stricter than the tool where the tool would silently do something else: a part of a date
finer than its precision must be zero (``+1931-09-00T00:00:00Z/10``), a day must exist, and a
text may contain no ``|`` (QuickStatements also splits on it) and no TAB or line break.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

ITEM = re.compile(r"^Q[1-9][0-9]*$")
PROPERTY = re.compile(r"^P[1-9][0-9]*$")
SOURCE = re.compile(r"^S[1-9][0-9]*$")
TERM = re.compile(r"^[LDA][a-z]{2,3}(-[a-z]+)*$")
STRING = re.compile(r'^"([^"\t\n|]+)"$')
MONOLINGUAL = re.compile(r'^([a-z]{2,3}(?:-[a-z0-9]+)*):"([^"\t\n|]+)"$')
TIME = re.compile(r"^[+-](\d{1,16})-(\d\d)-(\d\d)T00:00:00Z/(\d{1,2})$")
COORDINATE = re.compile(r"^@[+-]?\d+(\.\d+)?/[+-]?\d+(\.\d+)?$")
QUANTITY = re.compile(r"^[+-]?\d+(\.\d+)?(~\d+(\.\d+)?)?(U[1-9][0-9]*)?$")


@dataclass
class Command:
    """One parsed command."""

    kind: str  #: create, term or statement
    entity: str = ""
    property: str = ""
    value: str = ""
    qualifiers: list[tuple[str, str]] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)


def value_error(value: str) -> str | None:
    """Why ``value`` is no QuickStatements v1 value, or None."""
    if ITEM.match(value) or value in ("somevalue", "novalue"):
        return None
    if STRING.match(value) or MONOLINGUAL.match(value) or COORDINATE.match(value):
        return None
    if QUANTITY.match(value):
        return None
    time = TIME.match(value)
    if time:
        year, month, day, precision = (int(part) for part in time.groups())
        if precision > 11:
            return f"time precision {precision} finer than a day"
        if precision < 10 and month:
            return f"month {month:02d} given at precision {precision}"
        if precision < 11 and day:
            return f"day {day:02d} given at precision {precision}"
        if precision >= 10 and not 1 <= month <= 12:
            return f"no month {month:02d}"
        if precision == 11:
            try:
                date(year, month, day)
            except ValueError:
                return f"no such day {value}"
        return None
    return f"not a value: {value!r}"


def parse(text: str) -> tuple[list[Command], list[str]]:
    """The commands of a QuickStatements v1 text, and its syntax errors (``line N: why``)."""
    commands: list[Command] = []
    errors: list[str] = []
    created = False
    for number, line in enumerate(text.split("\n"), start=1):
        if not line:
            continue
        cells = line.split("\t")
        where = f"line {number}"
        if cells == ["CREATE"]:
            created = True
            commands.append(Command("create"))
            continue
        if len(cells) < 3:
            errors.append(f"{where}: a command needs an entity, a property and a value")
            continue
        entity, prop, value = cells[:3]
        if entity == "LAST" and not created:
            errors.append(f"{where}: LAST before any CREATE")
        elif entity != "LAST" and not ITEM.match(entity):
            errors.append(f"{where}: not an item: {entity!r}")
        if TERM.match(prop):
            if len(cells) != 3 or not STRING.match(value):
                errors.append(f"{where}: a label, description or alias is one quoted text")
            commands.append(Command("term", entity, prop, value))
            continue
        if not PROPERTY.match(prop):
            errors.append(f"{where}: not a property: {prop!r}")
        problem = value_error(value)
        if problem:
            errors.append(f"{where}: {problem}")
        command = Command("statement", entity, prop, value)
        rest = cells[3:]
        if len(rest) % 2:
            errors.append(f"{where}: a qualifier or source without a value")
        for key, pair_value in zip(rest[::2], rest[1::2], strict=False):
            problem = value_error(pair_value)
            if problem:
                errors.append(f"{where}: {key}: {problem}")
            if PROPERTY.match(key):
                if command.sources:
                    errors.append(f"{where}: qualifier {key} after the sources")
                command.qualifiers.append((key, pair_value))
            elif SOURCE.match(key):
                command.sources.append((key, pair_value))
            else:
                errors.append(f"{where}: neither a qualifier nor a source: {key!r}")
        commands.append(command)
    return commands, errors
