"""SHACL validation of curated or given RDF files against ``ontology/shapes.ttl``.

The generated ``ontology/shapes-*.ttl`` beside it (CRM domains and ranges, ``app.crm_shapes``)
are read with it everywhere.

This is the data layer behind ``histkg validate`` and the web validation view; it knows nothing of
HTTP or the terminal. ``validate_paths`` returns a ``ValidationReport`` (values, not output), and
raises ``ValidationRunError`` only when validation cannot run at all: a missing or unparsable
file, or a broken shapes graph. Data that does not conform is a normal report, not an error.

Why it is built the way it is:

* Files are parsed by ``app.sources``, the parser the store uses, so validation sees exactly the
  quads a load would write: same base IRI, same graph per file, TriG named graphs kept (claims
  are named graphs).
* The ontology files are always part of the data graph. The CRM subclass axioms make
  ``sh:targetClass crm:E5_Event`` reach ``E7_Activity`` and ``E65_Creation`` instances (without
  them pyshacl silently skips those), and ``concepts.ttl`` lets shapes check that a type is a
  concept of the right scheme. pyshacl's ``ont_graph`` would only repeat the axioms at the cost
  of a copy of the data, so it is not used.
* pyshacl (0.40 or later) runs on a pyoxigraph ``Store``, not an rdflib ``Dataset``. Both are
  validated as the union of their graphs and both support ``GRAPH $this`` in SPARQL
  constraints, but rdflib re-parses a SPARQL constraint for every focus node: the curated data
  took ~6 s that way, against ~0.4 s here (about 0.1 s per thousand quads; ten copies of the
  curated data, 30k quads, take ~3 s).
* ``app.sources`` skolemizes blank nodes into ``/.well-known/genid/`` IRIs. They are turned back
  into blank nodes here so that ``sh:nodeKind sh:IRI`` still catches them.
* A batch checked against a stored graph (``validate_against_store``, ``histkg validate
  --against-store``; writes use ``validate_change``) is validated incrementally, so its cost
  follows the batch and not the store: the paths the shapes read are derived from
  ``shapes.ttl`` (property paths, ``sh:class`` types, nested shapes, SPARQL triple patterns),
  the nodes whose results can change are found by walking them back from the changed triples,
  and only those are validated, on what their paths reach (pattern lookups, ``Store.match``).
  ``tests/test_validate_incremental.py`` holds it to the full validation's results.
"""

from __future__ import annotations

import functools
import gc
import re
import time
import warnings
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pyoxigraph as ox
import rdflib
from pyshacl import validate as pyshacl_validate
from pyshacl.errors import ReportableRuntimeError
from pyshacl.graph_abstraction import OxigraphDataGraph
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from rdflib.namespace import RDF, SH, NamespaceManager

from app.errors import HistkgError, ValidationRunError
from app.settings import Settings
from app.sources import (
    GENID_BASE,
    ParsedSource,
    Source,
    curated_sources,
    parse_source,
    user_source,
)

if TYPE_CHECKING:
    from app.store import Store

__all__ = [
    "Match",
    "ValidationReport",
    "ValidationResult",
    "before_change",
    "shapes_path",
    "validate_against_store",
    "validate_change",
    "validate_paths",
    "validate_quads",
]

SHAPES_FILE: Final = Path("ontology") / "shapes.ttl"

#: Prefixes for paths and shape names in reports, besides those the shapes file binds.
_PREFIXES: Final = {
    "id": "https://w3id.org/histkg/id/",
    "wd": "http://www.wikidata.org/entity/",
}

_SEVERITIES: Final = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, flattened into strings a curator and a JSON client can both read."""

    file: str  #: file where the focus node is described (a subject), "" if none is known
    focus_node: str  #: full IRI, or ``_:id`` for a blank node
    path: str  #: the property path with prefixes (``crm:P4_has_time-span``), "" for node checks
    message: str  #: what is wrong and how to fix it (the shape's ``sh:message``)
    severity: str  #: ``Violation``, ``Warning`` or ``Info``
    shape: str  #: the source shape: ``hks:EventShape``, or ``hks:EventShape/event type``
    component: str  #: the constraint component, e.g. ``sh:MinCountConstraintComponent``
    value: str  #: the offending value (IRI, ``_:id`` or literal in N-Triples form), or ""

    def to_json(self) -> dict[str, str]:
        """Return the result as a JSON object with the field names as keys."""
        return asdict(self)

    def to_line(self) -> str:
        """Return ``file: <node> path: message``, the one-line form of ``to_text``."""
        where = self.file or "(no file)"
        node = self.focus_node if self.focus_node.startswith("_:") else f"<{self.focus_node}>"
        path = f" {self.path}" if self.path else ""
        level = "" if self.severity == "Violation" else f"{self.severity.lower()}: "
        value = f" [value: {self.value}]" if self.value and self.value != self.focus_node else ""
        return f"{where}: {node}{path}: {level}{self.message}{value}"


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of one validation run: conformance, results, and how long it took."""

    conforms: bool  #: true when there is no violation (warnings allowed)
    results: list[ValidationResult]  #: sorted by file, focus node and path
    elapsed: float  #: seconds spent parsing and validating
    files: list[str] = field(default_factory=list)  #: the files validated (ontology included)

    def count(self, severity: str) -> int:
        """Return how many results have the given severity (``Violation``, ``Warning``...)."""
        return sum(1 for result in self.results if result.severity == severity)

    def to_json(self) -> dict[str, Any]:
        """Return the report as JSON-ready data; ``results`` keeps the report's order."""
        return {
            "conforms": self.conforms,
            "violations": self.count("Violation"),
            "warnings": self.count("Warning"),
            "elapsed": round(self.elapsed, 3),
            "files": list(self.files),
            "results": [result.to_json() for result in self.results],
        }

    def to_text(self) -> str:
        """Return one line per result, then a summary line."""
        lines = [result.to_line() for result in self.results]
        violations, warnings_ = self.count("Violation"), self.count("Warning")
        verdict = "conforms" if self.conforms else "does not conform"
        lines.append(
            f"{verdict}: {violations} violation{'s' * (violations != 1)}, "
            f"{warnings_} warning{'s' * (warnings_ != 1)} in {len(self.files)} "
            f"file{'s' * (len(self.files) != 1)} ({self.elapsed:.2f} s)"
        )
        return "\n".join(lines)


def shapes_path(project_dir: Path) -> Path:
    """Return the shapes file of a project: ``ontology/shapes.ttl``."""
    return project_dir / SHAPES_FILE


def validate_paths(
    paths: list[Path] | None, project_dir: Path, *, base_iri: str | None = None
) -> ValidationReport:
    """Validate the curated graph (``paths=None``) or the given files against the shapes.

    The ontology (``ontology/*`` except the shapes) is always added to the data graph, so that
    subclass targets and concept schemes resolve. ``base_iri`` resolves relative IRIs as the
    store does (default: the ``base_iri`` setting's default). Raises ``ValidationRunError`` when
    a file is missing or unparsable or the shapes are broken.
    """
    started = time.perf_counter()
    base = base_iri or str(Settings.model_fields["base_iri"].default)
    shapes = _load_shapes(shapes_path(project_dir))
    parsed = [_parse(source, base) for source in _sources(paths, project_dir)]
    store, index = _build_store(parsed)
    report_graph = _run_pyshacl(store, shapes, shapes_path(project_dir))
    results = sorted(
        set(_results(report_graph, shapes, index)),
        key=lambda r: (r.file, r.focus_node, r.path, r.shape, r.value, r.message),
    )
    return ValidationReport(
        conforms=not any(result.severity == "Violation" for result in results),
        results=results,
        elapsed=time.perf_counter() - started,
        files=[item.source.label for item in parsed],
    )


def validate_quads(
    quads: Iterable[ox.Quad], project_dir: Path, *, focus: Collection[str] | None = None
) -> ValidationReport:
    """Validate a whole dataset given as quads (store contents, genid IRIs included).

    Used to check a write before it commits (``app.writes``): ``quads`` is the state the store
    would have afterwards, ontology graphs included. ``focus`` keeps only results whose focus node
    (full IRI or ``_:id``, as in ``ValidationResult.focus_node``) is in it: the nodes the write
    touched, so a violation elsewhere in the graph does not block an unrelated write.
    """
    started = time.perf_counter()
    shapes = _load_shapes(shapes_path(project_dir))
    store = ox.Store()
    store.extend(
        ox.Quad(_blank(q.subject), q.predicate, _blank(q.object), q.graph_name) for q in quads
    )
    report_graph = _run_pyshacl(store, shapes, shapes_path(project_dir))
    results = sorted(
        (
            r
            for r in set(_results(report_graph, shapes, _FileIndex()))
            if focus is None or r.focus_node in focus
        ),
        key=lambda r: (r.focus_node, r.path, r.shape, r.value, r.message),
    )
    return ValidationReport(
        conforms=not any(result.severity == "Violation" for result in results),
        results=results,
        elapsed=time.perf_counter() - started,
        files=[],
    )


def node_key(term: object) -> str:
    """How a report names ``term`` as a focus node: its IRI, or ``_:id`` (genid IRIs too)."""
    return _ox_key(_blank(term))


# ------------------------------------------------------------------ inputs


def _load_shapes(path: Path) -> rdflib.Graph:
    """Parse the shapes file, and its generated siblings ``shapes-*.ttl``, with rdflib.

    pyshacl reads shapes through rdflib. The siblings (``shapes-crm.ttl``, generated by
    ``app.crm_shapes`` from the CRM domains and ranges) are read with the hand-written file so
    that every way of validating applies the same shapes.
    """
    if not path.is_file():
        raise ValidationRunError(
            f"{path}: shapes file not found",
            hint="Run from the project directory, or point HISTKG_PROJECT_DIR at it.",
        )
    graph = rdflib.Graph()
    for part in [path, *sorted(path.parent.glob(f"{path.stem}-*{path.suffix}"))]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                graph.parse(part, format="turtle")
        except Exception as error:  # rdflib raises parser-specific exception types
            raise ValidationRunError(
                f"{part}: the shapes file cannot be parsed: {error}",
                hint="Fix the Turtle syntax of the shapes file; no data was validated.",
            ) from None
    return graph


def _sources(paths: list[Path] | None, project_dir: Path) -> list[Source]:
    """The curated sources, or the ontology sources plus the given files."""
    try:
        curated = curated_sources(project_dir)
        if paths is None:
            return curated
        given = [user_source(path) for path in paths]
    except HistkgError as error:
        raise ValidationRunError(error.message, hint=error.hint) from None
    given_files = {source.path.resolve() for source in given}
    ontology_dir = (project_dir / "ontology").resolve()
    ontology = [
        source
        for source in curated
        if source.path.resolve().parent == ontology_dir and source.path.resolve() not in given_files
    ]
    return ontology + given


def _parse(source: Source, base_iri: str) -> ParsedSource:
    """Parse one file; turn the store's parse error into a could-not-run error."""
    try:
        return parse_source(source, base_iri=base_iri)
    except HistkgError as error:
        raise ValidationRunError(
            error.message,
            hint="Fix the syntax error at that position and validate again; nothing was checked.",
        ) from None


@dataclass
class _FileIndex:
    """Where each node is described: the file of its ``rdf:type``, else its first subject."""

    typed: dict[str, str] = field(default_factory=dict)
    subject: dict[str, str] = field(default_factory=dict)
    graph: dict[str, str] = field(default_factory=dict)

    def file_of(self, *nodes: str) -> str:
        for table in (self.typed, self.subject, self.graph):
            for node in nodes:
                if node in table:
                    return table[node]
        return ""


def _build_store(parsed: list[ParsedSource]) -> tuple[ox.Store, _FileIndex]:
    """Put all quads in one in-memory oxigraph store and index which file describes what."""
    store = ox.Store()
    index = _FileIndex()
    quads: list[ox.Quad] = []
    for item in parsed:
        label = item.source.label
        for quad in _unskolemized(item):
            quads.append(quad)
            key = _ox_key(quad.subject)
            index.subject.setdefault(key, label)
            if quad.predicate == _OX_TYPE:
                index.typed.setdefault(key, label)
            if isinstance(quad.graph_name, ox.NamedNode):
                index.graph.setdefault(quad.graph_name.value, label)
    store.extend(quads)
    return store, index


_OX_TYPE: Final = ox.NamedNode(str(RDF.type))


def _unskolemized(item: ParsedSource) -> Iterator[ox.Quad]:
    """Yield the quads of a parsed file with genid IRIs turned back into blank nodes."""
    for quad in item.quads:
        subject, obj = quad.subject, quad.object
        if isinstance(subject, ox.Triple) or isinstance(obj, ox.Triple):
            raise ValidationRunError(
                f"{item.source.label}: has an RDF 1.2 quoted triple; pySHACL cannot read those",
                hint="Keep the data to RDF 1.1 plus named graphs (see shared/MODELLING.md).",
            )
        yield ox.Quad(_blank(subject), quad.predicate, _blank(obj), quad.graph_name)


def _blank(term: Any) -> Any:
    if isinstance(term, ox.NamedNode) and term.value.startswith(GENID_BASE):
        return ox.BlankNode(term.value[len(GENID_BASE) :])
    return term


def _ox_key(term: Any) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else str(term.value)


# ------------------------------------------------------------------ running pyshacl


def _check_sparql_once() -> None:
    """Make pyshacl check each SPARQL constraint's text once, not once per focus node.

    pyshacl 0.40.1 runs ``SPARQLQueryHelper.check_invalid_sparql`` (no MINUS, VALUES, SERVICE,
    nested SELECT without ``$this``) before every evaluation, and its ``^(?:[^#]*|M)...``
    patterns backtrack on every line of the query (the time-span constraint has 50): that was
    40 to 50 per cent of all validation time (curated data 0.67 s -> 0.41 s, a 17k-quad
    synthetic graph 8.6 s -> 4.2 s). The verdict depends only on the text, whether a value
    node is bound and the extra variables, so it is remembered by those.
    """
    original = SPARQLQueryHelper.check_invalid_sparql
    if getattr(original, "histkg_cached", False):
        return
    passed: set[tuple[str, bool, tuple[str, ...]]] = set()

    def check(
        self: SPARQLQueryHelper,
        sparql_text: str,
        valuenode: Any = None,
        extravars: Any = None,
    ) -> bool:
        key = (sparql_text, valuenode is not None, tuple(sorted(extravars or ())))
        if key not in passed:
            original(self, sparql_text, valuenode=valuenode, extravars=extravars)  # type: ignore[no-untyped-call]
            passed.add(key)
        return True

    check.histkg_cached = True  # type: ignore[attr-defined]
    SPARQLQueryHelper.check_invalid_sparql = check  # type: ignore[method-assign]


_check_sparql_once()


class _StoreGraph(OxigraphDataGraph):
    """pyshacl's view of an oxigraph store, never empty when tested for truth.

    pyshacl 0.40.1 writes ``datagraph or shapes_graph`` for every result it builds, nested ones
    too; on an oxigraph store that truth test is ``len()``, a count of the whole store. That made
    validation quadratic: 0.8 s on the curated data but 44 s on ten copies of it. (Fixed in
    pyshacl 0.40.2; this class is then redundant but harmless.)
    """

    def __bool__(self) -> bool:
        return True


def _run_pyshacl(store: ox.Store, shapes: rdflib.Graph, shapes_file: Path) -> rdflib.Graph:
    """Run pyshacl on the union of the store's graphs; return the report graph.

    rdflib's deprecation warnings from inside pyshacl are silenced here: with warnings turned
    into errors (as under pytest) they would abort SPARQL constraints half-way.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            _conforms, report, _text = pyshacl_validate(
                _StoreGraph(store),
                shacl_graph=shapes,
                inference="none",
                advanced=False,
                allow_warnings=True,
                abort_on_first=False,
            )
    except (ReportableRuntimeError, SyntaxError, ValueError) as error:
        raise ValidationRunError(
            f"{shapes_file}: the shapes cannot be applied: {error}",
            hint="Check the shape named in the message (SPARQL syntax, sh:path, lists).",
        ) from None
    if not isinstance(report, rdflib.Graph):
        raise ValidationRunError(f"{shapes_file}: pySHACL returned no report graph")
    return report


# ------------------------------------------------------------------ reading the report


def _results(
    report: rdflib.Graph, shapes: rdflib.Graph, index: _FileIndex
) -> Iterator[ValidationResult]:
    names = _namespace_manager(shapes)
    # Only the report's own sh:result nodes: nested results (sh:detail of sh:node, sh:or...)
    # are typed sh:ValidationResult too but explain a parent result rather than add one.
    top_level = (
        node
        for report_node in report.subjects(RDF.type, SH.ValidationReport)
        for node in report.objects(report_node, SH.result)
    )
    for node in top_level:
        focus = report.value(node, SH.focusNode)
        value = report.value(node, SH.value)
        path = report.value(node, SH.resultPath)
        focus_text = _node_text(focus)
        value_text = _node_text(value)
        messages = sorted(str(m) for m in report.objects(node, SH.resultMessage))
        yield ValidationResult(
            file=index.file_of(focus_text, value_text),
            focus_node=focus_text,
            path=_path_text(report, path, names) if path is not None else "",
            message=" ".join(messages),
            severity=_severity(report.value(node, SH.resultSeverity)),
            shape=_shape_text(report.value(node, SH.sourceShape), shapes, names),
            component=_short(report.value(node, SH.sourceConstraintComponent), names),
            value=value_text,
        )


def _severity(node: Any) -> str:
    return _SEVERITIES.get(node, "Violation") if isinstance(node, rdflib.URIRef) else "Violation"


def _namespace_manager(shapes: rdflib.Graph) -> NamespaceManager:
    names = NamespaceManager(rdflib.Graph(), bind_namespaces="none")
    for prefix, namespace in shapes.namespaces():
        names.bind(prefix, namespace, override=True, replace=True)
    for prefix, iri in _PREFIXES.items():
        names.bind(prefix, iri, override=False)
    return names


def _short(node: Any, names: NamespaceManager) -> str:
    """Return ``prefix:local`` for an IRI with a known prefix, else ``<iri>``."""
    if isinstance(node, rdflib.URIRef):
        iri = str(node)
        for prefix, namespace in names.namespaces():
            if prefix and iri.startswith(str(namespace)) and len(iri) > len(str(namespace)):
                return f"{prefix}:{iri[len(str(namespace)) :]}"
        return f"<{iri}>"
    return "" if node is None else _node_text(node)


def _node_text(node: Any) -> str:
    if node is None:
        return ""
    if isinstance(node, rdflib.BNode):
        return f"_:{node}"
    if isinstance(node, rdflib.Literal):
        return str(node.n3())
    return str(node)


def _path_text(graph: rdflib.Graph, path: Any, names: NamespaceManager, depth: int = 0) -> str:
    """Render a SHACL property path in SPARQL syntax, with prefixes."""
    if isinstance(path, rdflib.URIRef) or depth > 8:
        return _short(path, names)
    items = list(graph.items(path))
    if items:
        return "/".join(_path_text(graph, item, names, depth + 1) for item in items)
    unary = {
        SH.inversePath: "^{}",
        SH.zeroOrMorePath: "({})*",
        SH.oneOrMorePath: "({})+",
        SH.zeroOrOnePath: "({})?",
    }
    for predicate, template in unary.items():
        inner = graph.value(path, predicate)
        if inner is not None:
            return template.format(_path_text(graph, inner, names, depth + 1))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        options = [_path_text(graph, item, names, depth + 1) for item in graph.items(alternatives)]
        return "(" + "|".join(options) + ")"
    return _node_text(path)


def _shape_text(shape: Any, shapes: rdflib.Graph, names: NamespaceManager) -> str:
    """Name a shape: its IRI, or ``parent/sh:name`` for an anonymous property shape."""
    if isinstance(shape, rdflib.URIRef):
        return _short(shape, names)
    label = shapes.value(shape, SH.name)
    parents = list(_parents(shapes, shape))
    parent = _short(parents[0], names) if parents else ""
    if label is not None:
        return f"{parent}/{label}" if parent else str(label)
    return parent or _node_text(shape)


def _parents(shapes: rdflib.Graph, shape: Any) -> Iterable[Any]:
    for predicate in (SH.property, SH.node, SH.qualifiedValueShape, SH["not"]):
        yield from shapes.subjects(predicate, shape)


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
    (0.4 s for the time-span constraint's date arithmetic, against 0.01 s for the rest)."""
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


def validate_change(
    after: Match,
    added: Collection[ox.Quad],
    removed: Collection[ox.Quad],
    project_dir: Path,
    *,
    also: Collection[str] = (),
) -> ValidationReport:
    """Validate a change to a graph by the nodes it can affect, not the whole graph.

    ``after`` looks up the state after the change (a ``Store.match`` or a pyoxigraph store's
    ``quads_for_pattern``); ``added`` and ``removed`` are the quads the change adds and removes
    (genid IRIs as the store has them). The report holds every result a full validation of that
    state has on the nodes the change can affect, and nothing else: when the state before
    conformed, it is the full validation's report. Subclass axioms that change, or shapes whose
    reach cannot be bounded, make it validate the whole state instead. ``also`` names more
    focus nodes to validate (``node_key`` form: IRIs, ``_:id`` for genid IRIs).
    """
    started = time.perf_counter()
    extra: list[Any] = [ox.NamedNode(key) for key in also if not key.startswith("_:")]
    for key in (key[2:] for key in also if key.startswith("_:")):
        extra += [ox.NamedNode(GENID_BASE + key), ox.BlankNode(key)]  # skolemized, or not
    results = _check_change(after, added, removed, shapes_path(project_dir), _FileIndex(), extra)
    return _report(results, started, [])


def validate_against_store(
    paths: Sequence[Path], store: Store, project_dir: Path
) -> ValidationReport:
    """Validate files as ``histkg load FILE...`` would leave the store, without loading them.

    The files' graphs replace the store's graphs of the same names, as a load does; the data
    graph handed to pyshacl is the files plus what the shapes can reach from the nodes they
    change (``validate_change``), fetched with ``Store.match``, so a page batch costs about the
    same on a thousand triples or a million.
    """
    started = time.perf_counter()
    try:
        sources = [user_source(path) for path in paths]
    except HistkgError as error:
        raise ValidationRunError(error.message, hint=error.hint) from None
    parsed = [_parse(source, store.base_iri) for source in sources]
    batch = ox.Store()
    index = _FileIndex()
    dropped: set[ox.NamedNode] = set()
    for item in parsed:
        dropped |= set(item.graphs)
        batch.extend(item.quads)
        for quad in _unskolemized(item):  # file labels for the report, as validate_paths has
            key = _ox_key(quad.subject)
            index.subject.setdefault(key, item.source.label)
            if quad.predicate == _OX_TYPE:
                index.typed.setdefault(key, item.source.label)
    new = set(batch)
    old = {quad for graph in dropped for quad in store.match(None, None, None, graph)}
    results = _check_change(
        _overlay(store.match, dropped, batch),
        new - old,
        old - new,
        shapes_path(project_dir),
        index,
        (),
    )
    return _report(results, started, [item.source.label for item in parsed])


def _report(results: list[ValidationResult], started: float, files: list[str]) -> ValidationReport:
    return ValidationReport(
        conforms=not any(result.severity == "Violation" for result in results),
        results=results,
        elapsed=time.perf_counter() - started,
        files=files,
    )


def _overlay(base: Match, dropped: Collection[Any], extra: ox.Store) -> Match:
    """``base`` without the quads of the graphs ``dropped``, plus the quads of ``extra``."""

    def match(subject: Any, predicate: Any, obj: Any, graph: Any) -> Iterator[ox.Quad]:
        if graph is None or graph not in dropped:
            for quad in base(subject, predicate, obj, graph):
                if quad.graph_name not in dropped:
                    yield quad
        yield from extra.quads_for_pattern(subject, predicate, obj, graph)

    return match


def before_change(after: Match, added: Collection[ox.Quad], removed: Collection[ox.Quad]) -> Match:
    """The state before a change, as a lookup on the state ``after`` it (no copy)."""
    minus = added if isinstance(added, set | frozenset) else set(added)
    extra = ox.Store()
    extra.extend(removed)

    def match(subject: Any, predicate: Any, obj: Any, graph: Any) -> Iterator[ox.Quad]:
        yield from (quad for quad in after(subject, predicate, obj, graph) if quad not in minus)
        yield from extra.quads_for_pattern(subject, predicate, obj, graph)

    return match


@functools.lru_cache(maxsize=4)
def _shapes_cached(path: str, mtime: float) -> tuple[rdflib.Graph, _Access | None]:
    """The shapes graph and its access paths (None when they cannot be bounded).

    rdflib's SPARQL parser leaves reference cycles of exceptions and frames behind, and those
    frames reach our callers' locals: a ``Store`` there would keep its directory locked until
    the garbage collector ran. Collecting once, here, after the parse releases them.
    """
    del mtime  # part of the cache key only: an edited shapes file is read again
    shapes = _load_shapes(Path(path))
    try:
        access: _Access | None = _access(shapes)
    except _Unsupported:
        access = None
    gc.collect()
    return shapes, access


def _check_change(
    after: Match,
    added: Collection[ox.Quad],
    removed: Collection[ox.Quad],
    shapes_file: Path,
    index: _FileIndex,
    also: Collection[Any],
) -> list[ValidationResult]:
    """Validate the nodes ``added``/``removed`` can affect (and ``also``) in the state ``after``."""
    try:
        siblings = shapes_file.parent.glob(f"{shapes_file.stem}-*{shapes_file.suffix}")
        mtime = max(p.stat().st_mtime for p in [shapes_file, *siblings])
    except OSError:
        mtime = 0.0  # _load_shapes says the file is missing
    shapes, access = _shapes_cached(str(shapes_file), mtime)
    added_set = added if isinstance(added, set | frozenset) else set(added)
    triples = _changed_triples(after, added_set, removed)
    if access is None or any(triple.predicate == _SUBCLASS for triple in triples):
        data = set(after(None, None, None, None))
        results = list(_results(_run_pyshacl(_to_store(data), shapes, shapes_file), shapes, index))
        return _sorted(results)
    quads = [*added_set, *removed]
    seeds = {
        term for t in triples for term in (t.subject, t.object) if not isinstance(term, ox.Literal)
    }
    seeds |= {q.graph_name for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    affected = seeds | _walk_back(after, access.anchored, triples, quads) | set(also)
    cache: dict[Any, list[ox.Quad]] = {}
    data = set(added_set)
    data |= _reach(after, access.anchored, affected, cache)
    data |= _reach(after, access.global_paths, seeds, cache)
    data |= set(after(None, _SUBCLASS, None, None))
    affected_keys = {node_key(term) for term in affected}
    seed_keys = {node_key(term) for term in seeds}
    report = _run_pyshacl(_to_store(data), shapes, shapes_file)
    results = [
        result
        for result in set(_results(report, shapes, index))
        if (
            result.value in seed_keys
            if result.focus_node in access.global_focus
            else result.focus_node in affected_keys
        )
    ]
    return _sorted(results)


def _sorted(results: Iterable[ValidationResult]) -> list[ValidationResult]:
    return sorted(
        set(results), key=lambda r: (r.file, r.focus_node, r.path, r.shape, r.value, r.message)
    )


def _to_store(quads: Iterable[ox.Quad]) -> ox.Store:
    store = ox.Store()
    store.extend(
        ox.Quad(_blank(q.subject), q.predicate, _blank(q.object), q.graph_name) for q in quads
    )
    return store


def _changed_triples(
    after: Match, added: Collection[ox.Quad], removed: Collection[ox.Quad]
) -> list[ox.Triple]:
    """Triples whose presence in the union of the graphs changes (a triple restated in a new
    graph, or still stated in another, is no change for paths; graph steps see quads)."""
    removed_triples = {quad.triple for quad in removed}
    changed = []
    for quad in added:
        t = quad.triple
        if t in removed_triples:
            continue  # it was there before, in a graph the change removed it from
        if not any(q not in added for q in after(t.subject, t.predicate, t.object, None)):
            changed.append(t)
    for t in removed_triples:
        if not any(True for _ in after(t.subject, t.predicate, t.object, None)):
            changed.append(t)
    return changed


def _starts(triples: list[ox.Triple], quads: list[ox.Quad]) -> dict[_Step, set[Any]]:
    """For each last step of a path, the nodes from which it crosses a changed triple (or a
    changed quad, for graph steps)."""
    starts: dict[_Step, set[Any]] = {
        ("graph", None): {q.graph_name for q in quads if isinstance(q.graph_name, ox.NamedNode)},
        ("ingraph", None): {q.subject for q in quads},
        ("out", None): {t.subject for t in triples},
        ("in", None): {t.object for t in triples},
    }
    for t in triples:
        starts.setdefault(("out", t.predicate.value), set()).add(t.subject)
        starts.setdefault(("in", t.predicate.value), set()).add(t.object)
    return starts


def _walk_back(
    after: Match, trie: _Trie, triples: list[ox.Triple], quads: list[ox.Quad]
) -> set[Any]:
    """Focus nodes whose access paths cross a changed triple or quad."""
    found: set[Any] = set()
    memo: dict[tuple[_Step, Any], set[Any]] = {}
    incoming: dict[Any, list[ox.Quad]] = {}
    starts = _starts(triples, quads)
    for path in trie.paths():
        nodes = starts.get(path[-1], set())
        for step in reversed(path[:-1]):
            if not nodes:
                break
            nodes = {prev for node in nodes for prev in _back(after, step, node, memo, incoming)}
        found |= nodes
    return found


def _back(
    after: Match,
    step: _Step,
    node: Any,
    memo: dict[tuple[_Step, Any], set[Any]],
    incoming: dict[Any, list[ox.Quad]],
) -> set[Any]:
    """The nodes from which ``step`` reaches ``node``."""
    key = (step, node)
    if key not in memo:
        kind, iri = step
        predicate = None if iri is None else ox.NamedNode(iri)
        subject_like = not isinstance(node, ox.Literal)
        if kind == "out":  # one lookup of all the links into a node serves every predicate
            if node not in incoming:
                incoming[node] = list(after(None, None, node, None))
            memo[key] = {q.subject for q in incoming[node] if iri in (None, q.predicate.value)}
        elif kind == "in":
            memo[key] = (
                {q.object for q in after(node, predicate, None, None)} if subject_like else set()
            )
        elif kind == "graph":
            quads = [*after(None, None, node, None)]
            if subject_like:
                quads += after(node, None, None, None)
            memo[key] = {q.graph_name for q in quads if isinstance(q.graph_name, ox.NamedNode)}
        else:
            memo[key] = (
                {q.subject for q in after(None, None, None, node)}
                if isinstance(node, ox.NamedNode)
                else set()
            )
    return memo[key]


def _reach(
    after: Match, trie: _Trie, starts: Collection[Any], cache: dict[Any, list[ox.Quad]]
) -> set[ox.Quad]:
    """The quads the paths of ``trie`` cross from ``starts``."""
    found: set[ox.Quad] = set()
    pending: list[tuple[_Trie, set[Any]]] = [(trie, set(starts))]
    while pending:
        node, terms = pending.pop()
        for step, child in node.children.items():
            reached: set[Any] = set()
            for term in terms:
                for quad, target in _forward(after, step, term, cache):
                    found.add(quad)
                    reached.add(target)
            if child.children and reached:
                pending.append((child, reached))
    return found


def _forward(
    after: Match, step: _Step, term: Any, cache: dict[Any, list[ox.Quad]]
) -> Iterator[tuple[ox.Quad, Any]]:
    kind, iri = step
    if isinstance(term, ox.Literal) and kind != "in":
        return
    if kind in ("out", "ingraph"):
        if term not in cache:
            cache[term] = list(after(term, None, None, None))
        for quad in cache[term]:
            if kind == "ingraph":
                yield quad, quad.graph_name
            elif iri is None or quad.predicate.value == iri:
                yield quad, quad.object
    elif kind == "in":
        for quad in after(None, None if iri is None else ox.NamedNode(iri), term, None):
            yield quad, quad.subject
    elif isinstance(term, ox.NamedNode):
        for quad in after(None, None, None, term):
            yield quad, quad.subject
            yield quad, quad.object
