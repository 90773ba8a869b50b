"""Words for the graph's terms on pages: properties (and their inverses), kinds of entities.

The ontology labels its terms (``rdfs:label``, loaded in the store); a page prefers a reader's
phrasing where the ontology's is technical ("date" rather than "has time-span"), and needs the
inverse direction for links into an entity ("carried out" for ``crm:P14_carried_out_by``), which
the ontology does not name. Terms not listed here fall back to the ontology's label.
"""

from __future__ import annotations

from dataclasses import dataclass

CRM = "http://www.cidoc-crm.org/cidoc-crm/"
HK = "https://w3id.org/histkg/ontology#"
PROV = "http://www.w3.org/ns/prov#"
BIBO = "http://purl.org/ontology/bibo/"
CITO = "http://purl.org/spar/cito/"
DCTERMS = "http://purl.org/dc/terms/"
OA = "http://www.w3.org/ns/oa#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
DCMITYPE = "http://purl.org/dc/dcmitype/"

# (forward words, inverse words): "Mukden Incident — ends before the start of — X" reads
# forward; on X's page the same link reads "Y — ended before this began".
PROPERTY_WORDS: dict[str, tuple[str, str]] = {
    CRM + "P2_has_type": ("type", "things of this type"),
    CRM + "P4_has_time-span": ("date", "date of"),
    CRM + "P7_took_place_at": ("took place at", "what happened here"),
    CRM + "P9i_forms_part_of": ("part of", "parts"),
    CRM + "P10_falls_within": ("falls within", "what falls within it"),
    CRM + "P11_had_participant": ("participants", "took part in"),
    CRM + "P14_carried_out_by": ("carried out by", "carried out"),
    CRM + "P17_was_motivated_by": ("motivated by", "motivated"),
    CRM + "P67_refers_to": ("refers to", "referred to by"),
    CRM + "P70_documents": ("documents", "documented by"),
    CRM + "P94_has_created": ("created", "created by"),
    CRM + "P94i_was_created_by": ("created by", "created"),
    CRM + "P106_is_composed_of": ("quotations", "quoted in"),
    CRM + "P176_starts_before_the_start_of": ("starts before the start of", "started after it"),
    CRM + "P183_ends_before_the_start_of": ("ends before the start of", "ended before it began"),
    CRM + "P190_has_symbolic_content": ("text", "text of"),
    CRM + "P82a_begin_of_the_begin": ("earliest begin", "earliest begin of"),
    CRM + "P82b_end_of_the_end": ("latest end", "latest end of"),
    HK + "heldBy": ("held by", "attitudes held"),
    HK + "about": ("about", "subject of"),
    HK + "addressee": ("addressee", "addressee of"),
    HK + "directedAt": ("directed at", "directed at them"),
    HK + "content": ("content, in the source's words", "content of"),
    HK + "quotation": ("quotations", "quoted in"),
    HK + "resultedIn": ("resulted in", "resulted from"),
    HK + "publishedIn": ("published in", "published here"),
    HK + "published": ("published", "published by"),
    HK + "office": ("office", "office of"),
    HK + "memberOf": ("member of or heading", "members and heads"),
    HK + "textAnchor": ("passage", "passage of"),
    HK + "mention": ("named in", "names"),
    HK + "markerAnchor": ("footnote mark", "footnote mark of"),
    HK + "footnote": ("footnote", "claims resting on it"),
    HK + "mode": ("mode", "claims in this mode"),
    HK + "relativeTo": ("relative to", "dates relative to it"),
    HK + "offsetMin": ("least offset", "least offset of"),
    HK + "offsetMax": ("greatest offset", "greatest offset of"),
    HK + "edtf": ("EDTF value", "EDTF value of"),
    HK + "derivation": ("how the date was worked out", "derivation of"),
    HK + "datePhrase": ("date, as the source puts it", "date phrase of"),
    HK + "sameWorkAs": ("same work as", "same work as"),
    HK + "publicationPlace": ("place of publication", "publications"),
    HK + "runningHeader": ("running header", "running header of"),
    PROV + "wasDerivedFrom": ("derived from", "claims derived from it"),
    PROV + "wasAttributedTo": ("attributed to", "claims attributed to them"),
    PROV + "qualifiedAttribution": ("attribution", "attribution of"),
    PROV + "agent": ("agent", "attributions"),
    PROV + "hadRole": ("role", "attributions in this role"),
    CITO + "citesAsEvidence": ("cites", "cited by"),
    DCTERMS + "isPartOf": ("part of", "parts"),
    DCTERMS + "creator": ("author", "author of"),
    DCTERMS + "publisher": ("publisher", "published"),
    DCTERMS + "source": ("source", "source of"),
    DCTERMS + "title": ("title", "title of"),
    DCTERMS + "issued": ("published", "published"),
    DCTERMS + "identifier": ("stored as", "identifier of"),
    DCTERMS + "format": ("format", "format of"),
    BIBO + "pages": ("pages", "pages of"),
    BIBO + "pageStart": ("first page", "first page of"),
    BIBO + "pageEnd": ("last page", "last page of"),
    BIBO + "number": ("number", "number of"),
    BIBO + "content": ("text", "text of"),
    BIBO + "shortTitle": ("short title", "short title of"),
    OA + "hasSource": ("in", "passages"),
    OA + "hasSelector": ("selected by", "selector of"),
    OA + "exact": ("exact text", "exact text of"),
    OA + "prefix": ("text before", "text before"),
    OA + "suffix": ("text after", "text after"),
    OA + "start": ("start (characters)", "start of"),
    OA + "end": ("end (characters)", "end of"),
    SKOS + "inScheme": ("in scheme", "concepts"),
    SKOS + "topConceptOf": ("top concept of", "top concepts"),
    SKOS + "hasTopConcept": ("top concepts", "top concept of"),
    SKOS + "definition": ("definition", "definition of"),
    SKOS + "prefLabel": ("preferred label", "preferred label of"),
    RDF + "type": ("class", "instances"),
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
    (HK + "Claim", Kind("claim", "claim", "claims", "claim.html")),
    (CRM + "E21_Person", Kind("person", "person", "people", "person.html")),
    (CRM + "E39_Actor", Kind("person", "person", "people", "person.html")),
    (HK + "Attitude", Kind("attitude", "attitude", "attitudes", "event.html")),
    (CRM + "E65_Creation", Kind("event", "event", "events and activities", "event.html")),
    (CRM + "E7_Activity", Kind("event", "activity", "events and activities", "event.html")),
    (CRM + "E5_Event", Kind("event", "event", "events and activities", "event.html")),
    (CRM + "E31_Document", Kind("document", "document", "documents", "letter.html")),
    (CRM + "E73_Information_Object", Kind("document", "text", "documents", "letter.html")),
    (CRM + "E33_Linguistic_Object", Kind("quotation", "quotation", "quotations", "entity.html")),
    (CRM + "E74_Group", Kind("group", "group", "groups and states", "group.html")),
    (CRM + "E53_Place", Kind("place", "place", "places", "group.html")),
    (BIBO + "Book", Kind("book", "book", "books", "book.html")),
    (BIBO + "DocumentPart", Kind("source", "page of a book", "pages of books", "book.html")),
    (BIBO + "Note", Kind("footnote", "footnote", "footnotes", "entity.html")),
    (CRM + "E52_Time-Span", Kind("date", "date", "dates", "entity.html")),
    (
        CRM + "E89_Propositional_Object",
        Kind("proposition", "proposition", "propositions", "entity.html"),
    ),
    (OA + "SpecificResource", Kind("passage", "passage", "passages", "entity.html")),
    (OA + "TextQuoteSelector", Kind("selector", "selector", "selectors", "entity.html")),
    (OA + "TextPositionSelector", Kind("selector", "selector", "selectors", "entity.html")),
    (DCMITYPE + "Text", Kind("text", "stored text", "stored texts", "entity.html")),
    (PROV + "Attribution", Kind("attribution", "attribution", "attributions", "entity.html")),
    (SKOS + "ConceptScheme", Kind("scheme", "list of types", "lists of types", "entity.html")),
    (SKOS + "Concept", Kind("concept", "type", "types", "entity.html")),
    (PROV + "Entity", Kind("source", "source", "sources", "book.html")),
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
