"""The read model: one cache of everything derived from one state of the store.

Each view is built once per state, however many requests ask for it at once, and a write drops
every view together, so no page, search or dump shows the graph as it was before the write.
"""

from __future__ import annotations

import gc
import threading
import weakref
from typing import Any

import pytest
from pyoxigraph import Literal, NamedNode, Triple

from app.errors import NotReady
from app.read import facets, read_model
from app.store import Store
from app.vocab import CRM, RDF, RDFS

BASE = "https://w3id.org/histkg/id/"


def _person(slug: str, name: str) -> list[Triple]:
    iri = NamedNode(BASE + "person/" + slug)
    return [Triple(iri, RDF.type, CRM.E21_Person), Triple(iri, RDFS.label, Literal(name))]


def test_a_write_drops_every_derived_view_at_once() -> None:
    with Store("memory", query_workers=0) as store:
        store.replace_graph(BASE + "graph/a", _person("anna", "Anna Ivanova"))
        model = read_model(store)
        assert [h.entry.label for h in model.search_index(BASE).search("anna")] == ["Anna Ivanova"]
        dump = model.dump()
        hood = model.neighbourhood(BASE + "person/anna")
        assert model.peek(("search", BASE)) is not None
        assert model.dump() is dump  # kept while the state holds

        store.replace_graph(BASE + "graph/b", _person("boris", "Boris Pilnyak"))

        assert model.peek(("search", BASE)) is None
        assert model.peek("dump") is None
        assert model.peek("vocabulary") is None
        assert [h.entry.label for h in model.search_index(BASE).search("boris")] == [
            "Boris Pilnyak"
        ]
        assert model.dump().triples == dump.triples + 2
        assert model.neighbourhood(BASE + "person/anna").facts == hood.facts


def test_a_view_asked_for_by_many_threads_at_once_is_built_once() -> None:
    with Store("memory", query_workers=0) as store:
        model = read_model(store)
        builds = []
        started = threading.Barrier(8)

        def build() -> object:
            builds.append(1)
            return object()

        def ask(found: list[object]) -> None:
            started.wait()
            found.append(model.cached("view", build))

        found: list[object] = []
        threads = [threading.Thread(target=ask, args=(found,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(builds) == 1
        assert len({id(value) for value in found}) == 1


def test_one_read_model_per_store_that_does_not_keep_the_store_alive() -> None:
    store = Store("memory", query_workers=0)
    assert read_model(store) is read_model(store)
    model = read_model(store)
    gone = weakref.ref(store)
    store.close()
    del store
    gc.collect()
    assert gone() is None
    with pytest.raises(ReferenceError):  # a model kept past its store says so
        model.dump()


def test_a_facets_request_waits_a_bounded_time_for_a_build_under_way() -> None:
    with Store("memory", query_workers=0) as store:
        store.replace_graph(BASE + "graph/a", _person("anna", "Anna Ivanova"))
        model = read_model(store)
        entered, release = threading.Event(), threading.Event()

        def slow_build() -> object:  # a build under way (the warm-up's, on a big graph)
            entered.set()
            release.wait(30)
            return model_facets

        model_facets = facets.build(store, BASE)
        builder = threading.Thread(target=model.cached, args=(("facets", BASE), slow_build))
        builder.start()
        assert entered.wait(30)
        with pytest.raises(NotReady) as refused:
            model.facets_within(BASE, 0.2)
        assert refused.value.http_status == 503
        release.set()
        builder.join()
        assert model.facets_within(BASE, 30) is model_facets


def test_writes_during_a_facets_build_start_no_second_builder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The facets' build is held (a build of a big graph takes tens of seconds) while writes
    # change the state and requests keep asking: one builder, which starts over once for the
    # newest state; no request builds them itself after its wait.
    release = threading.Event()
    begun: list[int] = []
    built: list[facets.Facets] = []
    real = facets.build

    def counted(*args: Any, **kwargs: Any) -> facets.Facets:
        begun.append(len(begun))
        release.wait(30)
        found = real(*args, **kwargs)
        built.append(found)
        return found

    monkeypatch.setattr(facets, "build", counted)
    with Store("memory", query_workers=0) as store:
        store.replace_graph(BASE + "graph/a", _person("anna", "Anna Ivanova"))
        model = read_model(store)
        for write in ("boris", "clara", "dmitri"):
            with pytest.raises(NotReady):
                model.facets_within(BASE, 0.05)
            store.replace_graph(BASE + "graph/" + write, _person(write, write.title()))
        with pytest.raises(NotReady):
            model.facets_within(BASE, 0.05)
        assert len(begun) == 1  # a builder per state would have begun four
        release.set()
        newest = model.facets_within(BASE, 30)
    assert len(begun) == 2  # the held build, then once more for the newest state
    assert newest is built[-1]
