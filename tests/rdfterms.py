"""pyoxigraph terms as rdflib terms, for tests that read files with pyoxigraph (fast, and free of
rdflib's Dataset deprecation warnings) but compare with rdflib's Graph API."""

from pathlib import Path

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


def value(term: object) -> str:
    """The value of a pyoxigraph IRI, blank node or literal; fails on anything else (a quoted
    triple, the default graph, an unbound variable)."""
    assert isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal), term
    return term.value


def triple(quad: ox.Quad) -> tuple[RdflibTerm, RdflibTerm, RdflibTerm]:
    """The rdflib (s, p, o) of a pyoxigraph quad, its graph dropped."""
    return to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)


def renamed_copies(store: object, copies: int, path: Path) -> int:
    """Write ``copies`` renamed copies of ``store``'s graph (meta graph left out) to ``path``.

    Entity IRIs ``.../id/X`` become ``.../id/copyN/X`` and curated graphs
    ``https://example.org/copyN/...``, so loading the file makes a store ``copies + 1`` times
    bigger with the same shape: what tests of "cost follows the neighbourhood" compare
    against. Returns the number of quads copied per copy.
    """
    base = "https://w3id.org/histkg/id/"
    graph_base = "https://w3id.org/histkg/graph/"
    quads = [
        q
        for q in store.quads()  # type: ignore[attr-defined]
        if not str(q.graph_name).endswith("/meta>")
    ]

    def renamed(term: ox.NamedNode, n: int) -> ox.NamedNode:
        if term.value.startswith(base):
            return ox.NamedNode(f"{base}copy{n}/{term.value[len(base) :]}")
        if term.value.startswith(graph_base):
            return ox.NamedNode(f"https://example.org/copy{n}/{term.value[len(graph_base) :]}")
        return term

    def copy(q: ox.Quad, n: int) -> ox.Quad:
        s, o, g = q.subject, q.object, q.graph_name
        return ox.Quad(
            renamed(s, n) if isinstance(s, ox.NamedNode) else s,
            q.predicate,
            renamed(o, n) if isinstance(o, ox.NamedNode) else o,
            renamed(g, n) if isinstance(g, ox.NamedNode) else g,
        )

    ox.serialize(
        (copy(q, n) for n in range(copies) for q in quads),
        str(path),
        format=ox.RdfFormat.N_QUADS,
    )
    return len(quads)
