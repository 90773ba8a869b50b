"""The vocabularies histkg code may name: one closed class of pyoxigraph terms per namespace.

Why closed: a mistyped term (``HK.heldby``) must fail where it is written (mypy, or an
``AttributeError`` on import) instead of minting a new IRI that silently matches nothing. Every
module names terms through these classes (``HK.Claim`` is a ``NamedNode``; ``HK.Claim.value`` its
IRI string); none re-declares a namespace string or joins ``namespace + "term"``. pySHACL's
``consts.py`` is the model.

``HK`` and ``CRM`` are checked against the shipped ontology files, ``HKC`` against the concept
schemes, and the W3C classes against rdflib's closed namespaces (``tests/test_vocab.py``): a term
added to ``ontology/histkg.ttl`` or ``ontology/crm.ttl`` must be declared here too, and vice versa.
rdflib code converts a term with :func:`uri`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from pyoxigraph import NamedNode

if TYPE_CHECKING:
    from rdflib import URIRef

BASE = "https://w3id.org/histkg/"
ID = BASE + "id/"
"""Instances: people, events, claims, anchors, sources. The server maps it onto ``/id/``."""
GRAPH = BASE + "graph/"
"""Named graphs that hold curated files (``graph/ontology/NAME``, ``graph/data/NAME``)."""
CONCEPT = BASE + "id/concept/"
EDTF = NamedNode("http://id.loc.gov/datatypes/edtf/EDTF")
WD = "http://www.wikidata.org/entity/"


class Vocabulary:
    """A closed namespace: each ``name: ClassVar[NamedNode]`` annotation becomes a term.

    ``RENAMED`` maps the Python name of a term whose local name is no identifier (hyphens) to
    that local name.
    """

    NS: ClassVar[str]
    RENAMED: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        for name, annotation in cls.__annotations__.items():
            if "NamedNode" in str(annotation):
                setattr(cls, name, NamedNode(cls.NS + cls.RENAMED.get(name, name)))

    @classmethod
    def terms(cls) -> dict[str, NamedNode]:
        """Every term, by its local name in the namespace (hyphens and all)."""
        return {
            cls.RENAMED.get(name, name): getattr(cls, name)
            for name, annotation in cls.__annotations__.items()
            if "NamedNode" in str(annotation)
        }


def uri(term: NamedNode) -> URIRef:
    """The rdflib form of a term, for code that works on rdflib graphs (rdflib is imported
    here, not with this module: it is slow to import and most of the app does not need it)."""
    from rdflib import URIRef

    return URIRef(term.value)


class HK(Vocabulary):
    """The histkg vocabulary (``ontology/histkg.ttl``)."""

    NS = BASE + "ontology#"
    Claim: ClassVar[NamedNode]
    Attitude: ClassVar[NamedNode]
    mode: ClassVar[NamedNode]
    footnote: ClassVar[NamedNode]
    textAnchor: ClassVar[NamedNode]
    continues: ClassVar[NamedNode]
    mention: ClassVar[NamedNode]
    markerAnchor: ClassVar[NamedNode]
    editorialNote: ClassVar[NamedNode]
    heldBy: ClassVar[NamedNode]
    about: ClassVar[NamedNode]
    addressee: ClassVar[NamedNode]
    directedAt: ClassVar[NamedNode]
    content: ClassVar[NamedNode]
    quotation: ClassVar[NamedNode]
    resultedIn: ClassVar[NamedNode]
    publishedIn: ClassVar[NamedNode]
    published: ClassVar[NamedNode]
    office: ClassVar[NamedNode]
    memberOf: ClassVar[NamedNode]
    edtf: ClassVar[NamedNode]
    relativeTo: ClassVar[NamedNode]
    offsetMin: ClassVar[NamedNode]
    offsetMax: ClassVar[NamedNode]
    derivation: ClassVar[NamedNode]
    datePhrase: ClassVar[NamedNode]
    runningHeader: ClassVar[NamedNode]
    publicationPlace: ClassVar[NamedNode]
    sha256: ClassVar[NamedNode]
    sameWorkAs: ClassVar[NamedNode]
    unknown: ClassVar[NamedNode]
    dateSource: ClassVar[NamedNode]
    footnoteScope: ClassVar[NamedNode]
    coordinatesSource: ClassVar[NamedNode]


class HKMeta(Vocabulary):
    """The store's own bookkeeping (the ``graph/meta`` load record), in the ``hk:`` namespace but
    not part of the published ontology: no data file may use them."""

    NS = HK.NS
    sourceDigest: ClassVar[NamedNode]
    curatedGraph: ClassVar[NamedNode]


class HKH(Vocabulary):
    """The revision records' own terms (``app.history``: one named graph a revision), internal
    bookkeeping like ``HKMeta``: not part of the published ontology."""

    NS = BASE + "history#"
    head: ClassVar[NamedNode]
    parent: ClassVar[NamedNode]
    graph: ClassVar[NamedNode]
    touched: ClassVar[NamedNode]
    added: ClassVar[NamedNode]
    removed: ClassVar[NamedNode]
    addedCount: ClassVar[NamedNode]
    removedCount: ClassVar[NamedNode]
    reverts: ClassVar[NamedNode]
    summary: ClassVar[NamedNode]


class HKC(Vocabulary):
    """The concepts (``ontology/concepts.ttl``) that code names; the rest are data."""

    NS = CONCEPT
    RENAMED: ClassVar[dict[str, str]] = {
        "informal_group": "informal-group",
        "international_organization": "international-organization",
        "political_body": "political-body",
        "sentence_scope": "sentence-scope",
        "paragraph_scope": "paragraph-scope",
    }
    asserted: ClassVar[NamedNode]
    reported: ClassVar[NamedNode]
    informant: ClassVar[NamedNode]
    reporter: ClassVar[NamedNode]
    historian: ClassVar[NamedNode]
    book: ClassVar[NamedNode]
    city: ClassVar[NamedNode]
    incident: ClassVar[NamedNode]
    informal_group: ClassVar[NamedNode]
    international_organization: ClassVar[NamedNode]
    invasion: ClassVar[NamedNode]
    letter: ClassVar[NamedNode]
    newspaper: ClassVar[NamedNode]
    poem: ClassVar[NamedNode]
    political_body: ClassVar[NamedNode]
    quotation: ClassVar[NamedNode]
    region: ClassVar[NamedNode]
    state: ClassVar[NamedNode]
    war: ClassVar[NamedNode]
    sentence_scope: ClassVar[NamedNode]
    paragraph_scope: ClassVar[NamedNode]


class CRM(Vocabulary):
    """The CIDOC CRM 7.1.3 subset histkg ships (``ontology/crm.ttl``)."""

    NS = "http://www.cidoc-crm.org/cidoc-crm/"
    RENAMED: ClassVar[dict[str, str]] = {
        "E52_Time_Span": "E52_Time-Span",
        "E71_Human_Made_Thing": "E71_Human-Made_Thing",
        "P4_has_time_span": "P4_has_time-span",
    }
    E1_CRM_Entity: ClassVar[NamedNode]
    E2_Temporal_Entity: ClassVar[NamedNode]
    E4_Period: ClassVar[NamedNode]
    E5_Event: ClassVar[NamedNode]
    E7_Activity: ClassVar[NamedNode]
    E21_Person: ClassVar[NamedNode]
    E28_Conceptual_Object: ClassVar[NamedNode]
    E31_Document: ClassVar[NamedNode]
    E33_Linguistic_Object: ClassVar[NamedNode]
    E39_Actor: ClassVar[NamedNode]
    E52_Time_Span: ClassVar[NamedNode]
    E53_Place: ClassVar[NamedNode]
    E55_Type: ClassVar[NamedNode]
    E65_Creation: ClassVar[NamedNode]
    E70_Thing: ClassVar[NamedNode]
    E71_Human_Made_Thing: ClassVar[NamedNode]
    E73_Information_Object: ClassVar[NamedNode]
    E74_Group: ClassVar[NamedNode]
    E77_Persistent_Item: ClassVar[NamedNode]
    E89_Propositional_Object: ClassVar[NamedNode]
    E90_Symbolic_Object: ClassVar[NamedNode]
    E92_Spacetime_Volume: ClassVar[NamedNode]
    P2_has_type: ClassVar[NamedNode]
    P4_has_time_span: ClassVar[NamedNode]
    P7_took_place_at: ClassVar[NamedNode]
    P9i_forms_part_of: ClassVar[NamedNode]
    P10_falls_within: ClassVar[NamedNode]
    P11_had_participant: ClassVar[NamedNode]
    P14_carried_out_by: ClassVar[NamedNode]
    P17_was_motivated_by: ClassVar[NamedNode]
    P67_refers_to: ClassVar[NamedNode]
    P70_documents: ClassVar[NamedNode]
    P82a_begin_of_the_begin: ClassVar[NamedNode]
    P82b_end_of_the_end: ClassVar[NamedNode]
    P94_has_created: ClassVar[NamedNode]
    P94i_was_created_by: ClassVar[NamedNode]
    P106_is_composed_of: ClassVar[NamedNode]
    P176_starts_before_the_start_of: ClassVar[NamedNode]
    P183_ends_before_the_start_of: ClassVar[NamedNode]
    P190_has_symbolic_content: ClassVar[NamedNode]
    P175_starts_before_or_with_the_start_of: ClassVar[NamedNode]
    P184_ends_before_or_with_the_end_of: ClassVar[NamedNode]


class RDF(Vocabulary):
    NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    type: ClassVar[NamedNode]
    langString: ClassVar[NamedNode]
    dirLangString: ClassVar[NamedNode]


class RDFS(Vocabulary):
    NS = "http://www.w3.org/2000/01/rdf-schema#"
    label: ClassVar[NamedNode]
    comment: ClassVar[NamedNode]
    subClassOf: ClassVar[NamedNode]


class OWL(Vocabulary):
    NS = "http://www.w3.org/2002/07/owl#"
    sameAs: ClassVar[NamedNode]


class XSD(Vocabulary):
    NS = "http://www.w3.org/2001/XMLSchema#"
    string: ClassVar[NamedNode]
    integer: ClassVar[NamedNode]
    decimal: ClassVar[NamedNode]
    date: ClassVar[NamedNode]
    dateTime: ClassVar[NamedNode]
    gYear: ClassVar[NamedNode]
    gYearMonth: ClassVar[NamedNode]


class SKOS(Vocabulary):
    NS = "http://www.w3.org/2004/02/skos/core#"
    Concept: ClassVar[NamedNode]
    ConceptScheme: ClassVar[NamedNode]
    prefLabel: ClassVar[NamedNode]
    altLabel: ClassVar[NamedNode]
    definition: ClassVar[NamedNode]
    inScheme: ClassVar[NamedNode]
    hasTopConcept: ClassVar[NamedNode]
    topConceptOf: ClassVar[NamedNode]


class DCTERMS(Vocabulary):
    NS = "http://purl.org/dc/terms/"
    creator: ClassVar[NamedNode]
    description: ClassVar[NamedNode]
    format: ClassVar[NamedNode]
    hasVersion: ClassVar[NamedNode]
    identifier: ClassVar[NamedNode]
    isPartOf: ClassVar[NamedNode]
    issued: ClassVar[NamedNode]
    license: ClassVar[NamedNode]
    publisher: ClassVar[NamedNode]
    source: ClassVar[NamedNode]
    title: ClassVar[NamedNode]


class DCMITYPE(Vocabulary):
    NS = "http://purl.org/dc/dcmitype/"
    Text: ClassVar[NamedNode]


class PROV(Vocabulary):
    NS = "http://www.w3.org/ns/prov#"
    Activity: ClassVar[NamedNode]
    Agent: ClassVar[NamedNode]
    Attribution: ClassVar[NamedNode]
    Entity: ClassVar[NamedNode]
    agent: ClassVar[NamedNode]
    generatedAtTime: ClassVar[NamedNode]
    hadRole: ClassVar[NamedNode]
    qualifiedAttribution: ClassVar[NamedNode]
    wasAttributedTo: ClassVar[NamedNode]
    wasDerivedFrom: ClassVar[NamedNode]
    wasAssociatedWith: ClassVar[NamedNode]
    startedAtTime: ClassVar[NamedNode]


class OA(Vocabulary):
    NS = "http://www.w3.org/ns/oa#"
    SpecificResource: ClassVar[NamedNode]
    TextPositionSelector: ClassVar[NamedNode]
    TextQuoteSelector: ClassVar[NamedNode]
    end: ClassVar[NamedNode]
    exact: ClassVar[NamedNode]
    hasSelector: ClassVar[NamedNode]
    hasSource: ClassVar[NamedNode]
    prefix: ClassVar[NamedNode]
    start: ClassVar[NamedNode]
    suffix: ClassVar[NamedNode]


class BIBO(Vocabulary):
    NS = "http://purl.org/ontology/bibo/"
    AcademicArticle: ClassVar[NamedNode]
    Book: ClassVar[NamedNode]
    DocumentPart: ClassVar[NamedNode]
    Journal: ClassVar[NamedNode]
    Note: ClassVar[NamedNode]
    content: ClassVar[NamedNode]
    issue: ClassVar[NamedNode]
    number: ClassVar[NamedNode]
    pageEnd: ClassVar[NamedNode]
    pageStart: ClassVar[NamedNode]
    pages: ClassVar[NamedNode]
    shortTitle: ClassVar[NamedNode]
    volume: ClassVar[NamedNode]


class CITO(Vocabulary):
    NS = "http://purl.org/spar/cito/"
    citesAsEvidence: ClassVar[NamedNode]


class SCHEMA(Vocabulary):
    NS = "https://schema.org/"
    SoftwareSourceCode: ClassVar[NamedNode]
    dateModified: ClassVar[NamedNode]
    description: ClassVar[NamedNode]
    license: ClassVar[NamedNode]
    name: ClassVar[NamedNode]
    softwareVersion: ClassVar[NamedNode]


class VOID(Vocabulary):
    NS = "http://rdfs.org/ns/void#"
    RENAMED: ClassVar[dict[str, str]] = {"class_": "class"}
    Dataset: ClassVar[NamedNode]
    class_: ClassVar[NamedNode]
    classPartition: ClassVar[NamedNode]
    classes: ClassVar[NamedNode]
    dataDump: ClassVar[NamedNode]
    distinctSubjects: ClassVar[NamedNode]
    entities: ClassVar[NamedNode]
    exampleResource: ClassVar[NamedNode]
    feature: ClassVar[NamedNode]
    properties: ClassVar[NamedNode]
    property: ClassVar[NamedNode]
    propertyPartition: ClassVar[NamedNode]
    sparqlEndpoint: ClassVar[NamedNode]
    triples: ClassVar[NamedNode]
    uriSpace: ClassVar[NamedNode]
    vocabulary: ClassVar[NamedNode]


class GEO(Vocabulary):
    """W3C Basic Geo (WGS84): a place's latitude and longitude in decimal degrees. (rdflib's
    ``WGS`` namespace spells it with https, not the vocabulary's own http IRI.)"""

    NS = "http://www.w3.org/2003/01/geo/wgs84_pos#"
    lat: ClassVar[NamedNode]
    long: ClassVar[NamedNode]


class FOAF(Vocabulary):
    NS = "http://xmlns.com/foaf/0.1/"
    primaryTopic: ClassVar[NamedNode]
    topic: ClassVar[NamedNode]


PREFIXES: dict[str, str] = {
    "hk": HK.NS,
    "hkc": CONCEPT,
    "id": ID,
    "crm": CRM.NS,
    "rdf": RDF.NS,
    "rdfs": RDFS.NS,
    "xsd": XSD.NS,
    "owl": OWL.NS,
    "skos": SKOS.NS,
    "prov": PROV.NS,
    "bibo": BIBO.NS,
    "cito": CITO.NS,
    "oa": OA.NS,
    "dcterms": DCTERMS.NS,
    "schema": SCHEMA.NS,
    "wd": WD,
    "edtf": "http://id.loc.gov/datatypes/edtf/",
}
"""Prefixes for SPARQL queries, reports and serializations; one table for the whole app."""


def sparql_prologue() -> str:
    """The PREFIX lines for :data:`PREFIXES`, for queries shipped with the app."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
