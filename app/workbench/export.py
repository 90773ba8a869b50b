"""``histkg export DIR``: the graphs made in the workbench, as files a project can review in git.

Writes ``DIR/data/workbench.trig`` (every workbench graph, and the graph of every claim a
workbench graph describes, each as its own named graph, prefixes from ``app.vocab``) and each
page's original text to ``DIR/seeds/<name>.txt``, the path its ``dcterms:identifier`` names,
byte for byte as stored. ``histkg load DIR/data/workbench.trig`` into a fresh store gives the
same quads back (no blank nodes: the round trip is exact). Files are written beside their final
name and then renamed, so a failed export leaves no half-written file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from app.errors import InputError
from app.store import Store
from app.vocab import BIBO, DCTERMS, HK, PREFIXES, RDF
from app.workbench.sources import WORKBENCH_GRAPHS

__all__ = ["ExportReport", "export", "workbench_graphs"]


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote."""

    trig: str
    graphs: int
    quads: int
    texts: int


def workbench_graphs(store: Store) -> list[ox.NamedNode]:
    """The workbench's graphs and the graphs of the claims they describe, by name."""
    graphs = {
        quad.graph_name
        for quad in store.match(None, RDF.type, None, None)
        if isinstance(quad.graph_name, ox.NamedNode)
        and quad.graph_name.value.startswith(WORKBENCH_GRAPHS)
    }
    for graph in list(graphs):
        for quad in store.match(None, RDF.type, HK.Claim, graph):
            if isinstance(quad.subject, ox.NamedNode):
                graphs.add(quad.subject)
    return sorted(graphs, key=lambda g: g.value)


def _write(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise InputError(f"Cannot write {path}: {error.strerror or error}") from None


def export(store: Store, directory: Path) -> ExportReport:
    """Write the workbench's graphs and texts under ``directory`` (see the module docstring)."""
    quads = [q for graph in workbench_graphs(store) for q in store.graph_quads(graph)]
    trig = directory / "data" / "workbench.trig"
    body = ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=dict(PREFIXES)) or b""
    _write(trig, body)
    texts = 0
    for quad in quads:
        if quad.predicate == DCTERMS.identifier and isinstance(quad.subject, ox.NamedNode):
            name = quad.object.value if isinstance(quad.object, ox.Literal) else ""
            for content in store.match(quad.subject, BIBO.content, None, None):
                if name.startswith("seeds/") and isinstance(content.object, ox.Literal):
                    _write(directory / name, content.object.value.encode("utf-8"))
                    texts += 1
    graphs = len({q.graph_name for q in quads})
    return ExportReport(str(trig), graphs, len(quads), texts)
