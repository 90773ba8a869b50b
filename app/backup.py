"""``histkg dump`` / ``histkg restore``: the whole store to a TriG or N-Quads file and back.

Unlike the public dump (``/dump/``), a backup holds every graph, the meta graph included, so a
restored store knows what its last curated load wrote and whether it is stale. The format
follows the file name: ``.trig`` or ``.nq``, each optionally ``.gz``. Blank nodes are kept as
blank nodes: a restore writes them in one ``INSERT DATA``, where one label is one node across
all graphs, so the restored dataset is isomorphic to the dumped one.

A restore is all or nothing: the file is parsed completely first (a bad file writes nothing),
then every named graph of the store is dropped and the file's graphs inserted in ONE update.
"""

from __future__ import annotations

import gzip
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from app.errors import InputError, RdfParseError
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


def restore_store(store: Store, path: Path) -> BackupReport:
    """Replace the whole store by the dataset in ``path``, all or nothing."""
    fmt, zipped = _format(path)
    try:
        with _open(path, "r", zipped) as source:
            quads = list(ox.parse(source, format=fmt))
    except OSError as error:  # also a corrupt gzip stream
        raise InputError(f"Cannot read {path}: {error.strerror or error}") from None
    except SyntaxError as error:
        raise RdfParseError(str(path), str(error.msg or error)) from None
    if any(not isinstance(q.graph_name, ox.NamedNode) for q in quads):
        raise InputError(
            f"{path} has triples in the default graph; histkg keeps every triple in a named graph.",
            hint="Put them in a GRAPH block of the TriG file.",
        )
    by_graph: dict[ox.NamedNode, list[ox.Quad]] = defaultdict(list)
    for quad in dict.fromkeys(quads):
        assert isinstance(quad.graph_name, ox.NamedNode)  # noqa: S101 - checked above
        by_graph[quad.graph_name].append(quad)

    def stage(current: list[ox.Quad]) -> dict[ox.NamedNode, list[ox.Quad]]:
        dropped = {q.graph_name for q in current if isinstance(q.graph_name, ox.NamedNode)}
        return {graph: [] for graph in dropped} | dict(by_graph)

    store.write_staged(stage)
    return BackupReport(str(path), sum(map(len, by_graph.values())), len(by_graph))
