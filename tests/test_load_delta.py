"""A small ``histkg load FILE`` is a write like any other (issue 12): its delta, validated,
committed with its revision in one transaction, the store never copied; a big one is staged.

Real on-disk stores and the real command (typer's runner). That the store was not swapped is
read off the store directory's inode: a staged load swaps a new directory in by rename, so the
path then names another inode.
"""

from __future__ import annotations

import gc
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner, Result

from app import history
from app import store as store_module
from app.cli import cli
from app.sources import file_sha256, user_source
from app.store import Store

EX = "https://example.org/test#"
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
INVALID = Path(__file__).parent / "fixtures" / "invalid_event.ttl"
runner = CliRunner()


def _event(path: Path, label: str) -> Path:
    """A conforming event of the fixture project's shapes (an ``ex:Event`` needs a label)."""
    path.write_text(
        f"@prefix ex: <{EX}> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f'ex:agincourt a ex:Event ; rdfs:label "{label}"@en ; ex:participant ex:henry .\n'
        'ex:henry a ex:Person ; rdfs:label "Henry V"@en .\n'
    )
    return path


@pytest.fixture
def env(store_dir: Path, project_dir: Path) -> dict[str, str]:
    """A store holding the fixture project's curated load (its ontology and shapes)."""
    settings = {"HISTKG_STORE": str(store_dir), "HISTKG_PROJECT_DIR": str(project_dir)}
    assert runner.invoke(cli, ["load"], env=settings).exit_code == 0
    return settings


def _load(env: dict[str, str], *files: Path) -> Result:
    return runner.invoke(cli, ["load", *map(str, files)], env=env)


def _read(store_dir: Path) -> tuple[set[ox.Quad], list[history.Revision]]:
    """Every quad and the revisions, newest first (the store closed again afterwards)."""
    store = Store(str(store_dir))
    try:
        return set(store.quads()), history.log(store.match)
    finally:
        store.close()
        del store
        gc.collect()  # releases the store's directory lock


def _patch(store_dir: Path, number: int) -> tuple[set[ox.Quad], set[ox.Quad]]:
    store = Store(str(store_dir))
    try:
        added, removed = history.patch(store.match, number)
        return set(added), set(removed)
    finally:
        store.close()
        del store
        gc.collect()


def test_a_small_load_writes_its_delta_as_one_revision_without_swapping_the_store(
    env: dict[str, str], store_dir: Path, tmp_path: Path
) -> None:
    inode = store_dir.stat().st_ino
    page = _event(tmp_path / "page.ttl", "Battle of Agincourt")
    result = _load(env, page)
    assert result.exit_code == 0, result.output
    assert "Loaded 1 file(s): 5 quads in 1 graph(s)" in result.stdout
    graph = ox.NamedNode(page.resolve().as_uri())
    quads, revisions = _read(store_dir)
    new = {q for q in quads if q.graph_name == graph}
    assert len(new) == 5
    latest = revisions[0]
    assert (latest.number, latest.agent) == (2, history.LOAD_AGENT)
    assert latest.message == f"Loaded {page} (sha256 {file_sha256(user_source(page))})"
    assert _patch(store_dir, 2) == (new, set())

    _event(page, "Battle of Azincourt")  # the same page, one statement changed
    assert _load(env, page).exit_code == 0
    quads, revisions = _read(store_dir)
    assert [r.number for r in revisions][:2] == [3, 2]
    agincourt_label = ox.Literal("Battle of Agincourt", language="en")
    azincourt_label = ox.Literal("Battle of Azincourt", language="en")
    agincourt = ox.NamedNode(EX + "agincourt")
    assert _patch(store_dir, 3) == (
        {ox.Quad(agincourt, LABEL, azincourt_label, graph)},
        {ox.Quad(agincourt, LABEL, agincourt_label, graph)},
    )
    assert (revisions[0].added, revisions[0].removed) == (1, 1)
    assert store_dir.stat().st_ino == inode, "the store directory was swapped: a staged load"
    assert not list(tmp_path.glob(".histkg-load-*"))


def test_loading_the_same_file_again_changes_nothing_and_adds_no_revision(
    env: dict[str, str], store_dir: Path, tmp_path: Path
) -> None:
    page = _event(tmp_path / "page.ttl", "Battle of Agincourt")
    assert _load(env, page).exit_code == 0
    before = _read(store_dir)
    again = _load(env, page)
    assert again.exit_code == 0, again.output
    assert _read(store_dir) == before


def test_a_batch_that_breaks_a_shape_is_refused_whole_with_the_report(
    env: dict[str, str], store_dir: Path, tmp_path: Path
) -> None:
    good = _event(tmp_path / "good.ttl", "Battle of Agincourt")
    before = _read(store_dir)
    result = _load(env, good, INVALID)  # the good file is not loaded either
    assert result.exit_code == 1, result.output
    assert f"{INVALID}: <{EX}stamford-bridge> rdfs:label: An event needs a label." in result.stderr
    assert "does not conform: 1 violation" in result.stderr
    assert "error: The load breaks 1 shape constraint(s); nothing was written." in result.stderr
    assert "Traceback" not in result.output
    assert _read(store_dir) == before


def test_a_batch_past_the_bound_is_staged_and_swapped_in(
    env: dict[str, str], store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "SMALL_LOAD_QUADS", 4)
    inode = store_dir.stat().st_ino
    page = _event(tmp_path / "page.ttl", "Battle of Agincourt")  # 5 quads: past the bound
    result = _load(env, page)
    assert result.exit_code == 0, result.output
    assert store_dir.stat().st_ino != inode
    quads, revisions = _read(store_dir)
    assert len({q for q in quads if q.graph_name == ox.NamedNode(page.resolve().as_uri())}) == 5
    assert (revisions[0].number, revisions[0].agent) == (2, history.LOAD_AGENT)


def test_without_a_curated_load_a_batch_loads_unvalidated_and_says_so(
    store_dir: Path, project_dir: Path
) -> None:
    """The shapes follow the ontology's subclass axioms, which only a curated load brings: a
    store without one cannot judge a batch, so the load says it did not validate it."""
    settings = {"HISTKG_STORE": str(store_dir), "HISTKG_PROJECT_DIR": str(project_dir)}
    result = _load(settings, INVALID)
    assert result.exit_code == 0, result.output
    assert "note: the store has no curated load" in result.stderr
    assert "not validated" in result.stderr
    quads, revisions = _read(store_dir)
    assert len([q for q in quads if q.graph_name == ox.NamedNode(INVALID.resolve().as_uri())]) == 2
    assert [r.agent for r in revisions] == [history.LOAD_AGENT]


def test_a_small_file_replacing_a_big_graph_is_staged_and_says_it_was_not_validated(
    env: dict[str, str], store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bound counts what the batch replaces too: removing a big graph is a big write."""
    page = _event(tmp_path / "page.ttl", "Battle of Agincourt")  # 5 quads
    assert _load(env, page).exit_code == 0
    monkeypatch.setattr(store_module, "SMALL_LOAD_QUADS", 8)  # 5 new + 5 replaced: past it
    inode = store_dir.stat().st_ino
    result = _load(env, _event(page, "Agincourt"))
    assert result.exit_code == 0, result.output
    assert "bulk-loaded, not validated" in result.stderr
    assert store_dir.stat().st_ino != inode
    quads, _revisions = _read(store_dir)
    agincourt = ox.NamedNode(f"{EX}agincourt")
    labels = {q.object for q in quads if q.predicate == LABEL and q.subject == agincourt}
    assert labels == {ox.Literal("Agincourt", language="en")}


def test_a_graph_holding_blank_nodes_is_replaced_without_a_traceback(
    env: dict[str, str], store_dir: Path, tmp_path: Path
) -> None:
    """``DELETE DATA`` cannot name a blank node; a graph that holds some (a store another tool
    wrote, a restored foreign dump) is replaced by staging instead."""
    page = _event(tmp_path / "page.ttl", "Battle of Agincourt")
    graph = ox.NamedNode(page.resolve().as_uri())
    other = ox.Store(str(store_dir))
    other.add(ox.Quad(ox.BlankNode("b1"), LABEL, ox.Literal("anonymous"), graph))
    del other
    gc.collect()
    result = _load(env, page)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    quads, _revisions = _read(store_dir)
    assert {
        q for q in quads if q.graph_name == graph and isinstance(q.subject, ox.BlankNode)
    } == set()
    assert len({q for q in quads if q.graph_name == graph}) == 5


def test_a_curated_claims_graph_cannot_be_replaced_by_a_loaded_file(
    env: dict[str, str], store_dir: Path, tmp_path: Path
) -> None:
    """As over HTTP: a curated claim's graph changes only through data/ and `histkg load`."""
    before = _read(store_dir)
    sneaky = tmp_path / "sneaky.trig"
    sneaky.write_text(
        f"@prefix ex: <{EX}> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'ex:claim-harold { ex:harold rdfs:label "Someone else"@en . }\n'
    )
    result = _load(env, sneaky)
    assert result.exit_code != 0
    assert f"writes {EX}claim-harold, a graph of the curated load" in result.stderr
    assert _read(store_dir) == before
