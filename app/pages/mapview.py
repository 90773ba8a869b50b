"""The map of events (``/map``): events placed by their place on the offline world map.

An event is placed by ``crm:P7_took_place_at`` (the facet rows of the read model, so the page
costs no query); a place is drawn only when a curator set its coordinates or the Wikidata facts
graph gives them (``app.read.places``: the curator's first), never from a guess, and the table
says which. Places of events without coordinates are listed in
the table below the map, which says the same as the map in words and works without any script
(the map itself is server-rendered SVG: the outline of ``app.pages.worldmap`` and one linked
point per place).

Everything but the site's links is kept in the read model's cache per store state (like the
home page's parts), so a request after the first costs no store lookup; the route waits for
the facet rows a bounded time (``ReadModel.facets_within``), as ``/browse`` does. At most
``MOST_PLACED`` places are drawn (most events first) and the page says so: a large graph
linked to Wikidata has tens of thousands of located places, and a point each would make a page
no browser draws.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import sqrt
from urllib.parse import urlencode

from app.pages.build import PageSettings, href_for
from app.pages.context import Link, MapPage, MapPlace
from app.pages.wikidata import coordinates_in_words
from app.pages.worldmap import project
from app.read import ReadModel

OUTLINE = "/map/land.svg"
MOST_EVENTS = 10
"""Events listed per place; the rest are one link away, in the faceted browser."""
MOST_UNPLACED = 100
"""Places without coordinates listed (most events first): a large graph has thousands."""
MOST_PLACED = 500
"""Places drawn on the map and listed with their coordinates (most events first, then by IRI);
the page states this cap and how many more located places it leaves out."""


@dataclass(frozen=True)
class _Parts:
    """What the map page shows of one state of the store (kept in the read model's cache)."""

    placed: tuple[MapPlace, ...]
    more_placed: int
    unplaced: tuple[MapPlace, ...]
    more_unplaced: int
    events: int


def map_page(model: ReadModel, settings: PageSettings) -> MapPage:
    """The places of the events (with coordinates: on the map; without: in the table only),
    built once per store state (the caps are part of the key: they decide what is kept)."""
    key = ("map", settings.base_iri, MOST_PLACED, MOST_UNPLACED)
    parts = model.cached(key, lambda: _parts(model, settings, MOST_PLACED, MOST_UNPLACED))
    site = settings.site
    return MapPage(
        template="map.html",
        site=site,
        title=f"Events on the map \u2013 {site.name}",
        outline_href=OUTLINE,
        placed=parts.placed,
        most_placed=MOST_PLACED,
        more_placed=parts.more_placed,
        unplaced=parts.unplaced,
        more_unplaced=parts.more_unplaced,
        events=parts.events,
    )


def _parts(
    model: ReadModel, settings: PageSettings, most_placed: int, most_unplaced: int
) -> _Parts:
    data = model.facets(settings.base_iri)
    located = model.places(settings.base_iri)
    events_at: dict[str, list[str]] = {}
    for row in data.rows.values():
        for place in row.places:
            events_at.setdefault(place, []).append(row.iri)

    # The places drawn: most events first, ties by IRI, so that only these need labels (a
    # store lookup each for a place no event names, which the facet rows do not label).
    drawn = sorted(located, key=lambda iri: (-len(events_at.get(iri, ())), iri))[:most_placed]
    labels = dict(data.labels)
    sources = {located[place].source for place in drawn if located[place].source}
    labels.update({iri: model.event_label(iri) for iri in {*drawn, *sources} - set(labels)})

    def link(iri: str) -> Link:
        href, external = href_for(iri, settings.base_iri)
        return Link(label=labels.get(iri, iri), href=href, iri=iri, external=external)

    def by_name(iri: str) -> str:
        return labels.get(iri, iri).casefold()

    def listed(place: str) -> MapPlace:
        found = events_at.get(place, [])
        return MapPlace(
            place=link(place),
            events=tuple(map(link, sorted(found, key=by_name)[:MOST_EVENTS])),
            total=len(found),
            browse_href="/browse?" + urlencode({"place": place}) if found else "",
        )

    placed = []
    for place in sorted(drawn, key=by_name):
        point = located[place]
        found = len(events_at.get(place, ()))
        x, y = project(point.longitude, point.latitude)
        item = (
            Link(
                label=point.item.rsplit("/", 1)[-1], href=point.item, iri=point.item, external=True
            )
            if point.item
            else None
        )
        placed.append(
            replace(
                listed(place),
                x=x,
                y=y,
                radius=round(1.5 + sqrt(found), 2),
                coordinates=coordinates_in_words(point.longitude, point.latitude),
                item=item,
                source=link(point.source) if point.source else None,
                reference=point.reference,
            )
        )
    # Only the places the table shows are built: a large graph has thousands without points.
    unplaced = sorted(
        (iri for iri in events_at if iri not in located),
        key=lambda iri: (-len(events_at[iri]), by_name(iri)),
    )
    return _Parts(
        placed=tuple(placed),
        more_placed=len(located) - len(drawn),
        unplaced=tuple(map(listed, unplaced[:most_unplaced])),
        more_unplaced=max(len(unplaced) - most_unplaced, 0),
        events=sum(p.total for p in placed),
    )
