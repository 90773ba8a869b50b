"""pySHACL on a write's excerpt, with the shapes built once and only the shapes that have focus
nodes asked for them.

Why: ``pyshacl.validate`` builds a ``ShapesGraph`` (a ``Shape`` object per shape, read from the
shapes graph) on every call, and then asks every one of the shapes for its focus nodes, each
question a handful of lookups in the rdflib shapes graph. On the excerpt of a small write
(``app.validate.incremental``) both cost more than validating the few nodes that have shapes
(profiled on 50-quad writes at 10 M quads; the effect, measured by ``bench.writes``:
``bench/results/writes-*-10m-prepared.json`` against ``writes-*-10m-quiet-baseline.json``).

The narrowed shapes graph of ``app.validate.targets`` makes the second question cheap: there a
shape is targeted only through its marks (``sh:targetObjectsOf <urn:histkg:focus:N>``), so it
has focus nodes in an excerpt exactly when the excerpt states one of its marks. ``prepare``
reads each shape's targets once; ``run`` validates the shapes whose marks are present and the
shapes with any other kind of target, and none of the shapes without targets (those are only
reached through other shapes, by ``sh:node`` and the like, which ``Shape.validate`` follows
itself). The run is pySHACL's own loop (``Validator.run`` without inference, an ontology graph
or SHACL-AF, which histkg never uses) and the report is pySHACL's (``create_validation_report``),
so the results are the ones ``pyshacl.validate`` gives on the same graphs
(``tests/test_validate_prepared.py``, every failing shape example), and
``tests/test_validate_incremental.py`` holds the incremental results to a full validation's.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
import rdflib
from pyshacl.errors import ReportableRuntimeError
from pyshacl.monkey import apply_patches
from pyshacl.pytypes import SHACLExecutor
from pyshacl.shapes_graph import ShapesGraph
from pyshacl.validator import Validator

from app.validate.full import _StoreGraph

MARK_PREFIX = "urn:histkg:focus:"
"""The IRIs of ``app.validate.targets``' marks begin with this."""


@dataclass
class Prepared:
    """A shapes graph's ``Shape`` objects, built once, and what targets each."""

    shapes: ShapesGraph
    always: list[Any]
    """Shapes with a target other than marks (``sh:targetNode``...): validated on every run."""
    marked: list[tuple[Any, list[ox.NamedNode]]]
    """Shapes targeted by marks only, with their marks: validated where one is stated."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    """One run at a time on these ``Shape`` objects: pySHACL does not say they may be shared
    between threads, and a run holds the GIL throughout, so nothing is lost by waiting."""


def prepare(graph: rdflib.Graph) -> Prepared:
    """Build the shapes of ``graph`` (a narrowed shapes graph) and sort them by their targets."""
    # what pyshacl.validate does before each run: the rdflib fixes it relies on
    apply_patches()  # type: ignore[no-untyped-call]
    shapes = ShapesGraph(graph)
    always: list[Any] = []
    marked: list[tuple[Any, list[ox.NamedNode]]] = []
    for shape in shapes.shapes:
        if shape.deactivated:
            continue
        nodes, classes, implicit, objects_of, subjects_of = (list(t) for t in shape.target())
        marks = [ox.NamedNode(str(p)) for p in objects_of if str(p).startswith(MARK_PREFIX)]
        if nodes or classes or implicit or subjects_of or len(marks) < len(objects_of):
            always.append(shape)
        elif marks:
            marked.append((shape, marks))
        # else: no targets, so no focus nodes of its own; other shapes reach it
    return Prepared(shapes, always, marked)


def run(prepared: Prepared, store: ox.Store) -> rdflib.Graph:
    """pySHACL's report graph on ``store`` for the shapes that have focus nodes there. Raises
    what ``pyshacl.validate`` raises on a broken shape."""
    data: Any = _StoreGraph(store)  # pySHACL types default_union read-only; Validator.run sets it
    chosen = list(prepared.always)
    chosen += [
        shape
        for shape, marks in prepared.marked
        if any(next(store.quads_for_pattern(None, m, None), None) is not None for m in marks)
    ]
    if data.is_multigraph():
        data.default_union = True  # as Validator.run: the union of the store's graphs
    executor = SHACLExecutor(allow_warnings=True)
    conforms = True
    reports: list[Any] = []
    with prepared.lock, warnings.catch_warnings():
        # as in app.validate.full._run_pyshacl: rdflib's deprecation warnings, errors under
        # pytest, would abort SPARQL constraints half-way
        warnings.simplefilter("ignore", DeprecationWarning)
        for shape in chosen:
            shape_conforms, shape_reports = shape.validate(executor, data)
            conforms = conforms and shape_conforms
            reports.extend(shape_reports)
        if not reports:  # the usual case: pySHACL's report would only bind ~90 prefixes
            return rdflib.Graph()
        report, _text = Validator.create_validation_report(prepared.shapes, conforms, reports)
    if not isinstance(report, rdflib.Graph):  # pragma: no cover - pySHACL always builds one
        raise ReportableRuntimeError("pySHACL built no report graph")
    return report
