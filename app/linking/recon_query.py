"""Reconciliation queries as the API sends them, checked, and the properties they may use.

``parse_query`` turns one query of a batch (``{"query": "Voroshilov", "type": "Q5",
"properties": [{"pid": "date", "v": "1932"}]}``) into a ``Query``: names, resolved types,
date hints, QIDs. Anything malformed raises ``InputError`` naming the query's key, so a client
learns which row of its batch was wrong.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from app.errors import InputError
from app.linking.scoring import DateHint
from app.linking.types import TypeInfo, resolve_type
from app.linking.wikidata import ENTITY_BASE, is_qid
from app.linking.years import parse_when

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_NAMES",
    "MAX_NAME_LENGTH",
    "MAX_VALUES",
    "PROPERTIES",
    "PropertyInfo",
    "Query",
    "parse_query",
    "property_info",
]

MAX_LIMIT: Final = 100
DEFAULT_LIMIT: Final = 5
MAX_NAMES: Final = 20
"""Names one query may try (its ``query`` and ``label``/``altLabel`` values): each is compared
with every candidate, so a query of 10,000 names cost half a minute of CPU."""
MAX_NAME_LENGTH: Final = 200
"""Characters of one name; fuzzy matching costs grow with the product of two names' lengths."""
MAX_VALUES: Final = 50
"""Property values one query may carry, all properties together."""


@dataclass(frozen=True)
class PropertyInfo:
    """A property clients can match on or fetch."""

    id: str
    name: str
    description: str
    aliases: tuple[str, ...] = ()
    condition: bool = True  #: usable in a reconciliation query
    extend: bool = True  #: fetchable by data extension


PROPERTIES: Final = (
    PropertyInfo("label", "label", "The entity's English label.", ("name", "rdfs:label")),
    PropertyInfo(
        "altLabel",
        "alternative label",
        "Other names and transliterations (Bednyi, Izvestiia).",
        ("skos:altLabel",),
    ),
    PropertyInfo("description", "description", "A one-line description.", condition=False),
    PropertyInfo("type", "type", "Our type (CRM class or type concept).", ("P31",)),
    PropertyInfo(
        "wikidata",
        "Wikidata item",
        "The Wikidata item the entity is owl:sameAs.",
        ("owl:sameAs", "sameAs", "qid"),
    ),
    PropertyInfo(
        "date",
        "date",
        "When an event happened, or when a person or group was active (the span of the "
        "dated events they took part in). Years, dates, decades or ranges.",
        ("P585", "P580", "P582", "when", "years"),
    ),
    PropertyInfo(
        "born",
        "born",
        "Year of birth; compared with the years the person was active.",
        ("P569",),
        extend=False,
    ),
    PropertyInfo(
        "died",
        "died",
        "Year of death; compared with the years the person was active.",
        ("P570",),
        extend=False,
    ),
    PropertyInfo(
        "begin", "earliest date", "Start of the entity's dates (xsd:dateTime).", condition=False
    ),
    PropertyInfo(
        "end", "latest date", "End of the entity's dates (xsd:dateTime).", condition=False
    ),
)
_PROPERTY: Final = {alias: p for p in PROPERTIES for alias in (p.id, *p.aliases)}


def property_info(pid: str) -> PropertyInfo | None:
    """The property a pid names (its id or an alias such as ``P585``)."""
    return _PROPERTY.get(pid)


@dataclass(frozen=True)
class Query:
    """One reconciliation query, checked."""

    text: str
    types: tuple[TypeInfo | None, ...]
    type_strict: str
    limit: int
    names: tuple[str, ...]
    dates: tuple[tuple[str, DateHint | None], ...]  #: (value as given, parsed)
    qids: tuple[str, ...]
    extra_types: tuple[TypeInfo | None, ...]
    ignored: tuple[str, ...]


def _values(v: Any) -> list[str]:
    items = v if isinstance(v, list) else [v]
    texts = []
    for item in items:
        if isinstance(item, Mapping):
            texts.append(str(item.get("id", "")))
        elif isinstance(item, bool):
            texts.append("true" if item else "false")
        elif isinstance(item, int | float):
            texts.append(str(int(item)) if float(item).is_integer() else str(item))
        elif isinstance(item, str):
            texts.append(item)
    return [text.strip() for text in texts if text.strip()]


def _qid(text: str) -> str:
    bare = text.removeprefix(ENTITY_BASE).removeprefix("wd:")
    return bare if is_qid(bare) else ""


def _check_names(names: list[str], key: str) -> None:
    if len(names) > MAX_NAMES:
        raise InputError(
            f"query {key!r}: at most {MAX_NAMES} names (query, label and altLabel values)",
            hint="Send the names that matter most, or split them over several queries.",
        )
    if any(len(name) > MAX_NAME_LENGTH for name in names):
        raise InputError(f"query {key!r}: a name is longer than {MAX_NAME_LENGTH} characters")


def parse_query(raw: Any, key: str) -> Query:
    """Check one query of a batch; raise ``InputError`` naming the key."""
    if not isinstance(raw, Mapping):
        raise InputError(f"query {key!r} is not a JSON object")
    text = raw.get("query", "")
    if not isinstance(text, str):
        raise InputError(f"query {key!r}: `query` must be a string")
    type_value = raw.get("type")
    type_ids = [type_value] if isinstance(type_value, str) else (type_value or [])
    if not isinstance(type_ids, list) or not all(isinstance(t, str) for t in type_ids):
        raise InputError(f"query {key!r}: `type` must be a string or a list of strings")
    strict = raw.get("type_strict", "any")
    if strict not in ("any", "all", "should"):
        raise InputError(f"query {key!r}: `type_strict` must be any, all or should")
    limit = raw.get("limit", DEFAULT_LIMIT)
    if (
        not isinstance(limit, int | float)
        or isinstance(limit, bool)
        or not math.isfinite(limit)
        or limit < 0
    ):
        raise InputError(f"query {key!r}: `limit` must be a non-negative number")
    conditions = raw.get("properties", [])
    if not isinstance(conditions, list):
        raise InputError(f"query {key!r}: `properties` must be a list")
    names: list[str] = [text] if text.strip() else []
    dates: list[tuple[str, DateHint | None]] = []
    qids: list[str] = []
    extra_types: list[TypeInfo | None] = []
    ignored: list[str] = []
    if len(conditions) > MAX_VALUES:
        raise InputError(f"query {key!r}: at most {MAX_VALUES} property conditions")
    given = 0
    for condition in conditions:
        if not isinstance(condition, Mapping) or "pid" not in condition or "v" not in condition:
            raise InputError(f"query {key!r}: each property needs `pid` and `v`")
        pid = str(condition["pid"])
        prop = _PROPERTY.get(pid)
        values = _values(condition["v"])
        given += len(values)
        if given > MAX_VALUES:
            raise InputError(
                f"query {key!r}: at most {MAX_VALUES} property values",
                hint="Split the values over several queries.",
            )
        if prop is None or not prop.condition:
            ignored.append(pid)
        elif prop.id in ("label", "altLabel"):
            names.extend(values)
        elif prop.id == "wikidata":
            qids.extend(q for q in map(_qid, values) if q)
        elif prop.id == "type":
            extra_types.extend(resolve_type(v) for v in values)
        else:
            kind = {"born": "born", "died": "died"}.get(prop.id, "when")
            for value in values:
                span = parse_when(value)
                dates.append((value, DateHint(kind, span) if span else None))
    _check_names(names, key)
    if not names and not qids:
        raise InputError(
            f"query {key!r} has neither a `query` string nor a usable property condition",
            hint="Send at least a name, or a `wikidata` property with a QID.",
        )
    return Query(
        text=text,
        types=tuple(resolve_type(t) for t in type_ids),
        type_strict=strict,
        limit=min(int(limit), MAX_LIMIT),
        names=tuple(names),
        dates=tuple(dates),
        qids=tuple(qids),
        extra_types=tuple(extra_types),
        ignored=tuple(ignored),
    )
