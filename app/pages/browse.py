"""The faceted browser of the events: kind, year range, place, person, source, mode.

Like the Sampo portals' faceted search: every facet narrows the events, any number combine,
each value shows how many events it would keep among those the other facets keep, and the
whole selection is in the URL (shareable; ``/browse.json`` gives the same context as JSON).
The rows come from the read model (``app.read.facets``), built once per store state, so a
request costs set operations over them, never a query.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import urlencode

from app.pages.build import PageSettings, href_for
from app.pages.context import BrowsePage, Facet, FacetValue, Link
from app.read import ReadModel
from app.read.facets import FacetRow

FACETS = (
    ("kind", "Kind"),
    ("year", "Year"),
    ("place", "Place"),
    ("person", "Person"),
    ("source", "Source"),
    ("mode", "How the source gives it"),
)
SHOWN = 200
"""Most events listed; the counts cover them all."""
VALUES_SHOWN = 30
"""Most values listed per facet, most events first (selected ones always)."""
KIND_WORDS = {"event": "events and activities", "attitude": "attitudes"}
MODE_WORDS = {"asserted": "asserted by the historian", "reported": "reported on someone's word"}


def _values(row: FacetRow, facet: str) -> Iterable[str]:
    if facet == "kind":
        return (row.kind,)
    if facet == "year":
        return (str(row.year),) if row.year is not None else ()
    return {"place": row.places, "person": row.people, "source": row.sources, "mode": row.modes}[
        facet
    ]


def _year(text: str) -> int | None:
    return int(text) if text.strip().lstrip("-").isdigit() else None


def browse_page(model: ReadModel, settings: PageSettings, chosen: Mapping[str, str]) -> BrowsePage:
    """The browser narrowed to ``chosen`` (facet key -> value; ``from``/``to`` a year range)."""
    data = model.facets(settings.base_iri)
    selected = {key: chosen[key] for key, _ in FACETS if chosen.get(key)}
    low, high = _year(chosen.get("from", "")), _year(chosen.get("to", ""))

    def keeps(row: FacetRow, skip: str = "") -> bool:
        if low is not None or high is not None:  # the range narrows the year facet too
            if row.year is None or (low is not None and row.year < low):
                return False
            if high is not None and row.year > high:
                return False
        return all(value in _values(row, key) for key, value in selected.items() if key != skip)

    def href(changes: Mapping[str, str]) -> str:
        params = {**selected, "from": chosen.get("from", ""), "to": chosen.get("to", "")}
        params.update(changes)
        return "/browse?" + urlencode({k: v for k, v in params.items() if v})

    def words(key: str, value: str) -> str:
        if key == "kind":
            return KIND_WORDS.get(value, value)
        if key == "mode":
            return MODE_WORDS.get(value, value)
        return data.labels.get(value, value)

    facets = tuple(
        _facet(key, label, data.rows.values(), keeps, selected.get(key, ""), words, href)
        for key, label in FACETS
    )
    kept = sorted(
        (r for r in data.rows.values() if keeps(r)),
        key=lambda r: data.labels.get(r.iri, r.iri).casefold(),
    )
    site = settings.site
    return BrowsePage(
        template="browse.html",
        site=site,
        title=f"Browse the events \u2013 {site.name}",
        facets=facets,
        results=tuple(_link(r.iri, data.labels.get(r.iri, r.iri), settings) for r in kept[:SHOWN]),
        total=len(kept),
        year_from=str(low) if low is not None else "",
        year_to=str(high) if high is not None else "",
        hidden=tuple(
            Facet(key=key, label=label, values=tuple(v for v in f.values if v.selected))
            for (key, label), f in zip(FACETS, facets, strict=True)
            if key in selected
        ),
        clear_href="/browse",
    )


def _facet(
    key: str,
    label: str,
    rows: Iterable[FacetRow],
    keeps: Callable[[FacetRow, str], bool],
    chosen: str,
    words: Callable[[str, str], str],
    href: Callable[[Mapping[str, str]], str],
) -> Facet:
    counts: Counter[str] = Counter()
    for row in rows:
        if keeps(row, key):
            counts.update(_values(row, key))
    order = sorted(counts, key=lambda v: (v != chosen, -counts[v], words(key, v).casefold()))
    return Facet(
        key=key,
        label=label,
        values=tuple(
            FacetValue(
                label=words(key, value),
                key=value,
                count=counts[value],
                selected=value == chosen,
                href=href({key: "" if value == chosen else value}),
            )
            for value in order[:VALUES_SHOWN]
        ),
    )


def _link(iri: str, label: str, settings: PageSettings) -> Link:
    href, external = href_for(iri, settings.base_iri)
    return Link(label=label, href=href, iri=iri, external=external)
