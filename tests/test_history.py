"""Delta writes and their revisions, on the data layer (``app.writes``, ``app.history``).

Each test gets its own in-memory store with the fixture project loaded: that load is revision
1 (``histkg-load``), so writes start at 2, and no test depends on another's writes.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fixtures.graphs import data_quads
from typer.testing import CliRunner

from app import history, writes
from app.backup import dump_store, restore_store
from app.cli import cli
from app.errors import Conflict, QueryError, ShaclViolation, UpdateNotAllowed
from app.sources import GENID_BASE
from app.store import Store
from app.update_graphs import variable_graphs

PROJECT = Path(__file__).parent / "fixtures" / "project"
EX = "https://example.org/test#"
USER = "https://example.org/user-graph/"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
ALICE = writes.Author("alice", "first try")


@pytest.fixture
def store() -> Iterator[Store]:
    with Store("memory") as opened:
        opened.load_curated(PROJECT)
        yield opened


def _insert(graph: str, *names: str) -> str:
    body = " ".join(f'<{EX}{name}> a <{EX}Event> ; <{LABEL}> "{name}" .' for name in names)
    return f"INSERT DATA {{ GRAPH <{graph}> {{ {body} }} }}"


def _data(store: Store) -> set[ox.Quad]:
    """Every quad but the history's."""
    return data_quads(store.quads())


# ------------------------------------------------------------------ scope


@pytest.mark.parametrize(
    ("text", "graphs"),
    [
        (f"INSERT DATA {{ GRAPH <{USER}a> {{ <{EX}s> <{EX}p> 1 }} }}", {f"{USER}a"}),
        (
            f"PREFIX u: <{USER}> WITH u:a DELETE {{ ?s ?p ?o }} "
            "USING NAMED u:b WHERE { ?s ?p ?o }",
            {f"{USER}a", f"{USER}b"},
        ),
        (f"BASE <{USER}> COPY <a> TO GRAPH <b>", {"a", "b", f"{USER}a", f"{USER}b"}),
        (f"ADD SILENT <{USER}a> TO DEFAULT", {f"{USER}a"}),
        (f'INSERT DATA {{ GRAPH <{USER}a> {{ <{EX}s> <{EX}p> "GRAPH ?g" }} }}', {f"{USER}a"}),
    ],
)
def test_an_update_reads_only_the_graphs_it_names(text: str, graphs: set[str]) -> None:
    scope = writes.update_scope(text)
    assert scope is not None
    assert {g.value for g in scope} >= {g for g in graphs if ":" in g}


@pytest.mark.parametrize(
    "text",
    [
        "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }",
        "DROP SILENT ALL",
        "CLEAR NAMED",
        f"INSERT DATA {{ GRAPH <{USER}\\u0061> {{ <{EX}s> <{EX}p> 1 }} }}",
        f"PREFIX é: <{USER}> DELETE WHERE {{ GRAPH é:a {{ ?s ?p ?o }} }}",
    ],
)
def test_an_update_that_names_graphs_by_variable_reads_every_graph(text: str) -> None:
    assert writes.update_scope(text) is None


def test_an_update_reading_another_graph_sees_its_content(store: Store) -> None:
    writes.update(store, _insert(f"{USER}source", "crecy", "poitiers"), PROJECT)
    copy = f"""PREFIX u: <{USER}> INSERT {{ GRAPH u:copy {{ ?s <{LABEL}> ?l ; a ?t }} }}
        WHERE {{ GRAPH u:source {{ ?s <{LABEL}> ?l ; a ?t }} }}"""
    result = writes.update(store, copy, PROJECT)
    assert (result.added, result.removed, result.graphs) == (4, 0, [f"{USER}copy"])
    crecy = f'?s <{LABEL}> "crecy"'
    everywhere = (
        f"DELETE {{ GRAPH ?g {{ {crecy} }} }} INSERT {{ GRAPH ?g {{ ?s <{LABEL}> 'Crécy' }} }} "
        f"WHERE {{ GRAPH ?g {{ {crecy} }} }}"
    )
    with pytest.raises(UpdateNotAllowed):  # ?g reaches the curated graphs too: refused whole
        writes.update(store, "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }", PROJECT)
    result = writes.update(store, everywhere, PROJECT)
    assert (result.added, result.removed) == (2, 2)
    assert sorted(result.graphs) == [f"{USER}copy", f"{USER}source"]


def test_an_update_by_graph_variable_copies_only_the_graphs_it_binds(store: Store) -> None:
    """The store holds 40 graphs of 100 events; the update binds ?g in two of them, and copies
    those two (and the default graph), not the store."""
    for n in range(40):
        writes.update(
            store, _insert(f"{USER}bulk-{n}", *(f"e{n}-{i}" for i in range(100))), PROJECT
        )
    writes.update(store, _insert(f"{USER}one", "crecy"), PROJECT)
    writes.update(store, _insert(f"{USER}two", "crecy", "poitiers"), PROJECT)
    before = writes.staged_quads()
    rename = (
        f"DELETE {{ GRAPH ?g {{ ?s <{LABEL}> ?l }} }}"
        f" INSERT {{ GRAPH ?g {{ ?s <{LABEL}> 'Crécy' }} }}"
        f" WHERE {{ GRAPH ?g {{ ?s <{LABEL}> ?l FILTER (?l = 'crecy') }} }}"
    )
    result = writes.update(store, rename, PROJECT)
    assert writes.staged_quads() - before == 6  # the two graphs' quads; the default graph is empty
    assert len(store) > 8000
    assert (result.added, result.removed) == (2, 2)
    assert sorted(result.graphs) == [f"{USER}one", f"{USER}two"]


def _rename_crecy(store: Store) -> str:
    """Two graphs hold crecy; the update renames it wherever it is, by ``GRAPH ?g``."""
    writes.update(store, _insert(f"{USER}one", "crecy"), PROJECT)
    writes.update(store, _insert(f"{USER}two", "crecy", "poitiers"), PROJECT)
    return (
        f"DELETE {{ GRAPH ?g {{ ?s <{LABEL}> ?l }} }}"
        f" INSERT {{ GRAPH ?g {{ ?s <{LABEL}> 'Crécy' }} }}"
        f" WHERE {{ GRAPH ?g {{ ?s <{LABEL}> ?l FILTER (?l = 'crecy') }} }}"
    )


def test_an_update_binding_more_graphs_than_max_rows_copies_the_store() -> None:
    """The SELECT that finds the graphs stops at ``max_rows`` rows (here 1; it binds 2): the
    update takes the whole copy instead, and still makes its change."""
    with Store("memory", max_rows=1) as capped:
        capped.load_curated(PROJECT)
        rename = _rename_crecy(capped)
        before, size = writes.staged_quads(), len(capped)
        result = writes.update(capped, rename, PROJECT)
        assert writes.staged_quads() - before == size
        assert (result.added, result.removed) == (2, 2)
        assert sorted(result.graphs) == [f"{USER}one", f"{USER}two"]


def test_an_update_whose_graphs_are_not_found_in_time_is_refused() -> None:
    """A deadline of 0 s passes before the SELECT's first row: a 400 that says what to do,
    and nothing written (not the whole copy, with no deadline, under the write lock)."""
    with Store("memory", query_timeout=0.0) as slow:
        slow.load_curated(PROJECT)
        rename = _rename_crecy(slow)
        head, before = history.head(slow.match), writes.staged_quads()
        with pytest.raises(QueryError) as refused:
            writes.update(slow, rename, PROJECT)
        assert refused.value.http_status == 400
        assert "HISTKG_QUERY_TIMEOUT" in (refused.value.hint or "")
        assert (history.head(slow.match), writes.staged_quads()) == (head, before)


def test_an_update_reading_a_graph_it_does_not_bind_copies_the_store(store: Store) -> None:
    """``FILTER NOT EXISTS { GRAPH ?h ... }`` reads graphs no solution names: the whole store
    is copied, and the node kept by another graph is not deleted."""
    writes.update(store, _insert(f"{USER}a", "crecy", "poitiers"), PROJECT)
    keep = f"INSERT DATA {{ GRAPH <{USER}b> {{ <{EX}crecy> <{EX}keep> true }} }}"
    writes.update(store, keep, PROJECT)
    before, size = writes.staged_quads(), len(store)
    drop = (
        f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?g {{ ?s a <{EX}Event> ; ?p ?o }}"
        f" FILTER (STRSTARTS(STR(?g), '{USER}'))"
        f" FILTER NOT EXISTS {{ GRAPH ?h {{ ?s <{EX}keep> true }} }} }}"
    )
    result = writes.update(store, drop, PROJECT)
    assert writes.staged_quads() - before == size
    assert (result.removed, result.graphs) == (2, [f"{USER}a"])


def test_an_update_keeping_what_another_graph_marks_keeps_it(store: Store) -> None:
    """``OPTIONAL { GRAPH ?g ... } FILTER(!BOUND(?g))`` keeps a node another graph marks: on a
    copy of only the graph the solutions bind, the mark is missing and the node went too."""
    writes.update(store, _insert(f"{USER}a", "s1", "s2"), PROJECT)
    writes.update(store, f"INSERT DATA {{ GRAPH <{USER}k> {{ <{EX}s1> a <{EX}Keep> }} }}", PROJECT)
    before, size = writes.staged_quads(), len(store)
    drop = (
        f"PREFIX ex: <{EX}> DELETE {{ GRAPH ?h {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?h {{ ?s ?p ?o }}"
        " OPTIONAL { GRAPH ?g { ?s a ex:Keep } } FILTER(!BOUND(?g))"
        f" FILTER(STRSTARTS(STR(?h), '{USER}')) }}"
    )
    result = writes.update(store, drop, PROJECT)
    assert (result.removed, result.graphs) == (2, [f"{USER}a"])
    assert any(store.match(ox.NamedNode(f"{EX}s1"), None, None, ox.NamedNode(f"{USER}a")))
    assert writes.staged_quads() - before == size


@pytest.mark.parametrize(
    "text",
    [
        "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } MINUS { ?s a ?t } }",
        "PREFIX ex: <https://example.org/> DELETE { GRAPH ?h {?s ?p ?o} } WHERE { GRAPH ?h"
        " {?s ?p ?o} OPTIONAL { GRAPH ?g {?s a ex:Keep} } FILTER(!BOUND(?g)) }",
        "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } BIND(RAND() AS ?r) }",
        "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { { SELECT * { GRAPH ?g { ?s ?p ?o } } } }",
        "WITH <x:w> DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }",
        "DELETE WHERE { GRAPH ?g { ?s ?p ?o } } ; INSERT DATA { GRAPH <x:y> { <a:b> <a:c> 1 } }",
        "INSERT DATA { GRAPH <https://example.org/x> { <a:b> <a:c> 1 } }",
    ],
)
def test_updates_whose_graphs_a_select_cannot_find_are_left_to_a_whole_copy(text: str) -> None:
    def select(sparql: str) -> list[tuple[ox.NamedNode | None, ...]]:
        raise AssertionError(f"not to be run: {sparql}")

    assert variable_graphs(text, select) is None


def test_a_graph_emptied_by_a_write_is_gone(store: Store) -> None:
    writes.update(store, _insert(f"{USER}brief", "sluys"), PROJECT)
    writes.update(store, f"CLEAR GRAPH <{USER}brief>", PROJECT)
    assert f"{USER}brief" not in store.named_graphs()


# ------------------------------------------------------------------ revisions


def test_every_write_is_a_revision_with_its_exact_patch(store: Store) -> None:
    first = writes.update(store, _insert(f"{USER}log", "crecy"), PROJECT, author=ALICE)
    second = writes.write_graph(
        store,
        f"{USER}log",
        f'<{EX}crecy> a <{EX}Event> ; <{LABEL}> "Crécy" .'.encode(),
        "text/turtle",
        PROJECT,
        replace=True,
        author=writes.Author("bob"),
    )
    assert (first.revision, second.revision) == (2, 3)
    assert history.head(store.match) == 3
    entries = history.log(store.match)
    assert [(r.number, r.agent, r.message, r.parent) for r in entries][:2] == [
        (3, "bob", "", 2),
        (2, "alice", "first try", 1),
    ]
    added, removed = history.patch(store.match, 3)
    name = (ox.NamedNode(f"{EX}crecy"), ox.NamedNode(LABEL))
    assert added == [ox.Quad(*name, ox.Literal("Crécy"), ox.NamedNode(f"{USER}log"))]
    assert removed == [ox.Quad(*name, ox.Literal("crecy"), ox.NamedNode(f"{USER}log"))]
    assert [r.number for r in history.log(store.match, entity=f"{EX}crecy")] == [3, 2]
    assert [r.number for r in history.log(store.match, graph=f"{USER}nothing")] == []


def test_a_refused_write_leaves_no_revision(store: Store) -> None:
    writes.update(store, _insert(f"{USER}ok", "crecy"), PROJECT)
    before = set(store.quads())
    nameless = f"INSERT DATA {{ GRAPH <{USER}bad> {{ <{EX}x> a <{EX}Event> }} }}"
    with pytest.raises(ShaclViolation):
        writes.update(store, nameless, PROJECT)
    with pytest.raises(UpdateNotAllowed):
        writes.update(store, f"DROP GRAPH <{history.HISTORY_BASE}1>", PROJECT)
    assert set(store.quads()) == before
    assert history.head(store.match) == 2


def test_a_write_that_changes_nothing_is_no_revision(store: Store) -> None:
    writes.update(store, _insert(f"{USER}same", "crecy"), PROJECT)
    again = writes.update(store, _insert(f"{USER}same", "crecy"), PROJECT)
    assert (again.added, again.removed, again.revision) == (0, 0, None)
    assert history.head(store.match) == 2


def test_blank_nodes_are_named_so_the_record_is_exact(store: Store) -> None:
    text = f'INSERT DATA {{ GRAPH <{USER}b> {{ _:x a <{EX}Event> ; <{LABEL}> "x" }} }}'
    writes.update(store, text, PROJECT)
    added, _ = history.patch(store.match, 2)
    stored = {q for q in store.quads() if q.graph_name == ox.NamedNode(f"{USER}b")}
    assert set(added) == stored
    assert all(str(q.subject).startswith(f"<{GENID_BASE}") for q in stored)


def test_history_is_no_data_to_queries(store: Store) -> None:
    writes.update(store, _insert(f"{USER}q", "crecy"), PROJECT)
    writes.update(store, f"DROP GRAPH <{USER}q>", PROJECT)
    gone = f'SELECT ?s WHERE {{ ?s <{LABEL}> "crecy" }}'
    assert store.query(gone).rows == []
    assert _data(store) == {q for q in _data(store) if q.graph_name != ox.NamedNode(f"{USER}q")}


# ------------------------------------------------------------------ revert


def test_reverting_the_last_revision_restores_the_data(store: Store) -> None:
    writes.update(store, _insert(f"{USER}r", "crecy"), PROJECT)
    before = _data(store)
    fix = f'DELETE DATA {{ GRAPH <{USER}r> {{ <{EX}crecy> <{LABEL}> "crecy" }} }} ; '
    fix += f'INSERT DATA {{ GRAPH <{USER}r> {{ <{EX}crecy> <{LABEL}> "Crécy" }} }}'
    writes.update(store, fix, PROJECT)
    undone = writes.revert(store, 3, PROJECT)
    assert (undone.revision, undone.added, undone.removed) == (4, 1, 1)
    assert _data(store) == before
    assert history.revision(store.match, 4).reverts == [3]


def test_a_revert_that_later_revisions_built_on_is_refused_or_chained(store: Store) -> None:
    writes.update(store, _insert(f"{USER}c", "crecy"), PROJECT)
    writes.update(store, _insert(f"{USER}c", "poitiers"), PROJECT)  # unrelated: no conflict
    empty = _data(store) - {q for q in _data(store) if q.graph_name == ox.NamedNode(f"{USER}c")}
    rename = f'DELETE DATA {{ GRAPH <{USER}c> {{ <{EX}crecy> <{LABEL}> "crecy" }} }} ; '
    rename += f'INSERT DATA {{ GRAPH <{USER}c> {{ <{EX}crecy> <{LABEL}> "Crécy" }} }}'
    writes.update(store, rename, PROJECT)
    state = set(store.quads())
    with pytest.raises(Conflict, match="later revision"):
        writes.revert(store, 2, PROJECT)
    assert set(store.quads()) == state
    writes.revert(store, 2, PROJECT, chain=True)
    remaining = {q.subject for q in _data(store) if q.graph_name == ox.NamedNode(f"{USER}c")}
    assert remaining == {ox.NamedNode(f"{EX}poitiers")}
    writes.revert(store, 3, PROJECT)
    assert _data(store) == empty


def test_log_and_revert_on_the_command_line(tmp_path: Path) -> None:
    env = {"HISTKG_STORE": str(tmp_path / "store"), "HISTKG_PROJECT_DIR": str(PROJECT)}
    with Store(env["HISTKG_STORE"]) as opened:
        opened.load_curated(PROJECT)
        writes.update(opened, _insert(f"{USER}cli", "crecy"), PROJECT, author=ALICE)
    del opened
    gc.collect()  # the store's directory lock goes with the object
    runner = CliRunner()
    listed = runner.invoke(cli, ["log", "--entity", f"{EX}crecy"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "alice" in listed.output
    assert "+2 -0  first try" in listed.output
    assert runner.invoke(cli, ["log", "--since", "2999-01-01"], env=env).output == ""
    reverted = runner.invoke(cli, ["revert", "2"], env=env)
    assert reverted.exit_code == 0, reverted.output
    assert "Revision 3: +0 -2" in reverted.output
    as_json = runner.invoke(cli, ["log", "--format", "json"], env=env)
    agents = [r["agent"] for r in json.loads(as_json.output)]
    assert agents == ["histkg revert", "alice", "histkg-load"]
    missing = runner.invoke(cli, ["revert", "9"], env=env)
    assert missing.exit_code == 1


def test_the_next_query_sees_a_write_and_workers_are_not_restarted(tmp_path: Path) -> None:
    with Store(str(tmp_path / "store"), query_workers=1) as opened:
        opened.load_curated(PROJECT)
        ask = f'ASK {{ <{EX}crecy> <{LABEL}> "crecy" }}'
        assert opened.query(ask).boolean is False
        workers = opened.worker_pids()
        writes.update(opened, _insert(f"{USER}w", "crecy"), PROJECT)
        assert opened.query(ask).boolean is True
        assert opened.worker_pids() == workers  # it opened the new snapshot in place
        writes.update(opened, f"DROP GRAPH <{USER}w>", PROJECT)
        assert opened.query(ask).boolean is False


def test_dump_and_restore_keep_the_history(store: Store, tmp_path: Path) -> None:
    writes.update(store, _insert(f"{USER}d", "crecy"), PROJECT, author=ALICE)
    writes.update(store, f"DROP GRAPH <{USER}d>", PROJECT, author=writes.Author("bob", "gone"))
    dump_store(store, tmp_path / "backup.trig.gz")
    with Store("memory") as restored:
        restore_store(restored, tmp_path / "backup.trig.gz", project_dir=PROJECT)
        assert [r.to_json() for r in history.log(restored.match)] == [
            r.to_json() for r in history.log(store.match)
        ]
        assert history.patch(restored.match, 2) == history.patch(store.match, 2)
        writes.revert(restored, 3, PROJECT)  # and the restored history goes on
        assert history.head(restored.match) == 4
