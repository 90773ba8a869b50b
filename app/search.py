"""Search over the labels and alternative labels of the graph's entities (no web framework here).

The index holds every IRI in the entity namespace that has an ``rdfs:label``, ``skos:prefLabel``
or ``skos:altLabel``, with its classes and types. It is built with one SPARQL query (paged by the
store's row cap) and cached per store state (``app.pages.graph.store_state``), so a search costs
no query at all. Matching follows ``app.names``: case, accents and transliteration do not matter
(Bednyi/Bedny, Izvestiia/Izvestia), and a query matches word prefixes, for autocomplete.

Ranking: the best-matching name of an entity decides (exact, then prefix, word prefix,
substring; see :func:`app.names.match`); among equals, the kinds a reader looks for (people,
groups, places, events, documents, attitudes, books) come before claims and other resources,
then shorter labels, then alphabetical order.
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from app.names import Match, match
from app.pages.graph import preferred, store_state
from app.pages.labels import HOME_KINDS, Kind, kind_of
from app.store import Store
from app.vocab import sparql_prologue

__all__ = ["Hit", "SearchIndex", "index_for"]

_LABELS = (
    sparql_prologue()
    + """
SELECT ?s ?property ?name ?class ?type WHERE {
  ?s ?property ?name .
  VALUES ?property { rdfs:label skos:prefLabel skos:altLabel }
  OPTIONAL { ?s a ?class }
  OPTIONAL { ?s crm:P2_has_type ?type }
}
ORDER BY ?s
"""
)


@dataclass(frozen=True)
class Entry:
    """One searchable entity."""

    iri: str
    label: str
    names: tuple[str, ...]
    kind: Kind
    types: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    """One result: the entity, the name that matched and how."""

    entry: Entry
    name: str
    match: Match | None
    """How the name matched; None when the entity is listed by kind, without a query."""


class SearchIndex:
    """The searchable names of one store state."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = sorted(entries, key=lambda e: (e.label.casefold(), e.iri))

    @classmethod
    def build(cls, store: Store, base_iri: str) -> SearchIndex:
        """Read every labelled entity of the namespace ``base_iri`` from the store."""
        names: dict[str, list[tuple[str, Literal]]] = defaultdict(list)
        classes: dict[str, set[str]] = defaultdict(set)
        types: dict[str, set[str]] = defaultdict(set)
        offset = 0
        while True:
            page = store.query(_LABELS + f"LIMIT {store.max_rows} OFFSET {offset}\n")
            for s, prop, name, cls_, type_ in page.rows:
                if not isinstance(s, NamedNode) or not s.value.startswith(base_iri):
                    continue
                if isinstance(name, Literal) and isinstance(prop, NamedNode):
                    pair = (prop.value, name)
                    if pair not in names[s.value]:
                        names[s.value].append(pair)
                if isinstance(cls_, NamedNode):
                    classes[s.value].add(cls_.value)
                if isinstance(type_, NamedNode):
                    types[s.value].add(type_.value)
            offset += len(page.rows)
            if not page.truncated or not page.rows:
                break
        type_labels = {
            iri: preferred([n for p, n in pairs if not p.endswith("altLabel")])
            for iri, pairs in names.items()
        }
        entries = []
        for iri, pairs in names.items():
            main = [n for p, n in pairs if not p.endswith("altLabel")]
            label = preferred(main) or preferred([n for _, n in pairs])
            all_names = tuple(dict.fromkeys([label, *(n.value for _, n in pairs)]))
            entries.append(
                Entry(
                    iri=iri,
                    label=label,
                    names=all_names,
                    kind=kind_of(classes[iri]),
                    types=tuple(sorted(type_labels.get(t, "") for t in types[iri] if t)),
                )
            )
        return cls(entries)

    def search(self, query: str, *, kind: str = "") -> list[Hit]:
        """Every entity a name of which matches ``query``, best first; with an empty query and
        a ``kind``, every entity of that kind by label."""
        candidates = [e for e in self.entries if not kind or e.kind.key == kind]
        if not query.strip():
            return [Hit(e, e.label, None) for e in candidates] if kind else []
        hits = []
        for entry in candidates:
            best: tuple[Match, str] | None = None
            for name in entry.names:
                found = match(query, name)
                if found is not None and (best is None or found.score > best[0].score):
                    best = (found, name)
            if best is not None:
                hits.append(Hit(entry, best[1], best[0]))
        hits.sort(key=_rank)
        return hits

    def kinds(self) -> dict[str, Kind]:
        """The kinds present in the index, by key."""
        return {e.kind.key: e.kind for e in self.entries}


def _rank(hit: Hit) -> tuple[float, int, int, str]:
    primary = 0 if hit.entry.kind.key in HOME_KINDS else 1
    score = hit.match.score if hit.match is not None else 0.0
    return (-score, primary, len(hit.entry.label), hit.entry.label.casefold())


_INDEXES: weakref.WeakKeyDictionary[Store, tuple[tuple[int, str | None, str], SearchIndex]] = (
    weakref.WeakKeyDictionary()
)
_LOCK = threading.Lock()


def index_for(store: Store, base_iri: str) -> SearchIndex:
    """The search index of the store's current state (built on first use, then cached)."""
    state = (*store_state(store), base_iri)
    with _LOCK:
        cached = _INDEXES.get(store)
    if cached is not None and cached[0] == state:
        return cached[1]
    index = SearchIndex.build(store, base_iri)
    with _LOCK:
        _INDEXES[store] = (state, index)
    return index
