"""The data layer: loading every syntax, idempotence, atomicity, curated reloads, queries."""

import gzip
import json
import re
import shutil
import socket
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from fixtures.graphs import data_quads
from rdfterms import value

from app import history
from app.errors import (
    InputError,
    QueryError,
    QueryTimeout,
    RdfParseError,
    StoreError,
    UpdateNotAllowed,
)
from app.results import BY_NAME, Spool, write_ask, write_graph, write_select
from app.sources import GENID_BASE, META_GRAPH, curated_files
from app.sparql import QueryResult
from app.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
SYNTAXES = FIXTURES / "syntaxes"
EX = "https://example.org/test#"
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
GRAPH = "https://w3id.org/histkg/graph/"
GENID = re.compile(re.escape(GENID_BASE) + r"[0-9a-f]{16}-[1-9][0-9]*$")


def snapshot(store: Store) -> set[ox.Quad]:
    return set(store.quads())


def data(store: Store) -> set[ox.Quad]:
    """The quads of the data graphs: each load is also a revision, in graphs of its own."""
    return data_quads(store.quads())


def graphs_of(store: Store) -> set[str]:
    """The data graphs (a load's revision graphs are checked apart)."""
    return {q.graph_name.value for q in data(store) if isinstance(q.graph_name, ox.NamedNode)}


def labels(store: Store) -> set[str]:
    result = store.query(f"SELECT ?label {{ ?s {LABEL} ?label }}")
    return {value(row[0]) for row in result.rows if row[0] is not None}


# file name -> (quads it holds, named graphs it declares)
SYNTAX_CASES = {
    "people.ttl": (10, set()),
    "people.nt": (4, set()),
    "people.nq": (3, {EX + "claim-1"}),
    "people.trig": (5, {EX + "claim-2", EX + "claim-3"}),
    "people.jsonld": (4, set()),
    "people.rdf": (4, set()),
}


@pytest.mark.parametrize("name", sorted(SYNTAX_CASES))
def test_every_syntax_loads_quads_keep_graphs_triples_go_to_file_graph(
    store: Store, name: str
) -> None:
    path = SYNTAXES / name
    count, named = SYNTAX_CASES[name]
    report = store.load_files([path])
    assert report.quads == count == len(data(store))
    assert graphs_of(store) == named | {path.resolve().as_uri()}
    default_graph_triples = sum(
        1 for q in ox.parse(path=path) if isinstance(q.graph_name, ox.DefaultGraph)
    )
    file_graph = ox.NamedNode(path.resolve().as_uri())
    in_file_graph = [q for q in store.quads() if q.graph_name == file_graph]
    assert len(in_file_graph) == default_graph_triples


def test_gzipped_file_loads_like_the_plain_one(store: Store, tmp_path: Path) -> None:
    packed = tmp_path / "people.ttl.gz"
    packed.write_bytes(gzip.compress((SYNTAXES / "people.ttl").read_bytes()))
    store.load_files([packed])
    assert len(data(store)) == SYNTAX_CASES["people.ttl"][0]
    assert labels(store) == {"Ada Lovelace"}
    assert graphs_of(store) == {packed.resolve().as_uri()}


def test_default_graph_is_the_union_of_all_graphs(store: Store) -> None:
    store.load_files(sorted(SYNTAXES.iterdir()))
    assert {"Uranus", "Mary Somerville", "Émilie du Châtelet", "Ada Lovelace"} <= labels(store)


def test_blank_nodes_become_stable_skolem_iris(store: Store) -> None:
    store.load_files([SYNTAXES / "people.trig"])
    terms = [term for q in store.quads() for term in (q.subject, q.object, q.graph_name)]
    assert not any(isinstance(term, ox.BlankNode) for term in terms)
    skolems = {t.value for t in terms if isinstance(t, ox.NamedNode) and GENID.match(t.value)}
    # _:planet is one node in two named graphs of the same file.
    assert len(skolems) == 1
    assert next(iter(skolems)).endswith("-1")


def test_same_blank_node_label_in_two_files_stays_two_nodes(store: Store, tmp_path: Path) -> None:
    for name, year in (("a.ttl", 1), ("b.ttl", 2)):
        (tmp_path / name).write_text(f'_:x <{EX}year> "{year}" .\n')
    store.load_files([tmp_path / "a.ttl", tmp_path / "b.ttl"])
    assert len({q.subject for q in data(store)}) == 2


def test_loading_the_same_files_twice_changes_nothing(store: Store, project_dir: Path) -> None:
    files = sorted(SYNTAXES.iterdir())
    store.load_files(files)
    store.load_curated(project_dir)
    first = snapshot(store)
    store.load_files(files)
    store.load_curated(project_dir)
    assert snapshot(store) == first


def test_corrupt_file_is_refused_naming_file_and_line_store_unchanged(
    store: Store, project_dir: Path
) -> None:
    store.load_curated(project_dir)
    before = snapshot(store)
    with pytest.raises(RdfParseError) as caught:
        store.load_files([FIXTURES / "corrupt.ttl"])
    error = caught.value
    assert (error.line, error.column) == (6, 12)
    assert error.message.startswith(f"{FIXTURES / 'corrupt.ttl'}:6:12: ")
    assert "dot is expected" in error.message
    assert snapshot(store) == before


def test_batch_with_one_bad_file_writes_nothing(store: Store) -> None:
    store.load_files([SYNTAXES / "people.nt"])
    before = snapshot(store)
    batch = [SYNTAXES / "people.ttl", FIXTURES / "corrupt.ttl", SYNTAXES / "people.trig"]
    with pytest.raises(RdfParseError):
        store.load_files(batch)
    assert snapshot(store) == before


def test_a_curated_file_that_breaks_keeps_the_previous_curated_state(
    store: Store, project_dir: Path
) -> None:
    store.load_curated(project_dir)
    before = snapshot(store)
    shutil.copy(FIXTURES / "corrupt.ttl", project_dir / "data" / "zz-broken.ttl")
    with pytest.raises(RdfParseError, match=r"^data/zz-broken\.ttl:6:12: "):
        store.load_curated(project_dir)
    assert snapshot(store) == before


def test_one_update_is_all_or_nothing_in_pyoxigraph() -> None:
    """Pins the pyoxigraph behaviour the atomic load relies on.

    The second operation succeeds and the third fails at run time (not at parse time), after
    the first has dropped a graph: nothing of the update may remain.
    """
    raw = ox.Store()
    raw.update("INSERT DATA { GRAPH <urn:g1> { <urn:a> <urn:b> <urn:c> } }")
    before = set(raw)
    with pytest.raises(RuntimeError, match="does not exist"):
        raw.update(
            "DROP GRAPH <urn:g1> ; INSERT DATA { GRAPH <urn:g2> { <urn:x> <urn:y> <urn:z> } } ;"
            " DROP GRAPH <urn:missing>"
        )
    assert set(raw) == before


def test_literals_with_hard_characters_survive_the_update_round_trip(
    store: Store, tmp_path: Path
) -> None:
    source = tmp_path / "hard.nt"
    lines = [
        r'"quote \" and backslash \\"',
        r'"text \\u0022 that looks like an escape"',
        r'"control \u0001 \t tab \n newline \r"',
        '"ünïcödé € 😀"',
        '"direction"@ar--rtl',
        '"12"^^<http://www.w3.org/2001/XMLSchema#integer>',
        "\"'''triple single''' and \\\"\\\"\\\"\"",
        '<<( <urn:a> <urn:b> "nested"@en )>>',
    ]
    source.write_text("".join(f"<urn:s{i}> <urn:p> {obj} .\n" for i, obj in enumerate(lines)))
    store.load_files([source])
    graph = ox.NamedNode(source.resolve().as_uri())
    expected = {ox.Quad(q.subject, q.predicate, q.object, graph) for q in ox.parse(path=source)}
    assert data(store) == expected
    assert set(history.patch(store.match, 1)[0]) == expected  # and so does the load's revision


def test_curated_load_skips_shapes_contexts_and_non_rdf(project_dir: Path) -> None:
    assert [p.relative_to(project_dir).as_posix() for p in curated_files(project_dir)] == [
        "ontology/core.ttl",
        "data/claims.trig",
        "data/events.ttl",
    ]


def test_curated_graph_layout(store: Store, project_dir: Path) -> None:
    store.load_curated(project_dir)
    assert graphs_of(store) == {
        GRAPH + "ontology/core",
        GRAPH + "data/events",
        GRAPH + "data/claims",
        EX + "claim-harold",  # a named graph of claims.trig keeps its name
        GRAPH + "meta",
    }
    assert set(store.named_graphs()) - graphs_of(store) == {GRAPH + "history/", GRAPH + "history/1"}
    shapes = store.query("ASK { ?shape a <http://www.w3.org/ns/shacl#NodeShape> }")
    assert shapes.boolean is False


def test_curated_reload_drops_stale_triples_and_deleted_files(
    store: Store, project_dir: Path
) -> None:
    store.load_curated(project_dir)
    events = project_dir / "data" / "events.ttl"
    events.write_text(events.read_text().replace("Battle of Hastings", "Battle of Senlac Hill"))
    (project_dir / "data" / "claims.trig").unlink()
    store.load_curated(project_dir)
    assert "Battle of Senlac Hill" in labels(store)
    assert "Battle of Hastings" not in labels(store)
    assert "Harold Godwinson" not in labels(store)
    assert GRAPH + "data/claims" not in graphs_of(store)
    assert EX + "claim-harold" not in store.named_graphs()


def test_curated_reload_leaves_user_files_alone(store: Store, project_dir: Path) -> None:
    store.load_files([SYNTAXES / "people.nt"])
    store.load_curated(project_dir)
    store.load_curated(project_dir)
    assert "Charles Babbage" in labels(store)


def test_staleness_follows_the_curated_files(store: Store, project_dir: Path) -> None:
    assert store.is_stale(project_dir)  # never loaded
    store.load_curated(project_dir)
    assert not store.is_stale(project_dir)
    (project_dir / "data" / "more.ttl").write_text(f"<{EX}x> <{EX}y> <{EX}z> .\n")
    assert store.is_stale(project_dir)
    store.load_curated(project_dir)
    assert not store.is_stale(project_dir)
    (project_dir / "ontology" / "shapes.ttl").write_text("# shapes do not count\n")
    assert not store.is_stale(project_dir)
    events = project_dir / "data" / "events.ttl"
    events.write_text(events.read_text() + "\n# an edited comment is still an edit\n")
    assert store.is_stale(project_dir)


def test_digest_is_recorded_in_the_meta_graph(store: Store, project_dir: Path) -> None:
    store.load_curated(project_dir)
    digest = store.query(
        f"SELECT ?d {{ GRAPH {META_GRAPH} {{ {META_GRAPH} "
        "<https://w3id.org/histkg/ontology#sourceDigest> ?d } }"
    )
    value = digest.rows[0][0]
    assert isinstance(value, ox.Literal)
    assert re.fullmatch(r"[0-9a-f]{64}", value.value)


def test_curated_file_names_become_valid_graph_iris(store: Store, project_dir: Path) -> None:
    (project_dir / "data" / "battle notes.ttl").write_text(f"<{EX}x> <{EX}y> <{EX}z> .\n")
    store.load_curated(project_dir)
    assert GRAPH + "data/battle%20notes" in graphs_of(store)


def test_two_curated_files_for_one_graph_are_refused(store: Store, project_dir: Path) -> None:
    (project_dir / "ontology" / "core.nt").write_text("")
    with pytest.raises(InputError, match="would both fill"):
        store.load_curated(project_dir)


def test_user_files_may_not_write_curated_graphs(store: Store, tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.nq"
    sneaky.write_text(f"<{EX}a> <{EX}b> <{EX}c> <{GRAPH}data/events> .\n")
    with pytest.raises(InputError, match="reserved"):
        store.load_files([sneaky])
    assert len(store) == 0


# ------------------------------------------------------------------ graphs the tools write

TOOL_GRAPH = GRAPH + "wikidata"
FACT = ox.Triple(ox.NamedNode(EX + "item"), LABEL, ox.Literal("an item"))


def in_graph(store: Store, graph: str) -> set[ox.Triple]:
    return {q.triple for q in store.quads() if q.graph_name == ox.NamedNode(graph)}


def test_replace_graph_replaces_one_graph_whole(store: Store, project_dir: Path) -> None:
    store.load_curated(project_dir)
    curated = snapshot(store)
    generation = store.generation
    other = ox.Triple(ox.NamedNode(EX + "other"), LABEL, ox.Literal("other"))
    assert store.replace_graph(TOOL_GRAPH, [FACT, other, FACT]) == 2
    assert in_graph(store, TOOL_GRAPH) == {FACT, other}
    assert store.generation == generation + 1  # caches of pages start afresh
    quad = ox.Quad(FACT.subject, FACT.predicate, FACT.object, ox.NamedNode(TOOL_GRAPH))
    assert store.replace_graph(ox.NamedNode(TOOL_GRAPH), [quad]) == 1
    assert in_graph(store, TOOL_GRAPH) == {FACT}  # replaced, not added to
    assert snapshot(store) - {quad} == curated  # nothing else changed
    assert store.replace_graph(TOOL_GRAPH, []) == 0
    assert TOOL_GRAPH not in store.named_graphs()
    assert snapshot(store) == curated


def test_a_curated_reload_keeps_the_graphs_the_tools_wrote(store: Store, project_dir: Path) -> None:
    store.load_curated(project_dir)
    store.replace_graph(TOOL_GRAPH, [FACT])
    (project_dir / "data" / "claims.trig").unlink()  # the reload drops a graph: only that one
    store.load_curated(project_dir)
    assert in_graph(store, TOOL_GRAPH) == {FACT}
    assert GRAPH + "data/claims" not in store.named_graphs()
    store.load_curated(project_dir)
    assert in_graph(store, TOOL_GRAPH) == {FACT}


def test_replace_graph_refuses_the_graphs_of_the_curated_load(
    store: Store, project_dir: Path
) -> None:
    store.load_curated(project_dir)
    before = snapshot(store)
    for graph in (META_GRAPH.value, GRAPH + "data/events", GRAPH + "data/new", EX + "claim-harold"):
        with pytest.raises(InputError, match="a graph of the curated load"):
            store.replace_graph(graph, [FACT])
    assert snapshot(store) == before


def test_replace_graph_refuses_other_graphs_and_blank_nodes(store: Store) -> None:
    elsewhere = ox.Quad(FACT.subject, FACT.predicate, FACT.object, ox.NamedNode(EX + "g"))
    with pytest.raises(ValueError, match="not in"):
        store.replace_graph(TOOL_GRAPH, [elsewhere])
    blank = ox.Triple(ox.BlankNode(), LABEL, ox.Literal("x"))
    with pytest.raises(ValueError, match="skolemize"):
        store.replace_graph(TOOL_GRAPH, [FACT, blank])
    assert len(store) == 0


def test_no_file_may_write_the_graphs_the_tools_write(
    store: Store, project_dir: Path, tmp_path: Path
) -> None:
    (project_dir / "data" / "facts.trig").write_text(
        f"<{TOOL_GRAPH}> {{ <{EX}a> <{EX}b> <{EX}c> . }}\n"
    )
    with pytest.raises(InputError, match="a graph histkg's tools write"):
        store.load_curated(project_dir)
    sneaky = tmp_path / "facts.trig"
    sneaky.write_text(f"<{TOOL_GRAPH}> {{ <{EX}a> <{EX}b> <{EX}c> . }}\n")
    with pytest.raises(InputError, match="reserved"):
        store.load_files([sneaky])
    assert len(store) == 0


def test_unknown_extension_and_missing_file_are_input_errors(store: Store) -> None:
    with pytest.raises(InputError, match="unknown RDF file extension"):
        store.load_files([FIXTURES / "project" / "ontology" / "NOTES.md"])
    with pytest.raises(InputError, match="no such file"):
        store.load_files([FIXTURES / "missing.ttl"])


def test_progress_reports_each_file_then_the_write(store: Store) -> None:
    steps: list[tuple[str, int, int]] = []
    files = [SYNTAXES / "people.nt", SYNTAXES / "people.ttl"]
    store.load_files(files, progress=lambda *step: steps.append(step))
    assert steps == [
        (str(files[0]), 0, 3),
        (str(files[1]), 1, 3),
        ("writing", 2, 3),
        ("done", 3, 3),
    ]


def test_unreachable_remote_store_is_reported_with_a_fix() -> None:
    with socket.socket() as closed:  # a loopback port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    remote = Store(f"http://127.0.0.1:{port}/query")
    with remote, pytest.raises(StoreError, match="Cannot reach the SPARQL server") as caught:
        remote.query("ASK {}")
    assert caught.value.hint is not None
    assert "HISTKG_STORE" in caught.value.hint


def test_a_store_in_use_is_reported_with_a_fix(store_dir: Path, store: Store) -> None:
    with pytest.raises(StoreError) as caught:
        Store(str(store_dir))
    assert caught.value.hint is not None
    assert "Another histkg process" in caught.value.hint


def test_memory_store_works() -> None:
    store = Store("memory")
    store.load_files([SYNTAXES / "people.ttl"])
    assert labels(store) == {"Ada Lovelace"}


class TestQuery:
    """Queries return values (rows, booleans, triples) with elapsed time and truncation."""

    @pytest.fixture
    def loaded(self, store: Store) -> Store:
        store.load_files(sorted(SYNTAXES.iterdir()))
        return store

    def test_select(self, loaded: Store) -> None:
        result = loaded.query(f"SELECT ?who ?name {{ ?who {LABEL} ?name }} ORDER BY ?name")
        assert result.kind == "select"
        assert result.variables == ["who", "name"]
        assert ox.NamedNode(EX + "ada") in {row[0] for row in result.rows}
        assert not result.truncated
        assert result.elapsed >= 0

    def test_ask_and_construct(self, loaded: Store) -> None:
        assert loaded.query(f"ASK {{ <{EX}ada> ?p ?o }}").boolean is True
        graph = loaded.query(f"CONSTRUCT {{ ?s {LABEL} ?o }} WHERE {{ ?s {LABEL} ?o }}")
        assert graph.kind == "graph"
        parsed = set(ox.parse(to_turtle(graph), format=ox.RdfFormat.TURTLE))
        assert {ox.Quad(*t) for t in graph.triples} == parsed

    def test_results_are_capped_and_flagged(self, tmp_path: Path) -> None:
        small = Store(str(tmp_path / "small"), max_rows=3)
        small.load_files([SYNTAXES / "people.ttl"])
        result = small.query("SELECT * { ?s ?p ?o }")
        assert len(result.rows) == 3
        assert result.truncated
        exact = small.query("SELECT * { ?s ?p ?o } LIMIT 3")
        assert not exact.truncated

    def test_malformed_query_is_a_query_error(self, loaded: Store) -> None:
        with pytest.raises(QueryError, match="error at 1:"):
            loaded.query("SELEC ?x WHERE { ?x ?y ?z }")

    def test_updates_are_not_queries(self, loaded: Store) -> None:
        before = snapshot(loaded)
        with pytest.raises(UpdateNotAllowed):
            loaded.query(f"DELETE WHERE {{ <{EX}ada> ?p ?o }}")
        assert snapshot(loaded) == before

    def test_service_is_refused_but_the_word_elsewhere_is_fine(self, loaded: Store) -> None:
        with pytest.raises(QueryError, match="SERVICE"):
            loaded.query("SELECT * { service <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
        allowed = 'SELECT ?service { ?service ?p "SERVICE" } # SERVICE <x>'
        assert loaded.query(allowed).kind == "select"

    def test_slow_query_times_out(self, tmp_path: Path) -> None:
        big = Store(str(tmp_path / "big"), max_rows=10**8)
        people = tmp_path / "many.nt"
        people.write_text("".join(f"<urn:p{i}> <urn:knows> <urn:q{i}> .\n" for i in range(1500)))
        big.load_files([people])
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            big.query("SELECT * { ?a ?p ?b . ?c ?q ?d }", timeout=0.2)
        assert time.monotonic() - started < 2

    def test_sparql_json_round_trips(self, loaded: Store) -> None:
        result = loaded.query(
            f"SELECT ?who ?born ?name {{ ?who {LABEL} ?name OPTIONAL {{ ?who <{EX}born> ?born }} }}"
        )
        body = to_sparql_json(result)
        assert json.loads(body)["head"]["vars"] == ["who", "born", "name"]
        parsed = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
        assert isinstance(parsed, ox.QuerySolutions)
        assert [tuple(row) for row in parsed] == result.rows
        assert json.loads(to_sparql_json(loaded.query("ASK { ?s ?p ?o }"))) == {
            "head": {},
            "boolean": True,
        }


def to_sparql_json(result: QueryResult) -> bytes:
    """A SELECT or ASK result as the endpoint writes SPARQL 1.1 Query Results JSON."""
    sink = Spool(None, limit=1 << 62)
    if result.kind == "ask":
        write_ask(BY_NAME["json"], bool(result.boolean), sink)
    else:
        write_select(BY_NAME["json"], result.variables, result.rows, sink)
    return sink.finish()[0]


def to_turtle(result: QueryResult) -> bytes:
    """A CONSTRUCT result as the endpoint writes Turtle."""
    sink = Spool(None, limit=1 << 62)
    write_graph(BY_NAME["turtle"], result.triples, sink)
    return sink.finish()[0]


def test_bindings_put_values_into_a_query_without_editing_its_text(
    store: Store, tmp_path: Path
) -> None:
    """A hostile string bound to a variable is matched as a literal, never parsed as SPARQL."""
    data = tmp_path / "labels.ttl"
    data.write_text('<https://example.org/a> <https://example.org/p> "plain" .\n')
    store.load_files([data])
    query = "SELECT ?s WHERE { ?s ?p ?label }"
    hostile = ox.Literal('x" } UNION { ?s ?p ?o } #')
    assert store.query(query, bindings={"label": hostile}).rows == []
    found = store.query(query, bindings={"label": ox.Literal("plain")})
    assert found.rows == [(ox.NamedNode("https://example.org/a"),)]


def test_bindings_refuse_what_is_not_a_variable_or_a_term(store: Store) -> None:
    with pytest.raises(ValueError, match="variable name"):
        store.query("SELECT * WHERE { ?s ?p ?o }", bindings={"o) } #": ox.Literal("x")})
    with pytest.raises(TypeError):
        store.query("SELECT * WHERE { ?s ?p ?o }", bindings={"o": ox.BlankNode()})  # type: ignore[dict-item]


def test_bindings_go_first_into_the_where_group(store: Store, tmp_path: Path) -> None:
    """So OPTIONAL, BIND and aggregates see the bound value (a trailing VALUES would not)."""
    data = tmp_path / "people.ttl"
    data.write_text(f"<{EX}a> <{EX}p> 1 . <{EX}b> <{EX}p> 2 . <{EX}b> <{EX}p> 3 .\n")
    store.load_files([data])
    count = f"SELECT (COUNT(?o) AS ?n) WHERE {{ ?s <{EX}p> ?o }}"
    assert store.query(count, bindings={"s": ox.NamedNode(f"{EX}b")}).rows[0][0] == ox.Literal(
        "2", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    )
    optional = f"SELECT ?s ?o WHERE {{ OPTIONAL {{ ?s <{EX}q> ?o }} }}"
    nobody = store.query(optional, bindings={"s": ox.NamedNode(f"{EX}a")})
    assert nobody.rows == [(ox.NamedNode(f"{EX}a"), None)]
    described = store.query("DESCRIBE ?s", bindings={"s": ox.NamedNode(f"{EX}a")})
    assert len(described.triples) == 1


def test_a_hash_inside_an_iri_does_not_hide_service_or_the_query_form() -> None:
    """Regression: ``#`` in ``<...#p>`` was read as a comment that swallowed its line."""
    with Store("memory") as store:
        hidden = "SELECT * { ?s <http://x.example/#p> ?o . SERVICE <http://127.0.0.1:9/> {} }"
        with pytest.raises(QueryError, match="SERVICE"):
            store.query(hidden)
        one_line = "PREFIX ex: <http://x.example/#> SELECT * WHERE { ?s ex:p ?o }"
        assert store.query(one_line).kind == "select"
        from_hash = "ASK FROM <http://x.example/#nothing> { ?s ?p ?o }"
        store.load_files([SYNTAXES / "people.ttl"])
        assert store.query(from_hash).boolean is False  # that graph is empty, not the union


def test_a_store_knows_it_is_empty_without_counting(store: Store) -> None:
    assert store.is_empty()
    store.replace_graph(
        "https://example.org/graph/one",
        [
            ox.Triple(
                ox.NamedNode("https://example.org/a"),
                ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                ox.Literal("A"),
            )
        ],
    )
    assert not store.is_empty()
    assert len(store) == 1
