"""The HTTP endpoints, over real HTTP against a uvicorn server (see ``conftest.server_url``)."""

import httpx
import pyoxigraph as ox
import pytest

from app.settings import Settings
from app.store import Store

EX = "https://example.org/test#"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
SPARQL_JSON = "application/sparql-results+json"


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    """Every error leaves in one format: {"error": {"code", "message", "hint"}}."""
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "hint"}
    assert body["error"]["code"] == code
    error: dict[str, object] = body["error"]
    return error


def test_health_reports_the_store_size(client: httpx.Client, served_store: Store) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "quads": len(served_store)}
    assert len(served_store) > 0


def test_select_returns_sparql_json_that_parses_back(client: httpx.Client) -> None:
    query = f"SELECT ?name {{ <{EX}hastings> {LABEL} ?name }}"
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200
    assert response.headers["content-type"] == SPARQL_JSON
    solutions = ox.parse_query_results(response.content, ox.QueryResultsFormat.JSON)
    assert isinstance(solutions, ox.QuerySolutions)
    assert [row["name"] for row in solutions] == [ox.Literal("Battle of Hastings", language="en")]


def test_queries_see_every_graph_as_the_default_graph(client: httpx.Client) -> None:
    # The claim lives in its own named graph; the union default graph still finds it.
    query = f"ASK {{ <{EX}harold> <{EX}diedAt> <{EX}hastings> }}"
    response = client.get("/sparql", params={"query": query})
    assert response.headers["content-type"] == SPARQL_JSON
    assert response.json() == {"head": {}, "boolean": True}


def test_construct_returns_turtle(client: httpx.Client) -> None:
    query = f"CONSTRUCT {{ ?s {LABEL} ?o }} WHERE {{ ?s a <{EX}Person> ; {LABEL} ?o }}"
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    triples = list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))
    assert [str(t.object) for t in triples] == ['"William the Conqueror"@en']


def test_large_results_are_capped_and_flagged(
    client: httpx.Client, server_settings: Settings
) -> None:
    response = client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }"})
    assert response.status_code == 200
    assert response.headers["x-histkg-truncated"] == "true"
    assert len(response.json()["results"]["bindings"]) == server_settings.max_rows


def test_missing_query_is_a_400(client: httpx.Client) -> None:
    # Without any parameter, GET /sparql is the editor or the service description instead.
    response = client.get("/sparql", params={"default-graph-uri": "https://example.org/g"})
    error = assert_error(response, 400, "query_error")
    assert "query" in str(error["message"])


def test_malformed_query_is_a_400_with_the_parser_message(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": "SELECT ?x WHERE { ?x "})
    error = assert_error(response, 400, "query_error")
    assert str(error["message"]).startswith("error at 1:")


@pytest.mark.parametrize(
    "params",
    [
        {"query": f"DELETE WHERE {{ <{EX}hastings> ?p ?o }}"},
        {"query": f"INSERT DATA {{ <{EX}a> <{EX}b> <{EX}c> }}"},
        {"update": f"DELETE WHERE {{ <{EX}hastings> ?p ?o }}"},
    ],
)
def test_updates_are_refused_and_change_nothing(
    client: httpx.Client, served_store: Store, params: dict[str, str]
) -> None:
    before = set(served_store.quads())
    response = client.get("/sparql", params=params)
    assert response.status_code in (400, 403)
    assert response.json()["error"]["code"] in ("query_error", "update_not_allowed")
    assert set(served_store.quads()) == before


def test_unknown_route_uses_the_one_error_format(client: httpx.Client) -> None:
    assert_error(client.get("/no-such-page"), 404, "http_404")
    response = client.post("/health")
    assert_error(response, 405, "http_405")
    assert response.headers["allow"] == "GET, HEAD"  # HEAD is served on every GET route


def test_unexpected_errors_are_500_without_internals(client: httpx.Client) -> None:
    error = assert_error(client.get("/_test/unexpected"), 500, "internal_error")
    assert "secret" not in str(error)
    assert "Traceback" not in str(error)
