"""Wikidata items as linking needs them, read from Wikidata's JSON entity format.

The same format is used by the JSON dumps (one entity per line inside a JSON array), by
``Special:EntityData/Q1.json`` and by the API's ``wbgetentities``: ``id``, ``labels``,
``descriptions``, ``aliases`` (per language) and ``claims`` (per property: statements with a
``mainsnak``, a ``rank`` and, for a value, a ``datavalue``). Deprecated statements are skipped;
where a property has preferred statements only those count, as Wikidata's "truthy" view does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from app.linking.years import Span, span_of_wikidata_time

__all__ = ["ENTITY_BASE", "QID", "WikidataItem", "is_qid", "parse_item"]

ENTITY_BASE: Final = "http://www.wikidata.org/entity/"
QID: Final = re.compile(r"^Q[1-9][0-9]*$")
#: Languages whose label is shown, in order of preference (``mul``: Wikidata's default label).
LABEL_LANGUAGES: Final = ("en", "mul")

#: The date properties read, and what they mean for scoring.
DATE_PROPERTIES: Final = {
    "P569": "born",
    "P570": "died",
    "P571": "inception",
    "P576": "dissolved",
    "P580": "start",
    "P582": "end",
    "P585": "point in time",
    "P577": "published",
}


def is_qid(text: str) -> bool:
    """True for an item ID such as ``Q855``."""
    return bool(QID.match(text))


@dataclass(frozen=True)
class WikidataItem:
    """One Wikidata item: names, classes, dates and coordinates."""

    qid: str
    label: str
    description: str = ""
    names: tuple[str, ...] = ()  #: labels and aliases in every language, label first
    labels: Mapping[str, str] = field(default_factory=dict)  #: label by language code
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  #: by language code
    instance_of: tuple[str, ...] = ()  #: P31 values (QIDs)
    dates: Mapping[str, Span] = field(default_factory=dict)  #: by property ID (P569...)
    times: Mapping[str, tuple[str, int]] = field(default_factory=dict)  #: raw (time, precision)
    coordinates: tuple[float, float] | None = None  #: (latitude, longitude) of P625
    modified: str = ""  #: the revision timestamp Wikidata gives
    redirected_from: str = ""  #: the QID asked for, when Wikidata redirected it here
    retrieved: str = ""  #: when it was read (ISO 8601, UTC): the API call or the extract's date

    @property
    def iri(self) -> str:
        return ENTITY_BASE + self.qid

    def life(self) -> Span | None:
        """The period the item existed or lasted: birth to death, inception to dissolution,
        start to end, or its point in time. An open end is taken as a century later."""
        for first, last in (("P569", "P570"), ("P571", "P576"), ("P580", "P582")):
            begin, end = self.dates.get(first), self.dates.get(last)
            if begin and end:
                return begin.union(end)
            if begin:
                return Span(begin.start, begin.start + 100, f"{begin.text}-")
            if end:
                return Span(end.end - 100, end.end, f"-{end.text}")
        return self.dates.get("P585") or self.dates.get("P577")

    def dates_text(self) -> str:
        """The item's dates in a few words: ``born 1881-02-04; died 1969-12-02``."""
        return "; ".join(
            f"{DATE_PROPERTIES[prop]} {span.text}"
            for prop, span in sorted(self.dates.items(), key=lambda item: item[1].start)
        )


def _best_statements(statements: Iterable[Any]) -> list[Mapping[str, Any]]:
    """Non-deprecated statements; only the preferred ones when there are any."""
    kept = [s for s in statements if isinstance(s, Mapping) and s.get("rank") != "deprecated"]
    preferred = [s for s in kept if s.get("rank") == "preferred"]
    return preferred or kept


def _values(claims: Mapping[str, Any], prop: str) -> list[Any]:
    values = []
    for statement in _best_statements(claims.get(prop) or ()):
        snak = statement.get("mainsnak") or {}
        if snak.get("snaktype", "value") == "value" and "datavalue" in snak:
            values.append(snak["datavalue"].get("value"))
    return values


def _item_id(value: object) -> str:
    """The QID of an item value: its ``id``, or ``Q`` and its ``numeric-id`` in the older JSON
    that gives only the number (``tests/fixtures/linking/real-entities.json`` has one)."""
    if not isinstance(value, Mapping) or value.get("entity-type", "item") != "item":
        return ""
    if value.get("id"):
        return str(value["id"])
    number = value.get("numeric-id")
    return f"Q{number}" if isinstance(number, int) and number > 0 else ""


def _text(values: Mapping[str, Any], languages: tuple[str, ...]) -> str:
    for language in languages:
        entry = values.get(language)
        if isinstance(entry, Mapping) and entry.get("value"):
            return str(entry["value"])
    for entry in values.values():  # any language rather than none
        if isinstance(entry, Mapping) and entry.get("value"):
            return str(entry["value"])
    return ""


def parse_item(
    entity: Mapping[str, Any], *, requested: str = "", retrieved: str = ""
) -> WikidataItem | None:
    """Read one entity object; ``None`` for properties, lexemes and missing items."""
    qid = str(entity.get("id", ""))
    if not is_qid(qid) or "missing" in entity:
        return None
    labels = entity.get("labels") or {}
    label = _text(labels, LABEL_LANGUAGES)
    names: dict[str, None] = {label: None} if label else {}
    for entry in labels.values():
        names.setdefault(str(entry.get("value", "")), None)
    for entries in (entity.get("aliases") or {}).values():
        for entry in entries:
            names.setdefault(str(entry.get("value", "")), None)
    by_language = {
        str(lang): str(entry["value"])
        for lang, entry in labels.items()
        if isinstance(entry, Mapping) and entry.get("value")
    }
    aliases = {
        str(lang): tuple(
            str(e["value"]) for e in entries if isinstance(e, Mapping) and e.get("value")
        )
        for lang, entries in (entity.get("aliases") or {}).items()
        if isinstance(entries, list)
    }
    claims = entity.get("claims") or entity.get("statements") or {}
    instance_of = tuple(
        found for found in (_item_id(value) for value in _values(claims, "P31")) if found
    )
    dates: dict[str, Span] = {}
    times: dict[str, tuple[str, int]] = {}
    for prop in DATE_PROPERTIES:
        for value in _values(claims, prop):
            if not isinstance(value, Mapping):
                continue
            raw = (str(value.get("time", "")), int(value.get("precision", 0)))
            span = span_of_wikidata_time(*raw)
            if span is not None and (prop not in dates or span.start < dates[prop].start):
                dates[prop], times[prop] = span, raw
    coordinates = None
    for value in _values(claims, "P625"):
        if isinstance(value, Mapping) and "latitude" in value and "longitude" in value:
            coordinates = (float(value["latitude"]), float(value["longitude"]))
            break
    return WikidataItem(
        qid=qid,
        label=label or qid,
        description=_text(entity.get("descriptions") or {}, LABEL_LANGUAGES),
        names=tuple(name for name in names if name),
        labels=by_language,
        aliases={lang: found for lang, found in aliases.items() if found},
        instance_of=instance_of,
        dates=dates,
        times=times,
        coordinates=coordinates,
        modified=str(entity.get("modified", "")),
        redirected_from=requested if requested and requested != qid else "",
        retrieved=retrieved,
    )
