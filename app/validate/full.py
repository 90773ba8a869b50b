"""SHACL validation of curated or given RDF files against ``ontology/shapes.ttl``.

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
  constraints, but rdflib re-parses a SPARQL constraint for every focus node, which made it an
  order of magnitude slower (``bench/results/design-measurements.md``).
* ``app.sources`` skolemizes blank nodes into ``/.well-known/genid/`` IRIs. They are turned back
  into blank nodes here so that ``sh:nodeKind sh:IRI`` still catches them.
* A batch checked against a stored graph (``histkg validate --against-store``, writes) is
  validated incrementally instead (``app.validate.incremental``), so its cost follows the batch
  and not the store; it runs pySHACL and reads its report with the functions here.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Collection, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

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
from app.vocab import ID, WD

__all__ = [
    "ValidationReport",
    "ValidationResult",
    "node_key",
    "shapes_path",
    "validate_paths",
    "validate_quads",
]

SHAPES_FILE: Final = Path("ontology") / "shapes.ttl"

#: Prefixes for paths and shape names in reports, besides those the shapes file binds.
_PREFIXES: Final = {"id": ID, "wd": WD}

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
                hint="Keep the data to RDF 1.1 plus named graphs (see ontology/README.md).",
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
    patterns backtrack on every line of the query: that was close to half of all validation
    time (``bench/results/design-measurements.md``). The verdict depends only on the text,
    whether a value node is bound and the extra variables, so it is remembered by those.
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
    check.__wrapped__ = original  # type: ignore[attr-defined]
    SPARQLQueryHelper.check_invalid_sparql = check  # type: ignore[method-assign]


_check_sparql_once()


class _StoreGraph(OxigraphDataGraph):
    """pyshacl's view of an oxigraph store, never empty when tested for truth.

    pyshacl 0.40.1 writes ``datagraph or sg`` for every result it builds, nested ones too; on an
    oxigraph store that truth test is ``len()``, a count of the whole store, which made
    validation quadratic in the size of the data (``tests/test_validate.py`` checks that the
    pinned pyshacl still needs this).
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
    if len(report) == 0:  # a conforming write's empty report: no prefixes to bind (~90 of them)
        return
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
