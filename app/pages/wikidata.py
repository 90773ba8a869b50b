"""The "From Wikidata" block of an entity page: the facts graph, shown apart from the claims.

The values come with the page's node facts (``wikidata`` rows of ``queries.NODES``, read from
the Wikidata facts graph only) for the items the entity is ``owl:sameAs``; they are turned into
the same :class:`~app.linking.facts.WikidataFacts` that ``app.linking.wikidata_facts`` gives,
then into words. Nothing here becomes a statement or a footnote of the page.
"""

from __future__ import annotations

from datetime import datetime

from pyoxigraph import NamedNode

from app.dates import day_in_words, edtf_in_words
from app.linking.facts import WIKIDATA_GRAPH, WikidataFacts, facts_from_values, qid_order
from app.linking.wikidata import ENTITY_BASE
from app.pages.context import FromWikidata, Link, WikidataDate, WikidataName
from app.read.neighbourhood import Fact, Neighbourhood
from app.read.places import parse_point
from app.vocab import OWL


def from_wikidata(hood: Neighbourhood, own: list[Fact]) -> FromWikidata | None:
    """The block for the entity's Wikidata item, or None when unlinked or without facts.

    An entity linked to several items shows the one with the lowest QID.
    """
    items = [
        fact.object.value
        for fact in own
        if fact.predicate == OWL.sameAs.value
        and isinstance(fact.object, NamedNode)
        and fact.object.value.startswith(ENTITY_BASE)
    ]
    known = [iri for iri in items if iri in hood.nodes and hood.nodes[iri].wikidata]
    if not known:
        return None
    item = min(known, key=qid_order)
    node = hood.nodes[item]
    return _block(item, facts_from_values(item, node.wikidata, node.wikidata_names))


def _block(item: str, facts: WikidataFacts) -> FromWikidata:
    coordinates = _coordinates(facts.coordinates)
    return FromWikidata(
        item=Link(label=facts.qid, href=facts.url, iri=item, external=True),
        label=facts.label,
        description=facts.description,
        dates=tuple(
            WikidataDate(label=what, value=value, words=edtf_in_words(value))
            for what, value in facts.dates
        ),
        coordinates=coordinates,
        point=facts.coordinates if coordinates else "",
        names=tuple(WikidataName(language=lang, name=name) for lang, name in facts.names),
        retrieved=facts.retrieved,
        retrieved_words=_day(facts.retrieved),
        modified=facts.modified,
        modified_words=_day(facts.modified),
        graph=WIKIDATA_GRAPH,
    )


def _day(stamp: str) -> str:
    """The day of an ISO 8601 date-time in words, or empty when it is not one."""
    try:
        return day_in_words(datetime.fromisoformat(stamp).date())
    except ValueError:
        return ""


def _coordinates(wkt: str) -> str:
    """``Point(37.6173 55.7558)`` as ``55.7558° N, 37.6173° E``; empty when not a point."""
    point = parse_point(wkt)
    return coordinates_in_words(*point) if point is not None else ""


def coordinates_in_words(longitude: float, latitude: float) -> str:
    """``55.7558° N, 37.6173° E`` for a longitude and a latitude."""
    north = "N" if latitude >= 0 else "S"
    east = "E" if longitude >= 0 else "W"
    return f"{abs(latitude):g}\u00b0 {north}, {abs(longitude):g}\u00b0 {east}"
