"""What the endpoint says about itself: the SPARQL 1.1 Service Description and VoID.

Both are fetched over HTTP from the session server (``conftest.server_url``), parsed back into a
pyoxigraph store and checked with ASK queries, as an RDF client would read them.
"""

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from app.store import Store

PREFIXES = """
PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX formats: <http://www.w3.org/ns/formats/>
"""


def graph_of(response: httpx.Response) -> ox.Store:
    media_type = response.headers["content-type"].split(";")[0]
    fmt = ox.RdfFormat.from_media_type(media_type)
    assert fmt is not None, media_type
    store = ox.Store()
    store.load(response.content, format=fmt, base_iri=str(response.url))
    return store


def ask(graph: ox.Store, pattern: str) -> bool:
    return bool(graph.query(f"{PREFIXES} ASK {{ {pattern} }}"))


@pytest.mark.parametrize(
    ("headers", "params"),
    [
        ({}, {}),
        ({"Accept": "*/*"}, {}),
        ({"Accept": "text/turtle"}, {}),
        ({"Accept": "application/ld+json"}, {}),
        ({"Accept": "application/rdf+xml, text/html;q=0.5"}, {}),
        ({"Accept": "text/html"}, {"format": "ntriples"}),
    ],
)
def test_rdf_clients_get_the_service_description(
    client: httpx.Client, server_url: str, headers: dict[str, str], params: dict[str, str]
) -> None:
    response = client.get("/sparql", headers=headers, params=params)
    assert response.status_code == 200
    graph = graph_of(response)
    endpoint = f"{server_url}/sparql"
    assert ask(
        graph,
        f"""?service a sd:Service ; sd:endpoint <{endpoint}> ;
            sd:supportedLanguage sd:SPARQL11Query ; sd:feature sd:UnionDefaultGraph ;
            sd:resultFormat formats:SPARQL_Results_JSON, formats:SPARQL_Results_CSV,
                formats:Turtle, formats:JSON-LD ;
            sd:defaultDataset ?dataset .
        ?dataset sd:defaultGraph ?default .""",
    )
    assert not ask(graph, "?service sd:feature sd:BasicFederatedQuery")  # empty allowlist


def test_the_service_description_lists_named_graphs_with_sizes(
    client: httpx.Client, served_store: Store
) -> None:
    graph = graph_of(client.get("/sparql", headers={"Accept": "text/turtle"}))
    listed = graph.query(
        PREFIXES + "SELECT ?name ?n { ?g sd:name ?name ; sd:graph [ void:triples ?n ] }"
    )
    sizes = {row["name"].value: int(row["n"].value) for row in listed}  # type: ignore[union-attr]
    assert sizes, "no named graph listed"
    assert set(sizes) <= set(served_store.named_graphs())
    for name, size in sizes.items():
        count = served_store.query(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
        assert size == int(count.rows[0][0].value)  # type: ignore[union-attr]


def test_void_is_at_its_well_known_place(
    client: httpx.Client, server_url: str, served_store: Store
) -> None:
    response = client.get("/.well-known/void")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = graph_of(response)
    void_url = f"{server_url}/.well-known/void"
    assert ask(
        graph,
        f"""<{void_url}> a void:DatasetDescription ; <http://xmlns.com/foaf/0.1/primaryTopic> ?d .
        ?d a void:Dataset ; void:sparqlEndpoint <{server_url}/sparql> ;
            void:uriSpace "https://w3id.org/histkg/id/" ; void:triples ?n ;
            void:classPartition [ void:class ?class ; void:entities ?e ] ;
            void:propertyPartition [ void:property ?p ; void:triples ?t ] .""",
    )
    triples = graph.query(PREFIXES + "SELECT ?n { ?d void:sparqlEndpoint ?e ; void:triples ?n }")
    assert [int(row["n"].value) for row in triples] == [len(served_store)]  # type: ignore[union-attr]
    ntriples = client.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    assert ntriples.headers["content-type"] == "application/n-triples"
    assert isomorphic(
        rdflib.Graph().parse(data=response.text, format="turtle", publicID=void_url),
        rdflib.Graph().parse(data=ntriples.text, format="nt"),
    )


def test_a_format_nobody_can_serve_is_a_406(client: httpx.Client) -> None:
    response = client.get("/.well-known/void", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.json()["error"]["code"] == "not_acceptable"
