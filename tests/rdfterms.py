"""pyoxigraph terms as rdflib terms, for tests that read files with pyoxigraph (fast, and free of
rdflib's Dataset deprecation warnings) but compare with rdflib's Graph API."""

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

RdflibTerm = URIRef | BNode | Literal


def to_rdflib(term: object) -> RdflibTerm:
    """The rdflib term for a pyoxigraph IRI, blank node or literal."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    assert isinstance(term, ox.Literal), term
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def triple(quad: ox.Quad) -> tuple[RdflibTerm, RdflibTerm, RdflibTerm]:
    """The rdflib (s, p, o) of a pyoxigraph quad, its graph dropped."""
    return to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)
