"""The page context of one entity, built from its neighbourhood in the graph.

``entity_page(model, iri, settings)`` reads the neighbourhood from the read model (see
``app.read.neighbourhood``) and returns an :class:`~app.pages.context.EntityPage`, or None when the
store knows nothing of ``iri``. Sections are built in the order the page shows them, so footnotes
are numbered as a reader meets them: the heading (where the source names the entity), the
per-kind section, the statements, the links into the entity. What Wikidata says about the linked
item is a block of its own (``app.pages.wikidata``), never a statement and never footnoted.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any
from urllib.parse import quote_plus

from pyoxigraph import Literal, NamedNode

from app.dates import day_in_words
from app.pages.build import PageBuilder, PageSettings, facts_about
from app.pages.context import (
    DateText,
    EntityPage,
    Format,
    FromWikidata,
    Identifiers,
    Inbound,
    InvolvementSection,
    Link,
    MapView,
    Pager,
    PropertyGroup,
    Statement,
    Value,
)
from app.pages.render import LONGEST_NAME, LONGEST_TEXT, clip
from app.pages.sections import (
    book_section,
    claim_section,
    event_section,
    involvement_section,
    letter_section,
    person_section,
)
from app.pages.wikidata import coordinates_in_words, from_wikidata
from app.pages.worldmap import project
from app.read import ReadModel
from app.read.labels import inverse_words, kind_of, property_words
from app.read.neighbourhood import (
    RDF_TYPE,
    RDFS_LABEL,
    InboundLink,
    Neighbourhood,
    Node,
    first_words,
    preferred,
)
from app.read.places import parse_point
from app.vocab import BIBO, CRM, DCTERMS, GEO, HK, OA, OWL, PROV, SKOS, HKMeta

# Shown in the heading or the identifiers box, not in the statements table.
HEADING_PROPERTIES = frozenset(
    {
        RDF_TYPE,
        RDFS_LABEL,
        SKOS.prefLabel.value,
        SKOS.altLabel.value,
        DCTERMS.description.value,
        SKOS.definition.value,
        OWL.sameAs.value,
        HK.editorialNote.value,
        HK.unknown.value,
        HK.mention.value,
        CRM.P2_has_type.value,
        PROV.qualifiedAttribution.value,  # in words: the claim's mode and "according to ..."
    }
)
# What a kind's section shows (by template), left out of the statements table below it.
_EVENT_SECTION = frozenset(
    {
        CRM.P14_carried_out_by.value,
        HK.heldBy.value,
        HK.addressee.value,
        HK.directedAt.value,
        CRM.P11_had_participant.value,
        CRM.P7_took_place_at.value,
        HK.content.value,
        HK.about.value,
        HK.quotation.value,
    }
)
SECTION_PROPERTIES = {
    "event.html": _EVENT_SECTION,
    "letter.html": frozenset({CRM.P70_documents.value, CRM.P106_is_composed_of.value}),
}
# Kinds of real-world things Wikidata may have an item for (not claims, passages, footnotes).
WIKIDATA_KINDS = frozenset({"person", "group", "place", "event", "attitude", "document", "book"})
# Statement groups a reader looks for first; the rest follow alphabetically.
PROPERTY_ORDER = (
    CRM.P4_has_time_span.value,
    CRM.P14_carried_out_by.value,
    HK.heldBy.value,
    HK.addressee.value,
    HK.directedAt.value,
    CRM.P11_had_participant.value,
    CRM.P7_took_place_at.value,
    HK.content.value,
    HK.about.value,
)
FORMATS = (
    ("Turtle", ".ttl", "text/turtle"),
    ("JSON-LD", ".jsonld", "application/ld+json"),
    ("N-Triples", ".nt", "application/n-triples"),
    ("RDF/XML", ".rdf", "application/rdf+xml"),
    ("TriG", ".trig", "application/trig"),
    ("N-Quads", ".nq", "application/n-quads"),
    ("JSON (this page's data)", ".json", "application/json"),
)
SCHEMA_TYPES = {
    "person": "Person",
    "group": "Organization",
    "place": "Place",
    "event": "Event",
    "attitude": "Thing",
    "document": "CreativeWork",
    "book": "Book",
    "source": "CreativeWork",
    "claim": "Claim",
    "quotation": "Quotation",
    "concept": "DefinedTerm",
}
INBOUND_PAGE_SIZE = 50
MAP_OUTLINE = "/map/land.svg"
PAGE_CACHE_SIZE = 1024


def entity_page(
    model: ReadModel,
    iri: str,
    settings: PageSettings,
    *,
    inbound_page: int = 1,
    cache: bool = True,
) -> EntityPage | None:
    """The page of ``iri``, or None when the graph has nothing about it.

    The read model keeps the ``PAGE_CACHE_SIZE`` pages used last until the store changes;
    ``cache=False`` always builds anew (for measuring).
    """
    page_number = max(inbound_page, 1)
    key = (iri, page_number, settings)
    pages = model.recent("entity-pages", PAGE_CACHE_SIZE)
    if cache:
        cached = pages.get(key)
        if isinstance(cached, EntityPage):
            return cached
    offset = (page_number - 1) * INBOUND_PAGE_SIZE
    hood = model.neighbourhood(
        iri, inbound_limit=INBOUND_PAGE_SIZE, inbound_offset=offset, window=page_number
    )
    page = _page(hood, settings, page_number) if hood.exists else None
    if cache and page is not None:
        pages.put(key, page)
    return page


def _page(hood: Neighbourhood, settings: PageSettings, inbound_page: int) -> EntityPage:
    iri = hood.iri
    builder = PageBuilder(hood, settings)
    node = hood.nodes.get(iri) or Node(iri)
    kind = kind_of(node.classes)
    own = facts_about(hood, iri)
    label = node.label() if node.labels else _fallback_label(hood, iri)
    cut = len(label) > LONGEST_NAME or any(
        isinstance(f.object, Literal) and len(f.object.value) > LONGEST_TEXT for f in own
    )
    label = clip(label, LONGEST_NAME)
    label_notes = (builder.note("mention:" + iri),) if builder.mention_anchors(iri) else ()
    when = builder.date_text(iri) or _own_date(builder, iri)
    sections: dict[str, Any] = {
        "event": event_section(builder, iri) if kind.key in ("event", "attitude") else None,
        "person": person_section(builder, iri) if kind.key == "person" else None,
        "letter": letter_section(builder, iri) if kind.key == "document" else None,
        "involvement": involvement_section(builder, iri)
        if kind.key in ("group", "place")
        else None,
        "book": book_section(builder, iri) if kind.key in ("book", "source") else None,
        "claim": claim_section(builder, iri) if kind.key == "claim" else None,
    }
    # The date is the heading's date line (with its footnote), and what the kind's section
    # shows is not repeated in the table, nor its links among the links in.
    in_section = SECTION_PROPERTIES.get(kind.template, frozenset())
    shown = [
        f
        for f in own
        if not (when and f.predicate == CRM.P4_has_time_span.value)
        and f.predicate not in in_section
        and f.predicate not in _COORDINATES
    ]
    statements = _statements(builder, shown, label_notes)
    inbound = _inbound(builder, inbound_page, _linked(sections.values()))
    types = _types(builder, node)
    kind_word = types[0].label if types and types[0].href else kind.singular
    wikidata = from_wikidata(hood, own)
    return EntityPage(
        template=kind.template,
        site=settings.site,
        title=f"{label} \u2013 {settings.site.name}",
        iri=iri,
        label=label,
        alt_labels=_alt_labels(own, label),
        kind=kind_word,
        types=types,
        description=_description(own),
        when=when,
        label_notes=label_notes,
        editorial_notes=tuple(
            dict.fromkeys(str(f.object.value) for f in own if f.predicate == HK.editorialNote.value)
        ),
        unknowns=tuple(
            dict.fromkeys(str(f.object.value) for f in own if f.predicate == HK.unknown.value)
        ),
        statements=statements,
        inbound=inbound,
        window=_window(hood),
        footnotes=builder.footnotes(),
        identifiers=_identifiers(builder, own, label, kind.key),
        from_wikidata=wikidata,
        map=_map(builder, own, wikidata, sections["involvement"]) if kind.key == "place" else None,
        place=kind.key == "place",
        schema_org=_schema_org(builder, kind.key, label, own, when),
        cut=cut,
        **sections,
    )


def _fallback_label(hood: Neighbourhood, iri: str) -> str:
    own = [f.object for f in hood.facts if f.subject == iri and f.predicate == SKOS.prefLabel.value]
    literals = [o for o in own if isinstance(o, Literal)]
    return preferred(literals) or hood.label(iri)


def _own_date(builder: PageBuilder, iri: str) -> DateText | None:
    """For a time-span's own page: the date it states."""
    facts = builder.span_date(iri)
    if facts is None:
        return None
    from app.dates import date_in_words

    words = date_in_words(facts)
    graphs = {
        f.graph for f in builder.hood.facts if f.subject == iri and f.predicate == HK.edtf.value
    }
    return DateText(
        words=words,
        phrase=facts.phrase if facts.phrase and facts.phrase not in words else "",
        edtf=facts.edtf or "",
        derivation=facts.derivation or "",
        notes=builder.notes_for_graphs(graphs),
    )


def _alt_labels(own: list[Any], label: str) -> tuple[Value, ...]:
    names: dict[str, Value] = {}
    for fact in own:
        if fact.predicate in (SKOS.altLabel.value, RDFS_LABEL) and isinstance(fact.object, Literal):
            text = fact.object.value
            if text != label and text not in names:
                names[text] = Value(text=text, lang=fact.object.language or "")
    return tuple(names.values())


def _description(own: list[Any]) -> str:
    for prop in (DCTERMS.description.value, SKOS.definition.value):
        literals = [f.object for f in own if f.predicate == prop and isinstance(f.object, Literal)]
        if literals:
            return preferred(literals)
    return ""


def _types(builder: PageBuilder, node: Node) -> tuple[Link, ...]:
    concepts = [builder.link(t) for t in node.types]
    vocabulary = builder.hood.vocabulary
    classes = [
        Link(label=_lower(vocabulary.get(c) or c.rsplit("/", 1)[-1]), href=None, iri=c)
        for c in sorted(node.classes)
    ]
    return tuple(concepts + classes)


def _lower(text: str) -> str:
    """Lower-case a class label ("Linguistic Object"), keeping acronyms ("PROV")."""
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in text.split(" "))


def _statements(
    builder: PageBuilder, own: list[Any], mention_notes: tuple[Any, ...]
) -> tuple[PropertyGroup, ...]:
    by_property: dict[str, dict[str, Statement]] = defaultdict(dict)
    for fact in own:
        if fact.predicate in HEADING_PROPERTIES:
            continue
        key = str(fact.object)
        if key in by_property[fact.predicate]:
            continue
        statement = builder.statement(fact.subject, fact.predicate, fact.object)
        if not statement.notes and not builder.hood.is_claim(fact.graph) and mention_notes:
            statement = Statement(value=statement.value, notes=mention_notes)
        by_property[fact.predicate][key] = statement
    vocabulary = builder.hood.vocabulary

    def order(prop: str) -> tuple[int, str]:
        rank = PROPERTY_ORDER.index(prop) if prop in PROPERTY_ORDER else len(PROPERTY_ORDER)
        return rank, property_words(prop, vocabulary)

    return tuple(
        PropertyGroup(
            label=property_words(prop, vocabulary),
            iri=prop,
            statements=tuple(
                sorted(by_property[prop].values(), key=lambda s: s.value.text.casefold())
            ),
            total=len(by_property[prop]),
        )
        for prop in sorted(by_property, key=order)
    )


def _linked(values: Iterable[object]) -> set[str]:
    """The IRIs of every link inside page sections (nested dataclasses and tuples)."""
    found: set[str] = set()
    stack = list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, Link):
            found.add(value.iri)
        elif isinstance(value, tuple):
            stack.extend(value)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            stack.extend(getattr(value, f.name) for f in dataclasses.fields(value))
    return found


def _inbound(builder: PageBuilder, page: int, shown: set[str]) -> Inbound:
    """One page of links in, less those a section of the page already shows."""
    hood = builder.hood
    groups: dict[str, list[Statement]] = defaultdict(list)
    target = NamedNode(hood.iri)
    for link in hood.inbound:
        if link.subject in shown or _plumbing(hood, link.subject, link.predicate):
            continue
        graphs = builder.claims_of(link.subject, link.predicate, target)
        notes = builder.notes_for_graphs(graphs)
        if not notes and link.subject in hood.claims:
            notes = (builder.note(link.subject),)
        item = builder.link(link.subject, _inbound_label(hood, link))
        groups[link.predicate].append(
            Statement(
                value=Value(text=item.label, link=item, kind="link"),
                notes=notes,
                reported=builder.reported_for(graphs),
            )
        )
    vocabulary = hood.vocabulary
    return Inbound(
        groups=tuple(
            PropertyGroup(
                label=inverse_words(prop, vocabulary),
                iri=prop,
                statements=tuple(statements),
                total=len(statements),
            )
            for prop, statements in groups.items()
        ),
        total=len(hood.inbound),
        pager=Pager(
            page=page,
            previous_href=f"?inbound={page - 1}#inbound" if page > 1 else None,
            next_href=f"?inbound={page + 1}#inbound" if hood.inbound_more else None,
            shown=_shown(hood),
        ),
    )


# Links into an entity that are the data's plumbing, not something a reader follows: a renamed
# IRI's owl:sameAs (it redirects here), a claim's attribution (the claim is listed with who it
# rests on) and the store's load record.
PLUMBING_INBOUND = frozenset(
    {
        OWL.sameAs.value,
        PROV.agent.value,
        PROV.hadRole.value,
        PROV.qualifiedAttribution.value,
        HKMeta.curatedGraph.value,
        HKMeta.sourceDigest.value,
    }
)


def _inbound_label(hood: Neighbourhood, link: InboundLink) -> str | None:
    """The label of a link's source; a passage (linking to its text or selector) by its
    first words, which the read model gives as its label."""
    if link.predicate in (OA.hasSource.value, OA.hasSelector.value) and link.label:
        return "passage: " + first_words(link.label)
    return link.label or None


def _plumbing(hood: Neighbourhood, subject: str, predicate: str) -> bool:
    """True for a link into the entity a reader need not see (``PLUMBING_INBOUND``)."""
    node = hood.nodes.get(subject)
    attribution = node is not None and PROV.Attribution.value in node.classes
    return predicate in PLUMBING_INBOUND or attribution


def _shown(hood: Neighbourhood) -> str:
    """'51-100 of 6,647' for a windowed neighbourhood, else empty."""
    window = hood.window
    if window is None:
        return ""
    if window.first > window.last:
        return f"none of {window.total:,} (past the last page)"
    return f"{window.first:,}\u2013{window.last:,} of {window.total:,}"


def _window(hood: Neighbourhood) -> Pager | None:
    """The pages of the resources linking into a much-linked entity (``walk.Walk.inbound``)."""
    window = hood.window
    if window is None:
        return None
    page = window.page
    return Pager(
        page=page,
        previous_href=f"?inbound={page - 1}" if page > 1 else None,
        next_href=f"?inbound={page + 1}" if window.more else None,
        shown=_shown(hood),
    )


def _identifiers(builder: PageBuilder, own: list[Any], label: str, kind: str) -> Identifiers:
    link = builder.link(builder.hood.iri)
    path = link.href or ""
    same = [
        str(f.object.value)
        for f in own
        if f.predicate == OWL.sameAs.value and isinstance(f.object, NamedNode)
    ]
    wikidata = [builder.link(iri, iri.rsplit("/", 1)[-1]) for iri in same if "wikidata" in iri]
    site = builder.settings.site
    return Identifiers(
        cite_source=_cite_source(builder, own),
        iri=builder.hood.iri,
        path=path,
        formats=tuple(Format(label=n, href=path + s, media_type=m) for n, s, m in FORMATS),
        wikidata=wikidata[0] if wikidata else None,
        wikidata_search=(
            "https://www.wikidata.org/w/index.php?search=" + quote_plus(label)
            if kind in WIKIDATA_KINDS
            else ""
        ),
        cite=(
            f"\u201c{label}.\u201d In {site.name}, a knowledge graph of historical events, "
            f"version {site.version}. {builder.hood.iri} (accessed {day_in_words(date.today())})."
        ),
    )


_COORDINATES = frozenset({GEO.lat.value, GEO.long.value, HK.coordinatesSource.value})
"""Coordinates set in the workbench: shown on the map with their source, not as statements."""


def _curated_point(builder: PageBuilder, own: list[Any]) -> tuple[float, float, str] | None:
    """The coordinates a curator set (longitude, latitude, their source in words), if any."""
    values = {f.predicate: f.object for f in own if f.predicate in _COORDINATES}
    source = values.get(HK.coordinatesSource.value)
    try:
        latitude = float(values[GEO.lat.value].value)
        longitude = float(values[GEO.long.value].value)
    except (KeyError, ValueError):
        return None
    if source is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    named = builder.label(source.value) if isinstance(source, NamedNode) else source.value
    return longitude, latitude, f"{named}, set by a curator"


def _map(
    builder: PageBuilder,
    own: list[Any],
    wikidata: FromWikidata | None,
    involvement: InvolvementSection | None,
) -> MapView | None:
    """The place on the offline world map, with the events the page says happened there (its
    involvement section): from the coordinates a curator set, else from the Wikidata facts
    graph's (``app.read.places`` says why in that order)."""
    curated = _curated_point(builder, own)
    point = parse_point(wikidata.point) if wikidata and wikidata.point else None
    if curated is not None:
        longitude, latitude, source = curated
        coordinates = coordinates_in_words(longitude, latitude)
    elif wikidata is not None and point is not None:
        (longitude, latitude), coordinates = point, wikidata.coordinates
        source = f"Wikidata ({wikidata.item.label}), not the historian"
    else:
        return None
    x, y = project(longitude, latitude)
    return MapView(
        outline_href=MAP_OUTLINE,
        x=x,
        y=y,
        coordinates=coordinates,
        source=source,
        events=tuple(item.link for item in involvement.items) if involvement else (),
    )


def _cite_source(builder: PageBuilder, own: list[Any]) -> str:
    """For a claim or a page of a book, the printed source: book, page, footnote and what the
    footnote cites; empty for other entities (their footnotes cite per statement)."""
    hood = builder.hood
    claim = hood.claims.get(hood.iri)
    if claim is not None:
        pages = [s for s in claim.derived.values() if s.book and s.iri not in claim.cited]
        if not pages:
            return ""
        where = "; ".join(
            _book_page(s.book_label or builder.label(s.book), s.pages or str(s.page_start or ""))
            for s in pages
        )
        note = f", n. {claim.footnote_number}" if claim.footnote_number is not None else ""
        cited = "; ".join(s.label for s in claim.cited.values() if s.label)
        return f"{where}{note}" + (f", citing {cited}" if cited else "") + "."
    values = {f.predicate: f.object for f in own}
    book = values.get(DCTERMS.isPartOf.value)
    if not isinstance(book, NamedNode):
        return ""
    number = values.get(BIBO.pages.value) or values.get(BIBO.pageStart.value)
    return _book_page(builder.label(book.value), number.value if number else "") + "."


def _book_page(book: str, pages: str) -> str:
    return f"{book}, p. {pages}" if pages else book


def _schema_org(
    builder: PageBuilder, kind: str, label: str, own: list[Any], when: DateText | None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": SCHEMA_TYPES.get(kind, "Thing"),
        "@id": builder.hood.iri,
        "name": label,
    }
    description = _description(own)
    if description:
        data["description"] = description
    alternates = [v.text for v in _alt_labels(own, label)]
    if alternates:
        data["alternateName"] = alternates
    wikidata = _identifiers_wikidata(own)
    if wikidata:
        data["sameAs"] = wikidata
    node = builder.hood.nodes.get(builder.hood.iri)
    bounds = node.date.bounds if node is not None and node.date is not None else None
    if kind == "event" and bounds is not None:
        data["startDate"], data["endDate"] = bounds[0].isoformat(), bounds[1].isoformat()
    places = [f for f in own if f.predicate == CRM.P7_took_place_at.value]
    if kind == "event" and places:
        data["location"] = [
            {"@type": "Place", "@id": p.object.value, "name": builder.label(p.object.value)}
            for p in places
        ]
    if when is not None and kind != "event":
        data["temporalCoverage"] = when.edtf or when.words
    return data


def _identifiers_wikidata(own: list[Any]) -> list[str]:
    return [
        "https://www.wikidata.org/wiki/" + str(f.object.value).rsplit("/", 1)[-1]
        for f in own
        if f.predicate == OWL.sameAs.value and "wikidata.org/entity/" in str(f.object.value)
    ]


__all__ = ["INBOUND_PAGE_SIZE", "entity_page"]
