"""The Wikidata facts graph: what Wikidata says about our linked entities, kept apart.

Facts fetched by ``histkg link --verify`` (label, description, classes, dates, coordinates)
go into ONE named graph of the store, ``WIKIDATA_GRAPH`` (``store_facts``, which replaces it
whole in one update), and optionally into a TriG copy (``write_facts``). Its subjects are the
Wikidata items (``wd:Q855``), never our entities: nothing in it can be mistaken for a claim of
the historian, and our entities reach it only through their curated ``owl:sameAs``. The graph
describes itself (``prov:generatedAtTime``, ``prov:wasDerivedFrom`` the extract or the API)
and each item carries the time it was retrieved (``pav:retrievedOn``) and its revision date on
Wikidata (``schema:dateModified``). Predicates follow Wikidata's own RDF: ``schema:name`` and
``schema:description`` for the label and description (not ``rdfs:label``, so that label
searches over our graph never return a Wikidata item), ``wdt:P31``, ``wdt:P569``... with
``xsd:date``/``xsd:gYearMonth``/``xsd:gYear`` values by precision (EDTF ``193X`` for a decade),
and ``wdt:P625`` as a GeoSPARQL WKT point.

The graph lies under ``https://w3id.org/histkg/graph/``, which ``histkg load FILE`` refuses
and the curated load never drops. Pages read it through ``facts_from_values`` (the entity page
fetches the values with its other node facts) or ``wikidata_facts(store, entity_iri)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, serialize

from app import history
from app.linking.wikidata import DATE_PROPERTIES, ENTITY_BASE, WikidataItem
from app.sources import WIKIDATA_GRAPH as _GRAPH
from app.store import Store
from app.vocab import EDTF, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, XSD

__all__ = [
    "WIKIDATA_GRAPH",
    "WikidataFacts",
    "facts_from_values",
    "facts_quads",
    "qid_order",
    "store_facts",
    "wikidata_facts",
    "write_facts",
]

#: The named graph of Wikidata facts, one of the graphs histkg writes itself
#: (``app.sources.TOOL_GRAPHS``): no file, curated or loaded, may write it.
WIKIDATA_GRAPH: Final = _GRAPH.value

PAV: Final = "http://purl.org/pav/"
WDT: Final = "http://www.wikidata.org/prop/direct/"
WKT: Final = "http://www.opengis.net/ont/geosparql#wktLiteral"
RDF_TYPE: Final = RDF.type.value
RDFS_LABEL: Final = RDFS.label.value
SAME_AS: Final = OWL.sameAs.value
ALT_LABEL: Final = SKOS.altLabel.value


def _date_literal(time: str, precision: int) -> Literal | None:
    """A Wikidata time as a typed literal of its precision."""
    match = re.match(r"^(?P<sign>[+-])(?P<year>\d+)-(?P<month>\d{2})-(?P<day>\d{2})T", time)
    if not match:
        return None
    sign = "-" if match["sign"] == "-" else ""
    year = f"{sign}{int(match['year']):04d}"
    if precision >= 11:
        return Literal(f"{year}-{match['month']}-{match['day']}", datatype=XSD.date)
    if precision == 10:
        return Literal(f"{year}-{match['month']}", datatype=XSD.gYearMonth)
    if precision == 9:
        return Literal(year, datatype=XSD.gYear)
    if precision == 8 and not sign:
        return Literal(year[:3] + "X", datatype=EDTF)
    if precision == 7 and not sign:
        return Literal(year[:2] + "XX", datatype=EDTF)
    return None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _datetime(text: str) -> Literal:
    return Literal(text, datatype=XSD.dateTime)


#: The languages whose labels and aliases go into the graph unless told otherwise.
LANGUAGES: Final = ("en", "ru", "de", "fr", "ja", "zh")


def is_english(literal: Literal) -> bool:
    """An English (or untagged) text: the label and description pages show first."""
    language = literal.language or "en"
    return language == "en" or language.startswith("en-")


def facts_quads(
    items: Iterable[WikidataItem],
    *,
    source: str,
    generated: str = "",
    languages: Sequence[str] = LANGUAGES,
) -> list[Quad]:
    """The facts graph for ``items``, derived from ``source`` (an IRI), made at ``generated``.

    Besides the English label (``schema:name``), the labels in ``languages`` other than English
    (``schema:name`` with their language tag) and the aliases in ``languages``
    (``skos:altLabel``, as in Wikidata's own RDF), so that pages and search can show and find
    other names and scripts ("Иосиф Сталин") as Wikidata's, apart from the historian's.
    """
    graph = NamedNode(WIKIDATA_GRAPH)

    def quad(subject: NamedNode, predicate: str, obj: NamedNode | Literal) -> Quad:
        return Quad(subject, NamedNode(predicate), obj, graph)

    quads = [
        quad(graph, RDF_TYPE, PROV.Entity),
        quad(
            graph, RDFS_LABEL, Literal("Facts from Wikidata about linked entities", language="en")
        ),
        quad(graph, PROV.generatedAtTime.value, _datetime(generated or _now())),
        quad(graph, PROV.wasDerivedFrom.value, NamedNode(source)),
    ]
    for item in sorted(items, key=lambda i: int(i.qid[1:])):
        subject = NamedNode(ENTITY_BASE + item.qid)
        quads.append(quad(subject, SCHEMA.name.value, Literal(item.label, language="en")))
        for language in languages:
            label = item.labels.get(language, "")
            if language != "en" and label and label != item.label:
                quads.append(quad(subject, SCHEMA.name.value, Literal(label, language=language)))
            for alias in item.aliases.get(language, ()):
                quads.append(quad(subject, ALT_LABEL, Literal(alias, language=language)))
        if item.description:
            quads.append(
                quad(subject, SCHEMA.description.value, Literal(item.description, language="en"))
            )
        quads += [quad(subject, WDT + "P31", NamedNode(ENTITY_BASE + c)) for c in item.instance_of]
        for prop, (time, precision) in sorted(item.times.items()):
            value = _date_literal(time, precision)
            if value is not None:
                quads.append(quad(subject, WDT + prop, value))
        if item.coordinates:
            latitude, longitude = item.coordinates
            point = Literal(f"Point({longitude:g} {latitude:g})", datatype=NamedNode(WKT))
            quads.append(quad(subject, WDT + "P625", point))
        if item.modified:
            quads.append(quad(subject, SCHEMA.dateModified.value, _datetime(item.modified)))
        if item.retrieved:
            quads.append(quad(subject, PAV + "retrievedOn", _datetime(item.retrieved)))
    return quads


FACTS_AGENT = "histkg-link"
"""The agent of the revisions that replace the facts graph (``histkg link --verify``)."""


def store_facts(store: Store, quads: Sequence[Quad]) -> int:
    """Replace the facts graph of ``store`` by ``quads``, in one update with its revision (a
    change like any other: in the log, diffable, revertible); return the triples."""
    items = len({quad.subject for quad in quads})
    message = f"Wikidata facts of {items} linked item(s), from histkg link --verify"
    record = history.recorder(store.match, FACTS_AGENT, message)
    return store.replace_graph(WIKIDATA_GRAPH, quads, record=record)


def write_facts(path: Path, quads: Sequence[Quad]) -> int:
    """Write a TriG copy of the facts graph ``quads``; return the number of quads written."""
    prefixes = {
        "wd": ENTITY_BASE,
        "wdt": WDT,
        "schema": SCHEMA.NS,
        "prov": PROV.NS,
        "pav": PAV,
        "xsd": XSD.NS,
        "skos": SKOS.NS,
    }
    data = serialize(quads, format=RdfFormat.TRIG, prefixes=prefixes) or b""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        b"# Facts from Wikidata about linked histkg entities, written by `histkg link --verify`,\n"
        b"# which also put them into the store. Not the historian's claims: pages show them\n"
        b'# apart, as "From Wikidata". A copy to read or keep: `histkg load` refuses its graph.\n'
    )
    path.write_bytes(header + data)
    return len(quads)


@dataclass(frozen=True)
class WikidataFacts:
    """What the facts graph says about the item an entity is linked to."""

    qid: str
    label: str = ""
    description: str = ""
    dates: list[tuple[str, str]] = field(default_factory=list)  #: (what, value): born, 1881-02-04
    coordinates: str = ""  #: WKT ``Point(lon lat)``
    retrieved: str = ""  #: when the item was retrieved (ISO 8601)
    modified: str = ""  #: its revision date on Wikidata
    #: its other names: (language, name), labels in other languages, then aliases
    names: tuple[tuple[str, str], ...] = ()

    @property
    def url(self) -> str:
        """The item's page on Wikidata, for "from Wikidata" links."""
        return f"https://www.wikidata.org/wiki/{self.qid}"


FACTS_QUERY: Final = f"""PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?item ?property ?value WHERE {{
  ?entity owl:sameAs ?item .
  GRAPH <{WIKIDATA_GRAPH}> {{ ?item ?property ?value }}
}}"""


def facts_from_values(
    item: str,
    values: Mapping[str, Sequence[str]],
    names: Sequence[tuple[str, str, str]] = (),
) -> WikidataFacts:
    """What the facts graph says about ``item`` (its IRI), from its values by predicate IRI
    (English and untagged texts) and its ``names`` in other languages, as
    ``(predicate IRI, language, text)``.

    Where a predicate has several values (two birth dates), the first in sorted order is shown.
    """
    first = {prop: sorted(found)[0] for prop, found in values.items() if found}
    dates = [
        (DATE_PROPERTIES[prop], first[WDT + prop])
        for prop in DATE_PROPERTIES
        if WDT + prop in first
    ]
    return WikidataFacts(
        qid=item.removeprefix(ENTITY_BASE),
        label=first.get(SCHEMA.name.value, ""),
        description=first.get(SCHEMA.description.value, ""),
        dates=dates,
        coordinates=first.get(WDT + "P625", ""),
        retrieved=first.get(PAV + "retrievedOn", ""),
        modified=first.get(SCHEMA.dateModified.value, ""),
        names=_other_names(values, names),
    )


def _other_names(
    values: Mapping[str, Sequence[str]], names: Sequence[tuple[str, str, str]]
) -> tuple[tuple[str, str], ...]:
    """Labels in other languages (by language), then aliases: English ones first."""
    labels = sorted((lang, text) for prop, lang, text in names if prop == SCHEMA.name.value)
    aliases = [("en", text) for text in sorted(values.get(ALT_LABEL, ()))]
    aliases += sorted((lang, text) for prop, lang, text in names if prop == ALT_LABEL)
    return tuple(dict.fromkeys(labels + aliases))


def qid_order(item: str) -> tuple[int, str]:
    """Sort key of Wikidata item IRIs: by the number of their QID."""
    number = item.removeprefix(ENTITY_BASE)[1:]
    return (int(number) if number.isdigit() else 0, item)


def wikidata_facts(store: Store, entity_iri: str) -> WikidataFacts | None:
    """The Wikidata facts about the item ``entity_iri`` is linked to, or ``None``.

    For pages: show them apart, as "from Wikidata", with the retrieval date. An entity linked
    to several items gets the facts of the one with the lowest QID.
    """
    result = store.query(FACTS_QUERY, bindings={"entity": NamedNode(entity_iri)})
    items: dict[str, dict[str, list[str]]] = {}
    names: dict[str, list[tuple[str, str, str]]] = {}
    for item, prop, value in result.rows:
        if not isinstance(item, NamedNode) or not isinstance(prop, NamedNode):
            continue
        if isinstance(value, Literal) and not is_english(value):
            names.setdefault(item.value, []).append((prop.value, value.language or "", value.value))
        elif isinstance(value, Literal | NamedNode):
            items.setdefault(item.value, {}).setdefault(prop.value, []).append(value.value)
    if not items:
        return None
    chosen = min(items, key=qid_order)
    return facts_from_values(chosen, items[chosen], names.get(chosen, ()))
