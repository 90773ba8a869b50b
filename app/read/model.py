"""One read model per store, with one cache of everything derived from the store's state.

Why one cache: each derived view (vocabulary labels, the walk's shared node triples, the search
index, the home page's parts, the dump and its VoID statistics, recent entity pages) must be
dropped when the store changes, and six hand-written caches each compared the state on their
own, two with the same double-checked lock. Here the state (``store_state``: loads made through
this ``Store`` object and the digest of the last curated load, so a load by another process is
seen too) is compared in one place, and a change drops every view at once.

A view is built once per state: requests that arrive while it is being built (or while the
warm-up at ``histkg serve`` start builds it) wait for that build instead of repeating it, since
two builds side by side take twice as long each (they share the GIL). Different views build
side by side.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar, cast

from pyoxigraph import Quad

from app.errors import NotReady
from app.read import facets, neighbourhood, persist, places, rdf, timeline
from app.read.facets import Facets
from app.read.history import HistoryView
from app.read.neighbourhood import Neighbourhood
from app.read.rdf import Dump
from app.read.search import SearchIndex
from app.read.walk import SharedNodes
from app.service_description import CACHE_SECONDS, Statistics, read_statistics
from app.store import Store

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
State = tuple[int, str | None]
log = logging.getLogger(__name__)


def store_state(store: Store) -> State:
    """What derived views are keyed by: loads made by this object and the curated digest."""
    return store.generation, store.recorded_digest()


class Recent(Generic[K, V]):
    """The ``size`` most recently used values of one view (entity pages), oldest out first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._values.get(key)
            if found is not None:
                self._values.move_to_end(key)
            return found

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)

    def __len__(self) -> int:
        return len(self._values)


class Sized(Generic[K]):
    """Byte strings of one view (whole answers of pages), the least recently used out first
    once they take more than ``max_bytes`` together: what bounds it is memory, not a count,
    since a hub's page weighs a hundred event pages."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._values: OrderedDict[K, tuple[int, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> object | None:
        with self._lock:
            found = self._values.get(key)
            if found is None:
                return None
            self._values.move_to_end(key)
            return found[1]

    def put(self, key: K, value: object, size: int) -> None:
        """Keep ``value``, which takes about ``size`` bytes (one larger than the bound: not)."""
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._values.pop(key, None)
            self.size += size - (old[0] if old is not None else 0)
            self._values[key] = (size, value)
            while self.size > self.max_bytes:
                _, (dropped, _value) = self._values.popitem(last=False)
                self.size -= dropped

    def __len__(self) -> int:
        return len(self._values)


class Fresh(Generic[V]):
    """A value rebuilt once it is older than a given age (for what can change unseen)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: tuple[float, V] | None = None

    def get(self, build: Callable[[], V], seconds: float) -> V:
        with self._lock:
            kept = self._kept
            if kept is None or time.monotonic() - kept[0] >= seconds:
                kept = self._kept = (time.monotonic(), build())
            return kept[1]


class ReadModel:
    """The derived views of one store, each built on first use and kept until its state changes.

    Pages read the store only through this, and turn what it returns into contexts (the store
    itself is not handed out). It holds its store weakly: ``read_model`` keeps one per store in
    a weak dictionary, whose values must not keep their keys alive.
    """

    def __init__(self, store: Store) -> None:
        self._store_ref = weakref.ref(store)
        self._lock = threading.Lock()
        self._state: State | None = None
        self._values: dict[Hashable, object] = {}
        self._building: dict[Hashable, threading.Lock] = {}
        self._threads: dict[Hashable, threading.Thread] = {}

    @property
    def _store(self) -> Store:
        store = self._store_ref()
        if store is None:  # only a caller that dropped the store and kept its model gets here
            raise ReferenceError("the store of this read model was closed and collected")
        return store

    def state(self) -> State:
        """The store's state now; everything derived from an earlier state is dropped."""
        state = store_state(self._store)
        with self._lock:
            if state != self._state:
                self._state, self._values, self._building = state, {}, {}
        return state

    def cached(self, key: Hashable, build: Callable[[], T]) -> T:
        """The view ``key`` of the current state, built by ``build`` once per state."""
        state = self.state()
        with self._lock:
            if key in self._values:
                return cast(T, self._values[key])
            building = self._building.setdefault(key, threading.Lock())
        with building:
            with self._lock:
                if self._state == state and key in self._values:
                    return cast(T, self._values[key])
            value = build()
            with self._lock:
                if self._state == state:
                    self._values[key] = value
        return value

    def peek(self, key: Hashable) -> object | None:
        """The view ``key`` if it is built for the current state, without building it."""
        self.state()
        with self._lock:
            return self._values.get(key)

    def recent(self, name: str, size: int) -> Recent[Hashable, object]:
        """A bounded store of recently used values (``name``: which view), for this state."""
        return self.cached(("recent", name), lambda: Recent[Hashable, object](size))

    def sized(self, name: str, max_bytes: int) -> Sized[Hashable]:
        """A store of byte strings bounded by their size (``name``: which view), for this state."""
        return self.cached(("sized", name), lambda: Sized[Hashable](max_bytes))

    # ------------------------------------------------------------------ the views

    def vocabulary(self) -> dict[str, str]:
        """Labels of classes, properties and concepts (English preferred)."""
        return self.cached("vocabulary", lambda: neighbourhood.vocabulary(self._store))

    def shared_nodes(self) -> SharedNodes:
        """The node triples entity walks share (``app.read.walk.SharedNodes``)."""
        return self.cached("shared-nodes", SharedNodes)

    def neighbourhood(
        self, iri: str, *, inbound_limit: int = 50, inbound_offset: int = 0, window: int = 1
    ) -> Neighbourhood:
        """What the store knows around ``iri`` (``app.read.neighbourhood.fetch``)."""
        return neighbourhood.fetch(
            self._store,
            iri,
            vocabulary=self.vocabulary(),
            shared=self.shared_nodes(),
            inbound_limit=inbound_limit,
            inbound_offset=inbound_offset,
            window=window,
        )

    def facets(self, base_iri: str) -> facets.Facets:
        """The facets of the events of the namespace (``app.read.facets``), waiting for their
        one builder (``facets_within`` without a bound)."""
        return self.facets_within(base_iri, None)

    def history(self) -> HistoryView:
        """The revision records (``app.read.history``): a fresh view per request, as every
        write adds a revision."""
        return HistoryView(self._store)

    def places(self, base_iri: str) -> dict[str, places.Point]:
        """Coordinates of the places, from the Wikidata facts graph (``app.read.places``)."""
        return self.cached(("places", base_iri), lambda: places.points(self._store, base_iri))

    def facets_within(self, base_iri: str, seconds: float | None) -> Facets:
        """The facets, waiting at most ``seconds`` for their build (begun in the background
        when nobody has begun it); ``NotReady`` past that, so that a browser request waits a
        bounded time, not the whole build of a big graph, and the build goes on for the next.

        Never built here, only by the one builder (``_background``): a request that built them
        itself after its wait, or a builder per state, would pile whole builds up on the cores
        during a series of writes.
        """
        key = ("facets", base_iri)
        found = self.peek(key)
        if found is None:
            self._background(key, lambda: self._count_facets(base_iri)).join(seconds)
            found = self.peek(key)
            if found is None:
                raise NotReady(
                    "The browser's facets are still being counted for this state of the graph.",
                    hint="Retry in a few seconds; they are built once after each change.",
                )
        return cast(Facets, found)

    def _count_facets(self, base_iri: str) -> Facets:
        found = self.entities(base_iri)
        return facets.build(self._store, base_iri, found, self.dated_by_year(found))

    def _background(self, key: Hashable, build: Callable[[], object]) -> threading.Thread:
        """The one thread building ``key``, whatever state it began for; started if none is.

        Kept across states: a write while it runs does not start a second one beside it.
        """
        with self._lock:
            thread = self._threads.get(key)
            if thread is None or not thread.is_alive():
                thread = threading.Thread(
                    target=self._build_newest,
                    args=(key, build),
                    name=f"histkg-build-{key}",
                    daemon=True,
                )
                self._threads[key] = thread
                thread.start()
            return thread

    def _build_newest(self, key: Hashable, build: Callable[[], object]) -> None:
        """Build ``key``; when the state changed during the build (its value was dropped),
        start over once for the newest state. A further change leaves it to the next request."""
        for _ in range(2):
            try:
                self.cached(key, build)
            except Exception:  # logged: the requests waiting for it answer 503 not_ready
                log.exception("Building %s failed", key)
                return
            if self.peek(key) is not None:
                return

    def search_index(self, base_iri: str) -> SearchIndex:
        """The search index of the entities of the namespace ``base_iri``."""
        return self.cached(
            ("search", base_iri),
            lambda: persist.kept(
                self._store,
                f"search-{persist.short(base_iri)}",
                lambda: SearchIndex.build(self._store, base_iri),
                SearchIndex.to_bytes,
                SearchIndex.from_bytes,
            ),
        )

    def dump(self) -> Dump:
        """The dataset dump and the statistics its VoID description states."""
        return self.cached("dump", lambda: rdf.build_dump(self._store))

    def void_statistics(self) -> Statistics:
        """The counts the service and VoID descriptions state, read with SPARQL (a remote store
        answers them too) and kept at most ``CACHE_SECONDS``: a remote store can change
        without this process seeing it."""
        fresh: Fresh[Statistics] = self.cached("void-statistics", Fresh)
        return fresh.get(lambda: read_statistics(self._store), CACHE_SECONDS)

    def describe(self, iri: str) -> list[Quad]:
        """The concise bounded description of ``iri`` (not kept: one per request)."""
        return rdf.describe(self._store, iri)

    def entities(self, base_iri: str) -> timeline.Entities:
        """The kind and best label of each entity the home page may list (not kept: the home
        page keeps what it makes of them; kept on disk between runs, ``app.read.persist``)."""
        return persist.kept(
            self._store,
            f"entities-{persist.short(base_iri)}",
            lambda: timeline.entities(self._store, base_iri),
            persist.to_json,
            _entities,
        )

    def dated_by_year(self, entities: timeline.Entities) -> dict[int, list[str]]:
        """The dated events of ``entities`` by the year they start in, in timeline order (kept
        on disk between runs for the state and these entities)."""
        fingerprint = hashlib.blake2b(digest_size=16)
        for iri, entity in entities.items():
            fingerprint.update(f"{iri}\t{entity}\n".encode())
        return persist.kept(
            self._store,
            f"dated-{fingerprint.hexdigest()}",
            lambda: timeline.dated_by_year(self._store, entities),
            lambda years: persist.to_json(list(years.items())),
            _years,
        )

    def event_dates(self, iri: str) -> timeline.DateFacts:
        """The date an event's time-spans state."""
        return timeline.event_dates(self._store, iri)

    def event_label(self, iri: str) -> str:
        """An event's preferred label, or a readable form of its IRI."""
        return timeline.event_label(self._store, iri)

    def description(self, iri: str) -> str:
        """An entity's one-line description, or empty (a direct lookup: search shows a page of
        hits at a time)."""
        return timeline.description(self._store, iri)

    def counts(self) -> tuple[int, int, int]:
        """How many claims, footnotes and cited passages the store holds (kept on disk)."""
        claims, notes, anchors = persist.kept(
            self._store,
            "counts",
            lambda: timeline.counts(self._store),
            lambda found: persist.to_json(list(found)),
            _three,
        )
        return claims, notes, anchors


def _entities(data: bytes) -> timeline.Entities:
    found = persist.from_json(data)
    if not isinstance(found, dict) or not all(isinstance(v, str) for v in found.values()):
        raise ValueError("not a mapping of entities")
    return {str(iri): entity for iri, entity in found.items()}


def _years(data: bytes) -> dict[int, list[str]]:
    found = persist.from_json(data)
    if not isinstance(found, list):
        raise ValueError("not a list of years")
    return {int(year): [str(iri) for iri in iris] for year, iris in found}


def _three(data: bytes) -> tuple[int, int, int]:
    found = persist.from_json(data)
    if not isinstance(found, list) or len(found) != 3:
        raise ValueError("not three counts")
    return int(found[0]), int(found[1]), int(found[2])


_MODELS: weakref.WeakKeyDictionary[Store, ReadModel] = weakref.WeakKeyDictionary()
_MODELS_LOCK = threading.Lock()


def read_model(store: Store) -> ReadModel:
    """The read model of ``store`` (one per store object, as long as the store lives)."""
    with _MODELS_LOCK:
        model = _MODELS.get(store)
        if model is None:
            model = _MODELS[store] = ReadModel(store)
        return model
