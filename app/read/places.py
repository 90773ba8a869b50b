"""Where places are: coordinates of the places of the namespace, from the Wikidata facts graph.

A place has coordinates only when it is ``owl:sameAs`` a Wikidata item whose ``wdt:P625``
(coordinate location) the Wikidata facts graph holds (``histkg link --verify`` writes it):
never from the historian's claims, never guessed. Read with ``Store.match`` from the facts
graph's points (few) back to the places linked to them, so the cost follows the number of
points, not the size of the store. The read model keeps the result per store state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from app.linking.facts import WDT, WIKIDATA_GRAPH
from app.store import Store
from app.vocab import OWL

__all__ = ["Point", "points"]

_WKT = re.compile(
    r"^\s*Point\(\s*(?P<lon>[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s+"
    r"(?P<lat>[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*\)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Point:
    """A place's coordinates and the Wikidata item they come from."""

    longitude: float
    latitude: float
    item: str


def parse_point(wkt: str) -> tuple[float, float] | None:
    """``Point(lon lat)`` as (longitude, latitude); None when not a point on the globe."""
    found = _WKT.match(wkt)
    if found is None:
        return None
    longitude, latitude = float(found["lon"]), float(found["lat"])
    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
        return None
    return longitude, latitude


def points(store: Store, base_iri: str) -> dict[str, Point]:
    """The coordinates of every place of the namespace linked to an item that has them (an
    entity linked to several such items takes the first in IRI order)."""
    found: dict[str, Point] = {}
    graph = NamedNode(WIKIDATA_GRAPH)
    located = sorted(
        (quad.subject.value, quad.object.value)
        for quad in store.match(None, NamedNode(WDT + "P625"), None, graph)
        if isinstance(quad.subject, NamedNode) and isinstance(quad.object, Literal)
    )
    for item, wkt in located:
        point = parse_point(wkt)
        if point is None:
            continue
        for quad in store.match(None, OWL.sameAs, NamedNode(item)):
            place = quad.subject
            if isinstance(place, NamedNode) and place.value.startswith(base_iri):
                found.setdefault(place.value, Point(point[0], point[1], item))
    return found
