"""Hostile clients, round two (issue 14): requests that cost the server minutes or mislead it.

Over real HTTP against a real uvicorn, with the query timeout made small (2 s) so that every
test takes a few seconds. The reconciliation tests run on a synthetic graph (``app.synth``)
big enough that fuzzy matching a hostile batch would take far longer than the deadline.
"""

import hashlib
import json
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fixtures.sparql.servers import serve_app

from app.settings import Settings
from app.store import Store
from app.tools.synth import write_synthetic
from app.web import create_app

PROJECT = Path(__file__).parent / "fixtures" / "project"
TOKEN = "hostile-requests-token"  # noqa: S105 - a test token
RADEK = json.dumps({"q0": {"query": "Radek"}})


@pytest.fixture(scope="module")
def hostile_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("hostile-requests")
    return Settings(
        store=str(root / "store"),
        project_dir=PROJECT,
        query_timeout=2.0,
        query_workers=1,
        write_tokens=hashlib.sha256(TOKEN.encode()).hexdigest(),
    )


@pytest.fixture(scope="module")
def base(hostile_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    synthetic = tmp_path_factory.mktemp("synth") / "synth.nq"
    write_synthetic(synthetic, events=300, seed=3)
    store = Store.from_settings(hostile_settings)
    store.load_curated(PROJECT)
    store.load_files([synthetic])
    with serve_app(create_app(hostile_settings, store), hostile_settings) as url:
        warm = httpx.get(f"{url}/reconcile", params={"queries": RADEK}, timeout=30)
        assert warm.status_code == 200  # the entity index is built
        yield url
    store.close()


@pytest.fixture(scope="module")
def client(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=20) as http:
        yield http


def _made_up(i: int, length: int) -> str:
    """A name sharing no word with the graph, so that every entity is fuzzy-matched."""
    return (f"zq{i}x" * length)[:length]


def _batch(queries: int, names: int, length: int) -> str:
    batch = {
        f"q{q}": {
            "query": _made_up(q, length),
            "properties": [
                {"pid": "altLabel", "v": [_made_up(q * 100 + n, length) for n in range(names)]}
            ],
        }
        for q in range(queries)
    }
    return json.dumps(batch)


# ------------------------------------------------------------------ 3: reconciliation floods


@pytest.mark.parametrize(
    ("names", "length"),
    [(10_000, 10), (1, 10_000)],
)
def test_a_query_with_too_many_or_too_long_names_is_refused_at_once(
    client: httpx.Client, names: int, length: int
) -> None:
    started = time.monotonic()
    response = client.post("/reconcile", data={"queries": _batch(1, names, length)})
    assert response.status_code == 400, response.text[:200]
    assert response.json()["error"]["code"] == "bad_input"
    assert time.monotonic() - started < 1.0


def test_a_costly_batch_stops_at_the_deadline(client: httpx.Client) -> None:
    started = time.monotonic()
    response = client.post("/reconcile", data={"queries": _batch(100, 19, 200)})
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "query_timeout"
    assert elapsed < 3.5  # the deadline is 2 s


def test_a_batch_whose_client_left_stops_and_frees_its_place(
    base: str, client: httpx.Client
) -> None:
    body = "queries=" + _quote(_batch(100, 19, 200))
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(
            b"POST /reconcile HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body.encode())
        )
        time.sleep(0.3)  # it is computing now; then the client leaves
    time.sleep(0.1)
    started = time.monotonic()
    small = client.get("/reconcile", params={"queries": RADEK})
    assert small.status_code == 200, small.text
    assert time.monotonic() - started < 1.0  # the abandoned batch no longer holds the place


def _quote(text: str) -> str:
    return quote(text, safe="")


# ------------------------------------------------------------------ 13: 500s that are 4xx


@pytest.mark.parametrize(
    "queries",
    [
        '{"q0": {"query": "Radek", "limit": NaN}}',
        '{"q0": {"query": "Radek", "limit": Infinity}}',
        '{"q0": {"query": "Radek", "limit": -Infinity}}',
        "[" * 5000 + "]" * 5000,
        '{"q0": ' * 3000 + "{}" + "}" * 3000,
    ],
)
def test_hostile_json_in_a_reconciliation_request_is_a_400(
    client: httpx.Client, queries: str
) -> None:
    response = client.get("/reconcile", params={"queries": queries})
    assert response.status_code == 400, response.text[:200]
    assert response.json()["error"]["message"]


# ------------------------------------------------------------------ 10: derived indexes


@pytest.fixture
def small(hostile_settings: Settings) -> Iterator[httpx.Client]:
    """A server over the small fixture graph alone, whose entity index builds in no time."""
    settings = hostile_settings.model_copy(update={"store": "memory", "query_timeout": 10.0})
    with Store.from_settings(settings) as store:
        store.load_curated(PROJECT)
        with (
            serve_app(create_app(settings, store), settings) as url,
            httpx.Client(base_url=url, timeout=20) as http,
        ):
            yield http


def test_reconciliation_sees_an_edit_that_keeps_the_number_of_quads(small: httpx.Client) -> None:
    client = small
    graph = "https://example.org/hostile/edit"
    entity = "https://w3id.org/histkg/id/person/hostile-edit-target"
    auth = {"Authorization": f"Bearer {TOKEN}"}

    def label_write(label: str) -> None:
        turtle = (
            "@prefix crm: <http://www.cidoc-crm.org/cidoc-crm/> .\n"
            "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
            f'<{entity}> a crm:E21_Person ; rdfs:label "{label}"@en .\n'
        )
        response = client.put(
            "/store",
            params={"graph": graph},
            content=turtle,
            headers={**auth, "Content-Type": "text/turtle"},
        )
        assert response.status_code in (200, 201, 204), response.text[:300]

    def best(name: str) -> str:
        queries = json.dumps({"q0": {"query": name}})
        answer = client.get("/reconcile", params={"queries": queries}).json()
        assert "q0" in answer, answer
        results = answer["q0"]["result"]
        return str(results[0]["name"]) if results else ""

    label_write("Quillon Varnadesk")
    assert best("Quillon Varnadesk") == "Quillon Varnadesk"
    label_write("Ostrevan Pelloquin")  # the same number of quads
    assert best("Ostrevan Pelloquin") == "Ostrevan Pelloquin"
    preview = client.get("/reconcile/preview", params={"id": "person/hostile-edit-target"})
    assert "Ostrevan Pelloquin" in preview.text


@pytest.mark.parametrize(
    "update",
    [
        "CREATE GRAPH <https://example.org/hostile/edit>",
        "DROP GRAPH <https://example.org/hostile/missing>",
        "CLEAR GRAPH <https://example.org/hostile/missing>",
        "MOVE <https://example.org/hostile/missing> TO <https://example.org/hostile/other>",
    ],
)
def test_graph_management_on_a_graph_there_or_missing_is_a_400_not_a_500(
    client: httpx.Client, update: str
) -> None:
    client.post(  # the graph CREATE finds already there
        "/update",
        content='INSERT DATA { GRAPH <https://example.org/hostile/edit> { <urn:a> <urn:b> "c" } }',
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"},
    )
    response = client.post(
        "/update",
        content=update,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"},
    )
    assert response.status_code == 400, response.text[:300]
    assert "SILENT" in response.json()["error"]["hint"]


# ------------------------------------------------------------------ 12: health reads the store


def test_health_fails_when_the_store_directory_is_gone(tmp_path: Path) -> None:
    settings = Settings(store=str(tmp_path / "store"), project_dir=PROJECT, query_workers=1)
    store = Store.from_settings(settings)
    store.load_curated(PROJECT)
    try:
        with serve_app(create_app(settings, store), settings) as url:
            assert httpx.get(f"{url}/health").json()["status"] == "ok"
            shutil.rmtree(tmp_path / "store")
            response = httpx.get(f"{url}/health")
            assert response.status_code == 503  # before: 200 {"status": "ok", "quads": 29}
            assert response.json()["error"]["code"] == "store_error"
    finally:
        store.close()


# ------------------------------------------------------------------ 14: protocol


@pytest.mark.parametrize("path", ["/health", "/", "/search?q=radek", "/sparql?query=ASK%7B%7D"])
def test_head_is_answered_on_get_routes_without_a_body(client: httpx.Client, path: str) -> None:
    response = client.head(path)
    assert response.status_code == 200  # before: 405 on every FastAPI route
    assert response.content == b""
    assert int(response.headers["content-length"]) > 0


def test_a_405_lists_head_beside_get(client: httpx.Client) -> None:
    response = client.post("/health")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize("path", ["/", "/search?q=radek", "/no/such/page"])
def test_answers_chosen_by_accept_say_vary_accept(client: httpx.Client, path: str) -> None:
    response = client.get(path, headers={"Accept": "application/json"})
    assert "accept" in response.headers["vary"].lower()


def test_an_untrusted_host_header_is_refused_not_reflected(client: httpx.Client) -> None:
    response = client.get("/health/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 400  # before: 307 to http://evil.example/health
    assert "evil.example" not in response.headers.get("location", "")


def test_absolute_urls_come_from_the_configured_base_url(tmp_path: Path) -> None:
    settings = Settings(store="memory", project_dir=PROJECT, base_url="https://histkg.example.org")
    with Store.from_settings(settings) as store, serve_app(create_app(settings, store)) as url:
        redirect = httpx.get(f"{url}/health/", follow_redirects=False)
        assert redirect.headers["location"] == "https://histkg.example.org/health"
        manifest = httpx.get(f"{url}/reconcile").json()
        assert manifest["preview"]["url"].startswith("https://histkg.example.org/reconcile/")


def test_using_graph_uri_on_update_is_refused_not_ignored(client: httpx.Client) -> None:
    response = client.post(
        "/update",
        params={"using-graph-uri": "https://example.org/hostile/edit"},
        content="DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"},
    )
    assert response.status_code == 400  # before: 200, run over another dataset than asked
    assert "using-graph-uri" in response.json()["error"]["message"]


# ------------------------------------------------------------------ 9: curated claims


def test_other_graphs_cannot_describe_a_curated_claim(tmp_path: Path) -> None:
    project = shutil.copytree(PROJECT, tmp_path / "project")
    claim = "https://w3id.org/histkg/id/claim/hostile-c1"
    (project / "data" / "hkclaims.ttl").write_text(
        f"<{claim}> a <https://w3id.org/histkg/ontology#Claim> .\n"
    )
    settings = Settings(
        store="memory",
        project_dir=project,
        write_tokens=hashlib.sha256(TOKEN.encode()).hexdigest(),
    )
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"}
    attribution = (
        "INSERT DATA { GRAPH <urn:g:evil> { "
        f"<{claim}> <http://www.w3.org/ns/prov#wasAttributedTo> "
        "<https://w3id.org/histkg/id/person/joseph-stalin> } }"
    )
    with Store.from_settings(settings) as store:
        store.load_curated(project)
        with serve_app(create_app(settings, store), settings) as url:
            refused = httpx.post(f"{url}/update", content=attribution, headers=auth)
            assert refused.status_code == 403, refused.text  # before: 200
            assert "curated" in refused.json()["error"]["message"]
            own = attribution.replace(claim, "https://example.org/my/claim")
            assert httpx.post(f"{url}/update", content=own, headers=auth).status_code == 200
