"""Our side of a link: the entities of the graph with their names, types, link and dates.

What a record holds is defined by four SPARQL 1.1 queries (``TYPES_QUERY``...; constants
only in the query text, nothing a user typed). Two readings give those rows:

* every entity of the store (``load_records(store)``, the reconciliation index): streamed scans
  of a few properties (``Store.match``: direct index reads on an embedded store, one streamed
  request each on a remote one), grouped by entity in flat columns (``_Scan``). The queries,
  paged with ``LIMIT``/``OFFSET`` over an ``ORDER BY``, ran past the query timeout on a store of
  a million quads (each page re-sorts everything before it), and held every row at once;
* a few entities (``only``: those a page names): by IRI, each costing what it holds.

``load_records_by_query`` runs the queries themselves over the whole store: the definition the
scans are tested against (``tests/test_linking.py``), fit for small stores only.

An entity's dates (``EntityRecord.span``) are its own time-span for an event, and for anyone
or anything else the span of the events it took part in (carried out, participated in, was
addressed by or directed at, or held an attitude in); a work's ``dcterms:issued`` dates the work
and its ``dcterms:creator``. That is the "context" a namesake from
another century fails: Voroshilov of page 129 is active in 1932.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from pyoxigraph import BlankNode, Literal, NamedNode

from app.linking.types import LINKABLE_CLASSES, family_of
from app.linking.wikidata import ENTITY_BASE, is_qid
from app.linking.years import Span, parse_when, span_of_datetime
from app.sparql import Bindings
from app.store import Store
from app.vocab import CRM, DCTERMS, HK, OWL, RDF, RDFS, SKOS

__all__ = ["EntityRecord", "load_records", "load_records_by_query", "select_all"]

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


@dataclass(frozen=True, slots=True)
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
    """Every linkable entity of the store, by IRI (only those with a label), in IRI order;
    ``only``: just these entities (those a page names), read by IRI, which costs what they
    hold, not what the store holds."""
    if only is not None:
        return load_records_by_query(store, only)
    return _Scan(store).records()


def load_records_by_query(
    store: Store, only: Collection[str] | None = None
) -> dict[str, EntityRecord]:
    """The records the four queries give (``only``: for these entities, by IRI).

    Over a whole store this pages through full-store queries: the definition
    ``load_records``'s scans must agree with, too slow beyond a small store."""
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
            _date(spans, entity.value, _text(first), _text(last))
    for entity, issued in _rows(store, ISSUED_QUERY, only):
        if isinstance(entity, NamedNode):
            _issue(spans, entity.value, _text(issued))
    records: dict[str, EntityRecord] = {}
    for iri, props in values.items():
        if types.get(iri, set()) & EXCLUDED_CLASSES:
            continue
        links = [v.value for v in props.get(SAME_AS, []) if isinstance(v, NamedNode)]
        record = _record(
            iri,
            frozenset(types.get(iri, ())),
            [v for v in props.get(RDFS_LABEL, []) if isinstance(v, Literal)],
            [v for v in props.get(ALT_LABEL, []) if isinstance(v, Literal)],
            [v for v in props.get(DESCRIPTION, []) if isinstance(v, Literal)],
            links,
            spans.get(iri),
        )
        if record is not None:
            records[iri] = record
    return records


def _date(spans: dict[str, tuple[Span, str, str]], iri: str, first: str, last: str) -> None:
    """Record an entity's earliest begin and latest end (DATES_QUERY's row)."""
    span = span_of_datetime(first, last)
    if span is not None:
        spans[iri] = (span, first, last)


def _issue(spans: dict[str, tuple[Span, str, str]], iri: str, issued: str) -> None:
    """Widen an entity's span by a ``dcterms:issued`` date (ISSUED_QUERY's row)."""
    span = parse_when(issued)
    if span is not None:
        known = spans.get(iri)
        spans[iri] = (known[0].union(span), known[1], known[2]) if known else (span, "", "")


def _record(
    iri: str,
    types: frozenset[str],
    labels: list[Literal],
    alt_labels: Iterable[Literal],
    descriptions: list[Literal],
    links: Iterable[str],
    dated: tuple[Span, str, str] | None,
) -> EntityRecord | None:
    """The record of one entity from its values in query order; ``None`` without a label."""
    if not labels:
        return None
    label = _pick(labels)
    alternatives = [v.value for v in labels if v.value != label]
    alternatives += [v.value for v in alt_labels]
    qids = sorted(
        link[len(ENTITY_BASE) :]
        for link in links
        if link.startswith(ENTITY_BASE) and is_qid(link[len(ENTITY_BASE) :])
    )
    return EntityRecord(
        iri=iri,
        label=label,
        alt_labels=tuple(dict.fromkeys(a for a in alternatives if a != label)),
        description=_pick(descriptions),
        types=types,
        qid=qids[0] if qids else None,
        **_dated(dated),
    )


_DATATYPE_FIRST: Final = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")


def _literal_order(literal: Literal) -> tuple[str, str, str]:
    """A literal's place in the queries' ``ORDER BY ?value`` among the literals of one entity
    and property (oxigraph orders strings by value, then datatype IRI, then language)."""
    return (literal.value, literal.datatype.value, literal.language or "")


class _Scan:
    """The rows of the four queries for every entity, from streamed scans, grouped by entity.

    Bounded: an entity is one dictionary entry (its IRI to its number) and a shared set of
    types; each name a number and a literal in flat columns, grouped by entity with a counting
    sort once read; dates are kept per time-span and event as two strings. Nothing is read
    twice and no query is sorted, so the cost grows with the store, not with its square.
    """

    _NAMES: Final = (RDFS.label, SKOS.altLabel, DCTERMS.description)

    def __init__(self, store: Store) -> None:
        self.store = store
        self.number_of: dict[str, int] = {}
        self.types: list[frozenset[str]] = []
        self._shared: dict[frozenset[str], frozenset[str]] = {}

    def records(self) -> dict[str, EntityRecord]:
        self._read_types()
        owners, kinds, names = self._read_names()
        links = self._read_links()
        spans = self._read_dates()
        count = len(self.number_of)
        first = array("I", bytes(4 * (count + 1)))  # names of n: at[first[n] : first[n + 1]]
        for owner in owners:
            first[owner + 1] += 1
        for number in range(count):
            first[number + 1] += first[number]
        free, at = array("I", first), array("I", bytes(4 * len(owners)))
        for slot, owner in enumerate(owners):
            at[free[owner]] = slot
            free[owner] += 1
        del free, owners
        records: dict[str, EntityRecord] = {}
        for iri in sorted(self.number_of):
            number = self.number_of[iri]
            types = self.types[number]
            if types & EXCLUDED_CLASSES:
                continue
            own: tuple[list[Literal], ...] = ([], [], [])
            for slot in at[first[number] : first[number + 1]]:
                own[kinds[slot]].append(names[slot])
            labels, alt, descriptions = (sorted(found, key=_literal_order) for found in own)
            record = _record(
                iri, types, labels, alt, descriptions, links.get(number, ()), spans.get(iri)
            )
            if record is not None:
                records[iri] = record
        return records

    def _read_types(self) -> None:
        """TYPES_QUERY: the entities (instances of a class below a root) and their types."""
        roots = {NamedNode(iri) for iri in ROOT_CLASSES}
        below, todo = set(roots), list(roots)
        while todo:
            for quad in self.store.match(None, RDFS.subClassOf, todo.pop()):
                if isinstance(quad.subject, NamedNode) and quad.subject not in below:
                    below.add(quad.subject)
                    todo.append(quad.subject)
        for cls in sorted(below, key=str):
            supers = frozenset(c.value for c in _supers(self.store, cls))
            for quad in self.store.match(None, RDF.type, cls):
                if isinstance(quad.subject, NamedNode):
                    self._add_types(quad.subject.value, supers, new=True)
        for quad in self.store.match(None, CRM.P2_has_type, None):
            if isinstance(quad.subject, NamedNode) and isinstance(quad.object, NamedNode):
                self._add_types(quad.subject.value, frozenset({quad.object.value}), new=False)

    def _add_types(self, iri: str, types: frozenset[str], *, new: bool) -> None:
        number = self.number_of.get(iri)
        if number is None:
            if not new:
                return  # a concept of something that is not an entity
            number = self.number_of[iri] = len(self.types)
            self.types.append(frozenset())
        merged = self.types[number] | types
        self.types[number] = self._shared.setdefault(merged, merged)  # few distinct sets

    def _read_names(self) -> tuple[array[int], array[int], list[Literal]]:
        """VALUES_QUERY's literals: labels, alternative labels and descriptions."""
        owners, kinds, names = array("I"), array("B"), []
        for kind, prop in enumerate(self._NAMES):
            for quad in self.store.match(None, prop, None):
                subject, value = quad.subject, quad.object
                if isinstance(subject, NamedNode) and isinstance(value, Literal):
                    number = self.number_of.get(subject.value)
                    if number is not None:
                        owners.append(number)
                        kinds.append(kind)
                        names.append(value)
        return owners, kinds, names

    def _read_links(self) -> dict[int, list[str]]:
        """VALUES_QUERY's ``owl:sameAs`` IRIs of entities."""
        links: dict[int, list[str]] = defaultdict(list)
        for quad in self.store.match(None, OWL.sameAs, None):
            subject, value = quad.subject, quad.object
            if isinstance(subject, NamedNode) and isinstance(value, NamedNode):
                number = self.number_of.get(subject.value)
                if number is not None:
                    links[number].append(value.value)
        return links

    def _read_dates(self) -> dict[str, tuple[Span, str, str]]:
        """DATES_QUERY and ISSUED_QUERY: each entity's own span, those of the events it took
        part in, and the issue dates of it and of its works."""
        begins = self._extreme(CRM.P82a_begin_of_the_begin, min)
        ends = self._extreme(CRM.P82b_end_of_the_end, max)
        held: dict[Any, tuple[str, str]] = {}  # event or entity: (earliest begin, latest end)
        for quad in self.store.match(None, CRM.P4_has_time_span, None):
            begin, end = begins.get(quad.object), ends.get(quad.object)
            if begin is not None and end is not None:
                _widen(held, quad.subject, begin, end)
        del begins, ends
        dates: dict[str, tuple[str, str]] = {}
        for iri in self.number_of:
            own = held.get(NamedNode(iri))
            if own is not None:
                dates[iri] = own
        for role in _ROLES:
            for quad in self.store.match(None, role, None):
                event, entity = held.get(quad.subject), quad.object
                if event and isinstance(entity, NamedNode) and entity.value in self.number_of:
                    _widen(dates, entity.value, *event)
        del held
        spans: dict[str, tuple[Span, str, str]] = {}
        for iri, (first, last) in dates.items():
            _date(spans, iri, first, last)
        issued: dict[Any, list[str]] = defaultdict(list)
        for quad in self.store.match(None, DCTERMS.issued, None):
            issued[quad.subject].append(_text(quad.object))
        whens: dict[str, dict[str, None]] = defaultdict(dict)  # distinct, as the query's rows
        for node, found in issued.items():
            if isinstance(node, NamedNode) and node.value in self.number_of:
                whens[node.value].update(dict.fromkeys(found))
        for quad in self.store.match(None, DCTERMS.creator, None):
            if isinstance(quad.object, NamedNode) and quad.object.value in self.number_of:
                whens[quad.object.value].update(dict.fromkeys(issued.get(quad.subject, ())))
        for iri, distinct in whens.items():
            for when in sorted(distinct):
                _issue(spans, iri, when)
        return spans

    def _extreme(self, prop: NamedNode, pick: Any) -> dict[Any, str]:
        """The earliest (``min``) or latest (``max``) value of ``prop`` per time-span."""
        found: dict[Any, str] = {}
        for quad in self.store.match(None, prop, None):
            text = _text(quad.object)
            known = found.get(quad.subject)
            found[quad.subject] = text if known is None else pick(known, text)
        return found


def _widen(found: dict[Any, tuple[str, str]], key: Any, begin: str, end: str) -> None:
    known = found.get(key)
    found[key] = (begin, end) if known is None else (min(known[0], begin), max(known[1], end))
