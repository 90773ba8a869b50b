"""The RDF answers of the entity URIs and the data dumps.

``describe(store, iri)`` is the entity's concise bounded description, as quads:

* the entity's own triples (from every graph; its identity lives outside claims);
* every claim graph that states something of the entity, whole, as the named graph it is;
* how each claim about it is sourced: mode, attribution, passage (with selectors), page,
  footnote and the cited pages (default graph);
* the passages that name the entity, and the labels of everything it and its claims link to.

Dataset formats (TriG, N-Quads, JSON-LD) keep the claim graphs named. Turtle, N-Triples and
RDF/XML cannot name graphs: they give the union, as the SPARQL endpoint's default graph does,
with every claim's description, but which triple a claim makes is only in the dataset formats.
JSON-LD is compacted with ``ontology/context.jsonld`` (given to rdflib as a dictionary, so nothing
is fetched).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import rdflib
from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    RdfFormat,
    Triple,
    serialize,
)

from app.read import queries
from app.sources import META_GRAPH
from app.store import Store
from app.vocab import PREFIXES


@dataclass(frozen=True)
class RdfFormatInfo:
    """A serialization an entity URI answers in."""

    name: str
    suffix: str
    media_type: str
    dataset: bool


FORMATS: tuple[RdfFormatInfo, ...] = (
    RdfFormatInfo("turtle", ".ttl", "text/turtle", False),
    RdfFormatInfo("jsonld", ".jsonld", "application/ld+json", True),
    RdfFormatInfo("ntriples", ".nt", "application/n-triples", False),
    RdfFormatInfo("rdfxml", ".rdf", "application/rdf+xml", False),
    RdfFormatInfo("trig", ".trig", "application/trig", True),
    RdfFormatInfo("nquads", ".nq", "application/n-quads", True),
)
BY_SUFFIX = {f.suffix: f for f in FORMATS}
BY_MEDIA_TYPE = {f.media_type: f for f in FORMATS}
_OX_FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "rdfxml": RdfFormat.RDF_XML,
    "trig": RdfFormat.TRIG,
    "nquads": RdfFormat.N_QUADS,
}


def describe(store: Store, iri: str) -> list[Quad]:
    """The concise bounded description of ``iri`` (empty when the store has nothing on it)."""
    bindings = {"entity": NamedNode(iri)}
    quads: dict[Quad, None] = {}
    claims: set[str] = set()
    rows = store.query(queries.QUADS, bindings=bindings).rows
    for graph, _, _, _ in rows:
        if isinstance(graph, NamedNode) and graph.value != iri:
            claims.add(graph.value)
    claim_graphs = _claim_graphs(store, iri, claims)
    for graph, subject, predicate, obj in rows:
        if not isinstance(subject, NamedNode | BlankNode) or not isinstance(predicate, NamedNode):
            continue
        if not isinstance(obj, NamedNode | BlankNode | Literal):
            continue
        named = isinstance(graph, NamedNode) and graph.value in claim_graphs
        target = graph if named and isinstance(graph, NamedNode) else DefaultGraph()
        quads[Quad(subject, predicate, obj, target)] = None
    if not quads:
        return []
    for query in (queries.CLAIM_DESCRIPTIONS, queries.MENTIONS, queries.LABELS):
        for triple in store.query(query, bindings=bindings).triples:
            quads[Quad(triple.subject, triple.predicate, triple.object, DefaultGraph())] = None
    return list(quads)


def _claim_graphs(store: Store, iri: str, candidates: set[str]) -> set[str]:
    """Which of the graphs the entity's triples are in are claims (the others are files)."""
    found = set()
    for row in store.query(
        queries.PROLOGUE + "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?entity ?p ?o } ?g a hk:Claim }",
        bindings={"entity": NamedNode(iri)},
    ).rows:
        if isinstance(row[0], NamedNode):
            found.add(row[0].value)
    for row in store.query(
        queries.PROLOGUE + "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?entity } ?g a hk:Claim }",
        bindings={"entity": NamedNode(iri)},
    ).rows:
        if isinstance(row[0], NamedNode):
            found.add(row[0].value)
    if (
        candidates
        and store.query(
            queries.PROLOGUE + "ASK { ?entity a hk:Claim }", bindings={"entity": NamedNode(iri)}
        ).boolean
    ):
        found.add(iri)
    return found


@lru_cache(maxsize=4)
def _context(project_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((project_dir / "ontology" / "context.jsonld").read_text())
    context: dict[str, Any] = data["@context"]
    return context


def serialize_quads(quads: list[Quad], fmt: RdfFormatInfo, project_dir: Path) -> bytes:
    """``quads`` in the format ``fmt``; triple formats get the union of the graphs."""
    if fmt.name == "jsonld":
        return _jsonld(quads, project_dir)
    ox_format = _OX_FORMATS[fmt.name]
    if fmt.dataset:
        return serialize(quads, format=ox_format, prefixes=dict(PREFIXES)) or b""
    triples = list(dict.fromkeys(Triple(q.subject, q.predicate, q.object) for q in quads))
    prefixes = dict(PREFIXES) if fmt.name != "ntriples" else None
    return serialize(triples, format=ox_format, prefixes=prefixes) or b""


def _jsonld(quads: list[Quad], project_dir: Path) -> bytes:
    """JSON-LD compacted with our context: the default graph's nodes, then each claim graph
    as a named-graph object (``{"@id": claim, "@graph": [...]}``).

    rdflib compacts one graph at a time (its Dataset serializer is deprecated in rdflib 7), so
    the document is assembled here from the compacted graphs.
    """
    context = _context(project_dir)
    by_graph: dict[str, list[Triple]] = {}
    for quad in quads:
        name = "" if isinstance(quad.graph_name, DefaultGraph) else str(quad.graph_name.value)
        by_graph.setdefault(name, []).append(Triple(quad.subject, quad.predicate, quad.object))
    nodes: list[Any] = _compact(by_graph.pop("", []), context)
    for name in sorted(by_graph):
        nodes.append({"@id": name, "@graph": _compact(by_graph[name], context)})
    document = {"@context": context, "@graph": nodes}
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def _compact(triples: list[Triple], context: dict[str, Any]) -> list[Any]:
    if not triples:
        return []
    graph = rdflib.Graph()
    graph.parse(data=(serialize(triples, format=RdfFormat.N_TRIPLES) or b"").decode(), format="nt")
    data = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    data.pop("@context", None)
    found = data.get("@graph", [data])
    return list(found) if isinstance(found, list) else [found]


# ------------------------------------------------------------------ dumps and VoID


@dataclass(frozen=True)
class Dump:
    """The whole dataset, serialized and gzipped, with the counts ``/dump/`` lists."""

    trig_gz: bytes
    nquads_gz: bytes
    etag: str
    triples: int
    quads: int
    graphs: int


def build_dump(store: Store) -> Dump:
    """The dataset dump of the store's current state (the read model keeps it until a write).

    Every quad except the load bookkeeping graph (``graph/meta``). The quads are read with
    ``Store.quads()`` rather than a query, because a dump must not be cut at the row cap.
    """
    quads = [q for q in store.quads() if q.graph_name != META_GRAPH]
    quads.sort(key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
    trig = serialize(quads, format=RdfFormat.TRIG, prefixes=dict(PREFIXES)) or b""
    nquads = serialize(quads, format=RdfFormat.N_QUADS) or b""
    return Dump(
        trig_gz=gzip.compress(trig, mtime=0),
        nquads_gz=gzip.compress(nquads, mtime=0),
        etag=hashlib.sha256(nquads).hexdigest()[:32],
        triples=len({(q.subject, q.predicate, q.object) for q in quads}),
        quads=len(quads),
        graphs=len({q.graph_name for q in quads}),
    )
