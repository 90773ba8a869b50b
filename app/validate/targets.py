"""Targets (`SHACL 2.1.3 <https://www.w3.org/TR/shacl/#targets>`_): the focus nodes of each
shape among the nodes a change can affect, and a shapes graph that targets only those.

Why: the incremental validator (``app.validate.incremental``) hands pySHACL an excerpt of the
store, the neighbourhood of a change. Left to its targets, pySHACL validates every node of that
excerpt a shape targets, and most of them are neighbours the change cannot affect, seen only in
part (a concept's events, reached through ``^crm:P2_has_type``, without their types): their
results were built and then thrown away. Here each shape's class, subjects-of and objects-of
targets are replaced by one objects-of target on a predicate of its own,
``urn:histkg:focus:N``, and each run marks the affected nodes those targets select in the
excerpt with it (``marked``): the results on those nodes are the ones a run with the original
targets has, and no others are built. The marks are statements of the excerpt's default graph,
which the shapes read only through the predicates they name (a shape with ``sh:closed``, which
would see them, makes ``targets`` decline).

pySHACL's own ``focus_nodes`` option cannot do this: it also filters the value nodes of nested
shapes (``sh:node``, ``sh:not``, ``sh:or``...), which then conform whatever they hold.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Final

import pyoxigraph as ox
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SH

_TYPE = ox.NamedNode(str(RDF.type))
_SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
_REPLACED = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf)
_MARK = "urn:histkg:focus:"
_FOCUS = ox.NamedNode("urn:histkg:focus")


@dataclass
class Targets:
    """The shapes without their class, subjects-of and objects-of targets, and those targets."""

    stripped: rdflib.Graph  #: the shapes graph less the replaced target triples
    classes: dict[Any, list[ox.NamedNode]]  #: shape -> its sh:targetClass classes
    subjects_of: dict[Any, list[ox.NamedNode]]  #: shape -> its sh:targetSubjectsOf predicates
    objects_of: dict[Any, list[ox.NamedNode]]  #: shape -> its sh:targetObjectsOf predicates
    hoisted: dict[Any, list[Any]] = field(default_factory=dict)
    """shape -> its property shapes, taken off it in ``stripped`` and targeted directly."""
    marks: dict[Any, ox.NamedNode] = field(default_factory=dict)
    """shape -> the predicate that marks its focus nodes (its, and its hoisted ones', target)."""
    sparse: dict[Any, list[tuple[ox.NamedNode, ox.NamedNode]]] = field(default_factory=dict)
    """shape -> (mark, path predicate) of each hoisted property shape that can only report on
    values of its predicate (``_sparse``): marked only on the focus nodes that have some."""


def targets(shapes: rdflib.Graph) -> Targets | None:
    """Read the replaceable targets off ``shapes``; ``None`` when a shape has targets this
    module does not replace (implicit class targets), or when the marks would be seen
    (``sh:closed``), so the caller keeps the original graph."""
    if (None, SH.closed, None) in shapes:
        return None
    for shape in shapes.subjects(RDF.type, SH.NodeShape):
        if (shape, RDF.type, RDFS.Class) in shapes or (shape, RDF.type, OWL.Class) in shapes:
            return None
    tables: list[dict[Any, list[ox.NamedNode]]] = [{}, {}, {}]
    stripped = rdflib.Graph(bind_namespaces="none")
    for prefix, namespace in shapes.namespaces():
        stripped.bind(prefix, namespace, override=True, replace=True)
    for triple in shapes:
        shape, predicate, obj = triple
        if predicate in _REPLACED and isinstance(obj, rdflib.URIRef):
            tables[_REPLACED.index(predicate)].setdefault(shape, []).append(ox.NamedNode(obj))
        else:
            stripped.add(triple)
    found = Targets(stripped, tables[0], tables[1], tables[2])
    _hoist(shapes, found)
    targeted = {*found.classes, *found.subjects_of, *found.objects_of}
    numbers = iter(range(1_000_000))
    for shape in sorted(targeted, key=str):
        mark = found.marks[shape] = ox.NamedNode(f"{_MARK}{next(numbers)}")
        for target in (shape, *found.hoisted.get(shape, ())):
            values_of = _sparse(shapes, target) if target != shape else None
            if values_of is not None:
                own = ox.NamedNode(f"{_MARK}{next(numbers)}")
                found.sparse.setdefault(shape, []).append((own, values_of))
                stripped.add((target, SH.targetObjectsOf, rdflib.URIRef(own.value)))
            else:
                stripped.add((target, SH.targetObjectsOf, rdflib.URIRef(mark.value)))
    return found


_PER_VALUE: Final = frozenset(
    {
        *(SH[name] for name in ("path", "name", "description", "message", "severity", "order")),
        *(SH[name] for name in ("group", "maxLength", "minLength", "pattern", "flags")),
        *(SH[name] for name in ("languageIn", "datatype", "nodeKind", "class", "maxCount")),
        *(SH[name] for name in ("uniqueLang", "minInclusive", "maxInclusive", "in")),
        *(SH[name] for name in ("minExclusive", "maxExclusive")),
        RDF.type,
        RDFS.label,
        RDFS.comment,
    }
)
"""What a property shape may say and still report nothing on a node without values: its path,
its texts and the constraints checked on each value node or bounded above (SHACL 4.1-4.4,
``sh:maxCount``, ``sh:uniqueLang``). Not ``sh:minCount``, ``sh:qualifiedMinCount``,
``sh:hasValue``, ``sh:equals``, SPARQL constraints...: they can fail on no values at all."""


def _sparse(shapes: rdflib.Graph, prop: Any) -> ox.NamedNode | None:
    """The predicate of a property shape with a one-predicate path whose every statement is in
    ``_PER_VALUE``; None for any other. Such a shape conforms on a focus node without values
    for its predicate, whatever else the node holds, so validating it there is wasted work."""
    path = shapes.value(prop, SH.path)
    if not isinstance(path, rdflib.URIRef):
        return None
    if any(predicate not in _PER_VALUE for predicate, _ in shapes.predicate_objects(prop)):
        return None
    return ox.NamedNode(path)


def _hoist(shapes: rdflib.Graph, found: Targets) -> None:
    """Target the property shapes of the top-level shapes directly, not through their shape.

    pySHACL evaluates a node shape's ``sh:property`` once per focus node, building the property
    shape's constraints each time (a write of 1,000 labelled nodes built 8,000); targeted
    itself, a property shape is built once for all its focus nodes. The results are the same
    (a property shape's results are reported as they are, with itself as source shape), so
    only shapes nothing else refers to (by ``sh:node``, in a list...) are changed, and not
    deactivated ones."""
    referred = set(shapes.objects())
    for shape in {*found.classes, *found.subjects_of, *found.objects_of}:
        if shape in referred or (shape, SH.deactivated, None) in shapes:
            continue
        if (shape, SH.targetNode, None) in shapes:
            continue  # its own target nodes would lose the properties
        properties = list(shapes.objects(shape, SH.property))
        for prop in properties:
            found.stripped.remove((shape, SH.property, prop))
        if properties:
            found.hoisted[shape] = properties


def focus(found: Targets, data: ox.Store, candidates: Collection[Any]) -> dict[Any, set[Any]]:
    """For each shape, the ``candidates`` its replaced targets select in ``data``: instances of
    its classes and their subclasses (as pySHACL reads them, in the data), subjects and objects
    of its predicates."""
    closure: dict[ox.NamedNode, set[Any]] = {}
    types = {
        node: {q.object for q in data.quads_for_pattern(node, _TYPE, None)}
        for node in candidates
        if not isinstance(node, ox.Literal)
    }
    chosen: dict[Any, set[Any]] = {}
    for shape, classes in found.classes.items():
        for cls in classes:
            if cls not in closure:
                closure[cls] = _subclasses(data, cls)
            for node, typed in types.items():
                if typed & closure[cls]:
                    chosen.setdefault(shape, set()).add(node)
    for shape, predicates in found.subjects_of.items():
        for predicate in predicates:
            for node in types:
                if next(data.quads_for_pattern(node, predicate, None), None) is not None:
                    chosen.setdefault(shape, set()).add(node)
    for shape, predicates in found.objects_of.items():
        for predicate in predicates:
            for node in candidates:
                if next(data.quads_for_pattern(None, predicate, node), None) is not None:
                    chosen.setdefault(shape, set()).add(node)
    return chosen


def _subclasses(data: ox.Store, cls: ox.NamedNode) -> set[Any]:
    """``cls`` and its subclasses in ``data``, transitively (pySHACL's ``transitive_subjects``)."""
    found: set[Any] = {cls}
    pending: list[Any] = [cls]
    while pending:
        for quad in data.quads_for_pattern(None, _SUBCLASS, pending.pop()):
            if quad.subject not in found:
                found.add(quad.subject)
                pending.append(quad.subject)
    return found


def marked(found: Targets, data: ox.Store, chosen: dict[Any, set[Any]]) -> None:
    """Mark in ``data`` each chosen node with its shape's predicate (``Targets.marks``), and
    with the predicate of each of its sparse property shapes where it has values for it."""
    data.extend(
        ox.Quad(_FOCUS, found.marks[shape], node, ox.DefaultGraph())
        for shape, nodes in chosen.items()
        for node in nodes
    )
    data.extend(
        ox.Quad(_FOCUS, mark, node, ox.DefaultGraph())
        for shape, nodes in chosen.items()
        for mark, predicate in found.sparse.get(shape, ())
        for node in nodes
        if not isinstance(node, ox.Literal)
        and next(data.quads_for_pattern(node, predicate, None), None) is not None
    )
