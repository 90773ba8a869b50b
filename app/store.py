"""The histkg data layer: one pyoxigraph store, atomic loads and bounded queries (no HTTP here).

Layout of the store:

* one named graph per source file, named as ``app.sources`` describes
  (``https://w3id.org/histkg/graph/ontology/NAME``, ``.../graph/data/NAME``, or a loaded
  file's ``file://`` URI); named graphs inside TriG/N-Quads files are kept as they are;
* ``https://w3id.org/histkg/graph/meta`` records the last curated load: its ``sourceDigest``
  (for staleness checks) and every graph it wrote (``curatedGraph``), so the next curated load
  also removes graphs whose file was deleted;
* queries see the union of all graphs as their default graph (see ``app.sparql``).

Why loads are atomic: pyoxigraph offers no multi-call transaction, but a single
``Store.update()`` call is all-or-nothing (``tests/test_store.py`` pins this). A load therefore
parses every file of the batch into memory first, so a bad file stops it before anything is
written, and then sends ONE SPARQL Update::

    DROP SILENT GRAPH <g1> ; ... ; INSERT DATA { GRAPH <g1> { ... } GRAPH <g2> { ... } }

The triples inside are written by pyoxigraph's own N-Triples serializer, never pasted from raw
strings. Blank nodes were skolemized by ``app.sources``; ``INSERT DATA`` would otherwise mint
fresh blank nodes on each load and reloading would duplicate them.
"""

import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Triple, serialize
from pyoxigraph import Store as OxStore

from app.errors import InputError, StoreError
from app.settings import Settings
from app.sources import (
    CURATED_GRAPH,
    GRAPH_BASE,
    META_GRAPH,
    SOURCE_DIGEST,
    ParsedSource,
    Source,
    combine_digest,
    curated_sources,
    parse_source,
    source_digest,
    user_source,
)
from app.sparql import Bindings, QueryResult, run_query


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


def _open(location: str) -> OxStore:
    if location.startswith(("http://", "https://")):
        raise StoreError(
            f"Remote stores ({location}) are not supported yet; they arrive in a later release.",
            hint="Set HISTKG_STORE to a directory, or to `memory` for a throw-away store.",
        )
    if location == "memory":
        return OxStore()
    path = Path(location).expanduser()
    try:
        return OxStore(path)
    except OSError as error:
        busy = "lock" in str(error).lower()
        raise StoreError(
            f"Cannot open the store at {path}: {error}",
            hint=(
                "Another histkg process (such as `histkg serve`) has it open: stop it first."
                if busy
                else "Check that the directory is writable, or set HISTKG_STORE elsewhere."
            ),
        ) from None


class Store:
    """A pyoxigraph store holding the histkg graphs."""

    def __init__(
        self,
        location: str,
        *,
        base_iri: str = "https://w3id.org/histkg/id/",
        query_timeout: float = 10.0,
        max_rows: int = 10000,
    ) -> None:
        self.location = location
        self.base_iri = base_iri
        self.query_timeout = query_timeout
        self.max_rows = max_rows
        self._store = _open(location)
        self._write_lock = threading.Lock()  # serializes read-then-write of the meta graph

    @classmethod
    def from_settings(cls, settings: Settings) -> "Store":
        """Open the store the settings point at."""
        return cls(
            settings.store,
            base_iri=settings.base_iri,
            query_timeout=settings.query_timeout,
            max_rows=settings.max_rows,
        )

    def __len__(self) -> int:
        return len(self._store)

    def quads(self) -> Iterator[Quad]:
        """Every quad in the store, meta graph included."""
        return iter(self._store)

    def named_graphs(self) -> list[str]:
        """IRIs of all named graphs, sorted."""
        return sorted(str(graph.value) for graph in self._store.named_graphs())

    def recorded_digest(self) -> str | None:
        """The source digest written by the last curated load, if any."""
        for quad in self._store.quads_for_pattern(META_GRAPH, SOURCE_DIGEST, None, META_GRAPH):
            if isinstance(quad.object, Literal):
                return quad.object.value
        return None

    def is_stale(self, project_dir: Path) -> bool:
        """True when the curated files differ from what the last curated load read."""
        return self.recorded_digest() != source_digest(project_dir)

    def query(
        self, sparql: str, *, timeout: float | None = None, bindings: Bindings | None = None
    ) -> QueryResult:
        """Run a SPARQL query; ``timeout`` defaults to the store's ``query_timeout``.

        ``bindings`` gives variables their values (``{"entity": NamedNode(...)}``): user input
        goes into queries this way, never by editing the query text.
        """
        limit = self.query_timeout if timeout is None else timeout
        return run_query(
            self._store, sparql, timeout=limit, max_rows=self.max_rows, bindings=bindings
        )

    def load_curated(
        self, project_dir: Path, *, progress: LoadProgress | None = None
    ) -> LoadReport:
        """Replace every curated graph with the contents of ``ontology/`` and ``data/``."""
        started = time.monotonic()
        sources = curated_sources(project_dir)
        if not sources:
            raise InputError(
                f"No curated RDF files in {project_dir / 'ontology'} or {project_dir / 'data'}.",
                hint="Set HISTKG_PROJECT_DIR to the directory holding ontology/ and data/.",
            )
        parsed = self._parse_all(sources, progress)
        graphs = frozenset().union(*(p.graphs for p in parsed))
        digest = combine_digest((p.source.label, p.sha256) for p in parsed)
        meta = [Quad(META_GRAPH, SOURCE_DIGEST, Literal(digest), META_GRAPH)]
        meta += [Quad(META_GRAPH, CURATED_GRAPH, graph, META_GRAPH) for graph in graphs]
        with self._write_lock:
            previous = self._store.quads_for_pattern(META_GRAPH, CURATED_GRAPH, None, META_GRAPH)
            stale = {q.object for q in previous if isinstance(q.object, NamedNode)}
            self._replace(graphs | stale | {META_GRAPH}, _all_quads(parsed) + meta)
        return self._report(parsed, graphs, started, progress)

    def load_files(
        self, paths: Sequence[Path], *, progress: LoadProgress | None = None
    ) -> LoadReport:
        """Load user files, replacing the graphs they write; all or nothing."""
        started = time.monotonic()
        unique = {path.resolve(): path for path in paths}  # a file named twice loads once
        parsed = self._parse_all([user_source(path) for path in unique.values()], progress)
        for item in parsed:
            reserved = sorted(str(g.value) for g in item.graphs if g.value.startswith(GRAPH_BASE))
            if reserved:
                raise InputError(
                    f"{item.source.label} writes {reserved[0]}, a graph of the curated load.",
                    hint=f"Graphs under {GRAPH_BASE} are reserved; rename that graph in the file.",
                )
        graphs = frozenset().union(*(p.graphs for p in parsed))
        with self._write_lock:
            self._replace(graphs, _all_quads(parsed))
        return self._report(parsed, graphs, started, progress)

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
        """Drop ``drop`` and insert ``quads`` in ONE update: all of it happens or none does."""
        triples: dict[str, list[Triple]] = defaultdict(list)
        for quad in quads:
            triples[str(quad.graph_name)].append(quad.triple)
        operations = [f"DROP SILENT GRAPH {graph}" for graph in sorted({str(g) for g in drop})]
        if triples:
            blocks = (
                f"GRAPH {graph} {{\n{_ntriples(members)}}}" for graph, members in triples.items()
            )
            operations.append("INSERT DATA {\n" + "\n".join(blocks) + "\n}")
        if not operations:
            return
        try:
            self._store.update(" ;\n".join(operations))
        except OSError as error:
            raise StoreError(
                f"Writing to the store at {self.location} failed: {error}",
                hint="Nothing was written. Check free disk space and permissions, then retry.",
            ) from None

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


def _all_quads(parsed: Iterable[ParsedSource]) -> list[Quad]:
    return [quad for item in parsed for quad in item.quads]


def _ntriples(triples: list[Triple]) -> str:
    return (serialize(triples, format=RdfFormat.N_TRIPLES) or b"").decode()
