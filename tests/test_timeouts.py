"""Timeouts that really stop the work: a runaway query over HTTP against the curated graph.

The app serves an embedded store of the real ``ontology/`` and ``data/`` (about 5,000 quads)
with two query worker processes. A three-way cartesian product over it (about 10^11 rows to
count) would run for hours; it must be answered with a timeout error within timeout + 1 s, its
worker must be gone (its core free) within a second of the deadline, and simple queries sent
meanwhile must be answered at their normal speed.
"""

import os
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fixtures.sparql.servers import REPO, serve_app
from pyoxigraph import NamedNode

from app.errors import QueryTimeout
from app.settings import Settings
from app.sparql import is_point_lookup
from app.store import Store
from app.web import create_app

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SIMPLE = "SELECT ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 5"
TIMEOUT = 2.0


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    root = tmp_path_factory.mktemp("timeouts")
    settings = Settings(store=str(root / "store"), project_dir=REPO, query_workers=2)
    with Store.from_settings(settings) as store:
        store.load_curated(REPO)
        with serve_app(create_app(settings, store)) as url:
            yield url, store


def cpu_seconds(pid: int) -> float | None:
    """CPU time a live process has used, or None once it is gone (or a zombie)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return None
    if fields[0] == "Z":
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def runnable_seconds(pid: int) -> float | None:
    """Time a live process has spent running or ready to run (waiting only for a core), or
    None once it is gone: ``/proc/<pid>/schedstat``'s time on a CPU plus its time on a run
    queue. A process that computes without pause gains it at the speed of the wall clock
    however many other processes share the cores, where its CPU time gains only its share."""
    try:
        on_cpu, waiting = Path(f"/proc/{pid}/schedstat").read_text().split()[:2]
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(on_cpu) + int(waiting)) / 1e9


def test_a_runaway_query_stops_at_its_deadline_while_others_are_answered(
    served: tuple[str, Store],
) -> None:
    url, store = served
    with httpx.Client(base_url=url, timeout=30) as client:
        # Both workers up first: a spare still starting could otherwise take the runaway.
        assert client.get("/sparql", params={"query": SIMPLE}).status_code == 200
        waited = time.monotonic() + 30
        while len(store.worker_pids()) < 2 and time.monotonic() < waited:
            time.sleep(0.05)
        baseline = []
        for _ in range(10):
            started = time.monotonic()
            assert client.get("/sparql", params={"query": SIMPLE}).status_code == 200
            baseline.append(time.monotonic() - started)
        workers_before = set(store.worker_pids())
        cpu_before = {pid: cpu_seconds(pid) or 0.0 for pid in workers_before}
        runnable_before = {pid: runnable_seconds(pid) or 0.0 for pid in workers_before}
        outcome: dict[str, object] = {}

        def runaway() -> None:
            started = time.monotonic()
            response = client.get("/sparql", params={"query": RUNAWAY, "timeout": str(TIMEOUT)})
            ended = time.monotonic()
            outcome["ended"], outcome["seconds"] = ended, ended - started
            outcome["response"] = response

        busy: dict[int, float] = {}
        runnable: dict[int, float] = {}

        def watch() -> None:
            # Its own thread, so a simple query slowed by a loaded machine does not leave the
            # last sample of the worker far from its deadline.
            while thread.is_alive():
                for pid in store.worker_pids():
                    used, ready = cpu_seconds(pid), runnable_seconds(pid)
                    if used is not None and ready is not None:
                        busy[pid], runnable[pid] = used, ready
                time.sleep(0.01)

        thread = threading.Thread(target=runaway)
        watcher = threading.Thread(target=watch)
        thread.start()
        watcher.start()
        during: list[float] = []
        answered: list[float] = []
        while thread.is_alive():
            started = time.monotonic()
            assert client.get("/sparql", params={"query": SIMPLE}).status_code == 200
            answered.append(time.monotonic())
            during.append(answered[-1] - started)
            time.sleep(0.05)
        thread.join()
        watcher.join()

    response = outcome["response"]
    assert isinstance(response, httpx.Response)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "query_timeout"
    seconds = outcome["seconds"]
    assert isinstance(seconds, float)
    assert TIMEOUT <= seconds < TIMEOUT + 1, seconds

    # The worker that ran it was killed at the deadline: gone, its core free.
    kills = store._backend.kills  # type: ignore[attr-defined]
    assert len(kills) == 1
    pid, after_deadline = kills[0]
    assert pid in workers_before
    assert after_deadline < 1.0, after_deadline
    assert cpu_seconds(pid) is None
    # It was really computing until then: its CPU time grew, and it ran or waited only for a
    # core (never for anything else) for most of the time before the deadline. Its CPU time
    # alone is only its share of two cores other processes may be loading.
    assert busy.get(pid, 0) > cpu_before[pid], (cpu_before, busy)
    assert runnable.get(pid, 0) - runnable_before[pid] > TIMEOUT / 2, (runnable_before, runnable)
    assert pid not in store.worker_pids()

    # Simple queries kept their normal speed meanwhile.
    normal = statistics.median(baseline)
    assert during, "no simple query ran while the runaway did"
    assert statistics.median(during) < max(5 * normal, 0.1), (baseline, during)
    # None waited for the runaway: a query held behind it would be answered only once its
    # worker was killed, after the runaway's own answer, and be the loop's last. (The slowest
    # simple query's time is only the machine's load: not asserted.)
    ended = outcome["ended"]
    assert isinstance(ended, float)
    assert len(answered) >= 2, answered
    assert all(at < ended for at in answered[:-1]), (answered, ended)
    print(
        f"\nrunaway answered after {seconds:.3f} s (timeout {TIMEOUT} s); worker {pid} gone "
        f"{after_deadline * 1000:.1f} ms after the deadline; simple queries: median "
        f"{statistics.median(during) * 1000:.1f} ms, max {max(during) * 1000:.1f} ms during, "
        f"median {normal * 1000:.1f} ms before ({len(during)} queries)"
    )


def test_a_request_may_ask_for_less_time_never_more(served: tuple[str, Store]) -> None:
    url, _ = served
    with httpx.Client(base_url=url, timeout=30) as client:
        more = client.get("/sparql", params={"query": SIMPLE, "timeout": "3600"})
        assert more.headers["x-histkg-timeout"] == "10"  # the setting's default
        less = client.get("/sparql", params={"query": SIMPLE, "timeout": "0.5"})
        assert less.headers["x-histkg-timeout"] == "0.5"
        started = time.monotonic()
        stopped = client.get("/sparql", params={"query": RUNAWAY, "timeout": "0.5"})
        assert stopped.status_code == 503
        assert time.monotonic() - started < 1.5
        bad = client.get("/sparql", params={"query": SIMPLE, "timeout": "soon"})
        assert bad.status_code == 400


def test_the_pool_replaces_a_killed_worker_and_keeps_answering(
    served: tuple[str, Store],
) -> None:
    _, store = served
    with pytest.raises(QueryTimeout):
        store.query(RUNAWAY, timeout=0.3)
    for _ in range(5):
        assert store.query(SIMPLE).rows
    assert 1 <= len(store.worker_pids()) <= 2


def test_without_workers_the_caller_still_gets_its_timeout(tmp_path: Path) -> None:
    """``query_workers=0`` (threads): the answer comes at the deadline.

    Only a lazily evaluated query also stops there (rows are read one by one and the deadline
    is checked between them); an eager step such as a COUNT would go on in the background,
    which is why the server runs queries in worker processes.
    """
    many = tmp_path / "many.nt"
    many.write_text("".join(f"<urn:p{i}> <urn:knows> <urn:q{i}> .\n" for i in range(2000)))
    with Store(str(tmp_path / "store"), query_workers=0, max_rows=10**9) as store:
        store.load_files([many])
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            store.query("SELECT * { ?a ?p ?b . ?c ?q ?d }", timeout=0.3)
        assert time.monotonic() - started < 1.3
        assert store.worker_pids() == []


@pytest.mark.parametrize(
    ("sparql", "point"),
    [
        ("SELECT ?p ?o WHERE { <https://example.org/e/1> ?p ?o }", True),
        ("select * { <https://example.org/e/1> <https://example.org/p> ?o . } LIMIT 5", True),
        ("SELECT ?p ?o # a comment\nWHERE { <https://example.org/e/1> ?p ?o }", True),
        ("SELECT ?p ?o WHERE { ?s ?p ?o }", False),
        ("SELECT ?p ?o WHERE { <https://example.org/e/1> ?p ?o . ?o ?q ?r }", False),
        ("SELECT ?p ?o WHERE { <https://example.org/e/1> ?p ?o } ORDER BY ?o", False),
        ("SELECT ?p ?o WHERE { <https://example.org/e/1> ?p ?o FILTER(?o) }", False),
        ("SELECT (COUNT(*) AS ?n) WHERE { <https://example.org/e/1> ?p ?o }", False),
        ("SELECT ?o WHERE { <https://example.org/e/1> <https://example.org/p>+ ?o }", False),
        ("SELECT ?o WHERE { SERVICE <https://example.org/s> { <a:b> ?p ?o } }", False),
    ],
)
def test_only_one_pattern_on_a_given_subject_counts_as_a_point_lookup(
    sparql: str, point: bool
) -> None:
    assert is_point_lookup(sparql) is point


def test_point_lookups_are_answered_while_every_worker_is_busy(served: tuple[str, Store]) -> None:
    """They read the live store in the server's process: bounded work, no worker needed."""
    _, store = served
    subject = store.query(SIMPLE.replace("?label WHERE", "?s WHERE")).rows[0][0]
    assert isinstance(subject, NamedNode)
    point = f"SELECT ?p ?o WHERE {{ <{subject.value}> ?p ?o }}"

    def runaway() -> None:
        with pytest.raises(QueryTimeout):
            store.query(RUNAWAY, timeout=2.0)

    runaways = [threading.Thread(target=runaway) for _ in range(2)]
    for thread in runaways:
        thread.start()
    time.sleep(0.5)  # both workers are computing now
    started = time.monotonic()
    rows = store.query(point).rows
    took = time.monotonic() - started
    for thread in runaways:
        thread.join()
    assert rows
    assert took < 1.0, took  # a worker would be free only at the runaways' 2 s deadline
