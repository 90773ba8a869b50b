"""Words for the graph's terms on pages: properties (and their inverses), kinds of entities.

The ontology labels its terms (``rdfs:label``, loaded in the store); a page prefers a reader's
phrasing where the ontology's is technical ("date" rather than "has time-span"), and needs the
inverse direction for links into an entity ("carried out" for ``crm:P14_carried_out_by``), which
the ontology does not name. Terms not listed here fall back to the ontology's label.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.vocab import BIBO, CITO, CRM, DCMITYPE, DCTERMS, HK, OA, PROV, RDF, SKOS

# (forward words, inverse words): "Mukden Incident — ends before the start of — X" reads
# forward; on X's page the same link reads "Y — ended before this began".
PROPERTY_WORDS: dict[str, tuple[str, str]] = {
    CRM.P2_has_type.value: ("type", "things of this type"),
    CRM.P4_has_time_span.value: ("date", "date of"),
    CRM.P7_took_place_at.value: ("took place at", "what happened here"),
    CRM.P9i_forms_part_of.value: ("part of", "parts"),
    CRM.P10_falls_within.value: ("falls within", "what falls within it"),
    CRM.P11_had_participant.value: ("participants", "took part in"),
    CRM.P14_carried_out_by.value: ("carried out by", "carried out"),
    CRM.P17_was_motivated_by.value: ("motivated by", "motivated"),
    CRM.P67_refers_to.value: ("refers to", "referred to by"),
    CRM.P70_documents.value: ("documents", "documented by"),
    CRM.P94_has_created.value: ("created", "created by"),
    CRM.P94i_was_created_by.value: ("created by", "created"),
    CRM.P106_is_composed_of.value: ("quotations", "quoted in"),
    CRM.P176_starts_before_the_start_of.value: ("starts before the start of", "started after it"),
    CRM.P183_ends_before_the_start_of.value: ("ends before the start of", "ended before it began"),
    CRM.P190_has_symbolic_content.value: ("text", "text of"),
    CRM.P82a_begin_of_the_begin.value: ("earliest begin", "earliest begin of"),
    CRM.P82b_end_of_the_end.value: ("latest end", "latest end of"),
    HK.heldBy.value: ("held by", "attitudes held"),
    HK.about.value: ("about", "subject of"),
    HK.addressee.value: ("addressee", "addressee of"),
    HK.directedAt.value: ("directed at", "directed at them"),
    HK.content.value: ("content, in the source's words", "content of"),
    HK.quotation.value: ("quotations", "quoted in"),
    HK.resultedIn.value: ("resulted in", "resulted from"),
    HK.publishedIn.value: ("published in", "published here"),
    HK.published.value: ("published", "published by"),
    HK.office.value: ("office", "office of"),
    HK.memberOf.value: ("member of or heading", "members and heads"),
    HK.textAnchor.value: ("passage", "passage of"),
    HK.mention.value: ("named in", "names"),
    HK.markerAnchor.value: ("footnote mark", "footnote mark of"),
    HK.footnote.value: ("footnote", "claims resting on it"),
    HK.mode.value: ("mode", "claims in this mode"),
    HK.relativeTo.value: ("relative to", "dates relative to it"),
    HK.offsetMin.value: ("least offset", "least offset of"),
    HK.offsetMax.value: ("greatest offset", "greatest offset of"),
    HK.edtf.value: ("EDTF value", "EDTF value of"),
    HK.derivation.value: ("how the date was worked out", "derivation of"),
    HK.datePhrase.value: ("date, as the source puts it", "date phrase of"),
    HK.sameWorkAs.value: ("same work as", "same work as"),
    HK.publicationPlace.value: ("place of publication", "publications"),
    HK.runningHeader.value: ("running header", "running header of"),
    PROV.wasDerivedFrom.value: ("derived from", "claims derived from it"),
    PROV.wasAttributedTo.value: ("attributed to", "claims attributed to them"),
    PROV.qualifiedAttribution.value: ("attribution", "attribution of"),
    PROV.agent.value: ("agent", "attributions"),
    PROV.hadRole.value: ("role", "attributions in this role"),
    CITO.citesAsEvidence.value: ("cites", "cited by"),
    DCTERMS.isPartOf.value: ("part of", "parts"),
    DCTERMS.creator.value: ("author", "author of"),
    DCTERMS.publisher.value: ("publisher", "published"),
    DCTERMS.source.value: ("source", "source of"),
    DCTERMS.title.value: ("title", "title of"),
    DCTERMS.issued.value: ("published", "published"),
    DCTERMS.identifier.value: ("stored as", "identifier of"),
    DCTERMS.format.value: ("format", "format of"),
    BIBO.pages.value: ("pages", "pages of"),
    BIBO.pageStart.value: ("first page", "first page of"),
    BIBO.pageEnd.value: ("last page", "last page of"),
    BIBO.number.value: ("number", "number of"),
    BIBO.content.value: ("text", "text of"),
    BIBO.shortTitle.value: ("short title", "short title of"),
    OA.hasSource.value: ("in", "passages"),
    OA.hasSelector.value: ("selected by", "selector of"),
    OA.exact.value: ("exact text", "exact text of"),
    OA.prefix.value: ("text before", "text before"),
    OA.suffix.value: ("text after", "text after"),
    OA.start.value: ("start (characters)", "start of"),
    OA.end.value: ("end (characters)", "end of"),
    SKOS.inScheme.value: ("in scheme", "concepts"),
    SKOS.topConceptOf.value: ("top concept of", "top concepts"),
    SKOS.hasTopConcept.value: ("top concepts", "top concept of"),
    SKOS.definition.value: ("definition", "definition of"),
    SKOS.prefLabel.value: ("preferred label", "preferred label of"),
    RDF.type.value: ("class", "instances"),
}


def property_words(iri: str, vocabulary: dict[str, str]) -> str:
    """The property in words, read forward."""
    if iri in PROPERTY_WORDS:
        return PROPERTY_WORDS[iri][0]
    return vocabulary.get(iri) or _local_name(iri)


def inverse_words(iri: str, vocabulary: dict[str, str]) -> str:
    """The property in words, read backwards (for links into an entity)."""
    if iri in PROPERTY_WORDS:
        return PROPERTY_WORDS[iri][1]
    return f"{property_words(iri, vocabulary)} (of)"


def _local_name(iri: str) -> str:
    tail = iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return tail.replace("_", " ")


@dataclass(frozen=True)
class Kind:
    """A kind of entity: its key, its words and the template of its page."""

    key: str
    singular: str
    plural: str
    template: str


KINDS: tuple[tuple[str, Kind], ...] = (
    (HK.Claim.value, Kind("claim", "claim", "claims", "claim.html")),
    (CRM.E21_Person.value, Kind("person", "person", "people", "person.html")),
    (CRM.E39_Actor.value, Kind("person", "person", "people", "person.html")),
    (HK.Attitude.value, Kind("attitude", "attitude", "attitudes", "event.html")),
    (CRM.E65_Creation.value, Kind("event", "event", "events and activities", "event.html")),
    (CRM.E7_Activity.value, Kind("event", "activity", "events and activities", "event.html")),
    (CRM.E5_Event.value, Kind("event", "event", "events and activities", "event.html")),
    (CRM.E31_Document.value, Kind("document", "document", "documents", "letter.html")),
    (CRM.E73_Information_Object.value, Kind("document", "text", "documents", "letter.html")),
    (CRM.E33_Linguistic_Object.value, Kind("quotation", "quotation", "quotations", "entity.html")),
    (CRM.E74_Group.value, Kind("group", "group", "groups and states", "group.html")),
    (CRM.E53_Place.value, Kind("place", "place", "places", "group.html")),
    (BIBO.Book.value, Kind("book", "book", "books", "book.html")),
    (BIBO.AcademicArticle.value, Kind("book", "article", "books", "book.html")),
    (BIBO.DocumentPart.value, Kind("source", "page of a book", "pages of books", "book.html")),
    (BIBO.Note.value, Kind("footnote", "footnote", "footnotes", "entity.html")),
    (CRM.E52_Time_Span.value, Kind("date", "date", "dates", "entity.html")),
    (
        CRM.E89_Propositional_Object.value,
        Kind("proposition", "proposition", "propositions", "entity.html"),
    ),
    (OA.SpecificResource.value, Kind("passage", "passage", "passages", "entity.html")),
    (OA.TextQuoteSelector.value, Kind("selector", "selector", "selectors", "entity.html")),
    (OA.TextPositionSelector.value, Kind("selector", "selector", "selectors", "entity.html")),
    (DCMITYPE.Text.value, Kind("text", "stored text", "stored texts", "entity.html")),
    (PROV.Attribution.value, Kind("attribution", "attribution", "attributions", "entity.html")),
    (SKOS.ConceptScheme.value, Kind("scheme", "list of types", "lists of types", "entity.html")),
    (SKOS.Concept.value, Kind("concept", "type", "types", "entity.html")),
    (PROV.Entity.value, Kind("source", "source", "sources", "book.html")),
)
GENERIC = Kind("entity", "resource", "resources", "entity.html")


def kind_of(classes: set[str]) -> Kind:
    """The most specific kind among the classes of an entity."""
    for iri, kind in KINDS:
        if iri in classes:
            return kind
    return GENERIC


HOME_KINDS: tuple[str, ...] = ("person", "group", "place", "event", "document", "attitude", "book")
"""Kinds listed on the home page, in this order."""
