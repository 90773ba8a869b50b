"""SIGKILL during a large load or Graph Store PUT: the store is before or after, never between.

After a killed PUT the revision history must agree with the data too (``_history_agrees``).

A real ``histkg load`` subprocess is killed (SIGKILL, by its own pid) at seeded random moments
spread over the whole run, parse and write phases alike; then the store is opened again and the
graph must hold exactly the old version or exactly the new one. Each round alternates the file
between two versions, so every load changes the graph.
"""

import contextlib
import gc
import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest
from fixtures.sparql.servers import free_port
from pyoxigraph import NamedNode
from rdfterms import value

from app import history
from app.store import SMALL_LOAD_QUADS, Store

REPO = Path(__file__).resolve().parent.parent
SIZES = {"a": 20_000, "b": 30_000}
ROUNDS = 5


def _write(path: Path, version: str, size: int | None = None) -> None:
    with path.open("w") as out:
        for i in range(size or SIZES[version]):
            out.write(f'<http://ex.org/{version}/s{i}> <http://ex.org/p> "{version} {i}" .\n')


def _load(path: Path, store_dir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HISTKG_STORE": str(store_dir),
        "HISTKG_QUERY_WORKERS": "0",
        "PYTHONPATH": str(REPO),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "app", "load", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _state(store_dir: Path, graph: NamedNode, sizes: Mapping[str, int] | int = SIZES) -> str:
    """``a`` or ``b`` when the graph holds exactly that version (of ``sizes[version]`` quads,
    or ``sizes`` when one number); anything else fails."""
    store = Store(str(store_dir))
    try:
        quads = list(store.match(graph=graph))
    finally:
        store.close()
        del store
        gc.collect()  # releases the store's directory lock
    versions = {value(q.subject).split("/")[3] for q in quads}
    assert len(versions) == 1, f"a mix of versions: {versions}"
    version = versions.pop()
    expected = sizes if isinstance(sizes, int) else sizes[version]
    assert len(quads) == expected, f"{len(quads)} quads of version {version}: torn write"
    return version


SMALL = {"a": 6_000, "b": 9_000}
"""Under ``app.store.SMALL_LOAD_QUADS``: loaded as a delta, in one transaction."""


@pytest.mark.parametrize(
    ("bystander", "sizes"),
    [(0, SIZES), (300_000, SIZES), (0, SMALL)],
    ids=["replacing-most-of-the-store", "replacing-a-little-of-a-big-store", "a-small-delta"],
)
def test_sigkill_during_a_load_leaves_the_graph_before_or_after(
    tmp_path: Path, bystander: int, sizes: dict[str, int]
) -> None:
    """Both ways a staged load completes (``app.backends.staging``): copying what stays into
    the new data, or checkpointing the store and replacing one graph in it; and a small load,
    committed as its delta in one transaction."""
    assert max(SIZES.values()) >= min(SIZES.values()) > SMALL_LOAD_QUADS >= max(SMALL.values())
    data = tmp_path / "big.nt"
    store_dir = tmp_path / "store"
    graph = NamedNode(data.resolve().as_uri())
    if bystander:  # another graph, big enough that the load replaces little of the store
        other = tmp_path / "other.nt"
        _write(other, "c", bystander)
        assert _load(other, store_dir).wait(timeout=120) == 0
    _write(data, "a", sizes["a"])
    started = time.monotonic()
    assert _load(data, store_dir).wait(timeout=120) == 0
    full = time.monotonic() - started
    state = _state(store_dir, graph, sizes)
    assert state == "a"
    rng = random.Random(8)  # noqa: S311 - seeded kill moments, not secrets
    outcomes = []
    for _ in range(ROUNDS):
        target = "b" if state == "a" else "a"
        _write(data, target, sizes[target])
        process = _load(data, store_dir)
        time.sleep(rng.uniform(0.3 * full, 1.2 * full))
        killed = process.poll() is None
        if killed:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        state = _state(store_dir, graph, sizes)
        assert state in ("a", "b")
        outcomes.append((killed, state == target))
        # each load that landed is one revision, landed with it: none for a killed one
        assert _load_revisions(store_dir, graph) == 1 + sum(done for _, done in outcomes)
    # The kills landed while loads ran (not all after them).
    assert any(killed for killed, _ in outcomes), outcomes
    if bystander:
        assert _state(store_dir, NamedNode(other.resolve().as_uri()), bystander) == "c"
    assert not list(tmp_path.glob(".histkg-*")), "a staging directory was left behind"


def _load_revisions(store_dir: Path, graph: NamedNode) -> int:
    store = Store(str(store_dir))
    try:
        revisions = history.log(store.match, graph=graph.value)
        assert {r.agent for r in revisions} == {history.LOAD_AGENT}
        assert history.head(store.match) == max(r.number for r in revisions)
        return len(revisions)
    finally:
        store.close()
        del store
        gc.collect()  # releases the store's directory lock


def _history_agrees(store_dir: Path, graph: NamedNode) -> int:
    """The graph holds exactly what its last revision left in it, and every revision's record
    is whole: the history agrees with the data after a kill. Returns the revisions of it."""
    store = Store(str(store_dir))
    try:
        content = set(store.match(graph=graph))
        revisions = history.log(store.match, graph=graph.value)
        if revisions:
            added, _ = history.patch(store.match, revisions[0].number)
            assert set(added) == content, "the data is not what the last revision wrote"
            assert revisions[0].added == len(added)
            assert history.head(store.match) == revisions[0].number
        else:
            assert not content
    finally:
        store.close()
        del store
        gc.collect()  # releases the store's directory lock
    return len(revisions)


def _serve(store_dir: Path, port: int, token_hash: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HISTKG_STORE": str(store_dir),
        "HISTKG_PROJECT_DIR": str(REPO / "tests" / "fixtures" / "project"),
        "HISTKG_QUERY_WORKERS": "0",
        "HISTKG_WRITE_TOKENS": token_hash,
        "PYTHONPATH": str(REPO),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D").status_code == 200:
                return process
        time.sleep(0.1)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    raise AssertionError("histkg serve did not start")


def test_sigkill_during_a_graph_store_put_leaves_the_graph_before_or_after(
    tmp_path: Path,
) -> None:
    """The same over HTTP: a real server killed while it validates and writes a large PUT."""
    store_dir = tmp_path / "store"
    graph = NamedNode("https://example.org/crash/graph")
    token = "crash-test-token"  # noqa: S105 - a test token
    body = {}
    for version in SIZES:
        path = tmp_path / f"{version}.nt"
        _write(path, version)
        body[version] = path.read_bytes()
    rng = random.Random(9)  # noqa: S311 - seeded kill moments, not secrets
    state, full = "", 0.0
    answered: dict[int, int] = {}  # round -> status of the PUT, when it was answered
    for round_ in range(4):
        port = free_port()
        server = _serve(store_dir, port, hashlib.sha256(token.encode()).hexdigest())
        target = "b" if state == "a" else "a"

        def put(version: str = target, port: int = port, round_: int = round_) -> None:
            with contextlib.suppress(httpx.HTTPError):
                answered[round_] = httpx.put(
                    f"http://127.0.0.1:{port}/store",
                    params={"graph": graph.value},
                    content=body[version],
                    headers={
                        "Content-Type": "application/n-triples",
                        "Authorization": f"Bearer {token}",
                    },
                    timeout=120,
                ).status_code

        client = threading.Thread(target=put)
        started = time.monotonic()
        client.start()
        if round_ == 0:  # the first PUT completes: the graph exists, and we learn how long it takes
            client.join()
            full = time.monotonic() - started
        else:
            time.sleep(rng.uniform(0.1 * full, 1.1 * full))
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
        client.join()
        state = _state(store_dir, graph)
        assert state in ("a", "b")
        revisions = _history_agrees(store_dir, graph)
        assert revisions >= sum(1 for status in answered.values() if status == 200)
    assert answered.get(0) == 200
    assert len(answered) < 4, f"every PUT finished before its kill: {answered}"
    print(f"PUT answers by round (the others were killed mid-request): {answered}")
