"""Renamed entities: an old IRI kept only as ``owl:sameAs`` the new one, so old links work.

Why: an IRI that implied a fact the page does not give (``event:stalin-holidays-1931``) was
renamed; links to the old address must not break. The data keeps the old IRI with a single
``owl:sameAs`` to the new IRI of our namespace and nothing else (no type), and the page routes
answer it with a permanent redirect. An entity with a type of its own is never redirected:
``owl:sameAs`` to Wikidata, or between two described entities, is a link, not a rename.
"""

from __future__ import annotations

from pyoxigraph import NamedNode

from app.store import Store
from app.vocab import OWL, RDF

__all__ = ["renamed_to"]


def renamed_to(store: Store, iri: str, base_iri: str) -> str | None:
    """The new IRI of a renamed entity, or None when ``iri`` is no old name of another."""
    node = NamedNode(iri)
    if next(store.match(node, RDF.type, None, limit=1), None) is not None:
        return None
    for quad in store.match(node, OWL.sameAs, None, limit=2):
        target = quad.object
        if isinstance(target, NamedNode) and target.value.startswith(base_iri):
            return target.value if target.value != iri else None
    return None
