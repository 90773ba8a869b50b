"""The query worker pool when workers cannot start, and under a tight memory cap.

Real worker processes over a real store: what is checked is what a client of the endpoint
sees, an answer or a prompt error, never a wait to the deadline for a worker that will not come.
"""

import threading
import time
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, parse
from pyoxigraph import Store as OxStore

from app.backends.workers import Snapshot, WorkerPool
from app.errors import QueryMemory, QueryTimeout, StoreError
from app.sparql import QueryJob
from app.store import Store
from app.vocab import XSD

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def string_of_mib(mib: int) -> str:
    """A query building a string of ``mib`` MiB (a power of two) by doubling 16 bytes."""
    steps = ((mib << 20) // 16).bit_length() - 1
    doubled = " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(steps))
    return f'SELECT (STRLEN(?v{steps}) AS ?n) WHERE {{ BIND("xxxxxxxxxxxxxxxx" AS ?v0) {doubled} }}'


def _store_directory(path: Path) -> Path:
    """An on-disk store big enough for a three-way product to run for hours."""
    triples = "".join(f"<urn:p{i}> <urn:knows> <urn:q{i}> .\n" for i in range(2000))
    store = OxStore(str(path))
    store.extend(parse(triples.encode(), RdfFormat.N_TRIPLES))
    store.flush()
    del store
    return path


def test_a_query_waiting_for_a_replacement_that_cannot_start_is_told_at_once(
    tmp_path: Path,
) -> None:
    """A one-worker pool: the runaway query's worker is killed at its deadline and the spare
    started in its place fails. The query that waited for a worker must then try itself and
    get the error, not sleep to its own deadline (a 503 `query_timeout` 10 s later)."""
    path = _store_directory(tmp_path / "snapshot")
    pool = WorkerPool(1, lambda: Snapshot(path, remove=lambda: None))
    try:
        assert pool.run(QueryJob("ASK {}", "ask", 5.0, 10))  # the one worker is up
        runaway: list[BaseException] = []

        def run_away() -> None:
            try:
                pool.run(QueryJob(RUNAWAY, "select", 1.0, 10))
            except QueryTimeout as error:
                runaway.append(error)

        thread = threading.Thread(target=run_away)
        thread.start()
        time.sleep(0.3)  # the runaway holds the only worker
        path.rename(tmp_path / "moved")  # from now on, no new worker can open the snapshot
        started = time.monotonic()
        with pytest.raises(StoreError, match="Cannot open the snapshot"):
            pool.run(QueryJob("ASK {}", "ask", 10.0, 10))
        assert time.monotonic() - started < 6.0
        thread.join()
        assert runaway
    finally:
        pool.close()


def test_a_query_gets_the_memory_cap_on_top_of_what_its_worker_holds(tmp_path: Path) -> None:
    """A 256 MiB cap: a query building a 64 MiB string (96 MiB at its peak) is answered, one
    building 1 GiB is stopped, and the worker's replacement answers. The cap used to count the
    idle worker's own address space (glibc's malloc arenas, RocksDB's thread stacks: more than
    256 MiB on this machine, more on bigger ones): workers died starting, or had no room left."""
    with Store(str(tmp_path / "store"), query_workers=1, query_memory=256) as store:
        assert store.query("ASK {}").boolean
        # A write: the worker opens the new snapshot (with its cap lifted, then set again).
        knows = NamedNode("urn:knows")
        store.replace_graph("urn:g", [Triple(NamedNode("urn:a"), knows, NamedNode("urn:b"))])
        assert store.query("ASK { GRAPH ?g { ?s <urn:knows> ?o } }").boolean
        (row,) = store.query(string_of_mib(64)).rows
        assert row[0] == Literal(str(64 << 20), datatype=XSD.integer)
        with pytest.raises(QueryMemory):
            store.query(string_of_mib(1024))
        assert store.query("ASK {}").boolean
