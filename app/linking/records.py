"""Our side of a link: the entities of the graph with their names, types, link and dates.

Everything is read from a ``Store`` with plain SPARQL 1.1 (constants only in the query text;
nothing a user typed). Results are read in pages (``LIMIT``/``OFFSET`` over an ``ORDER BY``),
so a store whose ``max_rows`` is small still yields every row.

An entity's dates (``EntityRecord.span``) are its own time-span for an event, and for anyone
or anything else the span of the events it took part in (carried out, participated in, was
addressed by or directed at, or held an attitude in); a work's ``dcterms:issued`` dates the work
and its ``dcterms:creator``. That is the "context" a namesake from
another century fails: Voroshilov of page 129 is active in 1932.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any, Final

from pyoxigraph import BlankNode, Literal, NamedNode

from app.linking.types import LINKABLE_CLASSES, family_of
from app.linking.wikidata import ENTITY_BASE, is_qid
from app.linking.years import Span, parse_when, span_of_datetime
from app.sparql import Bindings
from app.store import Store
from app.vocab import CRM, DCTERMS, HK, OWL, RDF, RDFS, SKOS

__all__ = ["EntityRecord", "load_records", "select_all"]

RDFS_LABEL: Final = RDFS.label.value
ALT_LABEL: Final = SKOS.altLabel.value
DESCRIPTION: Final = DCTERMS.description.value
SAME_AS: Final = OWL.sameAs.value
#: Subclasses of the root classes that are not entities to reconcile or link: quotations.
EXCLUDED_CLASSES: Final = frozenset({CRM.E33_Linguistic_Object.value})

#: Classes whose instances (and their subclasses' instances) are reconciled and linked.
ROOT_CLASSES: Final = LINKABLE_CLASSES

_PREFIXES: Final = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX crm: <{CRM.NS}>
PREFIX hk: <{HK.NS}>
"""
_ROOTS: Final = " ".join(f"<{iri}>" for iri in ROOT_CLASSES)
_IS_ENTITY: Final = (
    f"?entity a ?class . ?class rdfs:subClassOf* ?root . VALUES ?root {{ {_ROOTS} }}"
)

TYPES_QUERY: Final = f"""{_PREFIXES}SELECT DISTINCT ?entity ?type WHERE {{
  {_IS_ENTITY}
  {{ ?class rdfs:subClassOf* ?type }} UNION {{ ?entity crm:P2_has_type ?type }}
}} ORDER BY ?entity ?type"""

VALUES_QUERY: Final = f"""{_PREFIXES}SELECT DISTINCT ?entity ?property ?value WHERE {{
  {_IS_ENTITY}
  ?entity ?property ?value .
  VALUES ?property {{ rdfs:label skos:altLabel dcterms:description owl:sameAs }}
}} ORDER BY ?entity ?property ?value"""

DATES_QUERY: Final = f"""{_PREFIXES}SELECT ?entity (MIN(?begin) AS ?first) (MAX(?end) AS ?last)
WHERE {{
  {{ ?entity crm:P4_has_time-span ?span }}
  UNION
  {{ ?event crm:P14_carried_out_by|crm:P11_had_participant|hk:addressee|hk:directedAt|hk:heldBy
        ?entity .
    ?event crm:P4_has_time-span ?span }}
  ?span crm:P82a_begin_of_the_begin ?begin ; crm:P82b_end_of_the_end ?end .
}} GROUP BY ?entity ORDER BY ?entity"""

#: Works date their creators too: Fischer, author of a book issued in 1969, was alive then.
ISSUED_QUERY: Final = f"""{_PREFIXES}SELECT DISTINCT ?entity ?issued WHERE {{
  {{ ?entity dcterms:issued ?issued }}
  UNION {{ ?work dcterms:creator ?entity ; dcterms:issued ?issued }}
}} ORDER BY ?entity ?issued"""


@dataclass(frozen=True)
class EntityRecord:
    """One entity of our graph, as scoring sees it."""

    iri: str
    label: str
    alt_labels: tuple[str, ...] = ()
    description: str = ""
    types: frozenset[str] = frozenset()  #: classes, their superclasses and P2 concepts
    qid: str | None = None  #: the Wikidata item it is owl:sameAs, if any
    span: Span | None = None  #: its own dates, or the span of the events it took part in
    begin: str = ""  #: the earliest P82a_begin_of_the_begin behind ``span`` (xsd:dateTime)
    end: str = ""  #: the latest P82b_end_of_the_end behind ``span``

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.alt_labels)

    @property
    def family(self) -> str | None:
        return family_of(self.types)


def select_all(
    store: Store, sparql: str, *, bindings: Bindings | None = None, page: int | None = None
) -> Iterator[tuple[Any, ...]]:
    """Every row of a SELECT whose text ends in ``ORDER BY``, read ``page`` rows at a time."""
    size = page or max(1, min(int(getattr(store, "max_rows", 10000)), 10000))
    offset = 0
    while True:
        result = store.query(f"{sparql}\nLIMIT {size} OFFSET {offset}", bindings=bindings)
        yield from result.rows
        if len(result.rows) < size:
            return
        offset += size


def _text(term: Any) -> str:
    return str(term.value) if isinstance(term, Literal | NamedNode) else ""


def _pick(literals: list[Literal]) -> str:
    """English first, then untagged, then any."""
    for wanted in ("en", None):
        for literal in literals:
            if (literal.language or None) == wanted or (
                wanted and (literal.language or "").startswith(wanted + "-")
            ):
                return literal.value
    return literals[0].value if literals else ""


def _dated(found: tuple[Span, str, str] | None) -> dict[str, Any]:
    return {} if found is None else {"span": found[0], "begin": found[1], "end": found[2]}


def _rows(store: Store, sparql: str, only: Collection[str] | None) -> Iterator[tuple[Any, ...]]:
    """The rows of one of the queries above, for every entity or for the entities ``only``.

    For a few entities the queries whose plans scan the store (``?class rdfs:subClassOf*
    ?type`` starts from every node; the dates' union of paths) are answered by index lookups
    instead (``_types_of``, ``_dates_of``), row for row the same; the others run with
    ``?entity`` bound."""
    if only is None:
        yield from select_all(store, sparql)
        return
    for iri in sorted(only):
        node = NamedNode(iri)
        if sparql is TYPES_QUERY:
            yield from ((node, t) for t in _types_of(store, node))
        elif sparql is DATES_QUERY:
            yield from _dates_of(store, node)
        else:
            for row in select_all(store, sparql, bindings={"entity": node}):
                yield (node, *row[1:])


def _supers(store: Store, cls: NamedNode) -> set[NamedNode]:
    """``cls`` and every class it is a subclass of (``rdfs:subClassOf*``)."""
    found, todo = {cls}, [cls]
    while todo:
        for quad in store.match(todo.pop(), RDFS.subClassOf, None, None):
            if isinstance(quad.object, NamedNode) and quad.object not in found:
                found.add(quad.object)
                todo.append(quad.object)
    return found


def _types_of(store: Store, entity: NamedNode) -> list[NamedNode]:
    """TYPES_QUERY's rows for one entity: its classes and their superclasses, and its
    ``crm:P2_has_type`` concepts; none when it is not of a linkable class."""
    roots = {NamedNode(iri) for iri in ROOT_CLASSES}
    closure: set[NamedNode] = set()
    for quad in store.match(entity, RDF.type, None, None):
        if isinstance(quad.object, NamedNode):
            supers = _supers(store, quad.object)
            if supers & roots:  # as the query: only classes that make it an entity
                closure |= supers
    if not closure:
        return []
    concepts = {
        q.object
        for q in store.match(entity, CRM.P2_has_type, None, None)
        if isinstance(q.object, NamedNode)
    }
    return sorted(closure | concepts, key=str)


_ROLES: Final = (
    CRM.P14_carried_out_by,
    CRM.P11_had_participant,
    HK.addressee,
    HK.directedAt,
    HK.heldBy,
)


def _dates_of(store: Store, entity: NamedNode) -> list[tuple[Any, ...]]:
    """DATES_QUERY's row for one entity: the earliest begin and latest end of its own
    time-span and of those of the events it took part in."""
    holders = [entity] + [
        q.subject
        for p in _ROLES
        for q in store.match(None, p, entity, None)
        if isinstance(q.subject, NamedNode | BlankNode)
    ]
    begins, ends = [], []
    for holder in holders:
        for quad in store.match(holder, CRM.P4_has_time_span, None, None):
            span = quad.object
            if not isinstance(span, NamedNode | BlankNode):
                continue
            begin = [q.object for q in store.match(span, CRM.P82a_begin_of_the_begin, None, None)]
            end = [q.object for q in store.match(span, CRM.P82b_end_of_the_end, None, None)]
            if begin and end:
                begins += begin
                ends += end
    if not begins:
        return []
    return [(entity, min(begins, key=_text), max(ends, key=_text))]


def load_records(store: Store, only: Collection[str] | None = None) -> dict[str, EntityRecord]:
    """Every linkable entity of the store, by IRI (only those with a label); ``only``: just
    these entities (those a page names), read by IRI, which costs what they hold, not what the
    store holds."""
    types: dict[str, set[str]] = defaultdict(set)
    for entity, type_ in _rows(store, TYPES_QUERY, only):
        if isinstance(entity, NamedNode) and isinstance(type_, NamedNode):
            types[entity.value].add(type_.value)
    values: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for entity, prop, value in _rows(store, VALUES_QUERY, only):
        if isinstance(entity, NamedNode) and isinstance(prop, NamedNode):
            values[entity.value][prop.value].append(value)
    spans: dict[str, tuple[Span, str, str]] = {}
    for entity, first, last in _rows(store, DATES_QUERY, only):
        if isinstance(entity, NamedNode) and first is not None and last is not None:
            span = span_of_datetime(_text(first), _text(last))
            if span is not None:
                spans[entity.value] = (span, _text(first), _text(last))
    for entity, issued in _rows(store, ISSUED_QUERY, only):
        span = parse_when(_text(issued)) if isinstance(entity, NamedNode) else None
        if span is not None:
            known = spans.get(entity.value)
            spans[entity.value] = (
                (known[0].union(span), known[1], known[2]) if known else (span, "", "")
            )
    records: dict[str, EntityRecord] = {}
    for iri, props in values.items():
        labels = [v for v in props.get(RDFS_LABEL, []) if isinstance(v, Literal)]
        if not labels or types.get(iri, set()) & EXCLUDED_CLASSES:
            continue
        label = _pick(labels)
        alternatives = [v.value for v in labels if v.value != label]
        alternatives += [v.value for v in props.get(ALT_LABEL, []) if isinstance(v, Literal)]
        descriptions = [v for v in props.get(DESCRIPTION, []) if isinstance(v, Literal)]
        links = sorted(
            v.value[len(ENTITY_BASE) :]
            for v in props.get(SAME_AS, [])
            if isinstance(v, NamedNode)
            and v.value.startswith(ENTITY_BASE)
            and is_qid(v.value[len(ENTITY_BASE) :])
        )
        records[iri] = EntityRecord(
            iri=iri,
            label=label,
            alt_labels=tuple(dict.fromkeys(a for a in alternatives if a != label)),
            description=_pick(descriptions),
            types=frozenset(types.get(iri, ())),
            qid=links[0] if links else None,
            **_dated(spans.get(iri)),
        )
    return records
