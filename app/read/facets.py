"""The facets of the events: what each event is filtered by in the faceted browser.

For every event and attitude of the namespace: its kind, the year it starts in, its places, the
people taking part in it (in any role), the books of the claims that state it and whether those
claims assert or report it. Built once per store state by the read model (``app.read.model``)
from streamed ``Store.match`` scans of a few properties and of the claim graphs, never from a
SELECT (which stops at the row cap), so browsing costs no query; filtering and counting are
set operations over these rows (``app.pages.browse``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pyoxigraph import NamedNode

from app.read.labels import KINDS
from app.read.neighbourhood import readable_iri
from app.read.timeline import Entities, dated_by_year, entities, kind_index, label
from app.store import Store
from app.vocab import CRM, DCTERMS, HK, HKC, PROV, RDF

__all__ = ["FacetRow", "Facets", "build"]

EVENT_KINDS = ("event", "attitude")
PARTICIPATION = (
    CRM.P14_carried_out_by,
    CRM.P11_had_participant,
    HK.addressee,
    HK.heldBy,
    HK.directedAt,
)


@dataclass
class FacetRow:
    """One event and the values it is filtered by."""

    iri: str
    kind: str
    year: int | None = None
    places: set[str] = field(default_factory=set)
    people: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    """Groups taking part in it (for the network view, not a facet)."""
    sources: set[str] = field(default_factory=set)
    modes: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Facets:
    """The rows, and the labels of the values they name."""

    rows: dict[str, FacetRow]
    labels: dict[str, str]


def build(
    store: Store,
    base_iri: str,
    found_entities: Entities | None = None,
    by_year: dict[int, list[str]] | None = None,
) -> Facets:
    """The facet rows of every event of the namespace (see the module docstring), from the
    entities and dated events the read model has (read here when not given)."""
    if found_entities is None:
        found_entities = entities(store, base_iri)
    if by_year is None:
        by_year = dated_by_year(store, found_entities)
    rows = _rows(store, found_entities, by_year)
    named = {
        v for row in rows.values() for v in (*row.places, *row.people, *row.groups, *row.sources)
    }
    labels = {
        iri: label(found_entities[iri]) or readable_iri(iri)
        for iri in (named | rows.keys())
        if iri in found_entities
    }
    return Facets(rows, labels)


def _rows(store: Store, entities: Entities, by_year: dict[int, list[str]]) -> dict[str, FacetRow]:
    kinds = {n: kind.key for n, (_, kind) in enumerate(KINDS)}
    rows = {
        iri: FacetRow(iri, kinds[kind_index(found)])
        for iri, found in entities.items()
        if kinds[kind_index(found)] in EVENT_KINDS
    }
    for year, found_in in by_year.items():
        for iri in found_in:
            if iri in rows:
                rows[iri].year = year
    for quad in store.match(None, CRM.P7_took_place_at, None):
        row = rows.get(_iri(quad.subject))
        if row is not None and isinstance(quad.object, NamedNode):
            row.places.add(quad.object.value)
    kind_of = {iri: kinds[kind_index(found)] for iri, found in entities.items()}
    for predicate in PARTICIPATION:
        for quad in store.match(None, predicate, None):
            row = rows.get(_iri(quad.subject))
            who = _iri(quad.object)
            if row is not None and kind_of.get(who) == "person":
                row.people.add(who)
            elif row is not None and kind_of.get(who) == "group":
                row.groups.add(who)
    _claims(store, rows)
    return rows


def _claims(store: Store, rows: dict[str, FacetRow]) -> None:
    """The mode and the books of the claims stating each event (the claim graphs' subjects).

    Read from each event's own triples, whose graphs say which claims state it: reading every
    triple of every claim graph instead (their time-spans, dates, labels...) decoded five
    times as many terms, most of the facets' build time.
    """
    books_of: dict[str, set[str]] = defaultdict(set)
    for quad in store.match(None, DCTERMS.isPartOf, None):
        if isinstance(quad.object, NamedNode):
            books_of[_iri(quad.subject)].add(quad.object.value)
    modes = {HKC.asserted.value: "asserted", HKC.reported.value: "reported"}
    claims: dict[str, tuple[str, set[str]]] = {}
    for typed in store.match(None, RDF.type, HK.Claim):
        claim = typed.subject
        if not isinstance(claim, NamedNode):
            continue
        mode = next((modes.get(_iri(q.object), "") for q in store.match(claim, HK.mode, None)), "")
        books = {
            book
            for derived in store.match(claim, PROV.wasDerivedFrom, None)
            for book in books_of.get(_iri(derived.object), ())
        }
        claims[claim.value] = (mode, books)
    for iri, row in rows.items():
        graphs = {_iri(q.graph_name) for q in store.match(NamedNode(iri), None, None)}
        for graph in graphs & claims.keys():
            mode, books = claims[graph]
            if mode:
                row.modes.add(mode)
            row.sources |= books


def _iri(term: object) -> str:
    return term.value if isinstance(term, NamedNode) else ""
