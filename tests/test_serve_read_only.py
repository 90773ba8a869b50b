"""``histkg serve --read-only [--processes N]``: the store served as it is, by several processes.

Every case runs the real command as a subprocess, as a user would, against a store on disk:
reads are answered by every process, writes are refused with a clear error and change nothing,
nothing else can write the store while it is served, and stopping (or killing) the server
leaves no process behind.
"""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

import httpx
import psutil
import pytest
from fixtures.sparql.servers import free_port

Popen = subprocess.Popen[str]

REPO = Path(__file__).resolve().parent.parent
PROJECT = Path(__file__).parent / "fixtures" / "project"
TOKEN = "read-only-test-token"  # noqa: S105 - a test token
ASK = "ASK { ?s ?p ?o }"
HOST = "127.0.0.2"  # a loopback address, as Linux routes all of 127.0.0.0/8


def _env(store: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HISTKG_STORE": str(store),
        "HISTKG_PROJECT_DIR": str(PROJECT),
        "HISTKG_QUERY_WORKERS": "0",
        "HISTKG_WRITE_TOKENS": "test:" + hashlib.sha256(TOKEN.encode()).hexdigest(),
        "PYTHONPATH": str(REPO),
    }


def _histkg(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=_env(store),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _serve(store: Path, *options: str, output: IO[str] | int = subprocess.DEVNULL) -> Popen:
    """``histkg serve --read-only OPTIONS`` on ``store``, its output to ``output``."""
    return subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--read-only", *options],
        env=_env(store),
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("read-only") / "store"
    assert _histkg(path, "load").returncode == 0
    return path


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in found.read_text().split()] if found.exists() else []


def _serving(pid: int) -> list[int]:
    """The server's processes that answer requests: itself and its app.serve_process children."""
    others = [
        child
        for child in _children(pid)
        if b"app.serve_process" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]
    return [pid, *others]


@pytest.fixture(scope="module")
def server(store: Path) -> Iterator[tuple[str, Popen]]:
    port = free_port()
    log = (store.parent / "serve.log").open("w")
    # not the default interface: every process must trust the Host it is asked for
    process = _serve(store, "--processes", "2", "--host", HOST, "--port", str(port), output=log)
    base = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 60
    started = "Application startup complete."  # uvicorn says it once per process
    while time.monotonic() < deadline:
        if (store.parent / "serve.log").read_text().count(started) >= 2:
            break
        time.sleep(0.2)
    else:
        process.kill()
        process.wait()
        log.close()
        output = (store.parent / "serve.log").read_text()
        pytest.fail(f"histkg serve --read-only did not start: {output}")
    yield base, process
    process.terminate()
    process.wait(30)
    log.close()


def test_every_process_answers_queries(server: tuple[str, Popen]) -> None:
    """24 clients at once, each on a keep-alive connection of its own: the kernel hands each
    connection to one of the processes, and each process holds some of the connections that
    were answered."""
    base, process = server
    serving = _serving(process.pid)
    assert len(serving) == 2, "one process besides the first should answer"
    port = int(base.rsplit(":", 1)[1])
    clients = [httpx.Client(base_url=base, timeout=30) for _ in range(24)]
    try:

        def ask(client: httpx.Client) -> bool:
            answer = client.get(
                "/sparql",
                params={"query": ASK},
                headers={"Accept": "application/sparql-results+json"},
            )
            return answer.status_code == 200 and answer.json()["boolean"] is True

        with ThreadPoolExecutor(len(clients)) as pool:
            assert all(pool.map(ask, clients))
        held = {
            pid: sum(
                1
                for c in psutil.Process(pid).net_connections(kind="tcp")
                if c.laddr.port == port and c.status == psutil.CONN_ESTABLISHED
            )
            for pid in serving
        }
    finally:
        for client in clients:
            client.close()
    assert sum(held.values()) == len(clients), held
    assert all(count >= 1 for count in held.values()), held


def test_writes_are_refused_and_change_nothing(server: tuple[str, Popen], store: Path) -> None:
    base, _ = server
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    headers = {"Accept": "application/sparql-results+json"}

    def quads() -> int:
        answer = httpx.get(base + "/sparql", params={"query": count}, headers=headers)
        return int(answer.json()["results"]["bindings"][0]["n"]["value"])

    before = quads()
    ex = "https://example.org/"
    write = f"INSERT DATA {{ GRAPH <{ex}g> {{ <{ex}a> <{ex}p> 1 }} }}"
    for _ in range(4):  # whichever process takes it
        refused = httpx.post(
            base + "/update",
            content=write,
            headers={
                "Content-Type": "application/sparql-update",
                "Authorization": f"Bearer {TOKEN}",
            },
        )
        assert refused.status_code == 403, refused.text
        error = refused.json()["error"]
        assert error["code"] == "update_not_allowed"
        assert "read-only" in error["message"]
    assert quads() == before


def test_nothing_else_can_write_the_store_while_it_is_served(
    server: tuple[str, Popen], store: Path
) -> None:
    done = _histkg(store, "load")
    assert done.returncode == 2, done.stderr
    assert "another process holds it" in done.stderr
    assert "Traceback" not in done.stderr


def test_another_read_only_server_may_share_the_store(
    server: tuple[str, Popen], store: Path
) -> None:
    port = free_port()
    other = _serve(store, "--port", str(port))
    try:
        deadline = time.monotonic() + 60
        answer = None
        while answer is None and time.monotonic() < deadline and other.poll() is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer is not None, f"the second server did not start (exit {other.poll()})"
        assert answer.status_code == 200
    finally:
        other.terminate()
        other.wait(30)


def test_several_processes_need_read_only(store: Path) -> None:
    done = _histkg(store, "serve", "--processes", "2", "--port", str(free_port()))
    assert done.returncode == 2
    assert "read-only" in done.stderr
    assert "hint: " in done.stderr


def test_no_process_outlives_a_killed_server(store: Path, tmp_path: Path) -> None:
    store = Path(shutil.copytree(store, tmp_path / "store"))  # the module's server holds its own
    port = free_port()
    process = _serve(store, "--processes", "3", "--port", str(port))
    try:
        deadline = time.monotonic() + 60
        while len(_serving(process.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        others = _serving(process.pid)[1:]
        assert len(others) == 2
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in others) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in others), "a process outlived the server"


def _alive(pid: int) -> bool:
    """Running (a zombie has ended: only its parent, now init, has yet to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
