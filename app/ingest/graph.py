"""What ingestion needs from the graph, read once from a ``Store`` with fixed queries.

Names (labels and alternative labels of people, groups, places and events) for mentions and for
the lexicon; the time-spans of events for relative dates; books and their cited pages for
citations. The queries are constants: no text from the page ever goes into them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import Literal, NamedNode

from app.vocab import sparql_prologue

if TYPE_CHECKING:
    from app.store import Store

__all__ = ["Book", "EventSpan", "GraphIndex", "Name", "load_graph_index"]

_KINDS = {
    "E21_Person": "person",
    "E74_Group": "group",
    "E53_Place": "place",
    "E5_Event": "event",
    "E7_Activity": "event",
    "E65_Creation": "event",
}

_NAMES = """
SELECT ?entity ?class ?name ?preferred ?label WHERE {
    VALUES ?class { crm:E21_Person crm:E74_Group crm:E53_Place crm:E5_Event crm:E7_Activity
                    crm:E65_Creation }
    ?entity a ?class ; rdfs:label ?label .
    FILTER (LANGMATCHES(LANG(?label), "en"))
    { ?entity rdfs:label ?name . BIND (true AS ?preferred) }
    UNION
    { ?entity skos:altLabel ?name . BIND (false AS ?preferred) }
}
"""

_EVENTS = """
SELECT ?event ?edtf ?begin ?end ?eventType ?class WHERE {
    VALUES ?class { crm:E5_Event crm:E7_Activity crm:E65_Creation }
    ?event a ?class ; crm:P4_has_time-span ?span ; crm:P2_has_type ?eventType .
    ?span hk:edtf ?edtf ; crm:P82a_begin_of_the_begin ?begin ; crm:P82b_end_of_the_end ?end .
}
"""

_BOOKS = """
SELECT ?book ?label ?title ?short ?creator ?publisher ?place ?issued ?header WHERE {
    ?book a bibo:Book ; rdfs:label ?label .
    FILTER (LANGMATCHES(LANG(?label), "en"))
    OPTIONAL { ?book dcterms:title ?title }
    OPTIONAL { ?book bibo:shortTitle ?short }
    OPTIONAL { ?book dcterms:creator/rdfs:label ?creator }
    OPTIONAL { ?book dcterms:publisher/rdfs:label ?publisher }
    OPTIONAL { ?book hk:publicationPlace/rdfs:label ?place }
    OPTIONAL { ?book dcterms:issued ?issued }
    OPTIONAL { ?book hk:runningHeader ?header }
}
"""

_PARTS = """
SELECT ?part ?book ?pages ?start ?end WHERE {
    ?part a bibo:DocumentPart ; dcterms:isPartOf ?book ; bibo:pages ?pages .
    ?book a bibo:Book .
    OPTIONAL { ?part bibo:pageStart ?start ; bibo:pageEnd ?end }
}
"""


@dataclass(frozen=True)
class Name:
    """One name of an entity: its label or one of its alternative labels."""

    text: str
    entity: str
    kind: str  # person, group, place, event
    label: str  # the entity's English label
    preferred: bool


@dataclass(frozen=True)
class EventSpan:
    """An event's time-span in the graph: EDTF value and strict bounds (days)."""

    event: str
    label: str
    edtf: str
    earliest: date
    latest: date
    event_type: str
    event_class: str


@dataclass(frozen=True)
class Book:
    """A book of the graph, with what a citation can be matched against."""

    iri: str
    label: str
    title: str | None
    short_title: str | None
    creator: str | None
    publisher: str | None
    place: str | None
    year: int | None
    title_language: str | None = None
    running_header: str | None = None
    # (first page, last page) -> (IRI of the cited part, its bibo:pages as printed)
    parts: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)


@dataclass
class GraphIndex:
    """Names, event time-spans and books of the graph; empty for a page ingested alone."""

    names: list[Name] = field(default_factory=list)
    events: dict[str, EventSpan] = field(default_factory=dict)
    books: list[Book] = field(default_factory=list)

    @property
    def labels(self) -> dict[str, str]:
        return {name.entity: name.label for name in self.names}


def _text(term: object) -> str | None:
    if isinstance(term, Literal | NamedNode):
        return term.value
    return None


def load_graph_index(store: Store) -> GraphIndex:
    """Read names, event time-spans, books and cited pages from the store."""
    prologue = sparql_prologue()
    index = GraphIndex()
    names: dict[tuple[str, str], Name] = {}
    for row in store.query(prologue + _NAMES).rows:
        entity, cls, name, preferred, label = (_text(term) for term in row)
        if entity and cls and name and label:
            kind = _KINDS[cls.rsplit("/", 1)[1]]
            key = (entity, name)
            old = names.get(key)
            if old is None or (kind != "event" and old.kind == "event"):
                names[key] = Name(name, entity, kind, label, preferred == "true")
    index.names = sorted(names.values(), key=lambda n: (n.entity, n.text))
    labels = index.labels
    for row in store.query(prologue + _EVENTS).rows:
        event, edtf, begin, end, event_type, cls = (_text(term) for term in row)
        if event and edtf and begin and end and event_type and cls:
            index.events[event] = EventSpan(
                event,
                labels.get(event, event),
                edtf,
                date.fromisoformat(begin[:10]),
                date.fromisoformat(end[:10]),
                event_type,
                cls,
            )
    books: dict[str, Book] = {}
    for row in store.query(prologue + _BOOKS).rows:
        iri, label, title, short, creator, publisher, place, issued, header = (
            _text(t) for t in row
        )
        if iri and label and iri not in books:
            year = int(issued[:4]) if issued and issued[:4].isdigit() else None
            language = row[2].language if isinstance(row[2], Literal) else None
            books[iri] = Book(
                iri, label, title, short, creator, publisher, place, year, language, header
            )
    for row in store.query(prologue + _PARTS).rows:
        part, book, pages, start, end = (_text(term) for term in row)
        if part and book in books and pages and start and end:
            books[book].parts[(int(start), int(end))] = (part, pages)
    index.books = sorted(books.values(), key=lambda b: b.iri)
    return index


def load_project_index(project_dir: Path) -> GraphIndex:
    """Load the curated graph of a project into a throw-away store and index it."""
    from app.store import Store  # the store module is only needed when no store is given

    store = Store("memory")
    store.load_curated(project_dir)
    return load_graph_index(store)
