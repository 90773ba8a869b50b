"""Running SPARQL queries and serializing their results; values in, values out, no HTTP.

Queries run against pyoxigraph with ``use_default_graph_as_union=True``: a query without
``GRAPH``/``FROM`` sees the union of every graph, because histkg keeps each source file in its
own named graph and users should not need to know which file a fact came from.

Time limit: pyoxigraph cannot cancel a query, but it releases the GIL while evaluating, so the
query runs in a daemon thread and the caller stops waiting at the deadline. Results are read
lazily, so most queries also stop doing work at the deadline; a step pyoxigraph evaluates eagerly
(a sort or an aggregate over much data) finishes in the background and its result is dropped.
"""

import json
import re
import threading
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Literal as Kind
from typing import TypeVar

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse_query_results,
    serialize,
)
from pyoxigraph import Store as OxStore

from app.errors import QueryError, QueryTimeout, StoreError

Term = NamedNode | BlankNode | Literal | Triple
T = TypeVar("T")


@dataclass(frozen=True)
class QueryResult:
    """The outcome of one query, bounded by ``max_rows``.

    ``kind`` says which fields are meaningful: ``select`` fills ``variables`` and ``rows`` (one
    term or ``None`` per variable), ``ask`` fills ``boolean``, ``graph`` (CONSTRUCT/DESCRIBE)
    fills ``triples``. ``truncated`` is true when more results existed than were kept.
    """

    kind: Kind["select", "ask", "graph"]
    elapsed: float
    truncated: bool = False
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[Triple] = field(default_factory=list)


# Strings, IRIs and comments, so that a keyword search below never looks inside them.
_OPAQUE = re.compile(
    r"""'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|<[^<>\s]*>|\#[^\n]*""",
    re.DOTALL,
)
_SERVICE = re.compile(r"(?<![\w?$:])SERVICE(?![\w:-])", re.IGNORECASE)


def _check_no_service(sparql: str) -> None:
    """Refuse federated queries: ``SERVICE`` would make the server fetch arbitrary URLs."""
    if _SERVICE.search(_OPAQUE.sub(" ", sparql)):
        raise QueryError(
            "SERVICE (federated query) is not allowed here.",
            hint="Query the remote endpoint directly, or load its data with `histkg load`.",
        )


Bindings = Mapping[str, "NamedNode | Literal"]
"""Values for variables of a query, by variable name without ``?``: the one way user input goes
into a query. They are sent as a trailing ``VALUES`` block whose terms pyoxigraph serializes
(N-Triples escaping), so no user string is ever spliced into query text, and the same query runs
unchanged on any SPARQL 1.1 engine. (pyoxigraph's own ``substitutions`` would require the
variables to be projected, which most of our queries do not do.)"""

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def with_bindings(sparql: str, bindings: Bindings | None) -> str:
    """Return ``sparql`` with ``bindings`` appended as a trailing VALUES block."""
    if not bindings:
        return sparql
    names = list(bindings)
    for name in names:
        if not _VARIABLE_NAME.fullmatch(name):
            raise ValueError(f"not a SPARQL variable name: {name!r}")
    for term in bindings.values():
        if not isinstance(term, NamedNode | Literal):
            raise TypeError(f"only IRIs and literals can be bound, not {type(term).__name__}")
    variables = " ".join(f"?{name}" for name in names)
    row = " ".join(str(bindings[name]) for name in names)
    return f"{sparql}\nVALUES ({variables}) {{ ({row}) }}\n"


def run_query(
    store: OxStore,
    sparql: str,
    *,
    timeout: float,
    max_rows: int,
    bindings: Bindings | None = None,
) -> QueryResult:
    """Evaluate ``sparql`` on ``store`` with a time limit, a result cap and bound variables."""
    _check_no_service(sparql)
    deadline = time.monotonic() + timeout
    future: Future[QueryResult] = Future()

    def work() -> None:
        try:
            future.set_result(
                _collect(store, sparql, deadline=deadline, max_rows=max_rows, bindings=bindings)
            )
        except BaseException as error:  # handed to the waiting caller
            future.set_exception(_without_frames(error))

    threading.Thread(target=work, name="histkg-query", daemon=True).start()
    try:
        return future.result(timeout=timeout)
    except (TimeoutError, _DeadlinePassed):
        raise QueryTimeout(
            f"The query did not finish within {timeout:g} seconds.",
            hint="Add a LIMIT, narrow the patterns, or raise HISTKG_QUERY_TIMEOUT.",
        ) from None


def _without_frames(error: BaseException) -> BaseException:
    """Drop the tracebacks of ``error`` and its causes, freeing their frames in this thread.

    pyoxigraph result iterators must be freed by the thread that made them (dropping one
    elsewhere raises); the frames of a traceback still hold them.
    """
    chained: BaseException | None = error
    while chained is not None:
        chained.__traceback__ = None
        chained = chained.__cause__ or chained.__context__
    return error


class _DeadlinePassed(Exception):
    """Raised in the query thread so it stops pulling results nobody will read."""


def _collect(
    store: OxStore,
    sparql: str,
    *,
    deadline: float,
    max_rows: int,
    bindings: Bindings | None = None,
) -> QueryResult:
    started = time.monotonic()
    try:
        results = store.query(with_bindings(sparql, bindings), use_default_graph_as_union=True)
        if isinstance(results, QueryBoolean):
            return QueryResult("ask", time.monotonic() - started, boolean=bool(results))
        if isinstance(results, QuerySolutions):
            rows, truncated = _take(((*row,) for row in results), deadline, max_rows)
            names = [variable.value for variable in results.variables]
            elapsed = time.monotonic() - started
            return QueryResult("select", elapsed, truncated, variables=names, rows=rows)
        triples, truncated = _take(results, deadline, max_rows)
        return QueryResult("graph", time.monotonic() - started, truncated, triples=triples)
    except SyntaxError as error:
        raise QueryError(error.msg or str(error), hint="Fix the SPARQL syntax.") from None
    except OSError as error:
        raise StoreError(f"The store could not answer the query: {error}") from None


def _take(items: Iterable[T], deadline: float, max_rows: int) -> tuple[list[T], bool]:
    """Read at most ``max_rows`` items; the flag says whether more were left."""
    kept: list[T] = []
    for item in items:
        if len(kept) == max_rows:
            return kept, True
        if time.monotonic() > deadline:
            raise _DeadlinePassed  # never hand back a silently partial result
        kept.append(item)
    return kept, False


def _tsv_term(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, Triple):
        parts = (_tsv_term(term.subject), _tsv_term(term.predicate), _tsv_term(term.object))
        return "<<( {} {} {} )>>".format(*parts)
    return str(term)  # pyoxigraph's own N-Triples form, escapes included


def to_sparql_json(result: QueryResult) -> bytes:
    """SPARQL 1.1 Query Results JSON for a SELECT or ASK result.

    Rows are handed to pyoxigraph's own JSON serializer via its TSV parser (TSV cells are the
    N-Triples forms pyoxigraph prints), so histkg never hand-writes term JSON.
    """
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": result.boolean}).encode()
    if result.kind != "select":
        raise ValueError("CONSTRUCT/DESCRIBE results are graphs; use to_turtle()")
    lines = ["\t".join(f"?{name}" for name in result.variables)]
    lines += ["\t".join(_tsv_term(term) for term in row) for row in result.rows]
    solutions = parse_query_results("\n".join(lines) + "\n", QueryResultsFormat.TSV)
    return solutions.serialize(format=QueryResultsFormat.JSON) or b""


def to_turtle(result: QueryResult) -> bytes:
    """Turtle for a CONSTRUCT or DESCRIBE result, written by pyoxigraph's serializer."""
    if result.kind != "graph":
        raise ValueError("only CONSTRUCT/DESCRIBE results are graphs")
    return serialize(result.triples, format=RdfFormat.TURTLE) or b""
