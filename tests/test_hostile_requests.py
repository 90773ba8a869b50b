"""Hostile clients, round two (issue 14): requests that cost the server minutes or mislead it.

Over real HTTP against a real uvicorn, with the query timeout made small (2 s) so that every
test takes a few seconds. The reconciliation tests run on a synthetic graph (``app.synth``)
big enough that fuzzy matching a hostile batch would take far longer than the deadline.
"""

import hashlib
import json
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
from app.synth import write_synthetic
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
            b"POST /reconcile HTTP/1.1\r\nHost: x\r\n"
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


def test_reconciliation_sees_an_edit_that_keeps_the_number_of_quads(client: httpx.Client) -> None:
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
        results = answer["q0"]["result"]
        return str(results[0]["name"]) if results else ""

    label_write("Quillon Varnadesk")
    assert best("Quillon Varnadesk") == "Quillon Varnadesk"
    label_write("Ostrevan Pelloquin")  # the same number of quads
    assert best("Ostrevan Pelloquin") == "Ostrevan Pelloquin"
    preview = client.get("/reconcile/preview", params={"id": "person/hostile-edit-target"})
    assert "Ostrevan Pelloquin" in preview.text
