"""Hostile input against a real server: SSRF, oversized and malformed requests, rate limits, fuzz.

SSRF tests run a local listener and assert it received no connection. Fuzzing (Hypothesis) is
kept to a few seconds: every answer must be below 500, and the server must keep answering.
"""

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fixtures.sparql.servers import Listener, serve_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import HistkgError
from app.settings import Settings
from app.store import Store
from app.web import create_app

PROJECT = Path(__file__).parent / "fixtures" / "project"
QUERY = {"Content-Type": "application/sparql-query"}


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def app_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("hostile-server")
    return Settings(
        store=str(root / "store"),
        project_dir=PROJECT,
        query_timeout=5.0,
        service_allowlist="query.wikidata.org",
    )


@pytest.fixture(scope="module")
def base(app_settings: Settings) -> Iterator[str]:
    store = Store.from_settings(app_settings)
    store.load_curated(PROJECT)
    with serve_app(create_app(app_settings, store)) as url:
        yield url
    store.close()


@pytest.fixture(scope="module")
def client(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=30) as http:
        yield http


# ------------------------------------------------------------------ SSRF


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ SERVICE SILENT <http://localhost:{port}/> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ SERVICE <http://[::1]:{port}/> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ SERVICE <http://10.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ SERVICE <http://query.wikidata.org@127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ SERVICE <http://query.wikidata.org.127.0.0.1.nip.io:{port}/> "
        "{{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ BIND(<http://127.0.0.1:{port}/> AS ?x) SERVICE ?x {{ ?s ?p ?o }} }}",
        "PREFIX e: <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE e: {{ ?s ?p ?o }} }}",
        "LOAD <http://127.0.0.1:{port}/data.ttl>",
        "SELECT * FROM <http://127.0.0.1:{port}/data.ttl> WHERE {{ ?s ?p ?o }}",
        "SELECT * FROM NAMED <http://127.0.0.1:{port}/d.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "DESCRIBE <http://127.0.0.1:{port}/x>",
    ],
)
def test_queries_reach_no_other_host(
    client: httpx.Client, listener: Listener, template: str
) -> None:
    query = template.format(port=listener.port)
    for response in (
        client.get("/sparql", params={"query": query}),
        client.post("/sparql", content=query, headers=QUERY),
    ):
        assert response.status_code < 500, response.text
        if "SERVICE" in query or "LOAD" in query:
            assert response.status_code in (400, 403), response.text
            assert response.json()["error"]["message"]
    time.sleep(0.3)
    assert listener.connections == 0


def test_a_remote_json_ld_context_is_not_fetched(tmp_path: Path, listener: Listener) -> None:
    data = tmp_path / "remote-context.jsonld"
    context = f"http://127.0.0.1:{listener.port}/context.jsonld"
    data.write_text(f'{{"@context": "{context}", "@id": "http://ex.org/a", "name": "x"}}')
    with Store("memory") as store, pytest.raises(HistkgError):
        store.load_files([data])
    time.sleep(0.3)
    assert listener.connections == 0


# ------------------------------------------------------------------ oversized and malformed


def test_a_10_mb_query_is_413(client: httpx.Client) -> None:
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 10_000_000
    response = client.post("/sparql", content=query, headers=QUERY)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_a_chunked_oversized_body_is_413(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(50):
            yield b"#" + b"x" * 99_999

    response = client.post("/sparql", content=chunks(), headers=QUERY)
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"SELECT * WHERE { ?s ?p \xff\xfe }", "application/sparql-query", 400),
        (b"query=SELECT%20*%20WHERE%20%7B%20%FF%20%7D", "application/x-www-form-urlencoded", 400),
        (b"SELECT * WHERE { ?s ?p ?o }", "text/plain", 415),
        (b"SELECT * WHERE { ?s ?p ?o }", "application/json", 415),
        (b"SELECT * WHERE { ?s ?p ", "application/sparql-query", 400),
        (b"", "application/sparql-query", 400),
        (b"SELECT * WHERE " + b"{" * 5000 + b"}" * 5000, "application/sparql-query", 400),
        (b"SELECT * WHERE { FILTER(" + b"!" * 20000 + b"true) }", "application/sparql-query", 400),
        (
            b"SELECT * WHERE { FILTER(" + b"+".join([b"1"] * 20000) + b") }",
            "application/sparql-query",
            400,
        ),
        (b"SELECT * WHERE { ?s ?p ?o " + b"OPTIONAL { ?s ?p ?o } " * 3000 + b"}", None, None),
    ],
)
def test_malformed_requests_get_a_4xx_with_a_message(
    client: httpx.Client, body: bytes, content_type: str | None, status: int | None
) -> None:
    headers = {"Content-Type": content_type or "application/sparql-query"}
    response = client.post("/sparql", params={"timeout": "1"}, content=body, headers=headers)
    if status is None:  # a runaway query: answered, or stopped at its deadline (503)
        assert response.status_code < 500 or response.json()["error"]["code"] == "query_timeout"
    else:
        assert response.status_code == status, response.text[:300]
        assert response.json()["error"]["message"]
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200  # still alive


def test_a_truncated_body_does_not_hurt_the_server(base: str, client: httpx.Client) -> None:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as raw:
        raw.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/sparql-query\r\nContent-Length: 1000\r\n\r\n"
            b"SELECT * WHERE {"
        )
    with socket.create_connection((host, int(port))) as raw:
        raw.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: nonsense\r\n\r\n")
        assert raw.recv(100).startswith(b"HTTP/1.1 4")
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


# ------------------------------------------------------------------ rate limit


def test_a_client_over_the_rate_limit_gets_429_with_retry_after(tmp_path: Path) -> None:
    limited = Settings(store="memory", project_dir=PROJECT, rate_limit=5, query_workers=0)
    with Store.from_settings(limited) as store, serve_app(create_app(limited, store)) as url:
        with httpx.Client(base_url=url, timeout=10) as http:
            statuses = [http.get("/sparql", params={"query": "ASK {}"}) for _ in range(7)]
        assert [r.status_code for r in statuses[:5]] == [200] * 5
        refused = statuses[5]
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["error"]["code"] == "too_many_requests"


# ------------------------------------------------------------------ fuzzing

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,  # nothing written into the checkout
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
SPARQLISH = st.text(
    alphabet=st.sampled_from(list("SELECTASKWHEREFILTER?{}()<>\"'#.;,*!+-/|^=$ \n:_0123456789xyz")),
    max_size=200,
)


@FUZZ
@given(query=st.one_of(st.text(max_size=200), SPARQLISH))
def test_fuzzed_sparql_never_gets_a_5xx(client: httpx.Client, query: str) -> None:
    response = client.post("/sparql", content=query.encode("utf-8", "surrogatepass"), headers=QUERY)
    assert response.status_code < 500, (query, response.text[:300])


@FUZZ
@given(accept=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80))
def test_fuzzed_accept_headers_never_get_a_5xx(client: httpx.Client, accept: str) -> None:
    for path in ("/sparql?query=ASK%7B%7D", "/", "/search?q=a"):
        response = client.get(path, headers={"Accept": accept})
        assert response.status_code < 500, (path, accept)


@FUZZ
@given(iri=st.text(max_size=60), q=st.text(max_size=60))
def test_fuzzed_iris_and_search_strings_never_get_a_5xx(
    client: httpx.Client, iri: str, q: str
) -> None:
    for response in (
        client.get("/id/person/" + quote(iri, safe="")),
        client.get("/search", params={"q": q}),
        client.get("/search.json", params={"q": q, "kind": iri}),
        client.get("/sparql", params={"query": "ASK {}", "default-graph-uri": iri}),
    ):
        assert response.status_code < 500, (iri, q, response.url)
