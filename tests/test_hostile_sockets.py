"""Hostile clients, round two (issue 14): sockets, headers and bodies that must not freeze the
server. Each test reproduces one attack over real sockets against a real uvicorn configured as
``histkg serve`` configures it (``app.server``), with its limits made small so that every test
takes a few seconds.
"""

import contextlib
import json
import os
import resource
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fixtures.sparql.servers import free_port, serve_app, stop, wait_for

from app.settings import Settings
from app.store import Store
from app.web import create_app

PROJECT = Path(__file__).parent / "fixtures" / "project"
SPARQL_QUERY = "application/sparql-query"
SLOW_POST = (
    b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
    b"Content-Length: 1000\r\n\r\nASK {"
)


@pytest.fixture(scope="module")
def hostile_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("hostile-sockets")
    return Settings(
        store=str(root / "store"),
        project_dir=PROJECT,
        query_timeout=3.0,
        query_workers=1,
        body_timeout=1.0,
        header_timeout=1.0,
        max_connections=40,
        query_memory=768,
        max_result_bytes=8 << 20,
        write_tokens="0" * 64,
    )


@pytest.fixture(scope="module")
def hostile_store(hostile_settings: Settings) -> Iterator[Store]:
    store = Store.from_settings(hostile_settings)
    store.load_curated(PROJECT)
    yield store
    store.close()


@pytest.fixture(scope="module")
def base(hostile_settings: Settings, hostile_store: Store) -> Iterator[str]:
    with serve_app(create_app(hostile_settings, hostile_store), hostile_settings) as url:
        yield url


@pytest.fixture(scope="module")
def client(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=10) as http:
        # The query worker starts with the first query: timed checks below measure the server
        # under attack, not a cold start on a slow machine.
        assert http.get("/sparql", params={"query": "ASK {}"}).status_code == 200
        yield http


def _connect(base: str, data: bytes = b"") -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=5)
    if data:
        sock.sendall(data)
    return sock


def _answer(sock: socket.socket, seconds: float = 5.0) -> bytes:
    """Everything the server sends until it closes the connection (or ``seconds`` pass)."""
    sock.settimeout(seconds)
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except TimeoutError:
        pass
    except ConnectionResetError:
        chunks.append(b"<reset>")
    return b"".join(chunks)


# ------------------------------------------------------------------ 1: slow query bodies


def test_slow_query_bodies_take_no_query_place_and_get_408(base: str, client: httpx.Client) -> None:
    slow = [_connect(base, SLOW_POST) for _ in range(6)]
    try:
        time.sleep(0.2)
        started = time.monotonic()
        response = client.get("/sparql", params={"query": "ASK {}"})
        assert response.status_code == 200, response.text
        assert time.monotonic() - started < 1.0
        for sock in slow:
            answer = _answer(sock, 3.0)
            assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
            assert b'"request_timeout"' in answer
    finally:
        for sock in slow:
            sock.close()


# ------------------------------------------------------------------ 2: huge headers


def test_headers_over_the_cap_get_431_at_once_and_health_stays_fast(
    base: str, client: httpx.Client
) -> None:
    accept = b"text/html;q=0.1," * 65536  # 1 MiB
    sock = _connect(base)
    try:
        started = time.monotonic()
        with contextlib.suppress(OSError):  # the server may close before it is all sent
            sock.sendall(
                b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: " + accept
            )
            sock.sendall(b"\r\n\r\n")
        answer = _answer(sock, 2.0)
        assert time.monotonic() - started < 2.0
        assert answer == b"<reset>" or answer.startswith(b"HTTP/1.1 431"), answer[:100]
    finally:
        sock.close()
    started = time.monotonic()
    assert client.get("/health").status_code == 200
    assert time.monotonic() - started < 0.5


def test_a_header_block_just_over_the_cap_is_answered_431_in_json(base: str) -> None:
    sock = _connect(base, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"a" * 20_000)
    try:
        answer = _answer(sock, 3.0)
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 431")
    body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert body["error"]["code"] == "headers_too_large"


def test_a_406_does_not_echo_a_long_accept_header(client: httpx.Client) -> None:
    accept = "application/x-nothing-we-serve;q=0.5," * 300  # 11 kB, under the header cap
    response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": accept})
    assert response.status_code == 406
    assert len(response.content) < 1000


# ------------------------------------------------------------------ 4: query memory


def test_a_query_past_the_worker_memory_cap_is_stopped_and_the_worker_replaced(
    client: httpx.Client,
) -> None:
    doubled = " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(26))
    query = f'SELECT (STRLEN(?v26) AS ?n) WHERE {{ BIND("xxxxxxxxxxxxxxxx" AS ?v0) {doubled} }}'
    response = client.post("/sparql", content=query, headers={"Content-Type": SPARQL_QUERY})
    assert response.status_code == 503  # before: 200 after building a 1 GiB string
    assert response.json()["error"]["code"] == "query_memory"
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


# ------------------------------------------------------------------ 5: idle sockets


def test_idle_sockets_are_closed_and_health_answers_past_the_connection_cap(
    base: str, client: httpx.Client
) -> None:
    idle = [_connect(base, b"GET /heal" if i % 2 else b"") for i in range(60)]
    try:
        time.sleep(0.3)
        started = time.monotonic()
        fresh = httpx.get(f"{base}/health", timeout=5)  # a new connection, past the cap of 40
        assert fresh.status_code == 200
        assert time.monotonic() - started < 0.5
        time.sleep(1.5)  # past the header timeout of 1 s
        answers = [_answer(sock, 0.5) for sock in idle]
        # A socket closed past the connection cap before its partial request was read is reset
        # (unread data); any other answer than a 408 would be a fault.
        assert all(not a or a == b"<reset>" or a.startswith(b"HTTP/1.1 408") for a in answers)
        half_sent = [a for a in answers if a.startswith(b"HTTP/1.1 408")]
        assert half_sent  # some of them had begun a request: they learn why they were closed
    finally:
        for sock in idle:
            sock.close()
    assert client.get("/health").status_code == 200


# ------------------------------------------------------------------ 6: chunked bodies


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"200"),
        (
            b"POST /update HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/sparql-update\r\n",
            b"401",
        ),
    ],
)
def test_a_never_ending_chunked_body_is_not_read_by_routes_that_take_none(
    base: str, head: bytes, status: bytes
) -> None:
    sock = _connect(base, head + b"Transfer-Encoding: chunked\r\n\r\n10000\r\n" + b"x" * 65536)
    try:
        sock.settimeout(1.0)
        answer = sock.recv(200)  # before: nothing until the body ended (the server buffered it)
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 " + status), answer


# ------------------------------------------------------------------ 7: abandoned downloads


def test_an_abandoned_download_leaves_no_spooled_file(base: str, hostile_store: Store) -> None:
    results = Path(hostile_store._backend._results_dir)  # type: ignore[attr-defined]
    query = quote("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")  # 10,000 rows: spooled
    sock = _connect(base, f"GET /sparql?query={query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    try:
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        assert list(results.iterdir())  # the answer is being read from its spooled file
    finally:
        sock.close()  # the client leaves mid-download
    deadline = time.monotonic() + 2
    while list(results.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not list(results.iterdir())


def test_an_answer_past_the_spool_cap_is_a_clear_error_and_leaves_no_file(
    client: httpx.Client, hostile_store: Store
) -> None:
    results = Path(hostile_store._backend._results_dir)  # type: ignore[attr-defined]
    padding = "x" * 2000  # 10,000 rows of 2 kB: 20 MB, past the 8 MiB cap
    query = (
        "SELECT ?s WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
        f'BIND(CONCAT(STR(?a), "{padding}") AS ?s) }}'
    )
    answer = client.post("/sparql", content=query, headers={"Content-Type": SPARQL_QUERY})
    assert answer.status_code == 400  # before: 200 and 20 MB spooled to the results directory
    error = answer.json()["error"]
    assert error["code"] == "result_too_large"
    assert "HISTKG_MAX_RESULT_BYTES" in error["hint"]
    assert not list(results.iterdir())
    assert client.post("/sparql", content="ASK {}", headers={"Content-Type": SPARQL_QUERY}).json()[
        "boolean"
    ]  # the worker answers the next query


# ------------------------------------------------------------------ 15: 413 that clients read


def test_an_oversized_body_gets_a_413_that_urllib_can_read(base: str) -> None:
    request = urllib.request.Request(  # noqa: S310 - our own loopback server
        f"{base}/sparql",
        data=b"#" * 6_000_000,
        headers={"Content-Type": "application/sparql-query"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310 - our own loopback server
    assert caught.value.code == 413
    assert json.loads(caught.value.read())["error"]["code"] == "payload_too_large"


def _open_files(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    return apply


def test_health_answers_through_more_idle_sockets_than_the_open_file_limit(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "HISTKG_STORE": str(tmp_path / "store"),
        "HISTKG_PROJECT_DIR": str(PROJECT),
        "HISTKG_QUERY_WORKERS": "1",
        "HISTKG_HEADER_TIMEOUT": "60",  # the cap must do it, not the timeout
    }
    process = subprocess.Popen(  # `histkg serve` as a user runs it, with 256 open files
        [sys.executable, "-m", "app", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_open_files(256),  # only sets a limit in the child
    )
    base = f"http://127.0.0.1:{port}"
    idle: list[socket.socket] = []
    try:
        wait_for(f"{base}/health", process)
        idle = [_connect(base) for _ in range(300)]
        time.sleep(0.5)
        started = time.monotonic()
        response = httpx.get(f"{base}/health", timeout=5)  # before: no answer (EMFILE)
        assert response.status_code == 200
        assert time.monotonic() - started < 1.0
    finally:
        for sock in idle:
            sock.close()
        stop(process)
