"""Writes: SPARQL 1.1 Update and the Graph Store Protocol, checked with SHACL before they commit.

The data layer behind ``/update`` and ``/store`` (``app.routes.writes``); no HTTP here. Every
write goes the same way (``_commit``), inside ``Store.write_staged`` so no other write interleaves:

1. every quad of the store is copied into an in-memory pyoxigraph store (the staging copy);
2. the write is applied to the copy: the update text, or a graph replaced, merged or dropped;
3. the copy is compared with the store: the graphs whose content changed, and the nodes
   (subjects and non-literal objects) of the quads added or removed;
4. writes to the default graph or to protected graphs are refused (``UpdateNotAllowed``);
5. the change is validated against ``ontology/shapes.ttl`` on the copy
   (``app.validate.validate_change``: the nodes it touched, and those whose shapes reach a
   triple it changed, each with what its shapes read, ontology subclass axioms included); a
   violation whose focus node the write touched, or a new violation anywhere (one the state
   before did not have), refuses it with ``ShaclViolation`` (its report attached);
6. otherwise the changed graphs replace theirs in the store in ONE update: all or nothing.

Protected graphs: everything under ``https://w3id.org/histkg/graph/`` (the curated ontology and
data, the meta graph, the Wikidata facts of the linking tools) and every graph the last curated
load recorded (claims graphs of ``data/claims.trig``). ``histkg load`` owns them; a write that
would change one is refused whole.

No remote access: ``LOAD`` and ``SERVICE`` are refused before anything runs; Graph Store bodies
are Turtle, N-Triples or RDF/XML (no JSON-LD, whose ``@context`` could name a remote document).

In an update the default graph is the store's real default graph, which histkg keeps empty; name
the graphs to read and write with ``GRAPH``, ``WITH`` or ``USING``. Copying the store costs about
a second per few hundred thousand quads, which suits a curated graph edited by a few people;
validation costs what the write changes, not what the store holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pyoxigraph as ox

from app.errors import InputError, NotFound, QueryError, ShaclViolation, UpdateNotAllowed
from app.sources import CURATED_GRAPH, GRAPH_BASE, META_GRAPH
from app.sparql import _code, check_complexity, has_service, syntax_error
from app.store import Store
from app.validate import ValidationReport, before_change, node_key, validate_change
from app.vocab import HK

_TYPE: Final = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_CLAIM: Final = ox.NamedNode(str(HK.Claim))

__all__ = ["GRAPH_FORMATS", "WriteResult", "delete_graph", "read_graph", "update", "write_graph"]

GRAPH_FORMATS: Final = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
"""Media types a Graph Store body may have (and GET may answer with)."""

_LOAD: Final = re.compile(r"(?<![\w?$:])LOAD(?![\w:-])", re.IGNORECASE)


@dataclass(frozen=True)
class WriteResult:
    """What one committed write changed."""

    graphs: list[str]
    added: int
    removed: int

    def to_json(self) -> dict[str, object]:
        return {"graphs": self.graphs, "added": self.added, "removed": self.removed}


def update(store: Store, sparql_update: str, project_dir: Path) -> WriteResult:
    """Apply a SPARQL 1.1 Update, if its result conforms; see the module docstring."""
    check_complexity(sparql_update)  # a deep nesting would crash the parser
    if _LOAD.search(_code(sparql_update)):
        raise UpdateNotAllowed(
            "LOAD is not allowed: the server fetches nothing from the network.",
            hint="Send the data itself, with INSERT DATA or a Graph Store PUT/POST.",
        )
    if has_service(sparql_update):
        raise UpdateNotAllowed(
            "SERVICE is not allowed in an update.",
            hint="Write the data itself with INSERT DATA.",
        )

    def apply(staging: ox.Store) -> None:
        try:
            staging.update(sparql_update)
        except SyntaxError as error:
            raise syntax_error(error, sparql_update) from None
        except (OSError, ValueError) as error:
            raise QueryError(f"The update failed: {error}") from None
        except (
            RuntimeError
        ) as error:  # CREATE of an existing graph, DROP/CLEAR/MOVE of a missing one
            raise QueryError(
                f"The update failed: {error}.",
                hint="Add SILENT (CREATE SILENT, DROP SILENT...) to ignore a graph that is "
                "there already or missing.",
            ) from None

    return _commit(store, project_dir, apply)


def write_graph(
    store: Store, graph: str, body: bytes, media_type: str, project_dir: Path, *, replace: bool
) -> WriteResult:
    """Graph Store PUT (``replace``) or POST (merge) of an RDF document into ``graph``."""
    target = _graph(graph)
    fmt = GRAPH_FORMATS[media_type]
    try:
        triples = [
            quad.triple
            for quad in ox.parse(
                body,
                format=fmt,
                base_iri=target.value,
                without_named_graphs=True,
                rename_blank_nodes=True,
            )
        ]
    except SyntaxError as error:
        raise InputError(f"The RDF body cannot be parsed: {error}") from None

    def apply(staging: ox.Store) -> None:
        if replace:
            staging.remove_graph(target)
        staging.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in triples)

    return _commit(store, project_dir, apply)


def delete_graph(store: Store, graph: str, project_dir: Path) -> WriteResult:
    """Graph Store DELETE: drop ``graph``; ``NotFound`` when it holds nothing."""
    target = _graph(graph)

    def apply(staging: ox.Store) -> None:
        if not any(True for _ in staging.quads_for_pattern(None, None, None, target)):
            raise NotFound(f"There is no graph {target.value}.")
        staging.remove_graph(target)

    return _commit(store, project_dir, apply)


def read_graph(store: Store, graph: str | None, media_type: str) -> bytes:
    """Graph Store GET: the triples of ``graph`` (``None``: the default graph) in a format."""
    target: ox.NamedNode | ox.DefaultGraph = ox.DefaultGraph() if graph is None else _graph(graph)
    triples = [quad.triple for quad in store.quads() if quad.graph_name == target]
    if not triples and isinstance(target, ox.NamedNode):
        raise NotFound(f"There is no graph {target.value}.")
    return ox.serialize(triples, format=GRAPH_FORMATS[media_type]) or b""


def _graph(graph: str) -> ox.NamedNode:
    try:
        node = ox.NamedNode(graph)
    except ValueError:
        raise InputError(f"{graph!r} is not an absolute IRI.") from None
    if ":" not in graph:
        raise InputError(f"{graph!r} is not an absolute IRI.")
    return node


def _protected(quads: Sequence[ox.Quad]) -> set[ox.NamedNode]:
    """Graphs recorded by the last curated load (those under GRAPH_BASE are checked apart)."""
    return {
        quad.object
        for quad in quads
        if quad.graph_name == META_GRAPH
        and quad.predicate == CURATED_GRAPH
        and isinstance(quad.object, ox.NamedNode)
    }


def _commit(store: Store, project_dir: Path, apply: Callable[[ox.Store], None]) -> WriteResult:
    outcome: list[WriteResult] = []

    def stage(quads: list[ox.Quad]) -> Mapping[ox.NamedNode, Sequence[ox.Quad]]:
        before = set(quads)
        staging = ox.Store()
        staging.extend(quads)
        apply(staging)
        after = set(staging)
        added, removed = after - before, before - after
        changed = {quad.graph_name for quad in added | removed}
        protected = _protected(quads)
        _check_graphs(changed, protected)
        _check_claims(added, quads, protected)
        touched = {
            node_key(term)
            for quad in added | removed
            for term in (quad.subject, quad.object)
            if isinstance(term, ox.NamedNode | ox.BlankNode)
        }
        if touched:
            report = _judge(staging, added, removed, touched, project_dir)
            if not report.conforms:
                raise ShaclViolation(
                    f"The write breaks {report.count('Violation')} shape constraint(s); "
                    "nothing was written.",
                    report.to_json(),
                    hint="Fix the data as the report says and send the write again.",
                )
        named = sorted((g for g in changed if isinstance(g, ox.NamedNode)), key=str)
        outcome.append(WriteResult([g.value for g in named], len(added), len(removed)))
        return {g: [quad for quad in after if quad.graph_name == g] for g in named}

    store.write_staged(stage)
    return outcome[0]


def _check_graphs(changed: set[object], curated: set[ox.NamedNode]) -> None:
    for graph in sorted(changed, key=str):
        if not isinstance(graph, ox.NamedNode):
            raise UpdateNotAllowed(
                "Writes go to named graphs; this one would change the default graph.",
                hint="Wrap the triples in GRAPH <...> { } (or use WITH), or PUT to ?graph=IRI.",
            )
        if graph.value.startswith(GRAPH_BASE) or graph in curated:
            raise UpdateNotAllowed(
                f"{graph.value} is a graph of the curated load; writes cannot change it.",
                hint="Write to a graph of your own; `histkg load` owns the curated graphs.",
            )


def _check_claims(
    added: set[ox.Quad], quads: Sequence[ox.Quad], curated: set[ox.NamedNode]
) -> None:
    """Refuse statements about a claim of the curated data from any other graph.

    Pages describe a claim (its mode, attribution, sources) by what is said about it, so one
    ``prov:wasAttributedTo`` written into a graph of one's own made a curated claim look
    attributed to someone else; a claim's description belongs to the graph that defines it.
    """
    subjects = {quad.subject for quad in added}
    claims = {
        quad.subject
        for quad in quads
        if quad.predicate == _TYPE
        and quad.object == _CLAIM
        and quad.subject in subjects
        and isinstance(quad.graph_name, ox.NamedNode)
        and (quad.graph_name.value.startswith(GRAPH_BASE) or quad.graph_name in curated)
    }
    if claims:
        claim = sorted(str(c) for c in claims)[0]
        raise UpdateNotAllowed(
            f"{claim} is a claim of the curated data; other graphs cannot describe it.",
            hint="Say what you want about it in a claim of your own, which may cite it.",
        )


def _judge(
    staging: ox.Store,
    added: set[ox.Quad],
    removed: set[ox.Quad],
    touched: set[str],
    project_dir: Path,
) -> ValidationReport:
    """The results that block a write: every result on a node it touched, and any violation
    elsewhere that the state before did not have (removing a node's type can break a shape of
    a node that links to it). Both states are validated only where the change can matter."""
    after = staging.quads_for_pattern
    report = validate_change(after, added, removed, project_dir, also=touched)
    mine = [r for r in report.results if r.focus_node in touched]
    elsewhere = [
        r for r in report.results if r.focus_node not in touched and r.severity == "Violation"
    ]
    if elsewhere:
        before = before_change(after, added, removed)
        also = {r.focus_node for r in elsewhere}
        old = set(validate_change(before, removed, added, project_dir, also=also).results)
        mine += [r for r in elsewhere if r not in old]
    return ValidationReport(
        conforms=not any(r.severity == "Violation" for r in mine),
        results=mine,
        elapsed=report.elapsed,
    )
