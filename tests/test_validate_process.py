"""The validation process (``app.validate.process``): writes checked outside the server's
process, on a snapshot of the store seen through the deltas committed since.

What a user relies on: a write is accepted or refused exactly as it would be in the server's
process, whatever was written before it and however (``tests/test_writes.py`` runs all of its
HTTP tests both ways); a process that dies or is slow never lets a write through unchecked, and
a check past the write deadline refuses the write with a clear 503.
"""

import hashlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from fixtures.sparql.servers import serve_app

from app import writes
from app.errors import ShaclViolation, ValidationTimeout
from app.settings import Settings
from app.store import Store
from app.validate.process import Overlay, ValidationProcess
from app.validate.process import start as start_validation
from app.web import create_app

PROJECT = Path(__file__).parent / "fixtures" / "project"
EX = "https://example.org/test#"
GRAPH = "https://example.org/user-graph/process"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(str(tmp_path / "store"), query_workers=0)
    opened.load_curated(PROJECT)
    yield opened
    opened.close()


def _started(store: Store, timeout: float = 60) -> ValidationProcess:
    process = start_validation(store, PROJECT, timeout=timeout)
    assert process is not None
    assert process.wait_ready(60), "the validation process did not start"
    return process


def _write(store: Store, text: str) -> writes.WriteResult:
    return writes.update(store, text, PROJECT)


def _event(name: str, *, label: bool = True, graph: str = GRAPH) -> str:
    named = f'; {LABEL} "{name}"' if label else ""
    return f"INSERT DATA {{ GRAPH <{graph}> {{ <{EX}{name}> a <{EX}Event> {named} }} }}"


def test_the_overlay_answers_as_the_store_after_the_same_writes() -> None:
    def quad(n: int, graph: str = "g") -> ox.Quad:
        return ox.Quad(
            ox.NamedNode(f"{EX}s{n % 3}"),
            ox.NamedNode(f"{EX}p{n % 2}"),
            ox.Literal(str(n)),
            ox.NamedNode(f"{EX}{graph}"),
        )

    live = ox.Store()
    live.extend([quad(n) for n in range(10)])
    snapshot = ox.Store()
    snapshot.extend(live)
    view = Overlay(snapshot)
    # Exact deltas, as writes make them: removing quads of the snapshot and of the overlay,
    # adding back what was removed, and both in one delta.
    deltas = [
        ([quad(10), quad(11, "h")], [quad(0)]),
        ([quad(0)], [quad(10), quad(1)]),
        ([quad(12)], [quad(11, "h"), quad(0)]),
        ([quad(1), quad(10)], [quad(2), quad(12)]),
    ]
    for added, removed in deltas:
        for gone in removed:
            live.remove(gone)
        live.extend(added)
        view.apply(added, removed)
        for pattern in [
            (None, None, None, None),
            (ox.NamedNode(f"{EX}s1"), None, None, None),
            (None, ox.NamedNode(f"{EX}p0"), None, None),
            (None, None, ox.Literal("0"), None),
            (None, None, None, ox.NamedNode(f"{EX}h")),
        ]:
            seen = list(view.match(*pattern))
            assert len(seen) == len(set(seen)), "a quad came back twice"
            assert set(seen) == set(live.quads_for_pattern(*pattern))


def test_the_process_sees_every_earlier_write(store: Store) -> None:
    """Each refusal below depends on what an earlier write added or removed, which only the
    overlay holds (the process's snapshot is older than all of them)."""
    process = _started(store)
    _write(store, _event("e"))
    with pytest.raises(ShaclViolation) as refused:  # e is an Event only since the last write
        _write(store, f'DELETE DATA {{ GRAPH <{GRAPH}> {{ <{EX}e> {LABEL} "e" }} }}')
    assert [r["focus_node"] for r in refused.value.report["results"]] == [f"{EX}e"]
    _write(store, f'DELETE DATA {{ GRAPH <{GRAPH}> {{ <{EX}e> a <{EX}Event> ; {LABEL} "e" }} }}')
    with pytest.raises(ShaclViolation):  # its label is gone again: the removal was seen
        _write(store, _event("e", label=False))
    _write(store, _event("e"))  # added back after its removal
    assert process.answered == 5
    assert store.match(ox.NamedNode(f"{EX}e"), None, None, None)


def test_a_write_outside_write_delta_sends_a_fresh_snapshot(store: Store) -> None:
    process = _started(store)
    _write(store, _event("first"))
    typed = ox.Quad(
        ox.NamedNode(f"{EX}staged"),
        ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        ox.NamedNode(f"{EX}Event"),
        ox.NamedNode(f"{GRAPH}-staged"),
    )
    label = ox.Quad(
        typed.subject,
        ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
        ox.Literal("staged"),
        typed.graph_name,
    )
    # write_staged replaces graphs without a delta the process is told of
    store.write_staged(lambda _quads: {typed.graph_name: [typed, label]})  # type: ignore[dict-item]
    with pytest.raises(ShaclViolation):  # only a snapshot taken after it knows the type
        _write(
            store, f'DELETE DATA {{ GRAPH <{GRAPH}-staged> {{ <{EX}staged> {LABEL} "staged" }} }}'
        )
    assert process.answered == 2


def test_a_dead_process_is_replaced_and_never_lets_a_write_through(store: Store) -> None:
    process = _started(store)
    _write(store, _event("before"))
    killed = process.pid
    assert killed is not None
    os.kill(killed, signal.SIGKILL)
    process._process.wait()  # type: ignore[union-attr]  # dead, as the next write finds it
    with pytest.raises(ShaclViolation):  # checked by a new process, on a fresh snapshot
        _write(store, _event("nameless", label=False))
    assert process.pid not in (None, killed)
    assert process.answered == 2
    _write(store, _event("after"))
    assert process.answered == 3
    assert store.match(ox.NamedNode(f"{EX}after"), None, None, None)


def test_a_process_that_keeps_failing_leaves_the_checks_to_the_server(
    store: Store, tmp_path: Path
) -> None:
    process = _started(store)
    # every snapshot it is sent is missing: each process dies on opening it
    process._snapshot = lambda: (tmp_path / "missing", lambda: None)
    for _ in range(3):  # MAX_FAILURES
        with pytest.raises(ShaclViolation):  # checked in this process instead
            _write(store, _event("nameless", label=False))
    assert process.answered == 0
    started = process.started
    assert process.pid is None
    with pytest.raises(ShaclViolation):
        _write(store, _event("nameless", label=False))
    _write(store, _event("fine"))
    assert process.started == started, "a process was started within RETRY_SECONDS"
    assert store.match(ox.NamedNode(f"{EX}fine"), None, None, None)


def test_a_check_past_the_write_deadline_is_a_503_and_writes_nothing(store: Store) -> None:
    process = _started(store, timeout=1e-6)  # no check answers within a microsecond
    before = set(store.quads())
    with pytest.raises(ValidationTimeout):
        _write(store, _event("slow"))
    assert set(store.quads()) == before
    assert process.pid is None, "the process still runs past its deadline"
    with pytest.raises(ValidationTimeout):  # sent again: a new process, the same deadline
        _write(store, _event("slow"))
    assert set(store.quads()) == before
    token = "histkg-test-token"  # noqa: S105 - a test token
    settings = Settings(
        store=store.location,
        project_dir=PROJECT,
        query_workers=0,
        write_tokens="test:" + hashlib.sha256(token.encode()).hexdigest(),
    )
    with serve_app(create_app(settings, store)) as base:
        response = httpx.post(
            base + "/update",
            content=_event("slow").encode(),
            headers={
                "Content-Type": "application/sparql-update",
                "Authorization": f"Bearer {token}",
            },
            timeout=30,
        )
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_timeout"
    assert "nothing was written" in error["message"]
    assert "HISTKG_WRITE_TIMEOUT" in error["hint"]
    assert set(store.quads()) == before
