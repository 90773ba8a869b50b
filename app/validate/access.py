"""What each shape reads: the access paths of ``ontology/shapes.ttl``, from a focus node.

Property paths (`SHACL 2.3.1 <https://www.w3.org/TR/shacl/#property-paths>`_), ``sh:class``
types, nested shapes, property pairs and the triple patterns of SPARQL constraints
(`SHACL 5 <https://www.w3.org/TR/shacl/#sparql-constraints>`_) are read off the shapes graph
once, as a trie of steps; ``app.validate.incremental`` walks them to find what a change can
reach. A shape whose reach cannot be bounded (``sh:zeroOrMorePath``...) raises ``_Unsupported``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH

# ------------------------------------------------------------------ incremental validation
#
# Why it works: a focus node's SHACL outcome depends only on the triples its shapes' paths reach
# from it (property paths, sh:class types, sh:node shapes, property pairs and the triple patterns
# of SPARQL constraints), plus the subclass axioms. ``_access`` reads those paths off the shapes
# graph once, as a trie of steps from the focus node. A change can then only alter the outcome
# of the nodes that reach a changed triple along some path (found by walking the paths backwards
# from the change), and those nodes are validated on the triples their paths reach (found by
# walking forwards), fetched with pattern lookups. Both walks cost what the change touches, not
# what the store holds.

#: One step of an access path: ``out``/``in`` follow a triple forwards/backwards (``None``:
#: any predicate), ``graph`` goes from a graph name to the subjects and objects of its quads,
#: ``ingraph`` from a subject to the graphs it is stated in.
_Step = tuple[str, str | None]

#: A pattern lookup on one state of the data: (subject, predicate, object, graph) with ``None``
#: for any; a ``None`` graph matches every graph. ``Store.match`` and a pyoxigraph store's
#: ``quads_for_pattern`` both are one.
Match = Callable[[Any, Any, Any, Any], Iterable[ox.Quad]]

_MAX_DEPTH: Final = 8
_SUBCLASS: Final = ox.NamedNode(str(rdflib.RDFS.subClassOf))


class _Unsupported(Exception):
    """A shape whose reach cannot be bounded (``sh:zeroOrMorePath``...): validate everything."""


@dataclass
class _Trie:
    """Access paths sharing their prefixes: ``children[step]`` continues a path by ``step``."""

    children: dict[_Step, _Trie] = field(default_factory=dict)

    def add(self, path: Sequence[_Step]) -> None:
        node = self
        for step in path:
            node = node.children.setdefault(step, _Trie())

    def paths(self, prefix: tuple[_Step, ...] = ()) -> Iterator[tuple[_Step, ...]]:
        """Every path from the root (every prefix too)."""
        for step, child in self.children.items():
            yield (*prefix, step)
            yield from child.paths((*prefix, step))


@dataclass
class _Access:
    """What the shapes read: paths from a focus node, and from the values of global shapes."""

    anchored: _Trie  #: paths from any focus node
    global_paths: _Trie  #: paths from the ``?value`` of SPARQL constraints that scan the graph
    global_focus: frozenset[str]  #: focus nodes (targetNode IRIs) of those constraints


class _Patterns:
    """A shape's reads as a graph of pattern nodes (``?this`` is the focus) and steps."""

    ROOT: Final = "?this"

    def __init__(self) -> None:
        #: node -> (step, target, the graph pattern node the triple pattern is inside)
        self.edges: dict[str, list[tuple[_Step, str, str | None]]] = {}
        self._fresh = 0

    def fresh(self) -> str:
        self._fresh += 1
        return f"_{self._fresh}"

    def edge(self, source: str, step: _Step, target: str, graph: str | None = None) -> None:
        self.edges.setdefault(source, []).append((step, target, graph))
        self.edges.setdefault(target, [])

    def triple(self, subject: str, predicate: str | None, obj: str, graph: str | None) -> None:
        """A triple pattern; followed backwards only with a known predicate (a scan else)."""
        self.edge(subject, ("out", predicate), obj, graph)
        if predicate is not None:
            self.edge(obj, ("in", predicate), subject, graph)
        if graph is not None:
            self.edge(graph, ("graph", None), subject)
            self.edge(graph, ("graph", None), obj)
            self.edge(subject, ("ingraph", None), graph)

    def trie(self, root: str) -> tuple[_Trie, set[str]]:
        """Paths from ``root`` along shortest routes, plus the steps that close cycles (so
        that every triple pattern between two reached nodes is fetched, from its subject's
        side when it can be, and not at all inside a graph already read whole); and the
        pattern nodes ``root`` does not reach."""
        distance = {root: 0}
        queue = [root]
        for node in queue:
            for _step, target, _graph in self.edges.get(node, []):
                if target not in distance:
                    distance[target] = distance[node] + 1
                    queue.append(target)
        trie = _Trie()

        def walk(node: str, prefix: tuple[_Step, ...]) -> None:
            if len(prefix) >= _MAX_DEPTH:
                raise _Unsupported(f"a path deeper than {_MAX_DEPTH} steps")
            for step, target, graph in self.edges.get(node, []):
                if distance[target] == distance[node] + 1:
                    trie.add((*prefix, step))
                    walk(target, (*prefix, step))
                elif step[0] in ("out", "graph") and graph not in distance:
                    trie.add((*prefix, step))

        walk(root, ())
        return trie, set(self.edges) - set(distance)


def _merge(into: _Trie, other: _Trie) -> None:
    for step, child in other.children.items():
        _merge(into.children.setdefault(step, _Trie()), child)


def _access(shapes: rdflib.Graph) -> _Access:
    """Read the access paths off every shape that has targets (see the section comment)."""
    anchored, global_paths = _Trie(), _Trie()
    anchored.add([("out", str(RDF.type))])  # class targets, for every focus node
    global_focus: set[str] = set()
    for predicate in (SH.targetSubjectsOf, SH.targetObjectsOf):
        direction = "out" if predicate == SH.targetSubjectsOf else "in"
        for iri in shapes.objects(None, predicate):
            anchored.add([(direction, str(iri))])
    targeted = {
        shape
        for predicate in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
        for shape in shapes.subjects(predicate, None)
    }
    for shape in sorted(targeted, key=str):
        patterns = _Patterns()
        scans = _shape_reads(shapes, shape, _Patterns.ROOT, patterns, 0)
        trie, unreached = patterns.trie(_Patterns.ROOT)
        _merge(anchored, trie)
        for value in scans:
            if value in unreached:
                # A scan's results are kept when their value is a node of the change; that
                # holds for fixed focus nodes, not for a scan run from every instance of a class.
                if any(
                    True
                    for t in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf)
                    for _ in shapes.objects(shape, t)
                ):
                    raise _Unsupported(f"{shape} scans the graph from every focus node")
                value_trie, still = patterns.trie(value)
                unreached -= set(patterns.edges) - still
                _merge(global_paths, value_trie)
                global_focus.update(str(node) for node in shapes.objects(shape, SH.targetNode))
        if unreached:
            raise _Unsupported(f"{shape} reads data not connected to its focus node")
    return _Access(anchored, global_paths, frozenset(global_focus))


def _shape_reads(
    shapes: rdflib.Graph, shape: Any, focus: str, patterns: _Patterns, depth: int
) -> list[str]:
    """Add what ``shape`` reads from ``focus`` to ``patterns``; return the ``?value`` nodes
    of its SPARQL constraints (a scan when ``focus`` does not reach them)."""
    if depth > _MAX_DEPTH:
        raise _Unsupported(f"shapes nested deeper than {_MAX_DEPTH} at {shape}")
    path = shapes.value(shape, SH.path)
    values = [focus] if path is None else _path_reads(shapes, path, focus, patterns, 0)
    scans: list[str] = []
    for value in values:
        for cls in shapes.objects(shape, SH["class"]):
            patterns.edge(value, ("out", str(RDF.type)), f"<{cls}>")
        nested = [
            *shapes.objects(shape, SH.node),
            *shapes.objects(shape, SH.property),
            *shapes.objects(shape, SH.qualifiedValueShape),
            *shapes.objects(shape, SH["not"]),
        ]
        for connective in (SH["or"], SH["and"], SH.xone):
            for members in shapes.objects(shape, connective):
                nested += list(shapes.items(members))
        for member in nested:
            scans += _shape_reads(shapes, member, value, patterns, depth + 1)
        if (shape, SH.closed, rdflib.Literal(True)) in shapes:
            patterns.edge(value, ("out", None), patterns.fresh())
    for pair in (SH.lessThan, SH.lessThanOrEquals, SH.equals, SH.disjoint):
        for other in shapes.objects(shape, pair):
            patterns.edge(focus, ("out", str(other)), patterns.fresh())
    for constraint in shapes.objects(shape, SH.sparql):
        scans += _sparql_reads(shapes, constraint, focus, patterns)
    return scans


def _path_reads(
    shapes: rdflib.Graph, path: Any, start: str, patterns: _Patterns, depth: int
) -> list[str]:
    """Add a SHACL property path from ``start``; return the pattern nodes of its values."""
    if depth > _MAX_DEPTH:
        raise _Unsupported("a property path nested too deep")
    if isinstance(path, rdflib.URIRef):
        end = patterns.fresh()
        patterns.triple(start, str(path), end, None)
        return [end]
    items = list(shapes.items(path))
    if items:
        ends = [start]
        for item in items:
            ends = [
                e for node in ends for e in _path_reads(shapes, item, node, patterns, depth + 1)
            ]
        return ends
    inverse = shapes.value(path, SH.inversePath)
    if isinstance(inverse, rdflib.URIRef):
        end = patterns.fresh()
        patterns.triple(end, str(inverse), start, None)
        return [end]
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return [
            end
            for item in shapes.items(alternatives)
            for end in _path_reads(shapes, item, start, patterns, depth + 1)
        ]
    raise _Unsupported(
        f"property path {path} (only predicates, sequences, inverse and alternatives)"
    )


def _sparql_reads(
    shapes: rdflib.Graph, constraint: Any, focus: str, patterns: _Patterns
) -> list[str]:
    """Add the triple patterns of a SPARQL constraint, parsed with rdflib's SPARQL parser."""
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    namespaces = {
        str(shapes.value(declared, SH.prefix)): rdflib.URIRef(
            str(shapes.value(declared, SH.namespace))
        )
        for declared in shapes.objects(None, SH.declare)
    }
    select = shapes.value(constraint, SH.select)
    if select is None:
        raise _Unsupported(f"SPARQL constraint {constraint} without sh:select")
    scope = patterns.fresh()

    def term(node: Any) -> str:
        if isinstance(node, rdflib.Variable):
            return focus if str(node) == "this" else f"?{scope}:{node}"
        if isinstance(node, rdflib.BNode):  # a variable too, that cannot be projected
            return f"?{scope}:_:{node}"
        if isinstance(node, rdflib.URIRef):
            return f"<{node}>"
        return patterns.fresh()  # a literal

    def add(subject: Any, predicate: Any, obj: Any, graph: str | None) -> None:
        from rdflib import paths

        s, o = term(subject), term(obj)
        if isinstance(predicate, rdflib.URIRef | rdflib.Variable):
            iri = str(predicate) if isinstance(predicate, rdflib.URIRef) else None
            patterns.triple(s, iri, o, graph)
        elif isinstance(predicate, paths.InvPath):
            add(obj, predicate.arg, subject, graph)
        elif isinstance(predicate, paths.SequencePath):
            nodes = [subject] + [rdflib.Variable(patterns.fresh()) for _ in predicate.args[1:]]
            nodes.append(obj)
            for index, part in enumerate(predicate.args):
                add(nodes[index], part, nodes[index + 1], graph)
        elif isinstance(predicate, paths.AlternativePath):
            for part in predicate.args:
                add(subject, part, obj, graph)
        else:
            raise _Unsupported(f"SPARQL path {predicate} in {constraint}")

    def walk(node: Any, graph: str | None) -> None:
        if isinstance(node, CompValue):
            if node.name in ("Graph", "GraphGraphPattern"):
                graph = term(node["term"])
            triples = node.get("triples") if node.name in ("BGP", "TriplesBlock") else None
            for triple in triples or []:
                flat = list(triple)
                for index in range(0, len(flat) - 2, 3):
                    add(flat[index], flat[index + 1], flat[index + 2], graph)
            for value in node.values():
                walk(value, graph)
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item, graph)

    try:
        query = prepareQuery(_without_expressions(str(select)), initNs=namespaces)
    except Exception as error:  # rdflib raises pyparsing's exception types
        raise _Unsupported(f"SPARQL constraint {constraint}: {error}") from None
    walk(query.algebra, None)
    return [f"?{scope}:value"] if f"?{scope}:value" in patterns.edges else []


_EXPRESSION: Final = re.compile(r"\b(BIND|FILTER)\s*\(", re.IGNORECASE)


def _without_expressions(sparql: str) -> str:
    """The query without its ``BIND (...)`` and ``FILTER (...)`` expressions, unless they hold
    an ``EXISTS``: they read no triples, and rdflib's parser spends most of its time on them
    (the time-span constraint's date arithmetic above all)."""
    kept: list[str] = []
    position = 0
    for found in _EXPRESSION.finditer(sparql):
        if found.start() < position:
            continue  # inside an expression already dropped
        end = _closing_parenthesis(sparql, found.end() - 1)
        if end is None or "EXISTS" in sparql[found.start() : end].upper():
            continue
        kept.append(sparql[position : found.start()])
        position = end + 1
    return "".join(kept) + sparql[position:]


def _closing_parenthesis(text: str, opening: int) -> int | None:
    """The index of the ``)`` that closes ``text[opening]``, skipping string literals."""
    depth, index, quote = 0, opening, ""
    while index < len(text):
        character = text[index]
        if quote:
            if character == "\\":
                index += 1
            elif character == quote:
                quote = ""
        elif character in "\"'":
            quote = character
        elif character == "(":
            depth += 1
        elif character == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None
