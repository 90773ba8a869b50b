"""The revision records as a view of the read model: what ``/history`` pages show.

The history graphs are read through the data layer's ``app.history`` functions (never by
pages, which do not see the store): the log, one revision, its patch, an entity's statements
as they were after a revision, and the labels the pages name resources by (each looked up once
per view, in the current store). Not kept between requests: every write adds a revision, and
a ``since`` or ``limit`` changes the answer, so each request reads what it needs; a view holds
only the labels it looked up.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyoxigraph as ox

from app import history
from app.history import Revision, revision_node
from app.store import Store
from app.vocab import RDFS, SKOS

__all__ = ["HistoryView", "Revision", "revision_node"]

_LABELS = (RDFS.label, SKOS.prefLabel)


class HistoryView:
    """The revision records of one store, and the labels of what they name."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._labels: dict[str, str] = {}

    def log(
        self,
        *,
        entity: str | None = None,
        graph: str | None = None,
        since: dt.datetime | None = None,
        limit: int | None = None,
    ) -> list[Revision]:
        """Revisions, newest first: all, or those that touched ``entity`` / changed ``graph``."""
        return history.log(self._store.match, entity=entity, graph=graph, since=since, limit=limit)

    def revision(self, number: int) -> Revision:
        """Revision ``number`` (``NotFound`` when there is none)."""
        return history.revision(self._store.match, number)

    def patch(self, number: int) -> tuple[list[ox.Quad], list[ox.Quad]]:
        """What revision ``number`` added and removed; nothing for a load recorded as a summary
        (its message and counts say what it did)."""
        if self.revision(number).summarized:
            return [], []
        return history.patch(self._store.match, number)

    def state_at(self, iri: str, number: int) -> list[ox.Quad]:
        """The statements about ``iri`` right after revision ``number``."""
        return history.state_at(self._store.match, ox.NamedNode(iri), number)

    def revision_json(self, number: int) -> dict[str, Any]:
        """Revision ``number`` with its exact patch as N-Quads (``added`` / ``removed``)."""
        body = self.revision(number).to_json()
        if body["summarized"]:
            body["patch"] = None  # a big load: the files it names are the patch
            return body
        added, removed = self.patch(number)
        body["patch"] = {
            "added": (ox.serialize(added, format=ox.RdfFormat.N_QUADS) or b"").decode(),
            "removed": (ox.serialize(removed, format=ox.RdfFormat.N_QUADS) or b"").decode(),
        }
        return body

    def label(self, iri: str) -> str:
        """The label of ``iri`` in the current store (English first), else its IRI's last
        segment in words, as it may be for a resource a revision removed."""
        if iri not in self._labels:
            self._labels[iri] = self._find(iri)
        return self._labels[iri]

    def _find(self, iri: str) -> str:
        try:
            node = ox.NamedNode(iri)
        except ValueError:  # asked about by a user, and no IRI: it has no label
            return iri
        for predicate in _LABELS:
            found = [
                q.object
                for q in self._store.match(node, predicate, None, None, limit=20)
                if isinstance(q.object, ox.Literal)
            ]
            if found:
                english = [t for t in found if (t.language or "en").startswith("en")]
                return (english or found)[0].value
        tail = iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        return tail.replace("_", " ").replace("-", " ") or iri
