"""Authenticated, SHACL-gated writes: ``/update`` and the Graph Store Protocol at ``/store``.

One real uvicorn server per test module over a store on disk; each test writes to its own named
graph, and asserts the store's quads are exactly what they were after every refused write.
"""

import contextlib
import hashlib
import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fixtures.sparql.servers import serve_app
from pyoxigraph import Quad

from app.settings import Settings
from app.store import Store
from app.validate.process import start as start_validation
from app.web import create_app

TOKEN = "s3cret-token_1"  # noqa: S105 - a test token
OTHER = "another.token"
EX = "https://example.org/test#"
USER = "https://example.org/user-graph/"
PROJECT = Path(__file__).parent / "fixtures" / "project"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@pytest.fixture(scope="module", params=["in-process", "validation-process"])
def write_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, Store]]:
    """Every test runs twice: writes checked in the server's process, and by the validation
    process ``histkg serve`` starts (``app.validate.process``), which must refuse and report
    exactly the same."""
    root = tmp_path_factory.mktemp("writes")
    settings = Settings(
        store=str(root / "store"),
        project_dir=PROJECT,
        query_workers=0,
        write_tokens=f"{_hash(OTHER)}, {_hash(TOKEN).upper()}",
    )
    store = Store.from_settings(settings)
    store.load_curated(PROJECT)
    if request.param == "validation-process":
        process = start_validation(store, PROJECT, timeout=60)
        assert process is not None
        assert process.wait_ready(60), "the validation process did not start"
        yield settings, store
        assert process.answered >= 10, "the writes were not checked by the process"
    else:
        yield settings, store
    store.close()


@pytest.fixture(scope="module")
def writer(write_store: tuple[Settings, Store]) -> Iterator[httpx.Client]:
    settings, store = write_store
    with serve_app(create_app(settings, store)) as base:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=base, timeout=30, headers=headers) as http:
            yield http


@pytest.fixture
def store(write_store: tuple[Settings, Store]) -> Store:
    return write_store[1]


def _snapshot(store: Store) -> set[Quad]:
    return set(store.quads())


def _update(client: httpx.Client, text: str, token: str | None = None) -> httpx.Response:
    headers = {"Content-Type": "application/sparql-update"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.post("/update", content=text.encode(), headers=headers)


# ------------------------------------------------------------------ tokens


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (None, 401),
        ("", 401),
        ("Basic dXNlcjpwYXNz", 401),
        ("Bearer", 401),
        ("Bearer two words", 401),
        ("Bearer wrong-token", 403),
        (f"Bearer {TOKEN}x", 403),
        (f"Bearer {_hash(TOKEN)}", 403),  # the digest itself is not a token
    ],
)
def test_writes_need_a_configured_bearer_token(
    writer: httpx.Client, store: Store, header: str | None, status: int
) -> None:
    before = _snapshot(store)
    headers = {"Content-Type": "application/sparql-update"}
    if header is not None:
        headers["Authorization"] = header
    text = f"INSERT DATA {{ GRAPH <{USER}t> {{ <{EX}x> <{EX}p> 1 }} }}"
    with httpx.Client(base_url=str(writer.base_url), timeout=10) as anonymous:
        for response in (
            anonymous.post("/update", content=text, headers=headers),
            anonymous.put(f"/store?graph={USER}t", content="<a:b> <a:c> 1 .", headers=headers),
            anonymous.get(f"/store?graph={USER}t", headers=headers),
            anonymous.delete(f"/store?graph={USER}t", headers=headers),
        ):
            assert response.status_code == status, response.text
            assert response.json()["error"]["code"] == (
                "unauthorized" if status == 401 else "forbidden"
            )
            assert TOKEN not in response.text
            if status == 401:
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert _snapshot(store) == before


def test_every_configured_token_writes(writer: httpx.Client, store: Store) -> None:
    text = f"INSERT DATA {{ GRAPH <{USER}other> {{ <{EX}o> <{EX}p> 1 }} }}"
    response = _update(writer, text, OTHER)
    assert response.status_code == 200, response.text


def test_tokens_are_never_logged(writer: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        _update(writer, f"INSERT DATA {{ GRAPH <{USER}log> {{ <{EX}l> <{EX}p> 1 }} }}")
        _update(writer, "not sparql")
    assert TOKEN not in caplog.text


# ------------------------------------------------------------------ SPARQL Update


def test_a_valid_update_commits_and_is_queryable(writer: httpx.Client, store: Store) -> None:
    graph = f"{USER}valid"
    text = f"""PREFIX ex: <{EX}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    INSERT DATA {{ GRAPH <{graph}> {{ ex:agincourt a ex:Event ; rdfs:label "Agincourt" }} }}"""
    response = _update(writer, text)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {"graphs": [graph], "added": 2, "removed": 0, "revision": body["revision"]}
    assert body["revision"] >= 1  # every write is a revision (tests/test_history.py)
    rows = store.query(f"ASK {{ GRAPH <{graph}> {{ <{EX}agincourt> a <{EX}Event> }} }}")
    assert rows.boolean is True
    delete = f"DELETE WHERE {{ GRAPH <{graph}> {{ <{EX}agincourt> ?p ?o }} }}"
    assert _update(writer, delete).json()["removed"] == 2


def test_an_update_that_breaks_a_shape_is_422_and_writes_nothing(
    writer: httpx.Client, store: Store
) -> None:
    before = _snapshot(store)
    text = f"INSERT DATA {{ GRAPH <{USER}bad> {{ <{EX}nameless> a <{EX}Event> }} }}"
    response = _update(writer, text)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "shacl_violation"
    report = error["report"]
    assert report["conforms"] is False
    assert [r["focus_node"] for r in report["results"]] == [f"{EX}nameless"]
    assert report["results"][0]["message"] == "An event needs a label."
    assert _snapshot(store) == before


def test_removing_a_required_label_of_user_data_is_refused(
    writer: httpx.Client, store: Store
) -> None:
    graph = f"{USER}label"
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    ok = f'INSERT DATA {{ GRAPH <{graph}> {{ <{EX}e> a <{EX}Event> ; {label} "E" }} }}'
    assert _update(writer, ok).status_code == 200
    before = _snapshot(store)
    response = _update(writer, f'DELETE DATA {{ GRAPH <{graph}> {{ <{EX}e> {label} "E" }} }}')
    assert response.status_code == 422
    assert _snapshot(store) == before


@pytest.mark.parametrize(
    ("text", "status", "code"),
    [
        (f"INSERT DATA {{ <{EX}a> <{EX}p> 1 }}", 403, "update_not_allowed"),  # default graph
        (  # the curated data graph
            "INSERT DATA { GRAPH <https://w3id.org/histkg/graph/data/events> "
            f"{{ <{EX}a> <{EX}p> 1 }} }}",
            403,
            "update_not_allowed",
        ),
        ("DROP GRAPH <https://w3id.org/histkg/graph/meta>", 403, "update_not_allowed"),
        ("CLEAR ALL", 403, "update_not_allowed"),
        ("DROP SILENT NAMED", 403, "update_not_allowed"),
        (
            "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }",
            403,
            "update_not_allowed",
        ),
        ("INSERT DATA { GRAPH <", 400, "query_error"),
        ("SELECT * WHERE { ?s ?p ?o }", 400, "query_error"),
    ],
)
def test_refused_updates_leave_the_store_unchanged(
    writer: httpx.Client, store: Store, text: str, status: int, code: str
) -> None:
    before = _snapshot(store)
    response = _update(writer, text)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert _snapshot(store) == before


@pytest.mark.parametrize(
    "template",
    [
        "LOAD <http://127.0.0.1:{port}/data.ttl> INTO GRAPH <" + USER + "load>",
        "load silent <http://127.0.0.1:{port}/x>",
        "INSERT {{ GRAPH <" + USER + "svc> {{ ?s ?p ?o }} }} "
        "WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    ],
)
def test_updates_fetch_nothing_from_the_network(
    writer: httpx.Client, store: Store, template: str
) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    connections: list[object] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            connections.append(listener.accept())

    thread = threading.Thread(target=accept)
    thread.start()
    try:
        before = _snapshot(store)
        response = _update(writer, template.format(port=listener.getsockname()[1]))
        assert response.status_code == 403, response.text
        assert _snapshot(store) == before
        thread.join()
        assert connections == []
    finally:
        listener.close()


def test_form_encoded_update_and_wrong_content_types(writer: httpx.Client) -> None:
    graph = f"{USER}form"
    text = f"INSERT DATA {{ GRAPH <{graph}> {{ <{EX}f> <{EX}p> 1 }} }}"
    assert writer.post("/update", data={"update": text}).status_code == 200
    response = writer.post("/update", content=text, headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    bad_utf8 = writer.post(
        "/update", content=b"\xff\xfe", headers={"Content-Type": "application/sparql-update"}
    )
    assert bad_utf8.status_code == 400


# ------------------------------------------------------------------ Graph Store Protocol


def test_graph_store_put_get_post_delete(writer: httpx.Client, store: Store) -> None:
    graph = f"{USER}gsp"
    turtle = {"Content-Type": "text/turtle"}
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    body = f'@prefix ex: <{EX}> . ex:crecy a ex:Event ; {label} "Crécy" .'
    put = writer.put("/store", params={"graph": graph}, content=body.encode(), headers=turtle)
    assert put.status_code == 200, put.text
    assert put.json()["added"] == 2
    got = writer.get("/store", params={"graph": graph}, headers={"Accept": "application/n-triples"})
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("application/n-triples")
    assert '"Crécy"' in got.text
    post = writer.post(
        "/store", params={"graph": graph}, content=f"<{EX}crecy> <{EX}p> 1 .", headers=turtle
    )
    first = put.json()["revision"]
    assert post.json() == {"graphs": [graph], "added": 1, "removed": 0, "revision": first + 1}
    again = writer.put("/store", params={"graph": graph}, content=body.encode(), headers=turtle)
    assert again.json() == {"graphs": [graph], "added": 0, "removed": 1, "revision": first + 2}
    assert writer.delete("/store", params={"graph": graph}).status_code == 200
    assert writer.get("/store", params={"graph": graph}).status_code == 404
    assert writer.delete("/store", params={"graph": graph}).status_code == 404
    assert graph not in store.named_graphs()


def test_graph_store_refusals_leave_the_store_unchanged(writer: httpx.Client, store: Store) -> None:
    before = _snapshot(store)
    turtle = {"Content-Type": "text/turtle"}
    nameless = f"<{EX}n> a <{EX}Event> ."
    cases = [
        (writer.put("/store", params={"graph": f"{USER}x"}, content=nameless, headers=turtle), 422),
        (
            writer.put(
                "/store", params={"graph": f"{USER}x"}, content="<a:b> <a:c", headers=turtle
            ),
            400,
        ),
        (writer.put("/store?default", content="<a:b> <a:c> 1 .", headers=turtle), 400),
        (writer.put("/store", content="<a:b> <a:c> 1 .", headers=turtle), 400),
        (writer.put("/store", params={"graph": "not an iri"}, content="", headers=turtle), 400),
        (
            writer.put(
                "/store",
                params={"graph": "https://w3id.org/histkg/graph/data/events"},
                content="",
                headers=turtle,
            ),
            403,
        ),
        (writer.delete("/store", params={"graph": "https://w3id.org/histkg/graph/meta"}), 403),
        (
            writer.put(
                "/store",
                params={"graph": f"{USER}x"},
                content='{"@context": "http://127.0.0.1:9/ctx.jsonld"}',
                headers={"Content-Type": "application/ld+json"},
            ),
            415,
        ),
    ]
    for response, status in cases:
        assert response.status_code == status, response.text
    assert _snapshot(store) == before


def test_public_sparql_stays_read_only(writer: httpx.Client, store: Store) -> None:
    before = _snapshot(store)
    text = f"INSERT DATA {{ GRAPH <{USER}pub> {{ <{EX}a> <{EX}p> 1 }} }}"
    response = writer.post(
        "/sparql", content=text, headers={"Content-Type": "application/sparql-update"}
    )
    assert response.status_code == 403
    assert _snapshot(store) == before


def test_a_write_that_breaks_a_shape_of_an_untouched_node_is_refused(
    writer: httpx.Client, store: Store
) -> None:
    """Making a class a subclass of ex:Event makes its label-less instance an invalid event."""
    graph = f"{USER}subclass"
    thing = f"INSERT DATA {{ GRAPH <{graph}> {{ <{EX}y> a <{EX}Thing> }} }}"
    assert _update(writer, thing).status_code == 200
    before = _snapshot(store)
    subclass = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
    text = f"INSERT DATA {{ GRAPH <{graph}> {{ <{EX}Thing> {subclass} <{EX}Event> }} }}"
    response = _update(writer, text)
    assert response.status_code == 422, response.text
    results = response.json()["error"]["report"]["results"]
    assert [r["focus_node"] for r in results] == [f"{EX}y"]
    assert _snapshot(store) == before
