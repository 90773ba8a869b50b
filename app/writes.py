"""Writes: SPARQL Update and the Graph Store Protocol, SHACL-checked, recorded as revisions.

The data layer behind ``/update`` and ``/store`` (``app.routes.writes``) and ``histkg revert``,
and the check of a small ``histkg load`` (``load_check``); no HTTP here. Every write goes the
same way (``_commit``), inside ``Store.write_delta`` so no other write interleaves, and never
copies the store:

1. its *delta* is computed: the quads it adds and removes. A Graph Store write gets it from the
   graph's current content. An update runs, as written, on an in-memory store holding only the
   graphs it can read or write (``update_scope``: the default graph and every graph it names by
   ``GRAPH``, ``WITH``, ``USING``, ``TO`` ...; one that names graphs by a variable gets those
   its WHERE binds on the live store, ``app.update_graphs``, when the WHERE is one proven
   to give the same solutions there (an allowlist of words); otherwise, or
   for ``ALL``/``NAMED``, the whole store, except that ``CLEAR``/``DROP ALL``/``NAMED`` is
   refused first when a protected graph holds data); the difference is the delta;
2. blank nodes it adds are skolemized (genid IRIs), so the delta and its record are exact;
3. writes to the default graph or to protected graphs are refused (``UpdateNotAllowed``);
4. the change is validated against ``ontology/shapes.ttl`` on the live store seen through the
   delta (``app.validate.validate_change``: the nodes it touched, and those whose shapes reach
   a triple it changed); a violation on a node the write touched, or a new violation anywhere,
   refuses it with ``ShaclViolation`` (its report attached);
5. otherwise the delta and its revision (``app.history``) are committed in ONE update: all or
   nothing, readers see the store before or after it.

Protected graphs: everything under ``https://w3id.org/histkg/graph/`` (the curated ontology and
data, the meta graph, the Wikidata facts, the history) and every graph the last curated load
recorded (claims graphs of ``data/claims.trig``). ``histkg load`` owns them.

No remote access: ``LOAD`` and ``SERVICE`` are refused before anything runs; Graph Store bodies
are Turtle, N-Triples or RDF/XML (no JSON-LD, whose ``@context`` could name a remote document).

In an update the default graph is the store's real default graph, which histkg keeps empty; name
the graphs to read and write with ``GRAPH``, ``WITH`` or ``USING``. A write costs what its graphs
hold and what it changes, not what the store holds.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urljoin

import pyoxigraph as ox

from app import history
from app.errors import (
    Conflict,
    InputError,
    NotFound,
    PreconditionFailed,
    QueryError,
    QueryTimeout,
    ShaclViolation,
    UpdateNotAllowed,
)
from app.sources import CURATED_GRAPH, GENID_BASE, GRAPH_BASE, META_GRAPH, ParsedSource
from app.sparql import _KEYWORD, _PREFIX, _code, check_complexity, has_service, syntax_error
from app.store import LoadCheck, Store
from app.update_graphs import variable_graphs
from app.validate import ValidationReport, judge, node_key
from app.validate.process import ValidationProcess
from app.vocab import HK, PROV, RDF

__all__ = [
    "GRAPH_FORMATS",
    "Author",
    "WriteResult",
    "claim_revision",
    "delete_graph",
    "load_check",
    "read_graph",
    "revert",
    "revise_claim",
    "update",
    "update_scope",
    "write_graph",
    "write_quads",
]

GRAPH_FORMATS: Final = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
"""Media types a Graph Store body may have (and GET may answer with)."""

_LOAD: Final = re.compile(r"(?<![\w?$:])LOAD(?![\w:-])", re.IGNORECASE)
# Where SPARQL Update names a graph: GRAPH x, WITH x, USING [NAMED] x, INTO [GRAPH] x,
# TO [GRAPH] x, ADD/MOVE/COPY [SILENT] [GRAPH] x, CLEAR/DROP/CREATE [SILENT] GRAPH x.
_GRAPH_NAME: Final = re.compile(
    _KEYWORD.format(r"(?:GRAPH|WITH|USING|INTO|TO|ADD|MOVE|COPY)")
    + r"(?:\s+(?:SILENT|GRAPH|NAMED)(?![\w:-]))*\s*"
    + r"(<[^<>\s]*>|[?$]\w+|(?:[A-Za-z][\w.-]*)?:[\w.%:-]*|DEFAULT(?![\w:-])|)",
    re.IGNORECASE,
)
"""The graph a keyword names; an empty match (something else follows) makes the scope all."""
_EVERY_GRAPH: Final = re.compile(
    _KEYWORD.format(r"(?:CLEAR|DROP)") + r"(?:\s+SILENT)?\s+(?:ALL|NAMED)\b", re.IGNORECASE
)
_BASE: Final = re.compile(_KEYWORD.format("BASE") + r"\s*<([^<>\s]*)>", re.IGNORECASE)


@dataclass(frozen=True)
class Author:
    """Who writes, and why: the revision's agent (a token's or user's name) and message."""

    name: str = "anonymous"
    message: str = ""


@dataclass(frozen=True)
class WriteResult:
    """What one committed write changed, and the revision that records it (None: no change)."""

    graphs: list[str]
    added: int
    removed: int
    revision: int | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "graphs": self.graphs,
            "added": self.added,
            "removed": self.removed,
            "revision": self.revision,
        }


Delta = tuple[set[ox.Quad], set[ox.Quad]]
"""(added, removed)."""


def update(
    store: Store,
    sparql_update: str,
    project_dir: Path,
    *,
    author: Author | None = None,
    if_match: Collection[int] | None = None,
) -> WriteResult:
    """Apply a SPARQL 1.1 Update, if its result conforms; see the module docstring.

    ``if_match``: the revisions the writer last saw of the store (``history.head``); when the
    head has moved on, ``PreconditionFailed`` and nothing is written.
    """
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
    scope = update_scope(sparql_update)

    def delta() -> Delta:
        _precondition(if_match, history.head(store.match), "the store")
        if _EVERY_GRAPH.search(_code(sparql_update)):
            protected = _protected(store)
            _check_graphs(_filled(store, protected), protected)  # before copying every graph
        staging = ox.Store()
        graphs = scope
        if graphs is None:
            try:
                found = variable_graphs(sparql_update, store.select_live)
            except QueryTimeout:
                # the update would evaluate the same WHERE on a copy of the whole store, with
                # no deadline and every other write waiting: refused instead
                raise QueryError(
                    f"The update's WHERE did not finish within {store.query_timeout:g} seconds "
                    "on the store; nothing was written.",
                    hint="Name the graphs it reads and writes by IRI (GRAPH <...>) rather "
                    "than by a variable, or narrow its pattern; the limit is "
                    "HISTKG_QUERY_TIMEOUT.",
                ) from None
            named = update_scope(sparql_update, variables=True)
            graphs = None if found is None or named is None else found | named
        if graphs is None:
            staging.extend(_counted(store.quads()))
        else:
            staging.extend(_counted(store.graph_quads(ox.DefaultGraph())))
            for graph in graphs:
                staging.extend(_counted(store.graph_quads(graph)))
        before = set(staging)
        try:
            staging.update(sparql_update)
        except SyntaxError as error:
            raise syntax_error(error, sparql_update) from None
        except (OSError, ValueError) as error:
            raise QueryError(f"The update failed: {error}") from None
        # CREATE of an existing graph, DROP/CLEAR/MOVE of a missing one
        except RuntimeError as error:
            raise QueryError(
                f"The update failed: {error}.",
                hint="Add SILENT (CREATE SILENT, DROP SILENT...) to ignore a graph that is "
                "there already or missing.",
            ) from None
        after = set(staging)
        return after - before, before - after

    return _commit(store, project_dir, delta, author)


_STAGED = [0]


def staged_quads() -> int:
    """How many quads updates have copied from the store to run on, since the process began:
    what a test reads to see that an update did not copy the store (a count, not a time)."""
    return _STAGED[0]


def _counted(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    for quad in quads:
        _STAGED[0] += 1
        yield quad


def write_quads(
    store: Store,
    added: Collection[ox.Quad],
    project_dir: Path,
    *,
    removed: Collection[ox.Quad] = (),
    author: Author | None = None,
) -> WriteResult:
    """Add and remove these quads, in any named graphs, as one checked revision.

    For writers that build their change as terms (the workbench) rather than as SPARQL text:
    nothing is parsed, so nothing a user typed can change what is written. Quads already in
    the store are not added again, and quads not in it are not removed.
    """

    def delta() -> Delta:
        def present(quad: ox.Quad) -> bool:
            return next(iter(store.match(*quad)), None) is not None

        return {q for q in added if not present(q)}, {q for q in removed if present(q)}

    return _commit(store, project_dir, delta, author)


def claim_revision(store: Store, claim: ox.NamedNode) -> int:
    """The last revision that changed ``claim``'s graph or a statement about it (0: none did):
    the claim's ETag, which a form that edits it carries."""
    return max(
        history.last_touching(store.match, claim, as_graph=True) or 0,
        history.last_touching(store.match, claim, as_graph=False) or 0,
    )


def revise_claim(
    store: Store,
    claim: ox.NamedNode,
    added: Collection[ox.Quad],
    removed: Collection[ox.Quad],
    project_dir: Path,
    *,
    author: Author | None = None,
    if_match: Collection[int] | None = None,
) -> WriteResult:
    """One claim's correction (the workbench's edit form) as one checked revision.

    The one write that may change a claim of the curated data: a correction is a revision of
    that claim, with its diff in the history, never a silent overwrite. It may touch only the
    claim's own graph and the statements about the claim and its attributions in the graph
    that describes it (for a curated claim, the claims file's graph, shared with other
    claims). ``if_match``: the claim's revision the editor saw (``claim_revision``).
    """
    described = {q.graph_name for q in store.match(claim, RDF.type, HK.Claim, None)}
    allowed = frozenset(g for g in {claim, *described} if isinstance(g, ox.NamedNode))

    def delta() -> Delta:
        _precondition(if_match, claim_revision(store, claim), claim.value)
        plus = {q for q in added if not _present(store, q)}
        minus = {q for q in removed if _present(store, q)}
        parts = {claim} | {
            q.object
            for q in (*store.match(claim, PROV.qualifiedAttribution, None, None), *plus)
            if q.subject == claim and q.predicate == PROV.qualifiedAttribution
        }
        protected = _protected(store)
        for quad in plus | minus:
            graph = quad.graph_name
            if graph not in allowed:
                raise UpdateNotAllowed(
                    f"A correction of {claim.value} cannot write in {graph}: only in the "
                    "claim's own graph and the graph that describes it.",
                    hint="Correct one claim at a time, in its own form.",
                )
            shared = graph in protected or str(graph).startswith(f"<{GRAPH_BASE}")
            if graph in allowed - {claim} and shared and quad.subject not in parts:
                raise UpdateNotAllowed(
                    f"A correction of {claim.value} cannot change {quad.subject}.",
                    hint="Correct one claim at a time, in its own form.",
                )
        return plus, minus

    return _commit(store, project_dir, delta, author, allow=allowed)


def update_scope(sparql_update: str, *, variables: bool = False) -> set[ox.NamedNode] | None:
    """The named graphs an update can read or write, or None when it may reach every graph.

    Conservative: every IRI written where the grammar names a graph (``GRAPH``, ``WITH``,
    ``USING``, ``USING NAMED``, ``INTO``, ``TO``, ``ADD``/``MOVE``/``COPY``), relative ones
    resolved against each ``BASE``; a variable there (unless ``variables``: then only the
    graphs named by IRI), ``CLEAR``/``DROP`` ``ALL``/``NAMED``, or a backslash escape outside
    strings (which could spell an IRI another way) give None. Graphs it names that do not
    exist simply hold nothing.
    """
    code = _code(sparql_update, keep_iris=True)
    if "\\" in code or _EVERY_GRAPH.search(code):
        return None
    prefixes = dict(_PREFIX.findall(code))
    bases = list(_BASE.findall(code))
    graphs: set[ox.NamedNode] = set()
    keywords = _code(sparql_update)  # the same positions, IRIs blanked: no keyword in an IRI
    for match in _GRAPH_NAME.finditer(code):
        if keywords[match.start()].isspace():
            continue  # the word was inside an IRI
        target = match.group(1)
        if target and target[0] in "?$" and variables:
            continue
        if not target or target[0] in "?$":
            return None  # a variable, or a name this reading does not know: every graph
        if target.upper() == "DEFAULT":
            continue  # the default graph is always copied
        if target.startswith("<"):
            iris = [target[1:-1], *(urljoin(base, target[1:-1]) for base in bases)]
        else:
            prefix, _, local = target.partition(":")
            if prefix not in prefixes:
                continue  # the update does not parse; pyoxigraph will say why
            iris = [prefixes[prefix] + name for name in {local, local.rstrip(".")}]
        for iri in iris:
            try:
                graphs.add(ox.NamedNode(iri))
            except ValueError:
                continue  # not absolute: the update does not parse
    return graphs


def write_graph(
    store: Store,
    graph: str,
    body: bytes,
    media_type: str,
    project_dir: Path,
    *,
    replace: bool,
    author: Author | None = None,
    if_match: Collection[int] | None = None,
) -> WriteResult:
    """Graph Store PUT (``replace``) or POST (merge) of an RDF document into ``graph``.

    ``if_match``: the revisions the writer saw of this graph (its ``ETag``); see ``graph_etag``.
    """
    target = _graph(graph)
    fmt = GRAPH_FORMATS[media_type]
    try:
        quads = {
            ox.Quad(quad.subject, quad.predicate, quad.object, target)
            for quad in ox.parse(
                body,
                format=fmt,
                base_iri=target.value,
                without_named_graphs=True,
                rename_blank_nodes=True,
            )
        }
    except SyntaxError as error:
        raise InputError(f"The RDF body cannot be parsed: {error}") from None

    def delta() -> Delta:
        _precondition(if_match, graph_revision(store, target), target.value)
        if replace:
            old = set(store.graph_quads(target))
            return quads - old, old - quads
        return {q for q in quads if not _present(store, q)}, set()

    return _commit(store, project_dir, delta, author)


def delete_graph(
    store: Store,
    graph: str,
    project_dir: Path,
    *,
    author: Author | None = None,
    if_match: Collection[int] | None = None,
) -> WriteResult:
    """Graph Store DELETE: drop ``graph``; ``NotFound`` when it holds nothing."""
    target = _graph(graph)

    def delta() -> Delta:
        _precondition(if_match, graph_revision(store, target), target.value)
        old = set(store.graph_quads(target))
        if not old:
            raise NotFound(f"There is no graph {target.value}.")
        return set(), old

    return _commit(store, project_dir, delta, author)


def read_graph(store: Store, graph: str | None, media_type: str) -> bytes:
    """Graph Store GET: the triples of ``graph`` (``None``: the default graph) in a format."""
    target: ox.NamedNode | ox.DefaultGraph = ox.DefaultGraph() if graph is None else _graph(graph)
    triples = [quad.triple for quad in store.graph_quads(target)]
    if not triples and isinstance(target, ox.NamedNode):
        raise NotFound(f"There is no graph {target.value}.")
    return ox.serialize(triples, format=GRAPH_FORMATS[media_type]) or b""


def graph_revision(store: Store, graph: str | ox.NamedNode) -> int:
    """The last revision that changed ``graph`` (0: none did): the graph's ETag."""
    node = graph if isinstance(graph, ox.NamedNode) else _graph(graph)
    return history.last_touching(store.match, node, as_graph=True) or 0


def revert(
    store: Store,
    number: int,
    project_dir: Path,
    *,
    chain: bool = False,
    author: Author | None = None,
) -> WriteResult:
    """Undo revision ``number`` with a new revision that applies its patch backwards.

    When a later revision changed one of the same quads, undoing this one alone would undo
    half of that one too: refused (``Conflict``, naming them), unless ``chain``, which reverts
    those later revisions (and what built on them) as well, newest first, in one revision.
    """

    def delta() -> Delta:
        history.check_revertible(store.match, number)  # a big load keeps no exact patch
        numbers = _chain(store, number)
        later = sorted(n for n in numbers if n != number)
        if later and not chain:
            raise Conflict(
                f"Revision {number} cannot be reverted alone: later revision(s) "
                f"{', '.join(map(str, later))} changed the same statements.",
                hint="Revert those first, or revert the whole chain (`--chain`).",
            )
        to_add: set[ox.Quad] = set()
        to_remove: set[ox.Quad] = set()
        for n in sorted(numbers, reverse=True):  # newest first: compose the inverses
            added, removed = history.patch(store.match, n)
            for quad in added:
                if quad in to_add:
                    to_add.discard(quad)
                else:
                    to_remove.add(quad)
            for quad in removed:
                if quad in to_remove:
                    to_remove.discard(quad)
                else:
                    to_add.add(quad)
        return (
            {q for q in to_add if not _present(store, q)},
            {q for q in to_remove if _present(store, q)},
        )

    message = f"Revert revision {number}" + (" and the revisions built on it" if chain else "")
    who = author or Author()
    return _commit(
        store,
        project_dir,
        delta,
        Author(who.name, who.message or message),
        reverts=(number,),
    )


def _chain(store: Store, number: int) -> set[int]:
    """``number`` and every later revision that changed a quad one of the set changed."""
    found = {number}
    pending = [number]
    while pending:
        current = pending.pop()
        added, removed = history.patch(store.match, current)
        quads = set(added) | set(removed)
        later: set[int] = set()
        for node in history.touched_nodes(quads):
            later |= {
                r.number for r in history.log(store.match, entity=node.value) if r.number > current
            }
        for n in sorted(later - found):
            other_added, other_removed = history.patch(store.match, n)
            if quads & (set(other_added) | set(other_removed)):
                found.add(n)
                pending.append(n)
    return found


def _precondition(expected: Collection[int] | None, current: int | None, what: str) -> None:
    if expected is not None and (current or 0) not in expected:
        raise PreconditionFailed(
            f"{what} has changed since you read it: it is at revision {current or 0} now; "
            "nothing was written.",
            current or 0,
            hint="Read it again (its ETag names the current revision), then redo the change.",
        )


def _present(store: Store, quad: ox.Quad) -> bool:
    graph = quad.graph_name if isinstance(quad.graph_name, ox.NamedNode) else None
    return any(True for _ in store.match(quad.subject, quad.predicate, quad.object, graph, limit=1))  # type: ignore[arg-type]


def _graph(graph: str) -> ox.NamedNode:
    try:
        node = ox.NamedNode(graph)
    except ValueError:
        raise InputError(f"{graph!r} is not an absolute IRI.") from None
    if ":" not in graph:
        raise InputError(f"{graph!r} is not an absolute IRI.")
    return node


def _protected(store: Store) -> set[ox.NamedNode]:
    """Graphs recorded by the last curated load (those under GRAPH_BASE are checked apart)."""
    return {
        quad.object
        for quad in store.match(META_GRAPH, CURATED_GRAPH, None, META_GRAPH)
        if isinstance(quad.object, ox.NamedNode)
    }


def _filled(store: Store, curated: set[ox.NamedNode]) -> list[ox.NamedNode]:
    """The protected graphs that hold a quad: what ``CLEAR``/``DROP`` ``ALL``/``NAMED`` would
    change of them.

    Such an update always fails ``_check_graphs`` when one of them holds data (the history's
    graphs do after the first write); checking this first spares copying the whole store into
    the staging store just to find that out.
    """
    graphs = [ox.NamedNode(iri) for iri in store.named_graphs()]
    return [
        g
        for g in graphs
        if (g.value.startswith(GRAPH_BASE) or g in curated)
        and next(iter(store.match(None, None, None, g)), None) is not None
    ]


def _skolemized(added: set[ox.Quad]) -> set[ox.Quad]:
    """``added`` with its blank nodes named (genid IRIs fresh for this write), so the quads
    committed are the quads recorded, and a later revert can delete exactly them."""
    if not any(
        isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) for q in added
    ):
        return added
    prefix = f"{GENID_BASE}w{secrets.token_hex(8)}-"
    names: dict[ox.BlankNode, ox.NamedNode] = {}

    def name(
        term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple,
    ) -> ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple:
        if isinstance(term, ox.BlankNode):
            return names.setdefault(term, ox.NamedNode(f"{prefix}{len(names)}"))
        return term

    return {
        ox.Quad(name(q.subject), q.predicate, name(q.object), q.graph_name)  # type: ignore[arg-type]
        for q in added
    }


def _commit(
    store: Store,
    project_dir: Path,
    compute: Callable[[], Delta],
    author: Author | None,
    *,
    reverts: tuple[int, ...] = (),
    allow: frozenset[ox.NamedNode] = frozenset(),
) -> WriteResult:
    """Stage and commit a delta; ``allow``: protected graphs this write may change anyway
    (``revise_claim`` only)."""
    author = author or Author()
    outcome: list[WriteResult] = []

    def stage() -> tuple[list[ox.Quad], list[ox.Quad]] | None:
        added, removed = compute()
        added = _skolemized(added)
        changed = {quad.graph_name for quad in added | removed}
        protected = _protected(store)
        _check_graphs(changed - allow, protected)
        _check_claims(store, added, protected, allow)
        _refuse_nonconforming(store, added, removed, project_dir)
        named = sorted((g for g in changed if isinstance(g, ox.NamedNode)), key=str)
        if not added and not removed:
            outcome.append(WriteResult([], 0, 0, None))
            return None
        parent = history.head(store.match)
        number = (parent or 0) + 1
        drop, record = history.revision_quads(
            number,
            parent=parent,
            agent=author.name,
            message=author.message,
            added=added,
            removed=removed,
            reverts=reverts,
        )
        outcome.append(WriteResult([g.value for g in named], len(added), len(removed), number))
        return [*removed, *drop], [*added, *record]

    store.write_delta(stage)
    return outcome[0]


def load_check(store: Store, project_dir: Path) -> LoadCheck | None:
    """What ``histkg load FILE...`` checks a small batch with (``Store.load_files``): its
    delta validated as any write's is, so a batch that breaks a shape is refused whole; the
    report names the file each node was described in.

    None when the store has no curated load: the shapes' targets and ``sh:class`` checks
    follow the ontology's subclass axioms, so without them in the store conforming data
    would be refused (``histkg validate --against-store`` refuses to run there for the same
    reason); the caller says that the load is not validated.
    """
    if store.recorded_digest() is None:
        return None

    def check(
        added: Collection[ox.Quad], removed: Collection[ox.Quad], files: Sequence[ParsedSource]
    ) -> None:
        labels: dict[str, str] = {}
        for item in files:
            for quad in item.quads:
                labels.setdefault(node_key(quad.subject), item.source.label)
        _refuse_nonconforming(
            store,
            set(added),
            set(removed),
            project_dir,
            what="The load",
            fix="Fix the files as the report says and load them again.",
            files=labels,
        )

    return check


def _refuse_nonconforming(
    store: Store,
    added: set[ox.Quad],
    removed: set[ox.Quad],
    project_dir: Path,
    *,
    what: str = "The write",
    fix: str = "Fix the data as the report says and send the write again.",
    files: Mapping[str, str] | None = None,
) -> None:
    """Raise ``ShaclViolation`` (with the report) when the change breaks a shape (``_judge``);
    ``files`` names the file of each focus node (``node_key`` -> label) for the report."""
    terms = {term for quad in added | removed for term in (quad.subject, quad.object)}
    touched = {node_key(t) for t in terms if isinstance(t, ox.NamedNode | ox.BlankNode)}
    if not touched:
        return
    report = _judge(store, added, removed, touched, project_dir)
    if not report.conforms:
        if files:
            results = [
                dataclasses.replace(r, file=files.get(r.focus_node, r.file)) for r in report.results
            ]
            report = dataclasses.replace(report, results=results, files=sorted(set(files.values())))
        raise ShaclViolation(
            f"{what} breaks {report.count('Violation')} shape constraint(s); nothing was written.",
            report.to_json(),
            hint=fix,
        )


def _check_graphs(changed: Collection[object], curated: set[ox.NamedNode]) -> None:
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
    store: Store,
    added: set[ox.Quad],
    curated: set[ox.NamedNode],
    allow: frozenset[ox.NamedNode] = frozenset(),
) -> None:
    """Refuse statements about a claim of the curated data from any other graph.

    Pages describe a claim (its mode, attribution, sources) by what is said about it, so one
    ``prov:wasAttributedTo`` written into a graph of one's own made a curated claim look
    attributed to someone else; a claim's description belongs to the graph that defines it.
    Reads only the typing of the subjects the write adds statements about.
    """
    claims = {
        quad.subject
        for subject in {quad.subject for quad in added if isinstance(quad.subject, ox.NamedNode)}
        for quad in store.match(subject, RDF.type, HK.Claim, None)
        if isinstance(quad.graph_name, ox.NamedNode)
        and (quad.graph_name.value.startswith(GRAPH_BASE) or quad.graph_name in curated)
        and quad.graph_name not in allow
    }
    if claims:
        claim = sorted(str(c) for c in claims)[0]
        raise UpdateNotAllowed(
            f"{claim} is a claim of the curated data; other graphs cannot describe it.",
            hint="Say what you want about it in a claim of your own, which may cite it.",
        )


def _judge(
    store: Store, added: set[ox.Quad], removed: set[ox.Quad], touched: set[str], project_dir: Path
) -> ValidationReport:
    """``app.validate.judge`` on the store's state before the write: by the validation
    process when there is one that can answer now, else in this process. Called in
    ``write_delta``'s ``compute``, under the write lock."""
    process = store.validation
    if isinstance(process, ValidationProcess) and process.project_dir == project_dir:
        report = process.judge(store.generation, added, removed, touched)
        if report is not None:
            return report
    return judge(store.match, added, removed, touched, project_dir)
