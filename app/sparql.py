"""Running SPARQL queries: checking them, evaluating them, collecting or serializing the results.

Values in, values out, no HTTP. The pieces, in the order a query meets them:

* ``with_bindings`` puts user values into a query as a trailing ``VALUES`` block;
* ``query_kind`` tells SELECT, ASK and CONSTRUCT/DESCRIBE apart before anything runs, and refuses
  SPARQL Update (the endpoint is read-only);
* ``check_services`` refuses ``SERVICE`` unless its host is on the allowlist, so a query never
  makes the server fetch an arbitrary URL (``FROM <url>`` never fetches: it names a graph of the
  store, and ``LOAD`` is an update);
* ``evaluate`` runs a ``QueryJob`` on a pyoxigraph store and ``consume`` turns its answer into a
  ``QueryResult`` (values, for pages) or a ``SerializedResult`` (bytes in a format, for the
  endpoint), reading at most ``max_rows`` rows and flagging a cut;
* ``run_with_deadline`` runs a job in a thread and stops waiting at the deadline. It is the
  fallback when no worker processes are configured: pyoxigraph cannot cancel a query, so a step it
  evaluates eagerly (a sort, an aggregate) keeps a core busy in the background until it is done.
  ``app.backends.workers`` runs queries in processes it can kill instead.

The default graph of a query is the union of all graphs unless the query (``FROM``) or the
request (``Dataset``) names its dataset: histkg keeps each source file in its own named graph and
users should not need to know which file a fact came from.
"""

import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, BinaryIO, Final, TypeVar, cast
from urllib.parse import urljoin, urlsplit

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    Triple,
)
from pyoxigraph import Store as OxStore

from app.errors import QueryError, QueryTimeout, ResultTooLarge, StoreError, UpdateNotAllowed
from app.results import (
    BY_NAME,
    Capped,
    DeadlinePassed,
    Kind,
    Row,
    SerializedResult,
    Spool,
    SpoolFull,
    write_ask,
    write_graph,
    write_select,
    write_solutions,
    write_triples,
)

Term = NamedNode | BlankNode | Literal | Triple
T = TypeVar("T")

__all__ = [
    "Bindings",
    "Dataset",
    "Output",
    "QueryJob",
    "QueryResult",
    "Term",
    "check_services",
    "evaluate",
    "query_kind",
    "run_with_deadline",
    "with_bindings",
]


@dataclass(frozen=True)
class QueryResult:
    """The outcome of one query, bounded by ``max_rows``.

    ``kind`` says which fields are meaningful: ``select`` fills ``variables`` and ``rows`` (one
    term or ``None`` per variable), ``ask`` fills ``boolean``, ``graph`` (CONSTRUCT/DESCRIBE)
    fills ``triples``. ``truncated`` is true when more results existed than were kept.
    """

    kind: Kind
    elapsed: float
    truncated: bool = False
    variables: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[Triple] = field(default_factory=list)


@dataclass(frozen=True)
class Dataset:
    """A dataset named by the request (``default-graph-uri``, ``named-graph-uri``).

    When a request names one, it replaces the union default graph and any ``FROM`` in the query:
    the default graph is the merge of ``default_graphs`` (empty if none) and only
    ``named_graphs`` can be reached with ``GRAPH`` (SPARQL 1.1 Protocol, section 2.1.4).
    """

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Output:
    """How a serialized result is wanted: the format's name and media type, and its details."""

    format: str
    media_type: str
    prefixes: tuple[tuple[str, str], ...] = ()
    context: Mapping[str, Any] | None = None
    spool_dir: str | None = None
    max_bytes: int = 0
    """Most bytes the serialized answer may take (0: no cap); past it, ``ResultTooLarge``."""


@dataclass(frozen=True)
class QueryJob:
    """Everything needed to run one query, picklable so a worker process can run it."""

    sparql: str
    kind: Kind
    timeout: float
    max_rows: int
    dataset: Dataset | None = None
    output: Output | None = None
    base_iri: str | None = None
    """Relative IRIs in the query resolve against it (the SPARQL protocol lets the service
    choose; histkg uses ``HISTKG_BASE_IRI``, as for loaded files)."""


Bindings = Mapping[str, "NamedNode | Literal"]
"""Values for variables of a query, by variable name without ``?``: the one way user input goes
into a query. They are sent as a ``VALUES`` block whose terms pyoxigraph serializes (N-Triples
escaping), so no user string is ever spliced into query text, and the same query runs unchanged
on any SPARQL 1.1 engine. (pyoxigraph's own ``substitutions`` would require the variables to be
projected, which most of our queries do not do.)

Where the block goes: first thing inside the query's ``WHERE`` group, so it is joined with the
whole pattern *before* grouping and projection: a ``BIND``, ``FILTER`` or ``OPTIONAL`` of that
group sees the value, and an aggregate counts only the bound rows. (A trailing ``VALUES`` after
the query would be joined after projection, and Virtuoso 7 refuses one on a variable the query
does not project.) Queries without a ``WHERE`` group (``DESCRIBE <iri>``, ``CONSTRUCT WHERE``)
get a trailing block."""

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def with_bindings(sparql: str, bindings: Bindings | None) -> str:
    """Return ``sparql`` with ``bindings`` as a VALUES block (see ``Bindings`` for where)."""
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
    block = f"VALUES ({variables}) {{ ({row}) }}"
    start = _where_group_start(sparql)
    if start is None:
        return f"{sparql}\n{block}\n"
    return f"{sparql[:start]} {block}\n{sparql[start:]}"


def _where_group_start(sparql: str) -> int | None:
    """The index just after the ``{`` that opens the query's WHERE group, or None."""
    code = _code(sparql)
    form = _FORMS.search(code)
    if form is None:
        return None
    position = form.end()
    if form.group(1).upper() == "CONSTRUCT":
        where = _WHERE.search(code, position)
        if where is None or not code[position : where.start()].strip():
            return None  # no WHERE, or the short form whose template is its pattern
        position = where.end()
    depth = 0
    for index in range(position, len(code)):
        character = code[index]
        if character == "(":
            depth += 1
        elif character == ")":
            depth -= 1
        elif character == "{" and depth == 0:
            return index + 1
    return None


# --------------------------------------------------------------------------- checks before running

# IRIs, strings and comments, matched left to right in one pass, so that whichever starts first
# wins: a ``#`` inside an IRI or a string does not start a comment, and a quote inside a comment
# or an IRI does not start a string. Keyword searches run on the text with these blanked out.
_TOKENS = re.compile(
    r"""(?P<iri><[^<>\s]*>)"""
    r"""|(?P<string>'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
    r"""|(?P<comment>\#[^\n]*)""",
    re.DOTALL,
)
_KEYWORD = r"(?<![\w?$:]){}(?![\w:-])"
_FORMS = re.compile(
    _KEYWORD.format(
        "(SELECT|ASK|CONSTRUCT|DESCRIBE|INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)"
    ),
    re.IGNORECASE,
)
_SERVICE = re.compile(_KEYWORD.format("SERVICE"), re.IGNORECASE)
_MENTIONS_SERVICE = re.compile("SERVICE", re.IGNORECASE)
_MENTIONS_FROM = re.compile("FROM", re.IGNORECASE)
_WHERE = re.compile(_KEYWORD.format("WHERE"), re.IGNORECASE)
_SERVICE_TARGET = re.compile(
    _KEYWORD.format("SERVICE")
    + r"\s+(?:SILENT\s+)?(<[^<>\s]*>|[?$]\w+|(?:[A-Za-z][\w.-]*)?:[\w.%-]*)",
    re.IGNORECASE,
)
_PREFIX = re.compile(_KEYWORD.format("PREFIX") + r"\s+([\w.-]*):\s*<([^<>\s]*)>", re.IGNORECASE)


CACHED_TEXT: Final = 8192
"""Queries up to this many characters have their analysis cached (``_code``, ``query_kind``).

One query is read several times before it runs (its form, its ``SERVICE`` and ``FROM`` clauses,
by the endpoint and again by ``Store``), and clients repeat the same queries; the cache makes
every read after the first free. Longer texts are rare and would make the cache hold megabytes.
"""


def _code(sparql: str, *, keep_iris: bool = False) -> str:
    """``sparql`` with strings, comments and (unless ``keep_iris``) IRIs blanked out.

    Positions are kept (each match becomes as many spaces), so an index into the result is an
    index into the query.
    """
    if len(sparql) <= CACHED_TEXT:
        return _cached_code(sparql, keep_iris)
    return _long_code(sparql, keep_iris)


def _blank_tokens(sparql: str, keep_iris: bool) -> str:
    def blank(match: re.Match[str]) -> str:
        if keep_iris and match.lastgroup == "iri":
            return match.group()
        return " " * len(match.group())

    return _TOKENS.sub(blank, sparql)


_cached_code = lru_cache(maxsize=128)(_blank_tokens)
_long_code = lru_cache(maxsize=2)(_blank_tokens)
"""The last long texts only: a big update is read six times (its LOAD, SERVICE and graphs)
before it runs, each read a scan of the whole text; two entries hold at most two requests."""


MAX_NESTING: Final = 64
MAX_OPERATORS: Final = 2000
_OPENERS = {"(": ")", "{": "}", "[": "]"}
_OPERATOR = re.compile(r"&&|\|\||[!+\-*/=<>|^]")
_BRACKETS = re.compile(r"[(){}\[\]]")


def check_complexity(sparql: str) -> None:
    """Refuse text nested deeper than ``MAX_NESTING`` or with over ``MAX_OPERATORS`` operators.

    pyoxigraph's parser recurses: ``{`` nested a few thousand deep, or ten thousand ``!`` or
    ``+``, overflow its stack and kill the process (a segfault, not an exception). No real query
    comes near these limits. Strings, comments and IRIs do not count.
    """
    code = _code(sparql)
    depth = deepest = 0
    for bracket in _BRACKETS.findall(code):  # not a Python loop over every character
        if bracket in _OPENERS:
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    if deepest > MAX_NESTING:
        raise QueryError(
            f"The query is nested {deepest} levels deep; at most {MAX_NESTING} are allowed.",
            hint="Flatten the expression or split the query.",
        )
    if len(_OPERATOR.findall(code)) > MAX_OPERATORS:
        raise QueryError(
            f"The query has more than {MAX_OPERATORS} operators.",
            hint="Use VALUES or IN (...) instead of long chains of operators.",
        )


def query_kind(sparql: str) -> Kind:
    """``select``, ``ask`` or ``graph`` (CONSTRUCT/DESCRIBE) for a query, read from its text.

    Raises ``UpdateNotAllowed`` for SPARQL Update and ``QueryError`` when there is no query form
    at all (other syntax errors are left to the engine, which reports their position). Answers
    are cached by text (errors are not).
    """
    if len(sparql) <= CACHED_TEXT:
        return _cached_kind(sparql)
    return _query_kind(sparql)


def _query_kind(sparql: str) -> Kind:
    check_complexity(sparql)
    code = _code(sparql)
    found = _FORMS.search(code)
    if found is None:
        check_syntax(sparql)  # raises with the parser's message and position
        raise QueryError("This is not a SELECT, ASK, CONSTRUCT or DESCRIBE query.")
    form = found.group(1).upper()
    if form not in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
        raise UpdateNotAllowed(
            "This endpoint is read-only; SPARQL Update is not accepted.",
            hint="Change the data in ontology/ or data/ and run `histkg load`.",
        )
    return "select" if form == "SELECT" else "ask" if form == "ASK" else "graph"


_cached_kind = lru_cache(maxsize=512)(_query_kind)


_IRI = r"<[^<>\s]*>"
_VAR = r"[?$]\w+"
_POINT_LOOKUP = re.compile(
    r"\s*SELECT\s+(?:(?:DISTINCT|REDUCED)\s+)?(?:\*|(?:" + _VAR + r"\s*)+)\s*(?:WHERE\s*)?"
    r"\{\s*" + _IRI + r"\s+(?:" + _IRI + "|" + _VAR + r")\s+" + _VAR + r"\s*\.?\s*\}"
    r"(?:\s*LIMIT\s+\d+)?(?:\s*OFFSET\s+\d+)?\s*",
    re.IGNORECASE,
)


def is_point_lookup(sparql: str) -> bool:
    """Whether ``sparql`` is one triple pattern on a given subject, ``SELECT ... { <s> ?p ?o }``.

    Such a query does work in proportion to its rows (one index scan, no join, sort or
    aggregate), and ``evaluate`` checks the deadline and the row cap between rows, so it is
    bounded without a worker process to kill; ``app.backends.embedded`` answers it on the live
    store, without the snapshot workers need after each write. Anything else says no.
    """
    if len(sparql) > CACHED_TEXT:
        return False
    return _cached_point_lookup(sparql)


@lru_cache(maxsize=512)
def _cached_point_lookup(sparql: str) -> bool:
    return _POINT_LOOKUP.fullmatch(_code(sparql, keep_iris=True)) is not None


def service_hosts(sparql: str) -> list[str]:
    """The endpoint IRIs of every ``SERVICE`` in the query, resolving prefixed names.

    Raises ``QueryError`` for a ``SERVICE`` whose endpoint is a variable or cannot be read.
    """
    if not _MENTIONS_SERVICE.search(sparql):  # the common case, without blanking the text
        return []
    code = _code(sparql, keep_iris=True)
    keywords = len(_SERVICE.findall(_code(sparql)))
    if not keywords:
        return []
    prefixes = dict(_PREFIX.findall(code))
    targets: list[str] = []
    for target in _SERVICE_TARGET.findall(code):
        if target.startswith(("?", "$")):
            raise QueryError(
                "SERVICE with a variable endpoint is not allowed here.",
                hint="Name the endpoint IRI in the query.",
            )
        if target.startswith("<"):
            targets.append(target[1:-1])
        else:
            prefix, _, local = target.partition(":")
            if prefix not in prefixes:
                raise QueryError(f"SERVICE {target}: the prefix {prefix}: is not declared.")
            targets.append(prefixes[prefix] + local)
    if len(targets) != keywords:
        raise QueryError("A SERVICE clause could not be read.", hint="Write SERVICE <iri> { ... }.")
    return targets


_FROM = re.compile(
    _KEYWORD.format("FROM") + r"\s+(NAMED\s+)?(<[^<>\s]*>|(?:[A-Za-z][\w.-]*)?:[\w.%-]*)",
    re.IGNORECASE,
)


def query_dataset(sparql: str, base_iri: str | None = None) -> Dataset | None:
    """The dataset a query names with ``FROM``/``FROM NAMED``, or None if it names none.

    Passed on explicitly (to pyoxigraph, or as protocol parameters to a remote server), so the
    graphs a query names replace the union default graph the same way on every backend. They
    are graphs of the store: nothing is ever fetched from their IRIs.
    """
    if not _MENTIONS_FROM.search(sparql):
        return None
    code = _code(sparql, keep_iris=True)
    clauses = _FROM.findall(code)
    if not clauses:
        return None
    prefixes = dict(_PREFIX.findall(code))
    defaults: list[str] = []
    named: list[str] = []
    for is_named, target in clauses:
        if target.startswith("<"):
            iri = urljoin(base_iri or "", target[1:-1])
        else:
            prefix, _, local = target.partition(":")
            if prefix not in prefixes:
                raise QueryError(f"FROM {target}: the prefix {prefix}: is not declared.")
            iri = prefixes[prefix] + local
        (named if is_named else defaults).append(iri)
    return Dataset(tuple(defaults), tuple(named))


def _host_allowed(iri: str, allowlist: Iterable[str]) -> bool:
    parts = urlsplit(iri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return False
    for entry in allowlist:
        host, _, wanted_port = entry.strip().lower().rpartition(":")
        if not host or not wanted_port.isdigit():  # an entry without a port allows every port
            host, wanted_port = entry.strip().lower(), ""
        if host == parts.hostname.lower() and (not wanted_port or int(wanted_port) == port):
            return True
    return False


def check_services(sparql: str, allowlist: Iterable[str]) -> None:
    """Refuse a query whose ``SERVICE`` endpoints are not all on ``allowlist`` (host[:port])."""
    allowed = [entry for entry in allowlist if entry.strip()]
    for iri in service_hosts(sparql):
        if not allowed:
            raise QueryError(
                "SERVICE (federated query) is not allowed here.",
                hint="Query the remote endpoint directly, or load its data with `histkg load`.",
            )
        if not _host_allowed(iri, allowed):
            raise QueryError(
                f"SERVICE <{iri}> is not allowed: its host is not on the allowlist.",
                hint="Allowed hosts are set by HISTKG_SERVICE_ALLOWLIST.",
            )


def has_service(sparql: str) -> bool:
    return bool(_SERVICE.search(_code(sparql)))


_POSITION = re.compile(r"error at (\d+):(\d+)")


_NAME_CHARACTERS = re.compile(r"\['A' \.\.= 'Z'[^\]]*\]")


def syntax_error(error: SyntaxError, sparql: str) -> QueryError:
    """A ``QueryError`` with the parser's message and a hint showing where the error is."""
    message = _NAME_CHARACTERS.sub("a letter", error.msg or str(error))
    hint = "Fix the SPARQL syntax."
    found = _POSITION.search(message)
    if found:
        line, column = int(found.group(1)), int(found.group(2))
        lines = sparql.splitlines() or [""]
        if 1 <= line <= len(lines):
            text = lines[line - 1]
            hint = f"Fix the SPARQL syntax at line {line}, column {column}:\n{text}\n"
            hint += " " * max(column - 1, 0) + "^"
    return QueryError(message, hint=hint)


def check_syntax(sparql: str, base_iri: str | None = None) -> None:
    """Raise ``QueryError`` if ``sparql`` does not parse (checked against an empty store)."""
    try:
        OxStore().query(sparql, base_iri=base_iri)
    except SyntaxError as error:
        raise syntax_error(error, sparql) from None
    except OSError:
        pass  # parsed; evaluating against nothing failed, which is not our concern here


# --------------------------------------------------------------------------- evaluation


@dataclass
class Opened:
    """A query answer as iterators, before any row is read: what every backend produces."""

    kind: Kind
    variables: list[str] = field(default_factory=list)
    rows: Iterator[Row] = field(default_factory=lambda: iter(()))
    boolean: bool = False
    triples: Iterator[Triple] = field(default_factory=lambda: iter(()))
    solutions: QuerySolutions | None = None
    """pyoxigraph's own SELECT answer, when there is one: serialized without Python per row."""
    graph: QueryTriples | None = None
    """pyoxigraph's own CONSTRUCT/DESCRIBE answer, when there is one (as ``solutions``)."""


def dataset_options(dataset: Dataset | None) -> dict[str, Any]:
    """pyoxigraph ``Store.query`` options for a request dataset (default: union of all graphs)."""
    if dataset is None:
        return {"use_default_graph_as_union": True}
    try:
        return {
            "default_graph": [NamedNode(iri) for iri in dataset.default_graphs],
            "named_graphs": [NamedNode(iri) for iri in dataset.named_graphs],
        }
    except ValueError as error:
        raise QueryError(f"A graph IRI of the request is not valid: {error}") from None


def open_results(store: OxStore, job: QueryJob) -> Opened:
    """Start ``job`` on a pyoxigraph store."""
    try:
        results = store.query(job.sparql, base_iri=job.base_iri, **dataset_options(job.dataset))
    except SyntaxError as error:
        raise syntax_error(error, job.sparql) from None
    except OSError as error:
        raise StoreError(f"The store could not answer the query: {error}") from None
    if isinstance(results, QueryBoolean):
        return Opened("ask", boolean=bool(results))
    if isinstance(results, QuerySolutions):
        names = [variable.value for variable in results.variables]
        rows = ((*row,) for row in results)
        return Opened("select", variables=names, rows=rows, solutions=results)
    return Opened("graph", triples=iter(results), graph=results)


def evaluate(store: OxStore, job: QueryJob) -> "QueryResult | SerializedResult":
    """Run ``job`` on ``store`` within ``job.timeout`` seconds (checked between rows)."""
    started = time.monotonic()
    if job.output is not None and job.output.format == "json" and is_point_lookup(job.sparql):
        small = _small_json(open_results(store, job), job, started)
        if small is not None:
            return small
    return consume(open_results(store, job), job, started)


SMALL_ANSWER = 1 << 18
"""Bytes of JSON a point lookup's answer may take to be written in one pass (see
``_small_json``); a longer one is written again on the capped path."""


def _small_json(opened: Opened, job: QueryJob, started: float) -> SerializedResult | None:
    """A point lookup's SELECT answer written by pyoxigraph straight into JSON, or None.

    The capped path (``write_solutions``) writes TSV to count and cut rows, then parses it back
    and writes JSON: three passes, twice the time of the engine's own lookup. A point lookup is
    bounded (``is_point_lookup``), so its answer is written in one pass into at most
    ``SMALL_ANSWER`` bytes and its rows counted by reading the JSON back (C code, a fraction
    of the writing); None when it has more rows than the cap or bytes than that (the caller
    then takes the capped path, which cuts it).
    """
    if opened.solutions is None or job.output is None:
        return None
    spool = Spool(None, limit=SMALL_ANSWER, cap=SMALL_ANSWER)
    try:
        opened.solutions.serialize(cast(BinaryIO, spool), format=QueryResultsFormat.JSON)
    except SpoolFull:
        return None
    body, _ = spool.finish()
    count = len(json.loads(body)["results"]["bindings"])
    if count > job.max_rows or time.monotonic() - started > job.timeout:
        return None
    elapsed = time.monotonic() - started
    return SerializedResult("select", job.output.media_type, False, count, elapsed, body=body)


def consume(opened: Opened, job: QueryJob, started: float) -> "QueryResult | SerializedResult":
    """Read an answer: into values, or serialized into ``job.output``'s format."""
    deadline = started + job.timeout
    try:
        if job.output is None:
            return _collect(opened, job.max_rows, deadline, started)
        return _serialize(opened, job.output, job.max_rows, deadline, started)
    except DeadlinePassed:
        raise timeout_error(job.timeout) from None
    except SpoolFull:
        limit = job.output.max_bytes if job.output is not None else 0
        raise ResultTooLarge(
            f"The answer would take more than {limit:,} bytes, the most one answer may take.",
            hint="Add a LIMIT, select fewer or shorter values, or page with LIMIT and OFFSET; "
            "the limit is HISTKG_MAX_RESULT_BYTES.",
        ) from None
    except OSError as error:
        raise StoreError(f"The store could not answer the query: {error}") from None


def _collect(opened: Opened, max_rows: int, deadline: float, started: float) -> QueryResult:
    if opened.kind == "ask":
        return QueryResult("ask", time.monotonic() - started, boolean=opened.boolean)
    if opened.kind == "select":
        rows = Capped(opened.rows, max_rows, deadline)
        kept = list(rows)
        elapsed = time.monotonic() - started
        return QueryResult("select", elapsed, rows.truncated, variables=opened.variables, rows=kept)
    triples = Capped(opened.triples, max_rows, deadline)
    kept_triples = list(triples)
    elapsed = time.monotonic() - started
    return QueryResult("graph", elapsed, triples.truncated, triples=kept_triples)


def _serialize(
    opened: Opened, output: Output, max_rows: int, deadline: float, started: float
) -> SerializedResult:
    fmt = BY_NAME[output.format]
    if opened.kind not in fmt.kinds:
        raise QueryError(f"{fmt.label} cannot hold the answer of this query.")
    spool = Spool(output.spool_dir, cap=output.max_bytes)
    try:
        truncated, count = False, 1
        if opened.kind == "ask":
            write_ask(fmt, opened.boolean, spool)
        elif opened.kind == "select" and opened.solutions is not None:
            count, truncated = write_solutions(
                fmt,
                opened.solutions,
                spool,
                max_rows=max_rows,
                deadline=deadline,
                directory=output.spool_dir,
                cap=output.max_bytes,
            )
        elif opened.kind == "select":
            rows = Capped(opened.rows, max_rows, deadline)
            write_select(fmt, opened.variables, rows, spool)
            truncated, count = rows.truncated, rows.count
        elif opened.graph is not None:
            count, truncated = write_triples(
                fmt,
                opened.graph,
                spool,
                max_rows=max_rows,
                deadline=deadline,
                prefixes=dict(output.prefixes),
                context=output.context,
                directory=output.spool_dir,
                cap=output.max_bytes,
            )
        else:
            triples = Capped(opened.triples, max_rows, deadline)
            write_graph(fmt, triples, spool, prefixes=dict(output.prefixes), context=output.context)
            truncated, count = triples.truncated, triples.count
        body, path = spool.finish()
    except BaseException:
        spool.discard()
        raise
    elapsed = time.monotonic() - started
    return SerializedResult(
        opened.kind, output.media_type, truncated, count, elapsed, body=body, path=path
    )


def timeout_error(seconds: float) -> QueryTimeout:
    return QueryTimeout(
        f"The query did not finish within {seconds:g} seconds.",
        hint="Add a LIMIT, narrow the patterns, or ask for a longer timeout (up to "
        "HISTKG_QUERY_TIMEOUT).",
    )


def run_with_deadline(work: Callable[[], T], timeout: float, *, discard: Callable[[T], None]) -> T:
    """Run ``work`` in a daemon thread; raise ``QueryTimeout`` if it is not done by ``timeout``.

    pyoxigraph result iterators must be freed by the thread that made them, so ``work`` runs to
    its end in its own thread; an answer that comes after the deadline is passed to ``discard``.
    """
    future: Future[T] = Future()
    abandoned = threading.Event()

    def run() -> None:
        try:
            result = work()
        except BaseException as error:  # handed to the waiting caller
            future.set_exception(_without_frames(error))
            return
        if abandoned.is_set():
            discard(result)
        future.set_result(result)

    threading.Thread(target=run, name="histkg-query", daemon=True).start()
    try:
        return future.result(timeout=timeout)
    except TimeoutError:
        abandoned.set()
        if future.done() and future.exception() is None:
            discard(future.result())  # finished in the instant between the two checks
        raise timeout_error(timeout) from None


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


def discard_result(result: "QueryResult | SerializedResult") -> None:
    """Free what an abandoned result holds on disk."""
    if isinstance(result, SerializedResult):
        result.discard()
