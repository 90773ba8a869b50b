"""``histkg dump`` / ``histkg restore``: the whole store to a TriG or N-Quads file and back.

Unlike the public dump (``/dump/``), a backup holds every graph, the meta graph included, so a
restored store knows what its last curated load wrote and whether it is stale. The format
follows the file name: ``.trig`` or ``.nq``, each optionally ``.gz``. Blank nodes are kept as
blank nodes: a restore writes them in one ``INSERT DATA``, where one label is one node across
all graphs, so the restored dataset is isomorphic to the dumped one.

A restore is all or nothing: the file is parsed completely first (a bad file writes nothing),
then every named graph of the store is dropped and the file's graphs inserted in ONE update.
The file is read as a stream of quads kept once each, so its size in memory is that of the
dataset, however often a line repeats (5 million copies of one line took 1.9 GB before).

A backup's meta graph is not trusted: it says which graphs the last curated load wrote, and
the next ``histkg load`` drops those, so one forged ``hk:curatedGraph`` line would have deleted
any graph silently. Only the claims naming graphs that the project's curated files really write
are restored; the others are left out and reported (``BackupReport.distrusted``).
"""

from __future__ import annotations

import gzip
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from app.errors import HistkgError, InputError, RdfParseError
from app.sources import CURATED_GRAPH, META_GRAPH, curated_sources, parse_source
from app.store import Store
from app.vocab import PREFIXES

__all__ = ["BackupReport", "dump_store", "restore_store"]

_FORMATS = {".trig": ox.RdfFormat.TRIG, ".nq": ox.RdfFormat.N_QUADS}


@dataclass(frozen=True)
class BackupReport:
    """What a dump wrote or a restore read."""

    path: str
    quads: int
    graphs: int
    distrusted: tuple[str, ...] = ()
    """Graphs the backup's meta graph called curated that the project's files do not write."""


def _format(path: Path) -> tuple[ox.RdfFormat, bool]:
    name = path.name.lower()
    zipped = name.endswith(".gz")
    suffix = Path(name.removesuffix(".gz")).suffix
    if suffix not in _FORMATS:
        raise InputError(
            f"{path}: a backup is .trig or .nq (optionally .gz), not {suffix or 'no extension'}.",
            hint="Name the file e.g. histkg.trig.gz or histkg.nq.gz.",
        )
    return _FORMATS[suffix], zipped


def _open(path: Path, mode: str, zipped: bool) -> IO[bytes]:
    if zipped:
        return gzip.open(path, mode + "b")  # type: ignore[return-value]
    return path.open(mode + "b")


def dump_store(store: Store, path: Path) -> BackupReport:
    """Write every quad of the store to ``path`` (written to a temporary file, then renamed)."""
    fmt, zipped = _format(path)
    quads = list(store.quads())
    if any(isinstance(q.graph_name, ox.DefaultGraph) for q in quads):
        quads.sort(key=lambda q: isinstance(q.graph_name, ox.NamedNode))
    partial = path.with_name(path.name + ".partial")
    prefixes = dict(PREFIXES) if fmt == ox.RdfFormat.TRIG else None
    try:
        with _open(partial, "w", zipped) as out:
            ox.serialize(quads, out, format=fmt, prefixes=prefixes)
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise InputError(f"Cannot write {path}: {error.strerror or error}") from None
    graphs = {q.graph_name for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    return BackupReport(str(path), len(quads), len(graphs))


def restore_store(store: Store, path: Path, *, project_dir: Path) -> BackupReport:
    """Replace the whole store by the dataset in ``path``, all or nothing; the meta graph's
    curated-graph claims are checked against the curated files of ``project_dir``."""
    by_graph = _read_backup(path)
    distrusted = _distrust(by_graph, curated_graph_names(project_dir, store.base_iri))

    def stage(current: list[ox.Quad]) -> dict[ox.NamedNode, list[ox.Quad]]:
        dropped = {q.graph_name for q in current if isinstance(q.graph_name, ox.NamedNode)}
        return {graph: [] for graph in dropped} | {g: list(q) for g, q in by_graph.items()}

    store.write_staged(stage)
    quads = sum(map(len, by_graph.values()))
    return BackupReport(str(path), quads, len(by_graph), distrusted)


def _read_backup(path: Path) -> dict[ox.NamedNode, dict[ox.Quad, None]]:
    """The backup's quads by graph, each once, read as a stream."""
    fmt, zipped = _format(path)
    by_graph: dict[ox.NamedNode, dict[ox.Quad, None]] = defaultdict(dict)
    unnamed = False
    try:
        with _open(path, "r", zipped) as source:
            for quad in ox.parse(source, format=fmt):
                if isinstance(quad.graph_name, ox.NamedNode):
                    by_graph[quad.graph_name][quad] = None
                else:
                    unnamed = True  # reported after the whole file is known to parse
    except OSError as error:  # also a corrupt gzip stream
        raise InputError(f"Cannot read {path}: {error.strerror or error}") from None
    except SyntaxError as error:
        raise RdfParseError(str(path), str(error.msg or error)) from None
    if unnamed:
        raise InputError(
            f"{path} has triples in the default graph; histkg keeps every triple in a named graph.",
            hint="Put them in a GRAPH block of the TriG file.",
        )
    return by_graph


def curated_graph_names(project_dir: Path, base_iri: str) -> frozenset[ox.NamedNode]:
    """The graphs a curated load of ``project_dir`` writes (none if it has no readable files)."""
    try:
        parsed = [parse_source(s, base_iri=base_iri) for s in curated_sources(project_dir)]
    except HistkgError:
        return frozenset()
    return frozenset().union(*(p.graphs for p in parsed))


def _distrust(
    by_graph: dict[ox.NamedNode, dict[ox.Quad, None]], curated: frozenset[ox.NamedNode]
) -> tuple[str, ...]:
    """Drop the meta graph's claims of curated graphs the project does not write."""
    meta = by_graph.get(META_GRAPH, {})
    forged = [
        quad for quad in meta if quad.predicate == CURATED_GRAPH and quad.object not in curated
    ]
    for quad in forged:
        del meta[quad]
    return tuple(sorted(str(quad.object.value) for quad in forged if hasattr(quad.object, "value")))
