"""What the home page reads of the store: entities by kind, the dated events, a few counts.

Read with ``Store.match`` scans of types and labels and the dates of the events, and one count
query, streamed (one short string an entity while the home page is built; the caller keeps one
string a year after it). A SELECT of every entity would stop at the row cap, and did, leaving
the home page of a big graph empty. The layout of the timeline is ``app.pages.home``'s.
"""

from __future__ import annotations

from collections import defaultdict

from pyoxigraph import BlankNode, Literal, NamedNode

from app.dates import DateFacts
from app.read.labels import HOME_KINDS, KINDS
from app.read.neighbourhood import date_facts, lang_rank, preferred, readable_iri
from app.store import Store
from app.vocab import CRM, DCTERMS, HK, RDF, RDFS, sparql_prologue

__all__ = [
    "HOME_DECIDING",
    "DateFacts",
    "Entities",
    "counts",
    "dated_by_year",
    "entities",
    "event_dates",
    "event_label",
    "kind_index",
    "label",
]

_COUNTS = (
    sparql_prologue()
    + """
SELECT (COUNT(DISTINCT ?claim) AS ?claims) (COUNT(DISTINCT ?note) AS ?notes)
       (COUNT(DISTINCT ?anchor) AS ?anchors) WHERE {
  { ?claim a hk:Claim } UNION { ?note a bibo:Note } UNION { ?anchor a oa:SpecificResource }
}
"""
)
_LAST_HOME = max(n for n, (_, kind) in enumerate(KINDS) if kind.key in HOME_KINDS)
HOME_DECIDING = tuple(NamedNode(iri) for iri, _ in KINDS[: _LAST_HOME + 1])
"""The classes that can make an entity's kind one the home page lists: ``kind_of`` takes the
first of ``KINDS`` an entity has, so a class after the last home kind (selector, passage, page,
time-span: three quarters of the typed nodes at a million triples) never decides one."""

Entities = dict[str, str]
"""Each entity's kind (its index in ``KINDS``, as one character), then the rank (one character)
and text of its preferred label so far, so that comparing what follows the kind compares as
``preferred`` does (English, untagged, the rest; then the text). One string, not a tuple of
three: a big graph has hundreds of thousands of entities, and the tuples took far more memory
(``bench/results/design-measurements.md``)."""
_NO_LABEL = chr(3)


def kind_index(entity: str) -> int:
    """The index in ``KINDS`` of an entity's kind."""
    return ord(entity[0])


def label(entity: str) -> str:
    """An entity's best label ("" when it has none)."""
    return entity[2:]


def entities(store: Store, base_iri: str) -> Entities:
    """The kind and preferred label of each typed entity of the namespace whose kind the home
    page may list (those with a class of ``HOME_DECIDING``; the others come back too when they
    have one, with the kind that class decides).

    Read with ``Store.match`` scans of ``rdf:type`` (one a class) and ``rdfs:label``, streamed:
    a SELECT would stop at the row cap (``HISTKG_MAX_ROWS``), which a graph of a million triples
    passes many times over (the home page then listed no one). Only one string is kept per
    entity (its kind, as ``kind_of`` takes it, and its best label), not its classes and labels:
    a ten million triple graph has hundreds of thousands of them.
    """
    found_entities: Entities = {}
    index = {kind_iri: n for n, (kind_iri, _) in reversed(list(enumerate(KINDS)))}
    for cls_ in HOME_DECIDING:
        rank = index[cls_.value]
        for quad in store.match(None, RDF.type, cls_):
            subject = quad.subject
            if isinstance(subject, NamedNode) and subject.value.startswith(base_iri):
                iri = subject.value
                found = found_entities.get(iri)
                if found is None:
                    found_entities[iri] = chr(rank) + _NO_LABEL
                elif rank < kind_index(found):
                    found_entities[iri] = chr(rank) + found[1:]
    for quad in store.match(None, RDFS.label, None):
        subject, text = quad.subject, quad.object
        if not isinstance(text, Literal) or not isinstance(subject, NamedNode):
            continue
        found = found_entities.get(subject.value)
        if found is None:
            continue
        best = chr(lang_rank(text.language)) + text.value
        if best < found[1:]:
            found_entities[subject.value] = found[0] + best
    return found_entities


def counts(store: Store) -> tuple[int, int, int]:
    """How many claims, footnotes and cited passages the store holds."""
    row = store.query(_COUNTS).rows[0]
    claims, notes, anchors = (int(t.value) if isinstance(t, Literal) else 0 for t in row)
    return claims, notes, anchors


def dated_by_year(store: Store, found_entities: Entities) -> dict[int, list[str]]:
    """The dated events by the year they start in, each year's in the timeline's order.

    Streamed: one scan of ``crm:P4_has_time-span``, each event's dates read and dropped at
    once, keeping only its start and end (as day numbers) and its IRI until the years are
    sorted (ties by label, as the timeline draws them), then only its IRI."""
    event_kinds = {n for n, (_, kind) in enumerate(KINDS) if kind.key == "event"}
    seen: set[str] = set()
    keyed: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for dated in store.match(None, CRM.P4_has_time_span, None):
        event = dated.subject
        if not isinstance(event, NamedNode) or not isinstance(dated.object, NamedNode | BlankNode):
            continue
        found = found_entities.get(event.value)
        if found is None or kind_index(found) not in event_kinds or event.value in seen:
            continue
        iri = event.value
        seen.add(iri)
        bounds = event_dates(store, iri).bounds
        if bounds is None:
            continue
        keyed[bounds[0].year].append((bounds[0].toordinal(), bounds[1].toordinal(), iri))
    by_year: dict[int, list[str]] = {}
    for year, found_in in keyed.items():
        found_in.sort(
            key=lambda e: (
                e[0],
                e[1],
                (label(found_entities[e[2]]) or readable_iri(e[2])).casefold(),
            )
        )
        by_year[year] = [e[2] for e in found_in]
    return by_year


def event_dates(store: Store, iri: str) -> DateFacts:
    """The date an event's time-spans state."""
    values: dict[str, list[object]] = defaultdict(list)
    anchor = ""
    for dated in store.match(NamedNode(iri), CRM.P4_has_time_span, None):
        span = dated.object
        if not isinstance(span, NamedNode | BlankNode):
            continue
        for fact in store.match(span, None, None):
            values[fact.predicate.value].append(fact.object)
            if fact.predicate == HK.relativeTo and isinstance(fact.object, NamedNode):
                for named in store.match(fact.object, RDFS.label, None):
                    if isinstance(named.object, Literal):
                        anchor = named.object.value
    return date_facts(values, anchor)


def event_label(store: Store, iri: str) -> str:
    """An event's preferred label, or a readable form of its IRI."""
    labels = [q.object for q in store.match(NamedNode(iri), RDFS.label, None)]
    return preferred([lit for lit in labels if isinstance(lit, Literal)]) or readable_iri(iri)


def description(store: Store, iri: str) -> str:
    """An entity's one-line description (``dcterms:description``, English first), or empty."""
    found = [q.object for q in store.match(NamedNode(iri), DCTERMS.description, None)]
    return preferred([lit for lit in found if isinstance(lit, Literal)])
