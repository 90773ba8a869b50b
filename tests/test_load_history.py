"""Loads and restores in the revision history (``histkg load``, ``histkg restore``).

A load is a revision by ``histkg-load`` naming its files and their SHA-256, with its exact
patch while it is small and a summary past ``history.EXACT_LIMIT``; a restore brings back the
dump's revisions and adds none.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fixtures.graphs import data_quads
from typer.testing import CliRunner

from app import history, writes
from app import store as store_module
from app.cli import cli
from app.errors import RdfParseError
from app.sources import META_GRAPH, source_digest
from app.store import Store

PROJECT = Path(__file__).parent / "fixtures" / "project"
EX = "http://ex.org/"
USER = "https://example.org/user-graph/"
BIG = history.EXACT_LIMIT + 1


def _triples(path: Path, count: int, tag: str) -> Path:
    path.write_text("".join(f'<{EX}{tag}/s{i}> <{EX}p> "{tag} {i}" .\n' for i in range(count)))
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(params=["memory", "disk", "staged"])
def store(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Store]:
    """An in-memory store and an on-disk one (these loads are small: a delta, one update),
    and an on-disk one whose loads are all staged (bulk-loaded and swapped in)."""
    if request.param == "staged":
        monkeypatch.setattr(store_module, "SMALL_LOAD_QUADS", 0)
    location = "memory" if request.param == "memory" else str(tmp_path / "store")
    with Store(location) as opened:
        yield opened


def test_a_curated_load_is_a_revision_naming_its_files_and_digest(tmp_path: Path) -> None:
    with Store("memory") as store:
        store.load_curated(PROJECT)
        (first,) = history.log(store.match)
        assert (first.number, first.agent, first.parent, first.summarized) == (
            1,
            history.LOAD_AGENT,
            None,
            False,
        )
        assert f"digest {source_digest(PROJECT)}" in first.message
        claims = PROJECT / "data" / "claims.trig"
        assert f"data/claims.trig (sha256 {_sha(claims)})" in first.message
        added, removed = history.patch(store.match, 1)
        curated = {q for q in data_quads(store.quads()) if q.graph_name != META_GRAPH}
        assert (set(added), removed) == (curated, [])
        assert first.in_words().endswith(f", {len(added)} statements added, 0 removed")


def test_a_reload_that_changes_nothing_is_no_revision(store: Store, tmp_path: Path) -> None:
    data = _triples(tmp_path / "a.nt", 3, "a")
    store.load_files([data])
    store.load_files([data])
    assert history.head(store.match) == 1


def test_a_reload_records_exactly_what_changed(store: Store, tmp_path: Path) -> None:
    data = _triples(tmp_path / "a.nt", 3, "a")
    store.load_files([data])
    data.write_text(data.read_text().replace('"a 2"', '"a two"'))
    store.load_files([data])
    entry = history.revision(store.match, 2)
    assert (entry.agent, entry.parent, entry.added, entry.removed) == ("histkg-load", 1, 1, 1)
    assert entry.message == f"Loaded {data} (sha256 {_sha(data)})"
    added, removed = history.patch(store.match, 2)
    assert [q.object for q in added] == [ox.Literal("a two")]
    assert [q.object for q in removed] == [ox.Literal("a 2")]


def test_a_load_that_fails_writes_no_revision(store: Store, tmp_path: Path) -> None:
    store.load_files([_triples(tmp_path / "keep.nt", 3, "keep")])
    bad = _triples(tmp_path / "bad.nt", 5, "bad")
    with bad.open("a") as out:
        out.write(f"<{EX}s> <{EX}p> oops .\n")
    with pytest.raises(RdfParseError):
        store.load_files([bad])
    assert history.head(store.match) == 1


def test_a_big_load_is_a_summary_that_cannot_be_reverted_or_read_behind(
    store: Store, tmp_path: Path
) -> None:
    data = _triples(tmp_path / "big.nt", 10, "small")
    store.load_files([data])
    graph = data.resolve().as_uri()
    write = f'INSERT DATA {{ GRAPH <{graph}x> {{ <{EX}small/s1> <{EX}q> "mine" }} }}'
    writes.update(store, write, PROJECT)  # revision 2, about a subject the load rewrites
    _triples(data, BIG, "big")
    store.load_files([data])
    big = history.revision(store.match, 3)
    assert big.summarized
    assert (big.agent, big.added, big.removed, big.graphs) == ("histkg-load", BIG, 10, [graph])
    assert big.in_words().startswith(f"Loaded {data} (sha256 {_sha(data)}), ")
    assert "10,001 statements added, 10 removed" in big.in_words()
    with pytest.raises(history.PatchNotKept, match="Revision 3 is a load recorded as a summary"):
        writes.revert(store, 3, PROJECT)
    with pytest.raises(history.PatchNotKept, match="cannot be rebuilt") as caught:
        history.state_at(store.match, ox.NamedNode(f"{EX}small/s1"), 2)
    assert "Reload the previous files" in (caught.value.hint or "")
    assert history.head(store.match) == 3  # refused: nothing written
    # it names no statements: every entity counts as changed by it (its ETag moves on)
    assert history.last_touching(store.match, ox.NamedNode(f"{EX}elsewhere"), as_graph=False) == 3
    assert len(history.state_at(store.match, ox.NamedNode(f"{EX}small/s1"), 3)) == 1  # "mine"
    writes.revert(store, 2, PROJECT)  # another graph than the load's: still revertible


def test_a_curated_claim_is_not_shown_as_entered_by_the_loader() -> None:
    with Store("memory") as store:
        store.load_curated(PROJECT)
        claim = ox.NamedNode("https://example.org/test#claim-harold")
        assert history.log(store.match, graph=claim.value)  # the load changed it
        assert history.entered(store.match, claim) is None


def test_a_restored_store_has_the_dumps_revisions_and_no_new_one(tmp_path: Path) -> None:
    project = shutil.copytree(PROJECT, tmp_path / "project")
    runner = CliRunner()
    env = {"HISTKG_STORE": str(tmp_path / "store"), "HISTKG_PROJECT_DIR": str(project)}
    assert runner.invoke(cli, ["load"], env=env).exit_code == 0
    data = _triples(tmp_path / "mine.nt", 2, "mine")
    assert runner.invoke(cli, ["load", str(data)], env=env).exit_code == 0
    dumped = runner.invoke(cli, ["log"], env=env).output
    assert "histkg-load" in dumped
    assert f"Loaded {data} (sha256 {_sha(data)}), 2 statements added, 0 removed" in dumped
    assert runner.invoke(cli, ["dump", str(tmp_path / "backup.nq")], env=env).exit_code == 0
    fresh = {**env, "HISTKG_STORE": str(tmp_path / "fresh")}
    restored = runner.invoke(cli, ["restore", str(tmp_path / "backup.nq")], env=fresh)
    assert restored.exit_code == 0, restored.output
    assert runner.invoke(cli, ["log"], env=fresh).output == dumped


def test_whether_a_load_entered_a_node_is_read_without_the_loads_whole_record(
    tmp_path: Path,
) -> None:
    """An entity page asks ``history.entered`` for each of its claims. For a node a load wrote
    the answer is "not entered" (it was read from the files), found from the revision's agent:
    the load's record lists every node and graph it touched (thousands here, hundreds of
    thousands at a million statements) and was read whole for each claim, seconds on a hub."""
    with Store("memory") as store:
        store.load_files([_triples(tmp_path / "many.nt", 5_000, "many")])
        (load,) = history.log(store.match)
        node = ox.NamedNode(f"{EX}many/s7")
        read = 0

        def counting(
            subject: ox.NamedNode | None = None,
            predicate: ox.NamedNode | None = None,
            object: ox.NamedNode | ox.Literal | None = None,
            graph: ox.NamedNode | None = None,
        ) -> Iterator[ox.Quad]:
            nonlocal read
            for quad in store.match(subject, predicate, object, graph):
                read += 1
                yield quad

        assert history.entered(counting, node) is None
        assert load.agent == history.LOAD_AGENT
        assert 0 < read < 20
        assert history.revision(counting, load.number).added == 5_000
        assert read < 40  # the revision's own fields, not the nodes it touched
