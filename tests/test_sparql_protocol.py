"""``/sparql`` over real HTTP: formats parsed back, negotiation, errors, datasets, safety, CORS.

The app serves an in-memory store (so its one query worker reads a snapshot copy) holding the
fixture project, ``fixtures/sparql/terms.trig`` (literals that are hard to serialize) and a
larger graph for streaming. Every answer is parsed back with an independent parser (pyoxigraph
for results and RDF, rdflib for JSON-LD) and compared as values or as graphs.
"""

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from fixtures.sparql.servers import Listener, oxigraph_server, serve_app

from app.settings import Settings
from app.store import Store
from app.web import create_app

HERE = Path(__file__).parent
PROJECT = HERE / "fixtures" / "project"
TERMS = HERE / "fixtures" / "sparql" / "terms.trig"
T = "https://example.org/terms#"
EX = "https://example.org/test#"
MAX_ROWS = 30_000
BIG = 25_000
TERMS_QUERY = f"SELECT ?s ?value WHERE {{ ?s <{T}value> ?value }} ORDER BY ?s"
CONSTRUCT = f"CONSTRUCT {{ ?s <{T}value> ?value }} WHERE {{ ?s <{T}value> ?value }}"
TABULAR = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPHS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    root = tmp_path_factory.mktemp("sparql-protocol")
    big = root / "big.ttl"
    big.write_text("".join(f"<urn:big:{i}> <urn:big:n> {i} .\n" for i in range(BIG)))
    settings = Settings(store="memory", project_dir=PROJECT, query_workers=1, max_rows=MAX_ROWS)
    with Store.from_settings(settings) as store:
        store.load_curated(PROJECT)
        store.load_files([TERMS, big])
        with serve_app(create_app(settings, store)) as url:
            yield url, store


@pytest.fixture(scope="module")
def http(served: tuple[str, Store]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served[0], timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def expected_rows(served: tuple[str, Store]) -> list[tuple[ox.NamedNode, object]]:
    return [tuple(row) for row in served[1].query(TERMS_QUERY).rows]  # type: ignore[misc]


def media(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0]


@pytest.mark.parametrize("accept", list(TABULAR))
def test_select_in_every_format_parses_back_to_the_same_terms(
    http: httpx.Client, accept: str, expected_rows: list[tuple[object, ...]]
) -> None:
    response = http.get("/sparql", params={"query": TERMS_QUERY}, headers={"Accept": accept})
    assert response.status_code == 200
    assert media(response) == accept
    assert response.headers["x-histkg-truncated"] == "false"
    if accept == "text/csv":  # CSV keeps lexical forms only, by design of the format
        table = list(csv.reader(io.StringIO(response.content.decode(), newline="")))
        assert table[0] == ["s", "value"]
        want = [[s.value, v.value] for s, v in expected_rows]  # type: ignore[attr-defined]
        assert table[1:] == want
        assert response.content.count(b"\r\n") >= len(want) + 1  # CRLF line ends
        return
    parsed = ox.parse_query_results(response.content, TABULAR[accept])
    assert isinstance(parsed, ox.QuerySolutions)
    assert [v.value for v in parsed.variables] == ["s", "value"]
    assert [tuple(row) for row in parsed] == expected_rows


@pytest.mark.parametrize(
    "accept", ["application/sparql-results+json", "application/sparql-results+xml"]
)
def test_ask_answers_in_json_and_xml(http: httpx.Client, accept: str) -> None:
    for query, answer in (
        (f"ASK {{ <{T}quote> ?p ?o }}", True),
        ("ASK { <urn:none> ?p ?o }", False),
    ):
        response = http.post(
            "/sparql",
            content=query,
            headers={"Content-Type": "application/sparql-query", "Accept": accept},
        )
        assert media(response) == accept
        parsed = ox.parse_query_results(response.content, TABULAR[accept])
        assert bool(parsed) is answer


@pytest.mark.parametrize("accept", list(GRAPHS))
def test_construct_in_every_rdf_syntax_is_the_same_graph(
    http: httpx.Client, served: tuple[str, Store], accept: str
) -> None:
    expected = {ox.Quad(*t) for t in served[1].query(CONSTRUCT).triples}
    response = http.post("/sparql", data={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert media(response) == accept
    assert set(ox.parse(response.content, format=GRAPHS[accept])) == expected


def test_json_ld_is_compacted_with_our_context(http: httpx.Client) -> None:
    query = f"CONSTRUCT {{ <{EX}hastings> ?p ?o }} WHERE {{ <{EX}hastings> ?p ?o }}"
    response = http.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/ld+json"}
    )
    assert media(response) == "application/ld+json"
    document = json.loads(response.content)
    context = json.loads((PROJECT / "ontology" / "context.jsonld").read_text())["@context"]
    assert document["@context"] == context
    ntriples = http.get("/sparql", params={"query": query, "format": "nt"}).content
    # pyoxigraph reads what rdflib wrote: an independent check of the compaction.
    assert set(ox.parse(response.content, format=ox.RdfFormat.JSON_LD)) == set(
        ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)
    )


@pytest.mark.parametrize(
    ("accept", "wanted"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/sparql-results+xml;q=0.5, text/csv", "text/csv"),
        ("text/*;q=0.9, text/tab-separated-values;q=0.2", "text/csv"),
        ("application/json", "application/json"),
        ("text/html, application/sparql-results+xml;q=0.1", "application/sparql-results+xml"),
    ],
)
def test_accept_q_values_choose_the_format(
    http: httpx.Client, accept: str | None, wanted: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = http.get("/sparql", params={"query": "SELECT (1 AS ?x) {}"}, headers=headers)
    assert response.status_code == 200
    assert media(response) == wanted
    assert "Accept" in response.headers["vary"]


@pytest.mark.parametrize(
    ("name", "query", "wanted"),
    [
        ("csv", "SELECT (1 AS ?x) {}", "text/csv"),
        ("tsv", "SELECT (1 AS ?x) {}", "text/tab-separated-values"),
        ("xml", "SELECT (1 AS ?x) {}", "application/sparql-results+xml"),
        ("xml", CONSTRUCT, "application/rdf+xml"),
        ("ttl", CONSTRUCT, "text/turtle"),
        ("jsonld", CONSTRUCT, "application/ld+json"),
        ("nq", CONSTRUCT, "application/n-quads"),
        ("text/csv", "SELECT (1 AS ?x) {}", "text/csv"),
    ],
)
def test_a_format_parameter_overrides_accept(
    http: httpx.Client, name: str, query: str, wanted: str
) -> None:
    response = http.get(
        "/sparql", params={"query": query, "format": name}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 200
    assert media(response) == wanted


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    error: dict[str, str] = body["error"]
    return error


def test_nothing_acceptable_is_a_406(http: httpx.Client) -> None:
    select = http.get(
        "/sparql", params={"query": "SELECT (1 AS ?x) {}"}, headers={"Accept": "image/png"}
    )
    error = assert_error(select, 406, "not_acceptable")
    assert "application/sparql-results+json" in error["hint"]
    csv_ask = http.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "text/csv"})
    assert_error(csv_ask, 406, "not_acceptable")
    graph_as_csv = http.get("/sparql", params={"query": CONSTRUCT, "format": "csv"})
    assert_error(graph_as_csv, 406, "not_acceptable")


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", None, "application/sparql-query; charset=UTF-16", "application/json"],
)
def test_a_wrong_body_type_or_charset_is_a_415(
    http: httpx.Client, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    request = http.build_request("POST", "/sparql", content=b"ASK {}", headers=headers)
    assert "content-type" in request.headers or content_type is None
    assert_error(http.send(request), 415, "unsupported_media_type")


def test_a_malformed_query_is_a_400_that_points_at_the_error(http: httpx.Client) -> None:
    query = "SELECT ?x WHERE {\n  ?x <p> ?y .\n  ?y <q>\n  } LIMIT 1"  # ?y <q> has no object
    error = assert_error(http.post("/sparql", data={"query": query}), 400, "query_error")
    assert error["message"].startswith("error at 4:3: expected one of")
    assert "'A' ..=" not in error["message"]  # the parser's character classes are summarized
    # The hint shows the line, and a caret under the column, where the parser stopped.
    assert error["hint"].endswith("line 4, column 3:\n  } LIMIT 1\n  ^")


@pytest.mark.parametrize(
    "request_args",
    [
        {"method": "GET", "url": "/sparql", "params": {"update": "CLEAR ALL"}},
        {"method": "POST", "url": "/sparql", "data": {"update": "CLEAR ALL"}},
        {
            "method": "POST",
            "url": "/sparql",
            "content": "CLEAR ALL",
            "headers": {"Content-Type": "application/sparql-update"},
        },
        {
            "method": "POST",
            "url": "/sparql",
            "data": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"},
        },
        {"method": "GET", "url": "/sparql", "params": {"query": "LOAD <http://127.0.0.1:9/x.ttl>"}},
    ],
)
def test_updates_are_refused_with_403_and_change_nothing(
    http: httpx.Client, served: tuple[str, Store], request_args: dict[str, object]
) -> None:
    before = len(served[1])
    assert_error(http.request(**request_args), 403, "update_not_allowed")  # type: ignore[arg-type]
    assert len(served[1]) == before


def test_the_default_graph_is_the_union_unless_the_request_names_a_dataset(
    http: httpx.Client,
) -> None:
    query = f"ASK {{ <{T}quote> <{T}value> ?v }}"
    assert http.get("/sparql", params={"query": query}).json()["boolean"] is True
    named = {"query": query, "default-graph-uri": f"{T}graph"}
    assert http.get("/sparql", params=named).json()["boolean"] is True
    other = {"query": query, "default-graph-uri": "https://w3id.org/histkg/graph/data/events"}
    assert http.get("/sparql", params=other).json()["boolean"] is False
    graphs = {
        "query": f"SELECT ?g WHERE {{ GRAPH ?g {{ <{T}quote> ?p ?o }} }}",
        "named-graph-uri": f"{T}graph",
    }
    bindings = http.get("/sparql", params=graphs).json()["results"]["bindings"]
    assert bindings == [{"g": {"type": "uri", "value": f"{T}graph"}}]
    bad = http.get("/sparql", params={"query": query, "default-graph-uri": "not an iri"})
    assert_error(bad, 400, "query_error")
    # FROM in the query names graphs of the store, and replaces the union too.
    from_graph = f"ASK FROM <{T}graph> {{ <{T}quote> <{T}value> ?v }}"
    assert http.get("/sparql", params={"query": from_graph}).json()["boolean"] is True
    from_other = f"ASK FROM <{EX}nothing> {{ <{T}quote> <{T}value> ?v }}"
    assert http.get("/sparql", params={"query": from_other}).json()["boolean"] is False


def test_from_and_service_never_fetch_anything(http: httpx.Client) -> None:
    listener = Listener()
    try:
        url = f"http://127.0.0.1:{listener.port}/data.ttl"
        from_query = "SELECT * FROM <%s> WHERE { ?s ?p ?o }" % url  # noqa: S608, UP031 - SPARQL
        response = http.get("/sparql", params={"query": from_query})
        assert response.status_code == 200  # FROM names a graph of the store: here, none
        assert response.json()["results"]["bindings"] == []
        service = f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"
        assert_error(http.get("/sparql", params={"query": service}), 400, "query_error")
        prefix = f"PREFIX r: <http://127.0.0.1:{listener.port}/>\n"
        prefixed = prefix + "ASK { SERVICE SILENT r:x { ?s ?p ?o } }"
        assert_error(http.get("/sparql", params={"query": prefixed}), 400, "query_error")
        variable = "SELECT * WHERE { BIND(<urn:x> AS ?e) SERVICE ?e { ?s ?p ?o } }"
        assert_error(http.get("/sparql", params={"query": variable}), 400, "query_error")
    finally:
        listener.close()
    assert listener.connections == 0


def test_service_reaches_hosts_on_the_allowlist_only(tmp_path: Path) -> None:
    with oxigraph_server(tmp_path / "remote") as remote:
        httpx.post(
            f"{remote}/store?default",
            content=f'<{EX}far> <{EX}p> "from afar" .\n',
            headers={"Content-Type": "application/n-triples"},
        ).raise_for_status()
        port = remote.rsplit(":", 1)[1]
        query = f"SELECT ?o WHERE {{ SERVICE <{remote}/query> {{ <{EX}far> <{EX}p> ?o }} }}"
        with Store("memory", service_allowlist=[f"127.0.0.1:{port}"], query_workers=1) as allowed:
            assert allowed.query(query).rows == [(ox.Literal("from afar"),)]
        other = Store("memory", service_allowlist=["127.0.0.1:1"])
        with other, pytest.raises(Exception, match="not on the allowlist"):
            other.query(query)
        with Store("memory") as default, pytest.raises(Exception, match="not allowed here"):
            default.query(query)


def test_truncation_is_signalled_in_every_format(http: httpx.Client) -> None:
    query = "SELECT ?s ?n WHERE { ?s <urn:big:n> ?n }"
    limited = http.get("/sparql", params={"query": query + f" LIMIT {MAX_ROWS}"})
    assert limited.headers["x-histkg-truncated"] == "false"
    with Store("memory", max_rows=7) as small:
        small.load_files([TERMS])
        for name in ("json", "xml", "csv", "tsv"):
            result = small.query_serialized(TERMS_QUERY, name)
            assert (result.truncated, result.count) == (True, 7), name
        graph = small.query_serialized(CONSTRUCT, "turtle")
        assert (graph.truncated, graph.count) == (True, 7)


def test_a_large_select_is_streamed_from_disk_not_built_in_memory(
    http: httpx.Client, served: tuple[str, Store]
) -> None:
    query = "SELECT ?s ?n WHERE { ?s <urn:big:n> ?n }"
    with http.stream("GET", "/sparql", params={"query": query}) as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers  # chunked: written as it is read
        body = b"".join(response.iter_bytes())
    assert len(body) > 1 << 20  # bigger than what a result may keep in memory
    assert response.headers["x-histkg-rows"] == str(BIG)
    parsed = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    assert sum(1 for _ in parsed) == BIG
    results_dir = served[1]._backend._results_dir  # type: ignore[attr-defined]
    assert list(results_dir.iterdir()) == []  # the spooled file is gone once sent


def test_cors_lets_browser_tools_elsewhere_query(http: httpx.Client) -> None:
    origin = {"Origin": "https://tools.example"}
    preflight = http.options(
        "/sparql",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    answer = http.get("/sparql", params={"query": "ASK {}"}, headers=origin)
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "x-histkg-truncated" in answer.headers["access-control-expose-headers"].lower()
    error = http.get("/sparql", params={"query": "ASK {"}, headers=origin)
    assert error.headers["access-control-allow-origin"] == "*"  # errors are readable too
