"""The same API over a remote SPARQL 1.1 server: a real ``oxigraph serve`` (PyPI ``oxigraph``).

Each test starts Oxigraph with the command of ``docker-compose.yml`` on a free loopback port.
The store API (loads, staleness, queries, formats, caps, timeouts) is checked against it, the
W3C protocol runner runs through our app against it, and ``histkg serve`` is started with the
compose file's command to show that it loads ``data/`` into an empty Oxigraph on start.
"""

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import yaml
from fixtures.graphs import data_quads
from fixtures.sparql.servers import (
    COMPOSE,
    PROTOCOL_DATASET,
    REPO,
    compose_command,
    free_port,
    load_graph_store,
    oxigraph_server,
    run_conformance,
    serve_app,
    stop,
    wait_for,
)

from app import history
from app.errors import InputError, QueryError, QueryTimeout
from app.settings import Settings
from app.sparql import Dataset
from app.store import Store
from app.web import create_app

PROJECT = Path(__file__).parent / "fixtures" / "project"
SYNTAXES = Path(__file__).parent / "fixtures" / "syntaxes"
EX = "https://example.org/test#"


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[str]:
    """A fresh Oxigraph server; its base URL (``/query``, ``/update``, ``/store`` below it)."""
    with oxigraph_server(tmp_path / "oxigraph") as url:
        yield url


@pytest.fixture
def remote(oxigraph: str) -> Iterator[Store]:
    with Store(f"{oxigraph}/query", max_rows=50) as store:
        yield store


def rows(store: Store, sparql: str) -> Counter[tuple[str, ...]]:
    result = store.query(sparql)
    return Counter(tuple(str(term) for term in row) for row in result.rows)


# the data graphs only: the revisions of the loads differ in their times
DATA = 'GRAPH ?g { ?s ?p ?o } FILTER(!STRSTARTS(STR(?g), "https://w3id.org/histkg/graph/history/"))'
QUERIES = [
    f"SELECT ?s ?p ?o WHERE {{ {DATA} }}",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    f"SELECT ?name WHERE {{ <{EX}hastings> <http://www.w3.org/2000/01/rdf-schema#label> ?name }}",
    f"SELECT ?who WHERE {{ GRAPH ?claim {{ ?who <{EX}diedAt> ?where }} }}",
]


def test_remote_store_answers_exactly_like_the_embedded_one(remote: Store) -> None:
    with Store("memory", max_rows=50) as embedded:
        for store in (embedded, remote):
            store.load_curated(PROJECT)
            store.load_files([SYNTAXES / "people.ttl"])
        assert len(remote) == len(embedded) > 0
        assert remote.named_graphs() == embedded.named_graphs()
        # each load is a revision, the same on both but for its time: data, then patches
        assert data_quads(remote.quads()) == data_quads(embedded.quads())
        for number in (1, 2):
            assert history.patch(remote.match, number) == history.patch(embedded.match, number)
        assert remote.recorded_digest() == embedded.recorded_digest() is not None
        for query in QUERIES:
            assert rows(remote, query) == rows(embedded, query), query
        ask = f"ASK {{ <{EX}harold> <{EX}diedAt> <{EX}hastings> }}"
        assert remote.query(ask).boolean is embedded.query(ask).boolean is True
        construct = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {DATA} ?s a ?c }}"
        assert set(remote.query(construct).triples) == set(embedded.query(construct).triples)


def test_remote_loads_replace_their_graphs_and_are_idempotent(
    remote: Store, project_dir: Path
) -> None:
    remote.load_curated(project_dir)
    before = set(remote.quads())
    remote.load_curated(project_dir)
    assert set(remote.quads()) == before
    assert not remote.is_stale(project_dir)
    (project_dir / "data" / "extra.ttl").write_text(f"<{EX}x> <{EX}p> <{EX}y> .\n")
    assert remote.is_stale(project_dir)
    remote.load_curated(project_dir)
    assert "https://w3id.org/histkg/graph/data/extra" in remote.named_graphs()
    (project_dir / "data" / "extra.ttl").unlink()
    remote.load_curated(project_dir)
    assert data_quads(remote.quads()) == data_quads(before)  # and two revisions more


def test_remote_replace_graph_replaces_one_graph_a_curated_reload_keeps(
    remote: Store, project_dir: Path
) -> None:
    remote.load_curated(project_dir)
    curated = set(remote.quads())
    graph = ox.NamedNode("https://w3id.org/histkg/graph/wikidata")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    first = ox.Triple(ox.NamedNode(EX + "a"), label, ox.Literal("first"))
    second = ox.Triple(ox.NamedNode(EX + "b"), label, ox.Literal("second"))
    remote.replace_graph(graph, [first])
    assert remote.replace_graph(graph, [second]) == 1
    facts = {ox.Quad(second.subject, second.predicate, second.object, graph)}
    assert set(remote.quads()) == curated | facts
    remote.load_curated(project_dir)
    assert set(remote.quads()) == curated | facts


def test_a_bad_file_writes_nothing_to_the_remote_store(remote: Store) -> None:
    remote.load_files([SYNTAXES / "people.ttl"])
    before = set(remote.quads())
    with pytest.raises(InputError):
        remote.load_files(
            [SYNTAXES / "people.ttl", Path(__file__).parent / "fixtures" / "corrupt.ttl"]
        )
    assert set(remote.quads()) == before


def test_remote_results_are_capped_flagged_and_serialized(remote: Store) -> None:
    remote.load_curated(PROJECT)
    capped = Store(remote.location, max_rows=3)
    try:
        result = capped.query("SELECT * WHERE { ?s ?p ?o }")
        assert (len(result.rows), result.truncated) == (3, True)
        serialized = capped.query_serialized("SELECT * WHERE { ?s ?p ?o }", "csv")
        assert serialized.truncated
        assert serialized.read().count(b"\r\n") == 4  # header and three rows
        graph = capped.query_serialized("CONSTRUCT WHERE { ?s ?p ?o }", "ntriples")
        assert graph.truncated
        assert len(list(ox.parse(graph.read(), format=ox.RdfFormat.N_TRIPLES))) == 3
    finally:
        capped.close()


def test_a_request_dataset_reaches_the_remote_store(oxigraph: str, remote: Store) -> None:
    load_graph_store(f"{oxigraph}/store", PROTOCOL_DATASET)
    data1 = "http://kasei.us/2009/09/sparql/data/data1.rdf"
    query = "SELECT ?doc WHERE { ?doc a ?type }"
    everything = remote.query(query)
    only_one = remote.query(query, dataset=Dataset(default_graphs=(data1,)))
    assert len(everything.rows) == 3
    assert only_one.rows == [(ox.NamedNode(data1),)]
    from_query = remote.query("SELECT ?doc FROM <%s> WHERE { ?doc a ?type }" % data1)  # noqa: S608, UP031
    assert from_query.rows == [(ox.NamedNode(data1),)]


def test_remote_syntax_errors_point_at_the_error_like_embedded_ones(remote: Store) -> None:
    with pytest.raises(QueryError, match="error at 1:") as caught:
        remote.query("SELECT ?x WHERE { ?x ")
    assert caught.value.hint is not None
    assert "line 1, column" in caught.value.hint


def test_a_runaway_remote_query_times_out_and_others_go_on(remote: Store, tmp_path: Path) -> None:
    many = tmp_path / "many.nt"
    many.write_text("".join(f"<urn:p{i}> <urn:knows> <urn:q{i}> .\n" for i in range(1500)))
    remote.load_files([many])
    simple: list[float] = []
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        try:
            remote.query("SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout=1)
        except QueryTimeout as error:
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    while thread.is_alive():
        started = time.monotonic()
        assert remote.query("ASK { <urn:p1> <urn:knows> ?o }").boolean is True
        simple.append(time.monotonic() - started)
        time.sleep(0.05)
    thread.join()
    assert isinstance(outcome.get("error"), QueryTimeout)
    assert isinstance(outcome["seconds"], float)
    assert outcome["seconds"] < 2.0
    # Simple queries kept coming (blocked behind the runaway, only one or two would have run),
    # and all but one at most were fast (one may meet a hiccup of a loaded 2-core machine).
    assert len(simple) >= 5, simple
    assert sorted(simple)[-2] < 0.5, simple


def test_the_w3c_protocol_suite_passes_through_the_app_over_oxigraph(
    oxigraph: str, tmp_path: Path
) -> None:
    load_graph_store(f"{oxigraph}/store", PROTOCOL_DATASET)
    settings = Settings(store=f"{oxigraph}/query", project_dir=PROJECT)
    with Store.from_settings(settings) as store:
        store.load_curated(PROJECT)
        with serve_app(create_app(settings, store)) as url:
            output, _passed, failed = run_conformance(f"{url}/sparql")
    assert failed == 0, output
    assert "W3C protocol tests: 27 passed, 0 failed, 7 skipped" in output, output


def test_compose_runs_oxigraph_and_histkg_with_a_health_check() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    oxigraph, histkg = compose["services"]["oxigraph"], compose["services"]["histkg"]
    assert oxigraph["image"].split(":")[-1] == ox.__version__  # the version the tests run
    assert "--union-default-graph" in oxigraph["command"]
    volume = oxigraph["volumes"][0].split(":")
    assert volume[1] == "/data"
    assert volume[0] in compose["volumes"]
    assert histkg["environment"]["HISTKG_STORE"] == "http://oxigraph:7878/query"
    assert histkg["depends_on"]["oxigraph"]["condition"] == "service_started"
    assert histkg["healthcheck"]["test"][0] == "CMD"


def test_histkg_serve_loads_data_into_an_empty_oxigraph_on_start(oxigraph: str) -> None:
    """The compose file's ``histkg`` command against the compose file's Oxigraph command."""
    port = free_port()
    command = compose_command("histkg")
    replaced = {"0.0.0.0": "127.0.0.1", "8000": str(port), "60": "20"}
    binary = str(Path(sys.executable).parent / command[0])
    argv = [binary, *(replaced.get(part, part) for part in command[1:])]
    env = {
        **os.environ,
        "HISTKG_STORE": f"{oxigraph}/query",
        "HISTKG_PROJECT_DIR": str(REPO),
        "HISTKG_QUERY_WORKERS": "0",
    }
    healthcheck = yaml.safe_load(COMPOSE.read_text())["services"]["histkg"]["healthcheck"]
    probe = [sys.executable, *healthcheck["test"][2:]]
    probe[-1] = probe[-1].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    for attempt, expected in enumerate(("The store is empty; loading", "Serving on")):
        process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            wait_for(f"http://127.0.0.1:{port}/health", process, seconds=60)
            health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).json()
            assert health["quads"] > 1000
            assert subprocess.run(probe, check=False, timeout=30).returncode == 0
        finally:
            stop(process)
        output = process.stdout.read().decode() if process.stdout else ""
        if process.stderr:
            process.stderr.close()
        if process.stdout:
            process.stdout.close()
        assert expected in output, (attempt, output)
        if attempt == 1:
            assert "loading" not in output  # fresh: the second start loads nothing
