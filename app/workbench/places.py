"""Giving a place its coordinates from the workbench's form, as one SHACL-checked revision.

A curator types a latitude and a longitude in decimal degrees (WGS84) and says where they come
from: a source of the graph (its IRI or English label, as the other forms take a source) or the
name of a reference such as a gazetteer or an atlas, never nothing. They are written as W3C
Basic Geo ``geo:lat``/``geo:long`` decimals (``hks:CoordinatesShape`` checks the ranges with
core SHACL, no SPARQL constraint) with ``hk:coordinatesSource`` naming that source, so the page
credits it and not the historian. Wikidata's own ``wdt:P625`` WKT points stay in the Wikidata
facts graph, Wikidata's statements about its items: a curator's coordinates are not Wikidata's.

Everything goes into the place's own graph under ``WORKBENCH_GRAPHS`` (``coordinates/<place>``),
replaced as a whole on each save, through ``app.writes.write_graph``: validated, one revision
naming the curator, nothing written on a violation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Final

import pyoxigraph as ox

from app import writes
from app.pages.context import Site
from app.store import Store
from app.vocab import CRM, GEO, HK, RDF, RDFS, XSD
from app.workbench.pages import FormField
from app.workbench.pages_add import FieldError, find_source
from app.workbench.sources import WORKBENCH_GRAPHS

__all__ = [
    "COORDINATES_FIELDS",
    "CoordinatesForm",
    "CoordinatesPage",
    "coordinates_fields",
    "coordinates_graph",
    "place_label",
    "place_node",
    "set_coordinates",
]

_DEGREES: Final = re.compile(r"^[-+]?\d{1,3}(?:\.\d{1,12})?$")
"""Decimal degrees as typed: a sign, up to three digits, a point and up to twelve decimals."""
_LONGEST_REFERENCE: Final = 500
"""A reference is a name (``hks:ShownTextShape`` bounds names to the same length)."""


def _degrees(text: str, what: str, limit: int, example: str) -> tuple[Decimal | None, str]:
    """``text`` as degrees within ±``limit``, or the problem to show beside the field."""
    typed = text.strip()
    if not typed:
        return None, f"Give the {what} in decimal degrees, e.g. {example}."
    if not _DEGREES.match(typed):
        return None, (
            f"Write the {what} as a decimal number of degrees with a point, e.g. {example} "
            "(south and west are negative; no degree signs or minutes)."
        )
    value = Decimal(typed)
    if abs(value) > limit:
        return None, f"A {what} lies between -{limit} and {limit} degrees."
    return value, ""


@dataclass(frozen=True)
class CoordinatesForm:
    """What the coordinates form sends (all text, as typed)."""

    place: str
    latitude: str = ""
    longitude: str = ""
    source: str = ""
    reference: str = ""
    errors: dict[str, str] = field(default_factory=dict, compare=False)

    def checked(self, store: Store) -> CoordinatesForm:
        """The form with each field's problem in ``errors`` (empty: it can be saved)."""
        errors: dict[str, str] = {}
        _, errors["latitude"] = _degrees(self.latitude, "latitude", 90, "55.7558")
        _, errors["longitude"] = _degrees(self.longitude, "longitude", 180, "37.6173")
        if self.source.strip() and self.reference.strip():
            errors["reference"] = "Give one source: a source of the graph or a reference."
        elif self.source.strip():
            try:
                find_source(store, self.source)
            except FieldError as failure:
                errors["source"] = failure.message
        elif not self.reference.strip():
            errors["source"] = (
                "Say where the coordinates come from: a source of the graph, or name the "
                "reference (a gazetteer, an atlas) below."
            )
        elif len(" ".join(self.reference.split())) > _LONGEST_REFERENCE:
            errors["reference"] = f"Name the reference in at most {_LONGEST_REFERENCE} characters."
        errors = {name: text for name, text in errors.items() if text}
        return CoordinatesForm(
            self.place, self.latitude, self.longitude, self.source, self.reference, errors
        )


def place_node(store: Store, iri: str, base: str) -> ox.NamedNode:
    """The place of the namespace named ``iri`` (``FieldError`` on ``place`` otherwise)."""
    if iri.startswith(base):
        try:
            node = ox.NamedNode(iri)
        except ValueError:
            pass
        else:
            if next(iter(store.match(node, RDF.type, CRM.E53_Place, None)), None) is not None:
                return node
    raise FieldError(
        "place",
        f"{iri[:200]!r} is not a place of this graph." if iri else "Choose a place first.",
        hint="Open the place's page and follow its link to set coordinates.",
    )


def place_label(store: Store, place: ox.NamedNode) -> str:
    """The place's English name (its IRI's last segment when it has none)."""
    for quad in store.match(place, RDFS.label, None, None):
        if isinstance(quad.object, ox.Literal) and quad.object.language == "en":
            return quad.object.value
    return place.value.rstrip("/").rsplit("/", 1)[-1]


def coordinates_graph(place: str, base: str) -> str:
    """The graph holding a place's coordinates set in the workbench."""
    return f"{WORKBENCH_GRAPHS}coordinates/{place.removeprefix(base)}"


def set_coordinates(
    store: Store, form: CoordinatesForm, *, base: str, project_dir: Path, author: writes.Author
) -> writes.WriteResult:
    """Write the place's coordinates and their source as one revision, replacing any set
    before (checked first: ``FieldError`` names the field)."""
    place = place_node(store, form.place, base)
    form = form.checked(store)
    latitude, _ = _degrees(form.latitude, "latitude", 90, "")
    longitude, _ = _degrees(form.longitude, "longitude", 180, "")
    if form.errors or latitude is None or longitude is None:
        name, message = next(iter(form.errors.items()), ("latitude", "Give the coordinates."))
        raise FieldError(name, message)
    source: ox.NamedNode | ox.Literal = (
        find_source(store, form.source)
        if form.source.strip()
        else ox.Literal(" ".join(form.reference.split()))
    )
    triples = [
        ox.Triple(place, GEO.lat, ox.Literal(f"{latitude:f}", datatype=XSD.decimal)),
        ox.Triple(place, GEO.long, ox.Literal(f"{longitude:f}", datatype=XSD.decimal)),
        ox.Triple(place, HK.coordinatesSource, source),
    ]
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    return writes.write_graph(
        store,
        coordinates_graph(place.value, base),
        body,
        "application/n-triples",
        project_dir,
        replace=True,
        author=author,
    )


# ---------------------------------------------------------------- the form's page


def _help(text: str) -> dict[str, str]:
    return {"help": text}


COORDINATES_FIELDS: Final[tuple[tuple[str, str], ...]] = (
    ("latitude", "Latitude in decimal degrees (north positive, e.g. 55.7558)"),
    ("longitude", "Longitude in decimal degrees (east positive, e.g. 37.6173)"),
    ("source", "From a source of the graph (its title as listed, or its IRI)"),
    ("reference", "Or from this reference (a gazetteer, an atlas: name it as you would cite it)"),
)


def coordinates_fields(values: dict[str, str], errors: dict[str, str]) -> tuple[FormField, ...]:
    """The coordinates form's visible fields holding ``values``, each with its error."""
    return tuple(
        FormField(
            name,
            label,
            values.get(name, ""),
            errors.get(name, ""),
            name in ("latitude", "longitude"),
        )
        for name, label in COORDINATES_FIELDS
    )


@dataclass(frozen=True, kw_only=True)
class CoordinatesPage:
    """The set-coordinates form of one place."""

    template: str = field(default="workbench/coordinates.html", metadata=_help("Its template."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(
        default="Set coordinates \u2013 histkg", metadata=_help("The document title.")
    )
    csrf: str = field(metadata=_help("The session's CSRF token."))
    place: str = field(metadata=_help("The place's IRI, sent back with the form."))
    place_label: str = field(metadata=_help("The place's name."))
    place_href: str = field(metadata=_help("The place's page."))
    fields: tuple[FormField, ...] = field(metadata=_help("The form's fields, in order."))
    error: str = field(default="", metadata=_help("A problem not tied to one field."))
