"""The histkg data layer: one store, atomic loads and bounded queries (no HTTP here).

Where the store lives is a backend (``app.backends``): an embedded pyoxigraph store (a directory,
or ``memory``), or a remote SPARQL 1.1 server. This module holds what does not depend on that:
loads, staleness, and the query API pages and the endpoint call.

Layout of the store:

* one named graph per source file, named as ``app.sources`` describes
  (``https://w3id.org/histkg/graph/ontology/NAME``, ``.../graph/data/NAME``, or a loaded
  file's ``file://`` URI); named graphs inside TriG/N-Quads files are kept as they are;
* ``https://w3id.org/histkg/graph/meta`` records the last curated load: its ``sourceDigest``
  (for staleness checks) and every graph it wrote (``curatedGraph``), so the next curated load
  also removes graphs whose file was deleted, and only those;
* graphs that histkg's own tools write, replaced whole by ``Store.replace_graph``: the Wikidata
  facts of ``histkg link --verify`` (``https://w3id.org/histkg/graph/wikidata``). No curated
  file may write them, so a curated reload never drops them;
* queries see the union of all graphs as their default graph unless they or the request name a
  dataset (see ``app.sparql``).

Why loads are atomic: pyoxigraph offers no multi-call transaction, but a single
``Store.update()`` call is all-or-nothing (``tests/test_store.py`` pins this), and so is one
SPARQL Update request on Oxigraph server and Fuseki. A load therefore parses every file of the
batch into memory first, so a bad file stops it before anything is written, and then sends ONE
SPARQL Update::

    DROP SILENT GRAPH <g1> ; ... ; INSERT DATA { GRAPH <g1> { ... } GRAPH <g2> { ... } }

The triples inside are written by pyoxigraph's own N-Triples serializer, never pasted from raw
strings. Blank nodes were skolemized by ``app.sources``; ``INSERT DATA`` would otherwise mint
fresh blank nodes on each load and reloading would duplicate them. A small batch of user files
sends only its delta (``Store.load_files``); a big one into an on-disk store is staged.
"""

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, Triple
from pyoxigraph import Store as OxStore

from app import history
from app.backends import Backend, delta_update, open_backend
from app.errors import InputError, UpdateNotAllowed
from app.results import BY_NAME, SerializedResult
from app.settings import Settings
from app.sources import (
    CURATED_GRAPH,
    GRAPH_BASE,
    META_GRAPH,
    SOURCE_DIGEST,
    TOOL_GRAPHS,
    ParsedSource,
    Source,
    combine_digest,
    curated_sources,
    file_sha256,
    parse_source,
    source_digest,
    stream_source,
    user_source,
)
from app.sparql import (
    Bindings,
    Dataset,
    Output,
    QueryJob,
    QueryResult,
    Term,
    check_services,
    is_point_lookup,
    query_dataset,
    query_kind,
    with_bindings,
)


class WriteCheck(Protocol):
    """Checks writes in another process and follows the store's writes
    (``app.validate.process.ValidationProcess``; ``app.writes`` asks it)."""

    def committed(
        self, generation: int, removed: Collection[Quad], added: Collection[Quad]
    ) -> None: ...

    def close(self) -> None: ...


Record = Callable[[Collection[Quad], Collection[Quad]], tuple[list[Quad], list[Quad]]]
"""(quads added, quads removed) -> (quads to remove, quads to add) that record the change."""


LoadCheck = Callable[[Collection[Quad], Collection[Quad], Sequence[ParsedSource]], None]
"""Told a small load's delta (quads added, quads removed) and its parsed files before it is
written; raises to refuse the whole batch (``app.writes.load_check``)."""

SMALL_LOAD_QUADS = 15_000
"""Batches of user files up to this many quads load as a delta (``Store.load_files``).

Why a bound: a delta is one pyoxigraph transaction, which holds the change in memory and
writes each quad several times slower than the bulk loader, and it is validated node by node;
a page's TriG (hundreds of quads) or a chapter's (thousands) costs what it changes that way,
is checked like any write, and a reload that changes nothing writes nothing, whereas staging
bulk-loads the batch, checkpoints or copies the store and swaps it in whatever changed. Past
the bound the delta's transaction, without validation, costs more than staging, and the batch
would be held in memory (docs/benchmarks.md has the measurements; validation costs more on top
of that, and is what a small batch gets in exchange). The bound counts the quads the batch
replaces as well: removing a big graph is a big write (``Store._load_delta``).
"""


class LoadProgress(Protocol):
    """Told about each step of a load: ``label`` is the file being parsed, or ``writing``."""

    def __call__(self, label: str, done: int, total: int) -> None: ...


@dataclass(frozen=True)
class LoadReport:
    """What one load wrote."""

    files: list[str]
    quads: int
    graphs: int
    seconds: float
    checked: bool = False
    """Whether the batch was shown to the load's check (a small batch, written as a delta)."""


class Store:
    """The histkg graphs in one backend: embedded pyoxigraph, or a remote SPARQL server."""

    def __init__(
        self,
        location: str,
        *,
        base_iri: str = "https://w3id.org/histkg/id/",
        query_timeout: float = 10.0,
        max_rows: int = 10000,
        max_result_bytes: int = 0,
        query_workers: int = 0,
        query_memory: int = 0,
        service_allowlist: Sequence[str] = (),
        update_url: str | None = None,
        graph_store_url: str | None = None,
        read_only: bool = False,
    ) -> None:
        """Open the store at ``location`` (see ``app.backends.open_backend``; ``read_only``
        for commands that only read, beside a running ``histkg serve``).

        ``query_workers`` > 0 runs embedded queries in that many worker processes, which are
        killed at a query's deadline; 0 runs them in threads (see ``app.backends.embedded``).
        ``query_memory`` caps a query's memory in its worker (MiB; 0: no cap),
        ``max_result_bytes`` each serialized answer (0: no cap).
        """
        self.base_iri = base_iri
        self.query_timeout = query_timeout
        self.max_rows = max_rows
        self.max_result_bytes = max_result_bytes
        self.service_allowlist = tuple(service_allowlist)
        self._backend: Backend = open_backend(
            location,
            query_workers=query_workers,
            query_memory=query_memory,
            update_url=update_url,
            graph_store_url=graph_store_url,
            read_only=read_only,
        )
        self.location = self._backend.location
        self.read_only = read_only
        self._write_lock = threading.Lock()  # serializes read-then-write of the meta graph
        self.generation = 0
        """Counts the writes this object made (loads, replaced graphs); caches compare it."""
        self.validation: WriteCheck | None = None
        """What checks writes in another process (``app.validate.process.start``), if any."""
        self._counted = (-1, 0)  # (generation, quads) of the last count

    @classmethod
    def from_settings(cls, settings: Settings, *, read_only: bool = False) -> "Store":
        """Open the store the settings point at (``read_only``: see ``__init__``)."""
        return cls(
            settings.store,
            base_iri=settings.base_iri,
            query_timeout=settings.query_timeout,
            max_rows=settings.max_rows,
            max_result_bytes=settings.max_result_bytes,
            query_workers=settings.query_workers,
            query_memory=settings.query_memory,
            service_allowlist=settings.service_hosts,
            update_url=settings.store_update_url,
            graph_store_url=settings.store_graph_store_url,
            read_only=read_only,
        )

    @property
    def backend(self) -> str:
        """``memory``, ``embedded`` or ``remote``."""
        return self._backend.name

    def close(self) -> None:
        """Stop query workers and free connections and temporary files (also done at exit)."""
        if self.validation is not None:
            self.validation.close()
        self._backend.close()

    @property
    def snapshots(self) -> Callable[[], tuple[Path, Callable[[], None]]] | None:
        """Makes read-only copies of the store for another process (a checkpoint: its path,
        and how to delete it); None unless the store is embedded on disk."""
        if self.backend != "embedded":
            return None
        made: Callable[[], tuple[Path, Callable[[], None]]] | None = getattr(
            self._backend, "snapshot", None
        )
        return made

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __len__(self) -> int:
        """The number of quads: counted once per ``generation`` unless the store is remote.

        Counting reads every quad (0.2 s a million on disk), and ``/health`` asks on every
        container health check; every write to an embedded store goes through this object,
        while a remote store may be written by others, so it is asked each time.
        """
        if self.backend == "remote":
            return self._backend.count()
        if self._counted[0] != self.generation:
            self._counted = (self.generation, self._backend.count())
        return self._counted[1]

    def is_empty(self) -> bool:
        """Whether the store holds no quad: one read on an embedded store, where ``len`` reads
        every quad (seconds at ten million, at every ``histkg serve`` start)."""
        if self.backend == "remote":
            return len(self) == 0
        return next(iter(self._backend.quads()), None) is None

    def counted(self) -> int | None:
        """The number of quads if ``len`` knows it without counting (embedded, no write since
        it last counted), else ``None``: ``/health`` answers from it without a thread."""
        if self.backend != "remote" and self._counted[0] == self.generation:
            return self._counted[1]
        return None

    def quads(self) -> Iterator[Quad]:
        """Every quad in the store, meta graph included."""
        return self._backend.quads()

    def named_graphs(self) -> list[str]:
        """IRIs of all named graphs, sorted."""
        return self._backend.named_graphs()

    def match(
        self,
        subject: NamedNode | BlankNode | None = None,
        predicate: NamedNode | None = None,
        object: NamedNode | BlankNode | Literal | None = None,
        graph: NamedNode | None = None,
        *,
        limit: int | None = None,
    ) -> Iterator[Quad]:
        """The quads matching one triple pattern (None matches anything), at most ``limit``,
        streamed as they are read (so a scan of a whole property holds few in memory).

        Embedded, a direct read of the store's indexes in this process (microseconds: no query
        to parse or plan, no worker round trip), which is what page building walks the graph
        with (``app.read.walk``); remote, one SELECT with the terms as bindings. ``graph``
        None matches every graph; quads of the default graph (which histkg's loads never
        write, but a bulk-loaded file may) come back with a ``DefaultGraph`` name, embedded
        only. The terms are values, never query text, so user input is safe here.
        """
        return self._backend.match(subject, predicate, object, graph, limit)

    def select_live(self, sparql: str) -> list[tuple[Term | None, ...]] | None:
        """Every row of a SELECT on the current state, in this process, default graph as
        stored (not the union): for a write, under its lock, to find what it reads. Bounded
        like any query, since the write lock is held meanwhile: ``QueryTimeout`` after
        ``query_timeout``; None when there are more than ``max_rows`` rows (and for a remote
        store), so the caller takes a path that needs no rows. The text is the caller's own,
        not a user's edited into a query (``app.update_graphs``)."""
        return self._backend.select_live(sparql, timeout=self.query_timeout, max_rows=self.max_rows)

    def worker_pids(self) -> list[int]:
        """Process ids of the live query workers (none for threads or a remote store)."""
        return self._backend.worker_pids()

    def wait_until_ready(self, seconds: float) -> None:
        """For a remote store: wait up to ``seconds`` for its server to answer."""
        self._backend.wait(seconds)

    def recorded_digest(self) -> str | None:
        """The source digest written by the last curated load, if any."""
        for value in self._backend.objects(META_GRAPH, SOURCE_DIGEST, META_GRAPH):
            if isinstance(value, Literal):
                return value.value
        return None

    def is_stale(self, project_dir: Path) -> bool:
        """True when the curated files differ from what the last curated load read."""
        return self.recorded_digest() != source_digest(project_dir)

    def query(
        self,
        sparql: str,
        *,
        timeout: float | None = None,
        bindings: Bindings | None = None,
        dataset: Dataset | None = None,
    ) -> QueryResult:
        """Run a SPARQL query; ``timeout`` defaults to the store's ``query_timeout``.

        ``bindings`` gives variables their values (``{"entity": NamedNode(...)}``): user input
        goes into queries this way, never by editing the query text. ``dataset`` replaces the
        union default graph (see ``app.sparql.Dataset``).
        """
        result = self._backend.run(self._job(with_bindings(sparql, bindings), timeout, dataset))
        assert isinstance(result, QueryResult)  # noqa: S101 - a job without output gives values
        return result

    def query_serialized(
        self,
        sparql: str,
        format_name: str,
        *,
        media_type: str | None = None,
        timeout: float | None = None,
        dataset: Dataset | None = None,
        prefixes: Mapping[str, str] | None = None,
        context: Mapping[str, Any] | None = None,
        max_rows: int | None = None,
    ) -> SerializedResult:
        """Run a query and write its answer in a format of ``app.results.FORMATS``.

        The answer may be spooled to a temporary file: read it with ``chunks()``, which deletes
        the file. ``prefixes`` abbreviate Turtle/TriG/RDF-XML; ``context`` compacts JSON-LD.
        ``max_rows`` lowers the store's row cap for this query (never raises it).
        """
        fmt = BY_NAME[format_name]
        output = Output(
            fmt.name,
            media_type or fmt.media_type,
            prefixes=tuple((prefixes or {}).items()),
            context=context,
            max_bytes=self.max_result_bytes,
        )
        result = self._backend.run(self._job(sparql, timeout, dataset, output, max_rows))
        assert isinstance(result, SerializedResult)  # noqa: S101 - a job with output gives bytes
        return result

    def views(self) -> tuple[Path, str] | None:
        """Where views derived from this store may be kept between runs, and the token of the
        store's state now (``app.backends.embedded``); None for an in-memory or remote store,
        whose changes this process cannot follow across runs."""
        directory = getattr(self._backend, "views", None)
        token = getattr(self._backend, "state_token", lambda: None)()
        if not isinstance(directory, Path) or not isinstance(token, str):
            return None
        return directory, token

    def answers_in_process(self, sparql: str) -> bool:
        """Whether ``sparql`` is answered in this process, on the live store, without a worker
        or a thread: a point lookup (``app.sparql.is_point_lookup``, work bounded by its rows)
        on the embedded store. A remote store's answer is a network round trip, never that."""
        return self._backend.name != "remote" and is_point_lookup(sparql)

    def _job(
        self,
        sparql: str,
        timeout: float | None,
        dataset: Dataset | None,
        output: Output | None = None,
        max_rows: int | None = None,
    ) -> QueryJob:
        kind = query_kind(sparql)
        check_services(sparql, self.service_allowlist)
        if dataset is None:  # FROM in the query replaces the union default graph
            dataset = query_dataset(sparql, self.base_iri)
        limit = self.query_timeout if timeout is None else timeout
        rows = self.max_rows if max_rows is None else min(max_rows, self.max_rows)
        return QueryJob(sparql, kind, limit, rows, dataset, output, self.base_iri)

    def _writable(self) -> None:
        """Refuse a write to a store opened read-only (``histkg serve --read-only``)."""
        if self.read_only:
            raise UpdateNotAllowed(
                "This server serves the store read-only; it takes no writes.",
                hint="Write through a server started without --read-only (HISTKG_READ_ONLY).",
            )

    def load_curated(
        self, project_dir: Path, *, progress: LoadProgress | None = None
    ) -> LoadReport:
        """Replace every curated graph with the contents of ``ontology/`` and ``data/``."""
        self._writable()
        started = time.monotonic()
        sources = curated_sources(project_dir)
        if not sources:
            raise InputError(
                f"No curated RDF files in {project_dir / 'ontology'} or {project_dir / 'data'}.",
                hint="Set HISTKG_PROJECT_DIR to the directory holding ontology/ and data/.",
            )
        parsed = self._parse_all(sources, progress)
        for item in parsed:
            taken = sorted(str(g.value) for g in item.graphs & TOOL_GRAPHS)
            if taken:
                raise InputError(
                    f"{item.source.label} writes {taken[0]}, a graph histkg's tools write.",
                    hint="Rename that graph in the file; the store keeps it apart from data/.",
                )
        graphs = frozenset().union(*(p.graphs for p in parsed))
        digest = combine_digest((p.source.label, p.sha256) for p in parsed)
        meta = [Quad(META_GRAPH, SOURCE_DIGEST, Literal(digest), META_GRAPH)]
        meta += [Quad(META_GRAPH, CURATED_GRAPH, graph, META_GRAPH) for graph in graphs]
        message = history.load_message(((p.source.label, p.sha256) for p in parsed), digest)
        with self._write_lock:
            # Drop only what a curated load wrote: this one's graphs and the last one's.
            dropped = graphs | self._curated_graphs()
            quads = _all_quads(parsed)
            head, revision = self._load_revision(dropped, quads, message)
            self._replace(dropped | head | {META_GRAPH}, quads + meta + revision)
        return self._report(parsed, graphs, started, progress)

    def load_files(
        self,
        paths: Sequence[Path],
        *,
        progress: LoadProgress | None = None,
        check: LoadCheck | None = None,
    ) -> LoadReport:
        """Load user files, replacing the graphs they write; all or nothing, at any size.

        A batch of at most ``SMALL_LOAD_QUADS`` quads goes the way every write goes: parsed
        into memory, its delta against the graphs it replaces computed, shown to ``check``
        (which refuses it by raising: ``app.writes.load_check`` validates it against the
        shapes) and committed with its revision by ``write_delta``, in one transaction; the
        store is never copied. A bigger batch into an on-disk store is staged beside it and
        swapped in at once (``app.backends.staging``: the bulk loader is several times faster
        per quad, and the batch is never held in memory), without ``check``; into other
        stores it is parsed into memory and written by one update.
        """
        self._writable()
        started = time.monotonic()
        unique = {path.resolve(): path for path in paths}  # a file named twice loads once
        sources = [user_source(path) for path in unique.values()]
        small = _parse_small(sources, self.base_iri, progress)
        if small is not None:
            try:
                self._load_delta(small, check)
            except _Staged:
                pass  # what it replaces is big or has blank nodes: staged below
            else:
                graphs = frozenset().union(*(p.graphs for p in small))
                report = self._report(small, graphs, started, progress)
                return replace(report, checked=check is not None)
        with self._write_lock:
            staged = self._backend.stage(sources, base_iri=self.base_iri, progress=progress)
            if staged is None:
                parsed = self._parse_all(sources, progress)
                curated = self._curated_graphs()
                for item in parsed:
                    _refuse_reserved(item.source.label, item.graphs, curated)
                graphs = frozenset().union(*(p.graphs for p in parsed))
                message = history.load_message((p.source.label, p.sha256) for p in parsed)
                batch = _all_quads(parsed)
                head, revision = self._load_revision(graphs, batch, message)
                self._replace(graphs | head, batch + revision)
                return self._report(parsed, graphs, started, progress)
            try:
                curated = self._curated_graphs()
                for label, written in staged.graphs.items():
                    _refuse_reserved(label, written, curated)
                graphs = frozenset().union(*staged.graphs.values())
                message = history.load_message((s.label, file_sha256(s)) for s in sources)
                quads = staged.commit(graphs, _staged_revision(graphs, message))
                self.generation += 1
            finally:
                staged.discard()
        if progress:
            progress("done", len(sources) + 1, len(sources) + 1)
        return LoadReport(
            files=[source.label for source in sources],
            quads=quads,
            graphs=len(graphs),
            seconds=time.monotonic() - started,
        )

    def _load_delta(self, parsed: list[ParsedSource], check: LoadCheck | None) -> None:
        """Commit a small batch as its delta and its revision, in one ``write_delta``.

        Raises ``_Staged`` (nothing written) when the graphs it replaces hold, with the batch,
        more than ``SMALL_LOAD_QUADS`` quads (removing them would be the big write staging is
        for), or a blank node (``DELETE DATA`` cannot name one; a restored dump may hold some).
        """
        curated = self._curated_graphs()
        for item in parsed:
            _refuse_reserved(item.source.label, item.graphs, curated)
        graphs = frozenset().union(*(p.graphs for p in parsed))
        message = history.load_message((p.source.label, p.sha256) for p in parsed)
        batch = set(_all_quads(parsed))

        def compute() -> tuple[list[Quad], list[Quad]] | None:
            old: set[Quad] = set()
            for graph in graphs:
                for quad in self.graph_quads(graph):
                    if isinstance(quad.subject, BlankNode) or isinstance(quad.object, BlankNode):
                        raise _Staged
                    old.add(quad)
                    if len(old) + len(batch) > SMALL_LOAD_QUADS:
                        raise _Staged
            added, removed = batch - old, old - batch
            if not added and not removed:
                return None  # a reload of the same files: nothing written, no revision
            if check is not None:
                check(added, removed, parsed)
            drop, record = history.load_quads(self.match, message, added=added, removed=removed)
            return [*removed, *drop], [*added, *record]

        self.write_delta(compute)

    def replace_graph(
        self,
        graph: str | NamedNode,
        statements: Iterable[Triple | Quad],
        *,
        record: Record | None = None,
    ) -> int:
        """Replace the named graph ``graph`` by ``statements`` in ONE update; return the triples.

        For graphs that histkg's tools write whole, such as the Wikidata facts graph
        (``app.linking.facts``). ``statements`` are triples, or quads in ``graph`` or in the
        default graph. No blank nodes: ``INSERT DATA`` would mint new ones on every write, so
        skolemize them first. The meta graph and the graphs of the curated load are refused
        (only ``load_curated`` writes them). Like a load, it bumps ``generation``, so caches of
        pages start afresh. No statements: the graph is dropped.

        ``record`` turns the change (quads added, quads removed) into the quads that record it
        (``app.history.recorder``: a revision), committed in the same update; a replacement
        that changes nothing is then not written at all.
        """
        self._writable()
        target = graph if isinstance(graph, NamedNode) else NamedNode(graph)
        triples = list(dict.fromkeys(_triple_in(statement, target) for statement in statements))
        quads = [Quad(t.subject, t.predicate, t.object, target) for t in triples]

        def change() -> tuple[list[Quad], list[Quad]] | None:
            curated = target.value.startswith((GRAPH_BASE + "ontology/", GRAPH_BASE + "data/"))
            if target == META_GRAPH or curated or target in self._curated_graphs():
                raise InputError(
                    f"{target.value} is a graph of the curated load.",
                    hint="Only `histkg load` writes it; write to a graph of your own.",
                )
            if record is None:
                return None
            now, new = set(self.graph_quads(target)), set(quads)
            added, removed = new - now, now - new
            if not added and not removed:
                return None
            drop, add = record(added, removed)
            return [*removed, *drop], [*added, *add]

        if record is not None:
            self.write_delta(change)
            return len(quads)
        with self._write_lock:
            change()
            self._replace([target], quads)
        return len(quads)

    def write_staged(
        self, stage: Callable[[list[Quad]], Mapping[NamedNode, Sequence[Quad]]]
    ) -> None:
        """Under the write lock, ``stage`` gets every quad and returns new graph contents.

        The graphs it returns replace theirs in ONE update (an empty sequence drops a graph), so
        a write computed and checked on a copy (``app.writes``) commits all or nothing, and no
        other write can slip in between reading and writing. ``stage`` may raise to write nothing.
        """
        self._writable()
        with self._write_lock:
            changed = stage(list(self.quads()))
            self._replace(changed, [quad for quads in changed.values() for quad in quads])

    def write_delta(
        self, compute: Callable[[], tuple[Collection[Quad], Collection[Quad]] | None]
    ) -> None:
        """Under the write lock, ``compute`` returns (quads to remove, quads to add), or None.

        A named graph the removals leave empty is dropped with them.

        They are applied in ONE update (``app.backends.delta_update``): all or nothing, and
        readers see the store before or after it, never between. Holding the lock from the
        read to the commit serializes writes, so what ``compute`` read is still true when its
        change lands. The store is never copied: the cost follows the change, not the store.
        """
        self._writable()
        with self._write_lock:
            delta = compute()
            if delta is None or not (delta[0] or delta[1]):
                return
            removed, added = delta
            self._backend.update(delta_update(list(removed), list(added), self._emptied(removed)))
            self.generation += 1
            if self.validation is not None:  # its view of the store follows the write
                self.validation.committed(self.generation, removed, added)

    def _load_revision(
        self, dropped: Collection[NamedNode], quads: Sequence[Quad], message: str
    ) -> tuple[set[NamedNode], list[Quad]]:
        """(graphs to drop, quads to add) that record a load replacing the graphs ``dropped`` by
        ``quads`` as a revision; nothing when it changes nothing. The history's head graph holds
        only the head quad, so dropping it drops the old head."""
        old = {quad for graph in dropped for quad in self.graph_quads(graph)}
        new = set(quads)
        added, removed = new - old, old - new
        if not added and not removed:
            return set(), []
        _, add = history.load_quads(self.match, message, added=added, removed=removed)
        return {history.HEAD_GRAPH}, add

    def _emptied(self, removed: Collection[Quad]) -> list[NamedNode]:
        """The named graphs that hold nothing but some of ``removed`` (each read only until
        one quad that stays is found)."""
        gone = removed if isinstance(removed, set | frozenset) else set(removed)
        graphs = {q.graph_name for q in gone if isinstance(q.graph_name, NamedNode)}
        return sorted((g for g in graphs if all(q in gone for q in self.graph_quads(g))), key=str)

    def graph_quads(self, graph: NamedNode | DefaultGraph) -> Iterator[Quad]:
        """The quads of one graph; the real default graph only on an embedded store."""
        if isinstance(graph, DefaultGraph):
            if self.backend == "remote":
                return iter(())
            return self._backend.match(None, None, None, graph, None)  # type: ignore[arg-type]
        return self._backend.match(None, None, None, graph, None)

    def _curated_graphs(self) -> set[NamedNode]:
        """The graphs the last curated load wrote (as its meta graph records them)."""
        recorded = self._backend.objects(META_GRAPH, CURATED_GRAPH, META_GRAPH)
        return {value for value in recorded if isinstance(value, NamedNode)}

    def _parse_all(
        self, sources: list[Source], progress: LoadProgress | None
    ) -> list[ParsedSource]:
        parsed: list[ParsedSource] = []
        for done, source in enumerate(sources):
            if progress:
                progress(source.label, done, len(sources) + 1)
            parsed.append(parse_source(source, base_iri=self.base_iri))
        if progress:
            progress("writing", len(sources), len(sources) + 1)
        return parsed

    def _replace(self, drop: Iterable[NamedNode], quads: Iterable[Quad]) -> None:
        """Drop ``drop`` and insert ``quads`` in ONE update: all of it happens or none does.

        (A remote store with ``HISTKG_STORE_GRAPH_STORE_URL`` set is written one graph per
        request instead, which is then no longer all or nothing.)
        """
        triples: dict[str, list[Triple]] = defaultdict(list)
        for quad in quads:
            triples[str(quad.graph_name)].append(quad.triple)
        graphs = sorted({str(graph) for graph in drop})
        if not graphs and not triples:
            return
        self._backend.replace(graphs, triples)
        self.generation += 1

    @staticmethod
    def _report(
        parsed: list[ParsedSource],
        graphs: frozenset[NamedNode],
        started: float,
        progress: LoadProgress | None,
    ) -> LoadReport:
        if progress:
            progress("done", len(parsed) + 1, len(parsed) + 1)
        return LoadReport(
            files=[p.source.label for p in parsed],
            quads=len(set(_all_quads(parsed))),
            graphs=len(graphs),
            seconds=time.monotonic() - started,
        )


def _staged_revision(
    dropped: frozenset[NamedNode], message: str
) -> Callable[[OxStore, OxStore], tuple[list[Quad], list[Quad]]]:
    """What records a staged load (``StagedLoad.commit``): its exact patch when the batch and
    the graphs it replaces are small, else its counts per graph (each read once)."""

    def record(new: OxStore, live: OxStore) -> tuple[list[Quad], list[Quad]]:
        def match(
            subject: NamedNode | None = None,
            predicate: NamedNode | None = None,
            object: NamedNode | Literal | None = None,
            graph: NamedNode | None = None,
        ) -> Iterator[Quad]:
            return live.quads_for_pattern(subject, predicate, object, graph)

        counts: dict[NamedNode, list[int]] = defaultdict(lambda: [0, 0])
        for graph, count in _graph_sizes(new, None):
            counts[graph][0] = count
        for graph, count in _graph_sizes(live, dropped):
            counts[graph][1] = count
        if sum(a + r for a, r in counts.values()) <= history.EXACT_LIMIT:
            old = {q for g in dropped for q in live.quads_for_pattern(None, None, None, g)}
            batch = set(new)
            added, removed = batch - old, old - batch
            if not added and not removed:
                return [], []  # a reload of the same files: no revision, as for a write
            return history.load_quads(match, message, added=added, removed=removed)
        summary = {graph: (a, r) for graph, (a, r) in counts.items()}
        return history.load_quads(match, message, counts=summary)

    return record


_GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def _graph_sizes(
    store: OxStore, graphs: Collection[NamedNode] | None
) -> Iterator[tuple[NamedNode, int]]:
    """The number of quads in each named graph (of ``graphs`` only, when given), counted
    inside Oxigraph: a Python loop over a million quads costs far more than the load's rest."""
    if graphs is not None and not graphs:
        return
    named: list[NamedNode | BlankNode] | None = None if graphs is None else list(graphs)
    rows = store.query(_GRAPH_SIZES, named_graphs=named)
    for row in rows:  # type: ignore[union-attr]
        graph, count = row["g"], row["n"]
        if isinstance(graph, NamedNode) and isinstance(count, Literal):
            yield graph, int(count.value)


def _parse_small(
    sources: Sequence[Source], base_iri: str, progress: LoadProgress | None
) -> list[ParsedSource] | None:
    """The batch parsed as ``parse_source`` parses it, or None once it passes
    ``SMALL_LOAD_QUADS`` quads: read as a stream, so a big file costs only the bound's quads
    here before it is staged."""
    parsed: list[ParsedSource] = []
    left = SMALL_LOAD_QUADS
    for done, source in enumerate(sources):
        if progress:
            progress(source.label, done, len(sources) + 1)
        quads: list[Quad] = []
        for quad in stream_source(source, base_iri=base_iri):
            quads.append(quad)
            if len(quads) > left:
                return None
        left -= len(quads)
        named = {graph for q in quads if isinstance(graph := q.graph_name, NamedNode)}
        graphs = frozenset(named | {source.graph})
        parsed.append(ParsedSource(source, quads, graphs, file_sha256(source)))
    if progress:
        progress("writing", len(sources), len(sources) + 1)
    return parsed


class _Staged(Exception):  # a signal between two methods, never raised further
    """A small batch that must be staged after all (``Store._load_delta``)."""


def _refuse_reserved(
    label: str, graphs: Iterable[NamedNode], curated: Collection[NamedNode] = ()
) -> None:
    reserved = sorted(g.value for g in graphs if g.value.startswith(GRAPH_BASE))
    if reserved:
        raise InputError(
            f"{label} writes {reserved[0]}, a graph of the curated load.",
            hint=f"Graphs under {GRAPH_BASE} are reserved; rename that graph in the file.",
        )
    taken = sorted(g.value for g in graphs if g in curated)
    if taken:  # a curated claim's graph (data/claims.trig), as writes over HTTP refuse it
        raise InputError(
            f"{label} writes {taken[0]}, a graph of the curated load.",
            hint="Change it in data/ and run `histkg load`, or write to a graph of your own.",
        )


def _all_quads(parsed: Iterable[ParsedSource]) -> list[Quad]:
    return [quad for item in parsed for quad in item.quads]


def _triple_in(statement: Triple | Quad, graph: NamedNode) -> Triple:
    """The triple of ``statement``, checked for ``Store.replace_graph``."""
    if isinstance(statement, Quad):
        if not isinstance(statement.graph_name, DefaultGraph) and statement.graph_name != graph:
            raise ValueError(f"a quad in {statement.graph_name}, not in {graph}")
        statement = statement.triple
    if isinstance(statement.subject, BlankNode) or isinstance(statement.object, BlankNode):
        raise ValueError("a blank node would be new on every write: skolemize it first")
    return statement
