"""Derived views kept on disk between runs (``app.read.persist``): read back for the same
state, rebuilt after a write, a damaged file or another format, never trusted stale."""

import gc
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pyoxigraph import Literal, NamedNode, Triple

from app.read import read_model
from app.read.search import SearchIndex
from app.store import Store
from app.vocab import CRM, RDF, RDFS

BASE = "https://w3id.org/histkg/id/"
T = TypeVar("T")


def _run(store_dir: Path, work: Callable[[Store], T]) -> T:
    """One run of a process on the store: open it, ``work``, close it and free its lock."""
    store = Store(str(store_dir))
    try:
        return work(store)
    finally:
        store.close()
        del store
        gc.collect()


def _person(slug: str, name: str) -> list[Triple]:
    iri = NamedNode(BASE + "person/" + slug)
    return [Triple(iri, RDF.type, CRM.E21_Person), Triple(iri, RDFS.label, Literal(name))]


def _names(store: Store, query: str) -> list[str]:
    return [hit.entry.label for hit in read_model(store).search_index(BASE).search(query)]


def _view_files(store_dir: Path) -> list[Path]:
    return sorted((store_dir.parent / f".{store_dir.name}.histkg-views").glob("*.view"))


def test_a_restart_reads_the_views_the_last_run_kept(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"

    def first(store: Store) -> object:
        store.replace_graph(BASE + "graph/a", _person("anna", "Anna Ivanova"))
        assert _names(store, "anna") == ["Anna Ivanova"]
        return read_model(store).entities(BASE)

    entities = _run(store_dir, first)
    kept = _view_files(store_dir)
    assert [path.name.split("-")[0] for path in kept] == ["entities", "search"]
    written = {path: path.stat().st_mtime_ns for path in kept}
    assert _run(store_dir, lambda store: _names(store, "anna")) == ["Anna Ivanova"]
    assert _run(store_dir, lambda store: read_model(store).entities(BASE)) == entities
    assert {path: path.stat().st_mtime_ns for path in kept} == written  # read, not rebuilt


def test_a_write_between_runs_is_seen_after_the_restart(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"

    def first(store: Store) -> list[str]:
        store.replace_graph(BASE + "graph/a", _person("anna", "Anna Ivanova"))
        return _names(store, "boris")

    assert _run(store_dir, first) == []
    _run(  # e.g. `histkg load` while the server is down
        store_dir,
        lambda store: store.replace_graph(BASE + "graph/b", _person("boris", "Boris Pilnyak")),
    )
    assert _run(store_dir, lambda store: _names(store, "boris")) == ["Boris Pilnyak"]
    found = _run(store_dir, lambda store: read_model(store).entities(BASE))
    assert BASE + "person/boris" in found


def test_a_damaged_view_is_built_again(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"

    def first(store: Store) -> list[str]:
        store.replace_graph(BASE + "graph/a", _person("anna", "Anna Ivanova"))
        return _names(store, "anna")

    _run(store_dir, first)
    (search,) = [p for p in _view_files(store_dir) if p.name.startswith("search")]
    search.write_bytes(search.read_bytes()[:-7])  # cut short, its state line intact
    assert _run(store_dir, lambda store: _names(store, "anna")) == ["Anna Ivanova"]


def test_the_search_index_reads_back_from_its_bytes(curated_store: Store) -> None:
    index = read_model(curated_store).search_index(BASE)
    again = SearchIndex.from_bytes(index.to_bytes())
    for query in ("stalin", "kaganovich", "pravda", "moscow", "1932"):
        assert [h.entry for h in again.search(query)] == [h.entry for h in index.search(query)]
    assert again.kinds() == index.kinds()
