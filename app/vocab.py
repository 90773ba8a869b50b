"""The vocabularies histkg code may name, as closed namespaces.

Why closed: a mistyped term (``HK.heldby``) must fail where it is written instead of minting a
new IRI that silently matches nothing. ``HK`` and ``CRM`` are checked against the shipped
ontology files by ``tests/test_ontology.py``: a term added to ``ontology/histkg.ttl`` or
``ontology/crm.ttl`` must be declared here too, and vice versa.
"""

from __future__ import annotations

from typing import ClassVar

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

BASE = "https://w3id.org/histkg/"
ID = Namespace(BASE + "id/")
"""Instances: people, events, claims, anchors, sources. The server maps it onto ``/id/``."""
GRAPH = Namespace(BASE + "graph/")
"""Named graphs that hold curated files (``graph/ontology/NAME``, ``graph/data/NAME``)."""
CONCEPT = Namespace(BASE + "id/concept/")
CLAIM = Namespace(BASE + "id/claim/")
EDTF = URIRef("http://id.loc.gov/datatypes/edtf/EDTF")
WD = Namespace("http://www.wikidata.org/entity/")


class HK(DefinedNamespace):
    """The histkg vocabulary (``ontology/histkg.ttl``)."""

    _NS = Namespace(BASE + "ontology#")
    _fail = True

    Claim: URIRef
    Attitude: URIRef
    mode: URIRef
    footnote: URIRef
    textAnchor: URIRef
    mention: URIRef
    markerAnchor: URIRef
    editorialNote: URIRef
    heldBy: URIRef
    about: URIRef
    addressee: URIRef
    directedAt: URIRef
    content: URIRef
    quotation: URIRef
    resultedIn: URIRef
    publishedIn: URIRef
    published: URIRef
    office: URIRef
    memberOf: URIRef
    edtf: URIRef
    relativeTo: URIRef
    offsetMin: URIRef
    offsetMax: URIRef
    derivation: URIRef
    datePhrase: URIRef
    runningHeader: URIRef
    publicationPlace: URIRef
    sameWorkAs: URIRef
    unknown: URIRef
    dateSource: URIRef
    footnoteScope: URIRef


class CRM(DefinedNamespace):
    """The CIDOC CRM 7.1.3 subset histkg ships (``ontology/crm.ttl``)."""

    _NS = Namespace("http://www.cidoc-crm.org/cidoc-crm/")
    _fail = True
    # Terms with hyphens cannot be Python identifiers; they are listed in _extras.
    _extras: ClassVar[list[str]] = [
        "E52_Time-Span",
        "E71_Human-Made_Thing",
        "P4_has_time-span",
    ]

    E1_CRM_Entity: URIRef
    E2_Temporal_Entity: URIRef
    E4_Period: URIRef
    E5_Event: URIRef
    E7_Activity: URIRef
    E21_Person: URIRef
    E28_Conceptual_Object: URIRef
    E31_Document: URIRef
    E33_Linguistic_Object: URIRef
    E39_Actor: URIRef
    E53_Place: URIRef
    E55_Type: URIRef
    E65_Creation: URIRef
    E70_Thing: URIRef
    E73_Information_Object: URIRef
    E74_Group: URIRef
    E77_Persistent_Item: URIRef
    E89_Propositional_Object: URIRef
    E90_Symbolic_Object: URIRef
    E92_Spacetime_Volume: URIRef
    P2_has_type: URIRef
    P7_took_place_at: URIRef
    P9i_forms_part_of: URIRef
    P10_falls_within: URIRef
    P11_had_participant: URIRef
    P14_carried_out_by: URIRef
    P17_was_motivated_by: URIRef
    P67_refers_to: URIRef
    P70_documents: URIRef
    P82a_begin_of_the_begin: URIRef
    P82b_end_of_the_end: URIRef
    P94_has_created: URIRef
    P94i_was_created_by: URIRef
    P106_is_composed_of: URIRef
    P176_starts_before_the_start_of: URIRef
    P183_ends_before_the_start_of: URIRef
    P190_has_symbolic_content: URIRef
    P175_starts_before_or_with_the_start_of: URIRef
    P184_ends_before_or_with_the_end_of: URIRef


PREFIXES: dict[str, str] = {
    "hk": str(HK._NS),
    "hkc": str(CONCEPT),
    "id": str(ID),
    "crm": str(CRM._NS),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "bibo": "http://purl.org/ontology/bibo/",
    "cito": "http://purl.org/spar/cito/",
    "oa": "http://www.w3.org/ns/oa#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "wd": str(WD),
    "edtf": "http://id.loc.gov/datatypes/edtf/",
}
"""Prefixes for SPARQL queries, reports and serializations; one table for the whole app."""


def sparql_prologue() -> str:
    """The PREFIX lines for :data:`PREFIXES`, for queries shipped with the app."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
