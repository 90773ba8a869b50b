"""Incremental validation: validate only the nodes a change can affect.

Why it works: a focus node's SHACL outcome depends only on the triples its shapes' paths reach
from it (``app.validate.access``), plus the subclass axioms. A change can then only alter the
outcome of the nodes that reach a changed triple along some path (found by walking the paths
backwards from the change), and those nodes are validated on the triples their paths reach
(found by walking forwards), fetched with pattern lookups. Both walks cost what the change
touches, not what the store holds. ``tests/test_validate_incremental.py`` holds the results to
the full validation's (``app.validate.full``).
"""

from __future__ import annotations

import functools
import gc
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pyoxigraph as ox
import rdflib
from pyshacl.errors import ReportableRuntimeError

from app.errors import HistkgError, ValidationRunError
from app.sources import GENID_BASE, user_source
from app.validate import prepared, targets
from app.validate.access import _SUBCLASS, Match, _Access, _access, _Step, _Trie, _Unsupported
from app.validate.full import (
    _OX_TYPE,
    ValidationReport,
    ValidationResult,
    _blank,
    _FileIndex,
    _load_shapes,
    _ox_key,
    _parse,
    _results,
    _run_pyshacl,
    _unskolemized,
    node_key,
    shapes_path,
)

if TYPE_CHECKING:
    from app.store import Store


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


def judge(
    now: Match,
    added: set[ox.Quad],
    removed: set[ox.Quad],
    touched: set[str],
    project_dir: Path,
) -> ValidationReport:
    """The results that block a write: every result on a node it touched, and any violation
    elsewhere that the state before did not have (removing a node's type can break a shape of
    a node that links to it).

    ``now`` reads the state before the write (the live store, or the validation process's
    view of it, ``app.validate.process``); the state after is read through the delta. Both
    are validated only where the change can matter.
    """
    after = before_change(now, removed, added)
    report = validate_change(after, added, removed, project_dir, also=touched)
    mine = [r for r in report.results if r.focus_node in touched]
    elsewhere = [
        r for r in report.results if r.focus_node not in touched and r.severity == "Violation"
    ]
    if elsewhere:
        also = {r.focus_node for r in elsewhere}
        old = set(validate_change(now, removed, added, project_dir, also=also).results)
        mine += [r for r in elsewhere if r not in old]
    return ValidationReport(
        conforms=not any(r.severity == "Violation" for r in mine),
        results=mine,
        elapsed=report.elapsed,
    )


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
        if minus:
            yield from (q for q in after(subject, predicate, obj, graph) if q not in minus)
        else:  # nothing to hide (a write that only adds, seen from after it): no test per quad
            yield from after(subject, predicate, obj, graph)
        yield from extra.quads_for_pattern(subject, predicate, obj, graph)

    return match


@functools.lru_cache(maxsize=4)
def _shapes_cached(
    path: str, mtime: float
) -> tuple[rdflib.Graph, _Access | None, targets.Targets | None]:
    """The shapes graph, its access paths (None when they cannot be bounded) and its targets.

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
    return shapes, access, targets.targets(shapes)


@functools.lru_cache(maxsize=4)
def _prepared(path: str, mtime: float) -> prepared.Prepared:
    """The narrowed shapes of ``_shapes_cached(path, mtime)``, built for pySHACL once."""
    found = _shapes_cached(path, mtime)[2]
    if found is None:
        raise ValueError(f"{path}: its targets are not narrowed")  # _run_narrowed checks first
    return prepared.prepare(found.stripped)


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
    shapes, access, found = _shapes_cached(str(shapes_file), mtime)
    added_set = added if isinstance(added, set | frozenset) else set(added)
    cache: _Outgoing = {}
    triples = _changed_triples(after, added_set, removed, cache)
    if access is None or any(triple.predicate == _SUBCLASS for triple in triples):
        data = set(after(None, None, None, None))
        results = list(_results(_run_pyshacl(_to_store(data), shapes, shapes_file), shapes, index))
        return _sorted(results)
    quads = [*added_set, *removed]
    seeds = {
        term for t in triples for term in (t.subject, t.object) if not isinstance(term, ox.Literal)
    }
    seeds |= {q.graph_name for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    affected = seeds | _walk_back(after, access.anchored, triples, quads, cache) | set(also)
    data = set(added_set)
    incoming: _Incoming = {}
    data |= _reach(after, access.anchored, affected, cache, incoming)
    data |= _reach(after, access.global_paths, seeds, cache, incoming)
    # The other graphs of the excerpt, described as the global shapes read them but without
    # their contents: otherwise a graph-wide check (hks:ClaimGraphsShape) finds each claim
    # graph there undescribed, hundreds of results thrown away below. More of the store
    # changes no result that is kept.
    present = {q.graph_name for q in data if isinstance(q.graph_name, ox.NamedNode)} - seeds
    described = _Trie({s: t for s, t in access.global_paths.children.items() if s[0] != "graph"})
    data |= _reach(after, described, present, cache, incoming)
    data |= set(after(None, _SUBCLASS, None, None))
    affected_keys = {node_key(term) for term in affected}
    seed_keys = {node_key(term) for term in seeds}
    report = _run_narrowed(_to_store(data), shapes, found, affected, shapes_file, mtime)
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


def _run_narrowed(
    data: ox.Store,
    shapes: rdflib.Graph,
    found: targets.Targets | None,
    affected: Collection[Any],
    shapes_file: Path,
    mtime: float,
) -> rdflib.Graph:
    """pySHACL's report on ``data`` for the affected nodes (and the shapes' own target nodes):
    the neighbours the excerpt holds only in part are not validated (``app.validate.targets``)."""
    if found is None:
        return _run_pyshacl(data, shapes, shapes_file)
    chosen = targets.focus(found, data, {_blank(term) for term in affected})
    targets.marked(found, data, chosen)
    try:
        return prepared.run(_prepared(str(shapes_file), mtime), data)
    except (ReportableRuntimeError, SyntaxError, ValueError) as error:
        raise ValidationRunError(
            f"{shapes_file}: the shapes cannot be applied: {error}",
            hint="Check the shape named in the message (SPARQL syntax, sh:path, lists).",
        ) from None


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
    after: Match, added: Collection[ox.Quad], removed: Collection[ox.Quad], cache: _Outgoing
) -> list[ox.Triple]:
    """Triples whose presence in the union of the graphs changes (a triple restated in a new
    graph, or still stated in another, is no change for paths; graph steps see quads).

    Looks up each changed subject's statements once (``_outgoing``), not each triple: a write
    states several triples about each node, and the walk forwards reads the same lookups."""
    removed_triples = {quad.triple for quad in removed}
    changed = []
    for quad in added:
        t = quad.triple
        if t in removed_triples:
            continue  # it was there before, in a graph the change removed it from
        stated = _outgoing(after, t.subject, cache).get(t.predicate.value, ())
        if not any(q.object == t.object and q not in added for q in stated):
            changed.append(t)
    for t in removed_triples:
        stated = _outgoing(after, t.subject, cache).get(t.predicate.value, ())
        if not any(q.object == t.object for q in stated):
            changed.append(t)
    return changed


_Outgoing = dict[Any, dict[str, list[ox.Quad]]]
"""The quads of each subject looked up so far, by predicate IRI."""


def _outgoing(after: Match, term: Any, cache: _Outgoing) -> dict[str, list[ox.Quad]]:
    """``term``'s quads by predicate: one lookup per subject, whatever the steps read of it."""
    found = cache.get(term)
    if found is None:
        found = {}
        for quad in after(term, None, None, None):
            found.setdefault(quad.predicate.value, []).append(quad)
        cache[term] = found
    return found


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
    after: Match, trie: _Trie, triples: list[ox.Triple], quads: list[ox.Quad], cache: _Outgoing
) -> set[Any]:
    """Focus nodes whose access paths cross a changed triple or quad.

    The paths are walked from their last step back, those that end alike together: most end in
    the same step (``rdf:type``) from the same nodes, so each set of nodes has its links
    grouped by predicate once (``_linked``), not looked up again for every path through it."""
    found: set[Any] = set()
    backwards = _Trie()
    whole: set[tuple[_Step, ...]] = set()
    for path in trie.paths():
        backwards.add(path[::-1])
        whole.add(path[::-1])
    starts = _starts(triples, quads)
    incoming: _Outgoing = {}  # here: the quads linking INTO each node, by predicate
    memo: dict[tuple[_Step, Any], set[Any]] = {}
    pending: list[tuple[_Trie, set[Any], tuple[_Step, ...]]] = [
        (child, starts.get(step, set()), (step,)) for step, child in backwards.children.items()
    ]
    while pending:
        node, nodes, suffix = pending.pop()
        if not nodes:
            continue
        if suffix in whole:
            found |= nodes
        linked: dict[str, dict[str, set[Any]]] = {}
        for step, child in node.children.items():
            kind, iri = step
            if kind in ("out", "in"):
                if kind not in linked:
                    linked[kind] = _linked(after, kind, nodes, incoming, cache)
                by_predicate = linked[kind]
                if iri is None:
                    prev = {term for terms in by_predicate.values() for term in terms}
                else:
                    prev = by_predicate.get(iri, set())
            else:
                prev = {term for term in nodes for term in _back(after, step, term, memo)}
            pending.append((child, prev, (*suffix, step)))
    return found


def _linked(
    after: Match, kind: str, nodes: Collection[Any], incoming: _Outgoing, cache: _Outgoing
) -> dict[str, set[Any]]:
    """The nodes from which an ``out`` (or ``in``) step reaches one of ``nodes``, by the step's
    predicate: one lookup per node serves every predicate."""
    found: dict[str, set[Any]] = {}
    for node in nodes:
        if kind == "out":
            by_predicate = incoming.get(node)
            if by_predicate is None:
                by_predicate = incoming[node] = {}
                for quad in after(None, None, node, None):
                    by_predicate.setdefault(quad.predicate.value, []).append(quad)
            for predicate, quads in by_predicate.items():
                found.setdefault(predicate, set()).update(q.subject for q in quads)
        elif not isinstance(node, ox.Literal):
            for predicate, quads in _outgoing(after, node, cache).items():
                found.setdefault(predicate, set()).update(q.object for q in quads)
    return found


def _back(
    after: Match, step: _Step, node: Any, memo: dict[tuple[_Step, Any], set[Any]]
) -> set[Any]:
    """The nodes from which a ``graph`` or ``ingraph`` step reaches ``node``."""
    key = (step, node)
    if key not in memo:
        if step[0] == "graph":
            quads = [*after(None, None, node, None)]
            if not isinstance(node, ox.Literal):
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
    after: Match, trie: _Trie, starts: Collection[Any], cache: _Outgoing, incoming: _Incoming
) -> set[ox.Quad]:
    """The quads the paths of ``trie`` cross from ``starts``.

    Each term's links are read once per level and matched against the level's predicates,
    rather than each predicate asked of each term: a level has a hundred steps, a term a few
    predicates."""
    found: set[ox.Quad] = set()
    pending: list[tuple[_Trie, set[Any]]] = [(trie, set(starts))]
    while pending:
        node, terms = pending.pop()
        reached: dict[_Step, set[Any]] = {step: set() for step in node.children}
        out = {iri: reached[(kind, iri)] for kind, iri in node.children if kind == "out" and iri}
        into = {iri: reached[(kind, iri)] for kind, iri in node.children if kind == "in" and iri}
        others = [step for step in node.children if step[1] is None or step[0] not in ("out", "in")]
        for term in terms:
            if out and not isinstance(term, ox.Literal):
                for predicate, quads in _outgoing(after, term, cache).items():
                    if predicate in out:
                        found.update(quads)
                        out[predicate].update(quad.object for quad in quads)
            if into:
                _reach_into(after, term, into, incoming, found)
            for step in others:
                for quad, target in _forward(after, step, term, cache, incoming):
                    found.add(quad)
                    reached[step].add(target)
        for step, child in node.children.items():
            if child.children and reached[step]:
                pending.append((child, reached[step]))
    return found


def _reach_into(
    after: Match,
    term: Any,
    into: dict[str, set[Any]],
    incoming: _Incoming,
    found: set[ox.Quad],
) -> None:
    """Follow one level's ``in`` steps (``into``: predicate -> subjects reached) to ``term``."""
    links = _incoming(after, term, incoming)
    if links is None:  # a hub: one predicate at a time
        for iri, reached in into.items():
            for quad in after(None, ox.NamedNode(iri), term, None):
                found.add(quad)
                reached.add(quad.subject)
        return
    for predicate, quads in links.items():
        if predicate in into:
            found.update(quads)
            into[predicate].update(quad.subject for quad in quads)


_Incoming = dict[Any, dict[str, list[ox.Quad]] | None]
"""The quads linking into each node looked up so far, by predicate; None for a hub."""

_HUB: Final = 32
"""A node with more links into it is looked up one predicate at a time."""


def _incoming(after: Match, term: Any, incoming: _Incoming) -> dict[str, list[ox.Quad]] | None:
    """The links into ``term`` by predicate, in one lookup, or None when there are more than
    ``_HUB`` of them: most nodes have a few, and the paths ask for a dozen predicates each
    (one empty lookup apiece), but a class or a concept can have a million."""
    if term not in incoming:
        found: dict[str, list[ox.Quad]] | None = {}
        for count, quad in enumerate(after(None, None, term, None)):
            if count >= _HUB:
                found = None
                break
            found.setdefault(quad.predicate.value, []).append(quad)  # type: ignore[union-attr]
        incoming[term] = found
    return incoming[term]


def _forward(
    after: Match, step: _Step, term: Any, cache: _Outgoing, incoming: _Incoming
) -> Iterator[tuple[ox.Quad, Any]]:
    kind, iri = step
    if isinstance(term, ox.Literal) and kind != "in":
        return
    if kind == "out" and iri is not None:
        for quad in _outgoing(after, term, cache).get(iri, ()):
            yield quad, quad.object
    elif kind in ("out", "ingraph"):
        for quads in _outgoing(after, term, cache).values():
            for quad in quads:
                yield quad, (quad.graph_name if kind == "ingraph" else quad.object)
    elif kind == "in":
        links = _incoming(after, term, incoming)
        if links is None:
            linking: Iterable[ox.Quad] = after(
                None, None if iri is None else ox.NamedNode(iri), term, None
            )
        elif iri is None:
            linking = [quad for quads in links.values() for quad in quads]
        else:
            linking = links.get(iri, [])
        for quad in linking:
            yield quad, quad.subject
    elif isinstance(term, ox.NamedNode):
        for quad in after(None, None, None, term):
            yield quad, quad.subject
            yield quad, quad.object
