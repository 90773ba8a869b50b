"""Revisions: every write to the store recorded, attributed and kept as an exact patch.

A revision is one named graph of the store, ``https://w3id.org/histkg/graph/history/N`` (N = 1,
2, 3 ... in commit order), written in the SAME update as the change it describes, so the history
can never disagree with the data: a crash leaves both as they were or both changed. Its graph
holds one ``prov:Activity`` (PROV-O, https://www.w3.org/TR/prov-o/) named like the graph::

    <.../history/7> a prov:Activity ;
        prov:wasAssociatedWith <https://w3id.org/histkg/agent/alice> ;  # token name or user
        prov:startedAtTime "2026-12-07T06:01:02.345Z"^^xsd:dateTime ;
        hkh:parent <.../history/6> ; rdfs:comment "the message, if any" ;
        hkh:graph <the graphs it changed> ; hkh:touched <subjects and objects it changed> ;
        hkh:added "<s> <p> <o> <g> .\\n..." ; hkh:removed "..." ;   # N-Quads, as data
        hkh:addedCount 3 ; hkh:removedCount 1 .

Why the patch is an N-Quads literal: a change is a set of quads, and RDF-star can quote triples
but not quads; reifying each quad would put five statements per changed quad in the store and
make the old statements look like current data to a query that does not know the history
vocabulary. As literals, the statements a revision removed are never matched as data by a
``/sparql`` query: the union default graph sees only the activity descriptions. N-Quads is
exact (no blank nodes: writes skolemize them) and pyoxigraph writes and parses it.

The head (the last revision) is one quad of ``graph/history/`` itself, replaced by each commit;
``hkh:touched`` and ``hkh:graph`` make the log of an entity or a graph one index lookup.
Revision graphs are under ``graph/``, so writes can never change them; dump and restore carry
them like any graph.

A load (``histkg load``, curated or of files) is a revision too, by the agent ``histkg-load``,
its message naming the files and their SHA-256. Its patch is kept exactly while it is small
(``EXACT_LIMIT`` quads); a bigger one would be a literal as big as the files (a 1 M-quad load,
some 150 MB), so it is recorded as a summary instead: ``hkh:summary`` lines of quads added and
removed per graph, the files' hashes standing for the patch. Such a revision cannot be reverted
and no ``?rev=`` read can see behind it (``PatchNotKept``): reload the previous files instead.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final, Protocol
from urllib.parse import quote, unquote

import pyoxigraph as ox

from app.errors import Conflict, InputError, NotFound
from app.sources import GRAPH_BASE
from app.vocab import HKH, PROV, RDF, RDFS, XSD

__all__ = [
    "EXACT_LIMIT",
    "HISTORY_BASE",
    "LOAD_AGENT",
    "PatchNotKept",
    "Revision",
    "agent_node",
    "head",
    "log",
    "patch",
    "recorder",
    "revision",
    "revision_node",
    "revision_quads",
    "state_at",
]

HISTORY_BASE: Final = GRAPH_BASE + "history/"
HEAD_GRAPH: Final = ox.NamedNode(HISTORY_BASE)
AGENT_BASE: Final = "https://w3id.org/histkg/agent/"

ACTIVITY: Final = PROV.Activity
ASSOCIATED: Final = PROV.wasAssociatedWith
STARTED: Final = PROV.startedAtTime
HEAD: Final = HKH.head
PARENT: Final = HKH.parent
GRAPH: Final = HKH.graph
TOUCHED: Final = HKH.touched
ADDED: Final = HKH.added
REMOVED: Final = HKH.removed
ADDED_COUNT: Final = HKH.addedCount
REMOVED_COUNT: Final = HKH.removedCount
REVERTS: Final = HKH.reverts
SUMMARY: Final = HKH.summary
LOAD_AGENT: Final = "histkg-load"
EXACT_LIMIT: Final = 10_000
"""A load changing more quads than this is recorded as a summary, without its exact patch."""
_NUMBER: Final = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True)
class Revision:
    """One recorded write, as the log shows it (the patch itself: ``patch``)."""

    number: int
    agent: str
    time: dt.datetime
    message: str
    parent: int | None
    graphs: list[str]
    added: int
    removed: int
    reverts: list[int] = field(default_factory=list)
    summarized: bool = False
    """A load recorded without its exact patch (``EXACT_LIMIT``): the files are the patch."""

    @property
    def iri(self) -> str:
        return revision_node(self.number).value

    def to_json(self) -> dict[str, object]:
        return {
            "revision": self.number,
            "iri": self.iri,
            "parent": self.parent,
            "agent": self.agent,
            "time": self.time.isoformat().replace("+00:00", "Z"),
            "message": self.message,
            "graphs": self.graphs,
            "added": self.added,
            "removed": self.removed,
            "reverts": self.reverts,
            "summarized": self.summarized,
        }

    def in_words(self) -> str:
        """The message, and for a load the counts: what ``histkg log`` and /history show."""
        if self.agent != LOAD_AGENT:
            return self.message
        words = f"{self.message}, {self.added:,} statements added, {self.removed:,} removed"
        if self.summarized:
            words += " (a summary: the files are the patch)"
        return words


class PatchNotKept(Conflict):
    """A revision recorded as a summary (a big load): its exact patch is not in the store."""

    def __init__(self, number: int, what: str) -> None:
        super().__init__(
            f"Revision {number} is a load recorded as a summary, without its exact patch: {what}.",
            hint="Reload the previous files instead (`histkg load`); the revision names them "
            "and their SHA-256.",
        )


class Match(Protocol):
    """What this module reads the store with: ``Store.match``'s signature."""

    def __call__(
        self,
        subject: ox.NamedNode | None = None,
        predicate: ox.NamedNode | None = None,
        object: ox.NamedNode | ox.Literal | None = None,
        graph: ox.NamedNode | None = None,
    ) -> Iterator[ox.Quad]: ...


def revision_node(number: int) -> ox.NamedNode:
    return ox.NamedNode(f"{HISTORY_BASE}{number}")


def agent_node(name: str) -> ox.NamedNode:
    return ox.NamedNode(AGENT_BASE + quote(name, safe=""))


def parse_number(text: str) -> int:
    """A revision number from ``12``, ``r12`` or the revision's IRI; ``InputError`` otherwise."""
    raw = text.strip().removeprefix(HISTORY_BASE).removeprefix("r")
    if not _NUMBER.fullmatch(raw) or int(raw) < 1:
        raise InputError(
            f"{text!r} is not a revision.", hint="Revisions are numbers, as `histkg log` lists."
        )
    return int(raw)


def head(match: Match) -> int | None:
    """The number of the last revision, or None before the first write."""
    for quad in match(HEAD_GRAPH, HEAD, None, HEAD_GRAPH):
        if isinstance(quad.object, ox.NamedNode):
            return _number_of(quad.object)
    return None


def revision_quads(
    number: int,
    *,
    parent: int | None,
    agent: str,
    message: str,
    added: Collection[ox.Quad],
    removed: Collection[ox.Quad],
    when: dt.datetime | None = None,
    reverts: Iterable[int] = (),
) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """(quads to remove, quads to add) that record revision ``number`` and make it the head."""
    node = revision_node(number)
    statements = _activity(node, agent, message, when, len(added), len(removed))
    statements += [
        (node, ADDED, ox.Literal(_nquads(added))),
        (node, REMOVED, ox.Literal(_nquads(removed))),
    ]
    statements += [(node, REVERTS, revision_node(n)) for n in reverts]
    changed = [*added, *removed]
    graphs = {q.graph_name for q in changed if isinstance(q.graph_name, ox.NamedNode)}
    statements += [(node, GRAPH, g) for g in sorted(graphs, key=str)]
    statements += [(node, TOUCHED, n) for n in sorted(touched_nodes(changed), key=str)]
    return _as_head(node, parent, statements)


def summary_quads(
    number: int,
    *,
    parent: int | None,
    agent: str,
    message: str,
    counts: Mapping[ox.NamedNode, tuple[int, int]],
    when: dt.datetime | None = None,
) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """Like ``revision_quads`` for a change too big to keep: ``counts`` is (added, removed)
    per graph, one ``hkh:summary`` line each; no patch and no touched nodes are recorded."""
    node = revision_node(number)
    added = sum(a for a, _ in counts.values())
    removed = sum(r for _, r in counts.values())
    statements = _activity(node, agent, message, when, added, removed)
    lines = [
        f"{g.value} +{a} -{r}" for g, (a, r) in sorted(counts.items(), key=lambda c: str(c[0]))
    ]
    statements.append((node, SUMMARY, ox.Literal("\n".join(lines))))
    statements += [(node, GRAPH, g) for g in sorted(counts, key=str)]
    return _as_head(node, parent, statements)


def load_quads(
    match: Match,
    message: str,
    *,
    added: Collection[ox.Quad] | None = None,
    removed: Collection[ox.Quad] | None = None,
    counts: Mapping[ox.NamedNode, tuple[int, int]] | None = None,
) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """The next revision, by ``LOAD_AGENT``, for a load: its exact patch (``added``,
    ``removed``) when that is at most ``EXACT_LIMIT`` quads, else a summary (``counts``, or
    counted from the patch). Called under the store's write lock, like ``recorder``."""
    parent = head(match)
    number = (parent or 0) + 1
    if added is not None and removed is not None and len(added) + len(removed) <= EXACT_LIMIT:
        return revision_quads(
            number, parent=parent, agent=LOAD_AGENT, message=message, added=added, removed=removed
        )
    if counts is None:
        tally: dict[ox.NamedNode, list[int]] = {}
        for index, quads in enumerate((added or (), removed or ())):
            for q in quads:
                if isinstance(q.graph_name, ox.NamedNode):
                    tally.setdefault(q.graph_name, [0, 0])[index] += 1
        counts = {g: (a, r) for g, (a, r) in tally.items()}
    return summary_quads(number, parent=parent, agent=LOAD_AGENT, message=message, counts=counts)


def load_message(files: Iterable[tuple[str, str]], digest: str | None = None) -> str:
    """``Loaded data/claims.trig (sha256 ...)``: the files a load read and their SHA-256, and
    for a curated load the digest it records in the meta graph."""
    named = ", ".join(f"{label} (sha256 {sha})" for label, sha in files)
    if digest is None:
        return f"Loaded {named}"
    return f"Loaded the curated files (digest {digest}): {named}"


def _activity(
    node: ox.NamedNode,
    agent: str,
    message: str,
    when: dt.datetime | None,
    added: int,
    removed: int,
) -> list[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]]:
    when = when or dt.datetime.now(dt.UTC)
    stamp = when.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    statements: list[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]] = [
        (node, RDF.type, ACTIVITY),
        (node, ASSOCIATED, agent_node(agent)),  # no label or type of its own: the name is in
        # the IRI, and a labelled node would show in search and on the home page like an entity
        (node, STARTED, ox.Literal(stamp, datatype=XSD.dateTime)),
        (node, ADDED_COUNT, ox.Literal(str(added), datatype=XSD.integer)),
        (node, REMOVED_COUNT, ox.Literal(str(removed), datatype=XSD.integer)),
    ]
    if message:
        statements.append((node, RDFS.comment, ox.Literal(message)))
    return statements


def _as_head(
    node: ox.NamedNode,
    parent: int | None,
    statements: list[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]],
) -> tuple[list[ox.Quad], list[ox.Quad]]:
    if parent is not None:
        statements.append((node, PARENT, revision_node(parent)))
    add = [ox.Quad(s, p, o, node) for s, p, o in statements]
    add.append(ox.Quad(HEAD_GRAPH, HEAD, node, HEAD_GRAPH))
    drop = [] if parent is None else [ox.Quad(HEAD_GRAPH, HEAD, revision_node(parent), HEAD_GRAPH)]
    return drop, add


def recorder(
    match: Match, agent: str, message: str
) -> Callable[[Collection[ox.Quad], Collection[ox.Quad]], tuple[list[ox.Quad], list[ox.Quad]]]:
    """What records a change made outside ``app.writes`` (``Store.replace_graph``: the Wikidata
    facts of ``histkg link --verify``) as the next revision, with its exact patch. Called under
    the store's write lock, so the head it reads is still the head when the change lands."""

    def record(
        added: Collection[ox.Quad], removed: Collection[ox.Quad]
    ) -> tuple[list[ox.Quad], list[ox.Quad]]:
        parent = head(match)
        number = (parent or 0) + 1
        return revision_quads(
            number, parent=parent, agent=agent, message=message, added=added, removed=removed
        )

    return record


def touched_nodes(quads: Iterable[ox.Quad]) -> set[ox.NamedNode]:
    """The IRIs a change is about: subjects and IRI objects (genid nodes included)."""
    nodes: set[ox.NamedNode] = set()
    for quad in quads:
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode):
                nodes.add(term)
    return nodes


_FIELDS: Final = (
    ASSOCIATED,
    PARENT,
    STARTED,
    RDFS.comment,
    GRAPH,
    ADDED_COUNT,
    REMOVED_COUNT,
    REVERTS,
    SUMMARY,
)
"""What ``revision`` reads of a revision's node: not ``hkh:touched``, which lists every node a
write with an exact patch touched (thousands for a big write or load), nor the patch itself.
One lookup each, so nine round trips on a remote store; ``entered``, asked for each claim of an
entity page, reads a revision's agent first and a load's (the usual case) no further."""


def revision(match: Match, number: int) -> Revision:
    """Revision ``number`` as the log shows it; ``NotFound`` when there is none."""
    node = revision_node(number)
    values: dict[str, list[ox.NamedNode | ox.Literal]] = {}
    for predicate in _FIELDS:  # not the whole node (see _FIELDS)
        for quad in match(node, predicate, None, node):
            if isinstance(quad.object, ox.NamedNode | ox.Literal):
                values.setdefault(predicate.value, []).append(quad.object)
    if not values:
        raise NotFound(
            f"There is no revision {number}.", hint="`histkg log` or /history lists them."
        )

    def first(predicate: ox.NamedNode) -> str:
        found = values.get(predicate.value, [])
        return found[0].value if found else ""

    agent = first(ASSOCIATED)
    parent = first(PARENT)
    return Revision(
        number=number,
        agent=unquote(agent.removeprefix(AGENT_BASE)) if agent else "",
        time=dt.datetime.fromisoformat(first(STARTED)),
        message=first(RDFS.comment),
        parent=_number_of(ox.NamedNode(parent)) if parent else None,
        graphs=sorted(g.value for g in values.get(GRAPH.value, [])),
        added=int(first(ADDED_COUNT) or 0),
        removed=int(first(REMOVED_COUNT) or 0),
        reverts=sorted(_number_of(r) for r in values.get(REVERTS.value, []) if r.value),
        summarized=SUMMARY.value in values,
    )


def patch(match: Match, number: int) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """The exact quads revision ``number`` added and removed."""
    node = revision_node(number)
    texts = {ADDED.value: "", REMOVED.value: ""}
    for predicate in (ADDED, REMOVED):
        for quad in match(node, predicate, None, node):
            if isinstance(quad.object, ox.Literal):
                texts[predicate.value] = quad.object.value
    if not any(True for _ in match(node, RDF.type, ACTIVITY, node)):
        raise NotFound(
            f"There is no revision {number}.", hint="`histkg log` or /history lists them."
        )
    if any(True for _ in match(node, SUMMARY, None, node)):
        raise PatchNotKept(number, "it cannot be undone or replayed")
    return _parse(texts[ADDED.value]), _parse(texts[REMOVED.value])


def log(
    match: Match,
    *,
    entity: str | None = None,
    graph: str | None = None,
    since: dt.datetime | None = None,
    limit: int | None = None,
) -> list[Revision]:
    """Revisions, newest first: all, or those that touched ``entity`` / changed ``graph``."""
    if entity is not None or graph is not None:
        numbers: set[int] | None = None
        for predicate, iri in ((TOUCHED, entity), (GRAPH, graph)):
            if iri is None:
                continue
            try:
                node = ox.NamedNode(iri)
            except ValueError:  # no IRI: nothing was ever about it
                return []
            found = {_number_of(q.subject) for q in match(None, predicate, node, None)}
            found.discard(0)
            numbers = found if numbers is None else numbers & found
        ordered = sorted(numbers or (), reverse=True)
    else:
        last = head(match)
        ordered = list(range(last or 0, 0, -1))
    revisions: list[Revision] = []
    for number in ordered:
        if limit is not None and len(revisions) >= limit:
            break
        entry = revision(match, number)
        if since is not None and entry.time < since:
            break  # numbers grow with time: every older one is older still
        revisions.append(entry)
    return revisions


def state_at(match: Match, node: ox.NamedNode, number: int) -> list[ox.Quad]:
    """The statements about ``node`` (as subject) as they were right after revision ``number``:
    today's, with every later revision that touched it undone, newest first."""
    if number > (head(match) or 0):
        raise NotFound(
            f"There is no revision {number}.", hint="`histkg log` or /history lists them."
        )
    hidden = [n for n in summarized(match) if n > number]
    if hidden:
        raise PatchNotKept(
            min(hidden), f"the state before it, as of revision {number}, cannot be rebuilt"
        )
    state = set(match(node, None, None, None))
    later = sorted(
        (
            n
            for n in (_number_of(q.subject) for q in match(None, TOUCHED, node, None))
            if n > number
        ),
        reverse=True,
    )
    for n in later:
        added, removed = patch(match, n)
        state -= {q for q in added if q.subject == node}
        state |= {q for q in removed if q.subject == node}
    return sorted(state, key=str)


def check_revertible(match: Match, number: int) -> None:
    """Refuse (``PatchNotKept``) to revert a load recorded as a summary, or a revision whose
    graphs a later such load replaced: its statements may be gone or back, unknown here."""
    if number in summarized(match):
        raise PatchNotKept(number, "it cannot be undone from the history")
    mine = set(revision(match, number).graphs)
    for later in (n for n in summarized(match) if n > number):
        if mine & set(revision(match, later).graphs):
            raise PatchNotKept(later, f"it replaced graphs revision {number} changed")


def summarized(match: Match) -> list[int]:
    """The revisions recorded as summaries (big loads), oldest first."""
    return sorted(n for n in (_number_of(q.subject) for q in match(None, SUMMARY, None, None)) if n)


def last_touching(match: Match, node: ox.NamedNode, *, as_graph: bool) -> int | None:
    """The last revision that changed the graph ``node`` (or a statement about ``node``).

    A load recorded as a summary names no statements, so it counts as having changed every
    node: an entity's ETag after it is never one a client saw before it."""
    predicate = GRAPH if as_graph else TOUCHED
    numbers = [_number_of(q.subject) for q in match(None, predicate, node, None)]
    if not as_graph:
        numbers += summarized(match)[-1:]
    return max(numbers) if numbers else None


def entered(match: Match, node: ox.NamedNode) -> Revision | None:
    """The first revision that touched ``node`` (as a graph or a statement about it): for a
    claim written over HTTP, who entered it and when; ``None`` when a load wrote it first
    (the curated data: it was read from the book, not entered)."""
    numbers = {
        _number_of(q.subject)
        for predicate in (GRAPH, TOUCHED)
        for q in match(None, predicate, node, None)
    }
    found = sorted(n for n in numbers if n)
    if not found:
        return None
    node = revision_node(found[0])
    agents = [q.object for q in match(node, ASSOCIATED, None, node)]
    if not agents or not isinstance(agents[0], ox.NamedNode):
        return None
    if unquote(agents[0].value.removeprefix(AGENT_BASE)) == LOAD_AGENT:
        return None  # asked first: a load's revision lists every graph it wrote
    return revision(match, found[0])


def _iri(text: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(text)
    except ValueError:
        raise InputError(f"{text!r} is not an IRI.") from None


def _number_of(node: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> int:
    raw = node.value if isinstance(node, ox.NamedNode) else ""
    tail = raw.removeprefix(HISTORY_BASE)
    return int(tail) if raw.startswith(HISTORY_BASE) and _NUMBER.fullmatch(tail) else 0


def _nquads(quads: Collection[ox.Quad]) -> str:
    ordered = sorted(quads, key=str)
    return (ox.serialize(ordered, format=ox.RdfFormat.N_QUADS) or b"").decode()


def _parse(text: str) -> list[ox.Quad]:
    return list(ox.parse(text.encode(), format=ox.RdfFormat.N_QUADS)) if text else []
