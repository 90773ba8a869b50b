"""Where places are: coordinates of the places of the namespace, set by a curator or from the
Wikidata facts graph.

A place has coordinates when a curator set them in the workbench (``geo:lat``/``geo:long`` with
the ``hk:coordinatesSource`` they come from, ``app.workbench.places``), or when it is
``owl:sameAs`` a Wikidata item whose ``wdt:P625`` (coordinate location) the Wikidata facts graph
holds (``histkg link --verify`` writes it): never from the historian's claims, never guessed.
Curated coordinates come first: a curator sets them knowingly, often because Wikidata's point is
not the place the source means (a region's centre for a town, a modern site for an old one).
Read with ``Store.match`` from the points (few) back to the places, so the cost follows the
number of points, not the size of the store. The read model keeps the result per store state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from app.linking.facts import WDT, WIKIDATA_GRAPH
from app.store import Store
from app.vocab import GEO, HK, OWL

__all__ = ["Point", "curated_point", "points"]

_WKT = re.compile(
    r"^\s*Point\(\s*(?P<lon>[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s+"
    r"(?P<lat>[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*\)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Point:
    """A place's coordinates and where they come from: a Wikidata item, or (set by a curator)
    a source of the graph or a named reference."""

    longitude: float
    latitude: float
    item: str = ""  #: the Wikidata item, for coordinates from the facts graph
    source: str = ""  #: the source of the graph a curator took them from (its IRI)
    reference: str = ""  #: the reference a curator named instead (a gazetteer, an atlas)


def parse_point(wkt: str) -> tuple[float, float] | None:
    """``Point(lon lat)`` as (longitude, latitude); None when not a point on the globe."""
    found = _WKT.match(wkt)
    if found is None:
        return None
    longitude, latitude = float(found["lon"]), float(found["lat"])
    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
        return None
    return longitude, latitude


def curated_point(store: Store, place: NamedNode) -> Point | None:
    """The coordinates a curator set for ``place``, with their source; None when unset (or
    not a point on the globe, which ``hks:CoordinatesShape`` keeps out of the store)."""

    def one(predicate: NamedNode) -> Literal | NamedNode | None:
        for quad in store.match(place, predicate, None, None):
            if isinstance(quad.object, Literal | NamedNode):
                return quad.object
        return None

    latitude, longitude, source = one(GEO.lat), one(GEO.long), one(HK.coordinatesSource)
    if not isinstance(latitude, Literal) or not isinstance(longitude, Literal) or source is None:
        return None
    try:
        lat, lon = float(latitude.value), float(longitude.value)
    except ValueError:
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    if isinstance(source, NamedNode):
        return Point(lon, lat, source=source.value)
    return Point(lon, lat, reference=source.value)


def points(store: Store, base_iri: str) -> dict[str, Point]:
    """The coordinates of every place of the namespace that has them: set by a curator, else
    from the Wikidata item it is linked to (an entity linked to several such items takes the
    first in IRI order)."""
    found: dict[str, Point] = {}
    for quad in store.match(None, GEO.lat, None, None):
        place = quad.subject
        if isinstance(place, NamedNode) and place.value.startswith(base_iri):
            curated = curated_point(store, place)
            if curated is not None:
                found[place.value] = curated
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
                found.setdefault(place.value, Point(point[0], point[1], item=item))
    return found
