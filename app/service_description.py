"""What the endpoint says about itself: a SPARQL 1.1 Service Description and a VoID description.

Both are small RDF graphs built from facts (the endpoint URL, the formats of ``app.results``,
the allowlist, statistics read from the store) and serialized like any CONSTRUCT answer.
``GET /sparql`` without a query answers the service description to RDF clients;
``GET /.well-known/void`` (the place RFC 5785 registers for VoID) answers the VoID description,
and ``/dump/void.ttl`` the same description beside the dump files (one dataset IRI for both).

The statistics are SPARQL queries (portable, so they work on a remote store too), each within
the query time limit: a statistic that does not finish in time is left out, never guessed.
Partitions and graph lists hold at most ``HISTKG_MAX_ROWS`` entries.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from app import __version__
from app.errors import HistkgError
from app.results import FORMATS, W3C_FORMATS
from app.store import Store
from app.vocab import (
    BIBO,
    CITO,
    CRM,
    DCTERMS,
    FOAF,
    HK,
    OA,
    PROV,
    RDF,
    SCHEMA,
    SKOS,
    VOID,
    XSD,
)

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = RDF.type
XSD_INTEGER = XSD.integer
ENTAILMENT_SIMPLE = NamedNode("http://www.w3.org/ns/entailment/Simple")

PREFIXES = {
    "sd": SD,
    "void": VOID.NS,
    "dcterms": DCTERMS.NS,
    "foaf": FOAF.NS,
    "schema": SCHEMA.NS,
    "formats": W3C_FORMATS,
    "xsd": XSD.NS,
}
CONTEXT = {**PREFIXES, "@vocab": VOID.NS}
"""The JSON-LD ``@context`` the two descriptions are compacted with."""

VOCABULARIES = tuple(v.NS for v in (HK, CRM, SKOS, PROV, BIBO, CITO, OA, DCTERMS))
CACHE_SECONDS = 300.0
"""How long statistics are kept when the store has not changed (a remote store can change
behind our back)."""
LICENSE = NamedNode("https://creativecommons.org/licenses/by/4.0/")
"""The data's licence (``data/``, the dumps, every page's content)."""
CODE_LICENSE = NamedNode("https://www.apache.org/licenses/LICENSE-2.0")
"""The software's licence (``LICENSE`` at the top of the repository), apart from the data's."""


def _sd(name: str) -> NamedNode:
    return NamedNode(SD + name)


def _void(name: str) -> NamedNode:
    return NamedNode(VOID.NS + name)


def _count(value: int) -> Literal:
    return Literal(str(value), datatype=XSD_INTEGER)


@dataclass(frozen=True)
class Statistics:
    """Counts read from the store; None where a count did not finish in time."""

    triples: int | None
    distinct_subjects: int | None
    distinct_objects: int | None
    properties: list[tuple[NamedNode, int]]
    classes: list[tuple[NamedNode, int]]
    graphs: list[tuple[NamedNode, int]]
    example: NamedNode | None = None
    """A person of the dataset, to show what a resource looks like (``void:exampleResource``)."""


def _number(store: Store, sparql: str) -> int | None:
    try:
        result = store.query(sparql)
    except HistkgError:
        return None
    if not result.rows or result.rows[0][0] is None:
        return None
    term = result.rows[0][0]
    return int(term.value) if isinstance(term, Literal) else None


def _pairs(store: Store, sparql: str) -> list[tuple[NamedNode, int]]:
    try:
        result = store.query(sparql)
    except HistkgError:
        return []
    return [
        (key, int(value.value))
        for key, value in result.rows
        if isinstance(key, NamedNode) and isinstance(value, Literal)
    ]


def read_statistics(store: Store) -> Statistics:
    """Count triples, subjects, objects, properties, classes and graphs (see module docstring)."""
    return Statistics(
        triples=_number(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"),
        distinct_subjects=_number(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        distinct_objects=_number(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"),
        properties=_pairs(
            store,
            "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) ?p",
        ),
        classes=_pairs(
            store,
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } "
            "GROUP BY ?c ORDER BY DESC(?n) ?c",
        ),
        graphs=_pairs(
            store,
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
        ),
        example=_first(store, f"SELECT ?s WHERE {{ ?s a <{CRM.E21_Person.value}> }} ORDER BY ?s"),
    )


def _first(store: Store, sparql: str) -> NamedNode | None:
    try:
        result = store.query(sparql + " LIMIT 1")
    except HistkgError:
        return None
    found = result.rows[0][0] if result.rows else None
    return found if isinstance(found, NamedNode) else None


def service_description(
    endpoint: str, void_url: str, *, federated: bool, statistics: Statistics
) -> list[Triple]:
    """The SPARQL 1.1 Service Description of the endpoint at ``endpoint``."""
    service = NamedNode(endpoint + "#service")
    dataset = NamedNode(void_url + "#histkg")
    triples = [
        Triple(service, RDF_TYPE, _sd("Service")),
        Triple(service, _sd("endpoint"), NamedNode(endpoint)),
        Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        Triple(service, _sd("defaultEntailmentRegime"), ENTAILMENT_SIMPLE),
        Triple(service, _sd("defaultDataset"), dataset),
        Triple(service, DCTERMS.title, Literal("histkg SPARQL endpoint")),
        Triple(service, DCTERMS.hasVersion, Literal(__version__)),
        Triple(dataset, RDF_TYPE, _sd("Dataset")),
        Triple(dataset, RDF_TYPE, _void("Dataset")),
    ]
    if federated:
        triples.append(Triple(service, _sd("feature"), _sd("BasicFederatedQuery")))
    for fmt in FORMATS:
        triples.append(
            Triple(service, _sd("resultFormat"), NamedNode(W3C_FORMATS + fmt.w3c_format))
        )
    default = BlankNode()
    triples += [
        Triple(dataset, _sd("defaultGraph"), default),
        Triple(default, RDF_TYPE, _sd("Graph")),
    ]
    if statistics.triples is not None:
        triples.append(Triple(default, _void("triples"), _count(statistics.triples)))
    for graph, size in statistics.graphs:
        named, description = BlankNode(), BlankNode()
        triples += [
            Triple(dataset, _sd("namedGraph"), named),
            Triple(named, RDF_TYPE, _sd("NamedGraph")),
            Triple(named, _sd("name"), graph),
            Triple(named, _sd("graph"), description),
            Triple(description, RDF_TYPE, _sd("Graph")),
            Triple(description, _void("triples"), _count(size)),
        ]
    return triples


def void_description(
    void_url: str,
    endpoint: str,
    uri_space: str,
    *,
    statistics: Statistics,
    dumps: Sequence[str] = (),
) -> list[Triple]:
    """The VoID description of the dataset, published at ``void_url``, with its ``dumps``."""
    document, dataset = NamedNode(void_url), NamedNode(void_url + "#histkg")
    title = DCTERMS.title
    triples = [
        Triple(document, RDF_TYPE, _void("DatasetDescription")),
        Triple(document, title, Literal("VoID description of histkg", language="en")),
        Triple(document, FOAF.primaryTopic, dataset),
        Triple(dataset, RDF_TYPE, _void("Dataset")),
        Triple(dataset, title, Literal("histkg", language="en")),
        Triple(
            dataset,
            DCTERMS.description,
            Literal(
                "A knowledge graph of historical events: who did what, where and when, "
                "according to which source; each claim is a named graph with its citation.",
                language="en",
            ),
        ),
        Triple(dataset, DCTERMS.license, LICENSE),
        Triple(dataset, _void("sparqlEndpoint"), NamedNode(endpoint)),
        Triple(dataset, _void("uriSpace"), Literal(uri_space)),
    ]
    triples += [Triple(dataset, _void("dataDump"), NamedNode(url)) for url in dumps]
    triples += _software(document, NamedNode(void_url + "#software"))
    if statistics.example is not None:
        triples.append(Triple(dataset, _void("exampleResource"), statistics.example))
    triples += [Triple(dataset, _void("vocabulary"), NamedNode(iri)) for iri in VOCABULARIES]
    triples += [
        Triple(dataset, _void("feature"), NamedNode(W3C_FORMATS + fmt.w3c_format))
        for fmt in FORMATS
        if "graph" in fmt.kinds
    ]
    counts = (
        ("triples", statistics.triples),
        ("distinctSubjects", statistics.distinct_subjects),
        ("distinctObjects", statistics.distinct_objects),
    )
    triples += [Triple(dataset, _void(name), _count(n)) for name, n in counts if n is not None]
    triples.append(Triple(dataset, _void("properties"), _count(len(statistics.properties))))
    triples.append(Triple(dataset, _void("classes"), _count(len(statistics.classes))))
    triples += _partitions(dataset, "classPartition", "class", "entities", statistics.classes)
    triples += _partitions(
        dataset, "propertyPartition", "property", "triples", statistics.properties
    )
    return triples


def _software(document: NamedNode, software: NamedNode) -> list[Triple]:
    """The software that publishes the dataset, with its own licence.

    VoID has no term for the software behind a dataset and ``dcterms:license`` on the dataset
    is the data's (CC BY 4.0); the code's (Apache-2.0) goes on a ``schema:SoftwareSourceCode``
    node the description document names as one of its topics, so neither licence is read as
    the other's.
    """
    return [
        Triple(document, FOAF.topic, software),
        Triple(software, RDF_TYPE, SCHEMA.SoftwareSourceCode),
        Triple(software, SCHEMA.name, Literal("histkg")),
        Triple(software, SCHEMA.softwareVersion, Literal(__version__)),
        Triple(software, SCHEMA.license, CODE_LICENSE),
    ]


def _partitions(
    dataset: NamedNode, link: str, key: str, measure: str, pairs: Iterable[tuple[NamedNode, int]]
) -> list[Triple]:
    triples: list[Triple] = []
    for term, size in pairs:
        partition = BlankNode()
        triples += [
            Triple(dataset, _void(link), partition),
            Triple(partition, _void(key), term),
            Triple(partition, _void(measure), _count(size)),
        ]
    return triples
