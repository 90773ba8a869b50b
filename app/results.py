"""Result formats and streaming serializers for SPARQL results; values in, bytes out, no HTTP.

Every SELECT result format is written row by row as the rows arrive, into a ``Spool``: bytes
stay in memory up to ``SPOOL_MEMORY`` and then go to a temporary file, so a large result never
sits whole in memory (``SerializedResult.chunks()`` streams it back out and deletes the file).
Graph results (CONSTRUCT/DESCRIBE) are streamed through pyoxigraph's serializers; JSON-LD is the
exception: it is compacted with our ``@context`` by rdflib, which needs the whole (capped) graph.

Row caps: ``Capped`` reads at most ``max_rows`` items and then one more, so ``truncated`` is true
exactly when a result was cut; the caller must pass it on (``X-Histkg-Truncated``).

Answers straight from pyoxigraph go through ``write_solutions`` (SELECT) and ``write_triples``
(CONSTRUCT/DESCRIBE) instead, which do no Python work per row: the per-row writers below cost
more CPU than the query itself for small lookups. They stay for values from elsewhere (a remote
store's parsed answer, pages).
"""

import contextlib
import csv
import io
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, BinaryIO, Final, Generic, Literal, Protocol, TypeVar, cast
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import (
    BlankNode,
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
    serialize,
)
from pyoxigraph import Literal as OxLiteral

from app.vocab import RDF, XSD

Term = NamedNode | BlankNode | OxLiteral | Triple
Row = tuple[Term | None, ...]
Kind = Literal["select", "ask", "graph"]
T = TypeVar("T")

XSD_STRING = XSD.string.value
RDF_DIR_LANG_STRING = RDF.dirLangString.value
SPOOL_MEMORY = 1 << 20
"""Bytes of a serialized result kept in memory before it spills to a temporary file."""


@dataclass(frozen=True)
class ResultFormat:
    """A serialization we can write: its name, its media type and the ``format=`` names for it."""

    name: str
    media_type: str
    kinds: frozenset[Kind]
    names: tuple[str, ...]
    label: str
    w3c_format: str
    """The format's IRI under http://www.w3.org/ns/formats/, for the service description."""


_TABULAR: frozenset[Kind] = frozenset({"select", "ask"})
_GRAPH: frozenset[Kind] = frozenset({"graph"})
W3C_FORMATS = "http://www.w3.org/ns/formats/"

FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat(
        "json",
        "application/sparql-results+json",
        _TABULAR,
        ("json", "srj"),
        "SPARQL JSON",
        "SPARQL_Results_JSON",
    ),
    ResultFormat(
        "xml",
        "application/sparql-results+xml",
        _TABULAR,
        ("xml", "srx"),
        "SPARQL XML",
        "SPARQL_Results_XML",
    ),
    ResultFormat("csv", "text/csv", frozenset({"select"}), ("csv",), "CSV", "SPARQL_Results_CSV"),
    ResultFormat(
        "tsv",
        "text/tab-separated-values",
        frozenset({"select"}),
        ("tsv",),
        "TSV",
        "SPARQL_Results_TSV",
    ),
    ResultFormat("turtle", "text/turtle", _GRAPH, ("turtle", "ttl"), "Turtle", "Turtle"),
    ResultFormat(
        "ntriples",
        "application/n-triples",
        _GRAPH,
        ("ntriples", "nt", "n-triples"),
        "N-Triples",
        "N-Triples",
    ),
    ResultFormat(
        "nquads", "application/n-quads", _GRAPH, ("nquads", "nq", "n-quads"), "N-Quads", "N-Quads"
    ),
    ResultFormat("trig", "application/trig", _GRAPH, ("trig",), "TriG", "TriG"),
    ResultFormat(
        "jsonld",
        "application/ld+json",
        _GRAPH,
        ("jsonld", "json-ld", "json"),
        "JSON-LD",
        "JSON-LD",
    ),
    ResultFormat(
        "rdfxml",
        "application/rdf+xml",
        _GRAPH,
        ("rdfxml", "rdf", "rdf+xml", "xml", "owl"),
        "RDF/XML",
        "RDF_XML",
    ),
)
BY_NAME = {fmt.name: fmt for fmt in FORMATS}

# Media types clients send besides the canonical ones, with the format each stands for. They are
# offered after every canonical type, so they only win when a client accepts nothing better.
_ALIASES: dict[Kind, tuple[tuple[str, str], ...]] = {
    "select": (("application/json", "json"), ("application/xml", "xml"), ("text/xml", "xml")),
    "ask": (("application/json", "json"), ("application/xml", "xml"), ("text/xml", "xml")),
    "graph": (
        ("text/plain", "ntriples"),
        ("application/x-turtle", "turtle"),
        ("application/json", "jsonld"),
        ("application/xml", "rdfxml"),
    ),
}


def offers(kind: Kind) -> list[tuple[str, ResultFormat]]:
    """Media types we can answer a ``kind`` result in, default first, with their format."""
    canonical = [(fmt.media_type, fmt) for fmt in FORMATS if kind in fmt.kinds]
    return canonical + [(media, BY_NAME[name]) for media, name in _ALIASES[kind]]


def format_named(kind: Kind, name: str) -> ResultFormat | None:
    """The format a ``format=`` value names for a ``kind`` result (a short name or media type)."""
    wanted = name.strip().lower()
    for media_type, fmt in offers(kind):
        if wanted == media_type or wanted in fmt.names:
            return fmt
    return None


class DeadlinePassed(Exception):
    """Raised while reading results once the query's time is up: never a silently partial result."""


class Capped(Generic[T]):
    """An iterator over at most ``max_rows`` items that notes whether more were left."""

    def __init__(self, items: Iterable[T], max_rows: int, deadline: float) -> None:
        self._items = iter(items)
        self._max_rows = max_rows
        self._deadline = deadline
        self.count = 0
        self.truncated = False

    def __iter__(self) -> "Capped[T]":
        return self

    def __next__(self) -> T:
        item = next(self._items)
        if self.count == self._max_rows:
            self.truncated = True
            raise StopIteration
        if time.monotonic() > self._deadline:
            raise DeadlinePassed
        self.count += 1
        return item


class SpoolFull(Exception):
    """Raised by a ``Spool`` asked to hold more than its ``cap``: no answer may fill the disk."""


class Spool:
    """A write-only byte sink: memory up to ``limit`` bytes, then a temporary file.

    With ``cap`` (bytes; 0: none), a write that would take the spool past it raises
    ``SpoolFull`` instead, so that one query's answer cannot fill the temporary directory.
    """

    def __init__(self, directory: str | None, limit: int = SPOOL_MEMORY, cap: int = 0) -> None:
        self._directory = directory
        self._limit = limit
        self._cap = cap
        self._memory = io.BytesIO()
        self._file: BinaryIO | None = None
        self.path: str | None = None
        self.size = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._cap and self.size + len(data) > self._cap:
            raise SpoolFull
        if self._file is None and self._memory.tell() + len(data) > self._limit:
            handle, self.path = tempfile.mkstemp(prefix="result-", dir=self._directory)
            self._file = os.fdopen(handle, "wb")
            self._file.write(self._memory.getvalue())
            self._memory = io.BytesIO()
        (self._file or self._memory).write(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def finish(self) -> tuple[bytes, str | None]:
        """Close the sink: the bytes if they stayed in memory, else the file's path."""
        if self._file is not None:
            self._file.close()
            return b"", self.path
        return self._memory.getvalue(), None

    def discard(self) -> None:
        """Drop whatever was written (after an error)."""
        if self._file is not None:
            self._file.close()
        if self.path is not None:
            _unlink(self.path)


@dataclass(frozen=True)
class SerializedResult:
    """A query result written in one format: in ``body``, or spooled to the file at ``path``."""

    kind: Kind
    media_type: str
    truncated: bool
    count: int
    elapsed: float
    body: bytes = b""
    path: str | None = None

    def chunks(self, size: int = 1 << 16) -> Iterator[bytes]:
        """The serialized bytes; a spooled file is deleted once read (or abandoned)."""
        if self.path is None:
            yield self.body
            return
        try:
            with open(self.path, "rb") as spooled:
                while chunk := spooled.read(size):
                    yield chunk
        finally:
            _unlink(self.path)

    def read(self) -> bytes:
        """All the bytes at once: for small results and tests."""
        return b"".join(self.chunks())

    def discard(self) -> None:
        if self.path is not None:
            _unlink(self.path)


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


class Sink(Protocol):
    def write(self, data: bytes, /) -> int: ...


# --------------------------------------------------------------------------- tabular writers


def _json_term(term: Term) -> dict[str, Any]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, OxLiteral):
        found: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            found["xml:lang"] = term.language
            direction = getattr(term, "direction", None)
            if direction is not None:
                found["its:dir"] = str(
                    direction.value if hasattr(direction, "value") else direction
                )
        elif term.datatype.value != XSD_STRING:
            found["datatype"] = term.datatype.value
        return found
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def _xml_term(term: Term) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, OxLiteral):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            datatype = quoteattr(term.datatype.value)
            return f"<literal datatype={datatype}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    parts = (
        f"<subject>{_xml_term(term.subject)}</subject>"
        f"<predicate>{_xml_term(term.predicate)}</predicate>"
        f"<object>{_xml_term(term.object)}</object>"
    )
    return f"<triple>{parts}</triple>"


def _csv_term(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, NamedNode | OxLiteral):
        return term.value
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return f"<< {term.subject} {term.predicate} {term.object} >>"


def _tsv_term(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, Triple):
        return (
            f"<< {_tsv_term(term.subject)} {_tsv_term(term.predicate)} {_tsv_term(term.object)} >>"
        )
    return str(term)  # pyoxigraph's N-Triples form: tabs and newlines in literals are escaped


_XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'


def write_select(fmt: ResultFormat, variables: list[str], rows: Iterable[Row], sink: Sink) -> None:
    """Write SELECT ``rows`` in ``fmt`` to ``sink``, one row at a time."""
    if fmt.name == "json":
        head = json.dumps({"vars": variables}, ensure_ascii=False)
        sink.write(f'{{"head":{head},"results":{{"bindings":['.encode())
        separator = b""
        for row in rows:
            binding = {name: _json_term(t) for name, t in zip(variables, row, strict=True) if t}
            sink.write(separator + json.dumps(binding, ensure_ascii=False).encode())
            separator = b",\n"
        sink.write(b"]}}\n")
    elif fmt.name == "xml":
        names = "".join(f"<variable name={quoteattr(name)}/>" for name in variables)
        sink.write(f"{_XML_HEAD}\n<head>{names}</head>\n<results>\n".encode())
        for row in rows:
            cells = "".join(
                f"<binding name={quoteattr(name)}>{_xml_term(t)}</binding>"
                for name, t in zip(variables, row, strict=True)
                if t is not None
            )
            sink.write(f"<result>{cells}</result>\n".encode())
        sink.write(b"</results>\n</sparql>\n")
    elif fmt.name == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(variables)
        for row in rows:
            writer.writerow([_csv_term(t) for t in row])
            sink.write(text.getvalue().encode())
            text.seek(0)
            text.truncate()
        sink.write(text.getvalue().encode())
    elif fmt.name == "tsv":
        sink.write(("\t".join(f"?{name}" for name in variables) + "\n").encode())
        for row in rows:
            sink.write(("\t".join(_tsv_term(t) for t in row) + "\n").encode())
    else:
        raise ValueError(f"{fmt.label} is not a format for SELECT results")


_RESULTS_FORMATS = {
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
}


class _Full(Exception):
    """Raised into pyoxigraph's writer to stop it: the row cap is reached."""


class _Lines:
    """A sink for pyoxigraph's TSV or N-Triples writer that keeps at most ``max_rows`` rows.

    In both formats every row (triple) is one line, tabs and newlines inside terms being
    escaped, so rows are counted with ``bytes.count`` per chunk of a few kilobytes, not per
    row. Nothing follows the last row, so a byte after the ``max_rows``-th row means another
    row: ``write`` then raises ``_Full`` and pyoxigraph stops evaluating. TSV has one header
    line before the rows.
    """

    def __init__(
        self,
        max_rows: int,
        deadline: float,
        *,
        header: int,
        directory: str | None,
        cap: int = 0,
    ):
        self._header = header
        self._keep = max_rows + header  # lines: the header and max_rows rows
        self._deadline = deadline
        self._kept = Spool(directory, cap=cap)  # a result of big rows goes to disk, as before
        self._lines = 0
        self._stopped = False
        self.truncated = False

    def write(self, data: bytes) -> int:
        if self._stopped:  # pyoxigraph may flush its buffer once more after we raised
            return len(data)
        if self._lines == self._keep and data:  # nothing follows the last row but a row
            self._stopped = self.truncated = True
            raise _Full
        lines = data.count(b"\n")
        if self._lines + lines >= self._keep:
            end = -1
            for _ in range(self._keep - self._lines):
                end = data.index(b"\n", end + 1)
            self._kept.write(data[: end + 1])
            self._lines = self._keep
            if end + 1 < len(data):
                self._stopped = self.truncated = True
                raise _Full
            return len(data)
        self._kept.write(data)
        self._lines += lines
        if time.monotonic() > self._deadline:
            self._stopped = True
            raise DeadlinePassed
        return len(data)

    def flush(self) -> None:
        """pyoxigraph's writer flushes its sink when done."""

    @property
    def rows(self) -> int:
        return max(self._lines - self._header, 0)

    def fill(self, writer: Callable[[BinaryIO], object]) -> None:
        """Let ``writer`` write into this sink (a pyoxigraph ``serialize``) until done or full."""
        try:
            writer(cast(BinaryIO, self))
        except _Full:
            pass
        except BaseException:
            self._kept.discard()
            raise

    @contextlib.contextmanager
    def kept(self) -> Iterator[bytes | BinaryIO]:
        """The lines kept: bytes, or the temporary file they spilled to (deleted after)."""
        body, path = self._kept.finish()
        if path is None:
            yield body
            return
        try:
            with open(path, "rb") as spilled:
                yield spilled
        finally:
            _unlink(path)


def write_solutions(
    fmt: ResultFormat,
    solutions: QuerySolutions,
    sink: Sink,
    *,
    max_rows: int,
    deadline: float,
    directory: str | None = None,
    cap: int = 0,
) -> tuple[int, bool]:
    """Write pyoxigraph SELECT ``solutions`` in ``fmt``, capped at ``max_rows``: (rows, truncated).

    pyoxigraph serializes whole results only, so the cap is applied on TSV (see ``_Lines``),
    which pyoxigraph then parses back and writes in ``fmt``. All of it runs in pyoxigraph's
    native code: no Python per row (a few times faster than ``write_select``, and about 10%
    slower than pyoxigraph writing ``fmt`` directly, which could not be capped). TSV keeps
    every term whole (N-Triples syntax), so nothing is lost on the way. The TSV spills to a
    temporary file in ``directory`` past ``SPOOL_MEMORY`` bytes, and raises ``SpoolFull`` past
    ``cap`` bytes (0: no cap).
    """
    if fmt.name not in _RESULTS_FORMATS:
        raise ValueError(f"{fmt.label} is not a format for SELECT results")
    rows = _Lines(max_rows, deadline, header=1, directory=directory, cap=cap)
    rows.fill(partial(solutions.serialize, format=QueryResultsFormat.TSV))
    with rows.kept() as tsv:
        if fmt.name == "tsv":
            _copy(tsv, sink)
        else:
            again = parse_query_results(tsv, format=QueryResultsFormat.TSV)
            assert isinstance(again, QuerySolutions)  # noqa: S101 - TSV holds solutions only
            again.serialize(cast(BinaryIO, sink), format=_RESULTS_FORMATS[fmt.name])
    return rows.rows, rows.truncated


def write_ask(fmt: ResultFormat, boolean: bool, sink: Sink) -> None:
    """Write an ASK answer in ``fmt``."""
    value = "true" if boolean else "false"
    if fmt.name == "json":
        sink.write(f'{{"head":{{}},"boolean":{value}}}\n'.encode())
    elif fmt.name == "xml":
        sink.write(f"{_XML_HEAD}\n<head/>\n<boolean>{value}</boolean>\n</sparql>\n".encode())
    else:
        raise ValueError(f"{fmt.label} is not a format for ASK results")


ABBREVIATED: Final = frozenset({"turtle", "trig", "rdfxml"})
"""Formats whose output ``prefixes`` abbreviate (the others spell every IRI out)."""

_RDF_FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "nquads": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "rdfxml": RdfFormat.RDF_XML,
}


def write_graph(
    fmt: ResultFormat,
    triples: Iterable[Triple],
    sink: Sink,
    *,
    prefixes: Mapping[str, str] | None = None,
    context: Mapping[str, Any] | None = None,
) -> None:
    """Write CONSTRUCT/DESCRIBE ``triples`` in ``fmt`` (N-Quads and TriG: the default graph).

    ``prefixes`` abbreviate IRIs in Turtle, TriG and RDF/XML; ``context`` is the JSON-LD
    ``@context`` object JSON-LD output is compacted with.
    """
    if fmt.name == "jsonld":
        sink.write(to_jsonld(triples, context))
        return
    rdf_format = _RDF_FORMATS.get(fmt.name)
    if rdf_format is None:
        raise ValueError(f"{fmt.label} is not a format for graphs")
    abbreviate = dict(prefixes or {}) if fmt.name in ABBREVIATED else None
    serialize(triples, cast(BinaryIO, sink), format=rdf_format, prefixes=abbreviate)


def write_triples(
    fmt: ResultFormat,
    triples: QueryTriples,
    sink: Sink,
    *,
    max_rows: int,
    deadline: float,
    prefixes: Mapping[str, str] | None = None,
    context: Mapping[str, Any] | None = None,
    directory: str | None = None,
    cap: int = 0,
) -> tuple[int, bool]:
    """``write_graph`` for pyoxigraph's CONSTRUCT/DESCRIBE answer, capped: (triples, truncated).

    As ``write_solutions`` does for SELECT: the cap is applied on N-Triples (see ``_Lines``),
    which pyoxigraph parses back and writes in ``fmt``, with no Python per triple.
    """
    rdf_format = _RDF_FORMATS.get(fmt.name)
    if rdf_format is None and fmt.name != "jsonld":
        raise ValueError(f"{fmt.label} is not a format for graphs")
    lines = _Lines(max_rows, deadline, header=0, directory=directory, cap=cap)
    lines.fill(partial(triples.serialize, format=RdfFormat.N_TRIPLES))
    with lines.kept() as ntriples:
        if fmt.name == "ntriples":
            _copy(ntriples, sink)
        elif rdf_format is None:
            sink.write(to_jsonld(_parse_ntriples(ntriples), context))
        else:
            abbreviate = dict(prefixes or {}) if fmt.name in ABBREVIATED else None
            parsed = parse(ntriples, format=RdfFormat.N_TRIPLES)  # quads of the default graph
            serialize(parsed, cast(BinaryIO, sink), format=rdf_format, prefixes=abbreviate)
    return lines.rows, lines.truncated


def _copy(source: bytes | BinaryIO, sink: Sink) -> None:
    if isinstance(source, bytes):
        sink.write(source)
    else:
        while chunk := source.read(1 << 16):
            sink.write(chunk)


def to_jsonld(triples: Iterable[Triple], context: Mapping[str, Any] | None = None) -> bytes:
    """JSON-LD for ``triples``, compacted with ``context`` when one is given.

    pyoxigraph writes expanded JSON-LD only, so the triples go to rdflib (as N-Triples, written
    by pyoxigraph) for compaction; everything happens locally, no context is ever fetched.
    """
    ntriples = serialize(triples, format=RdfFormat.N_TRIPLES) or b""
    if context is None:
        return serialize((t for t in _parse_ntriples(ntriples)), format=RdfFormat.JSON_LD) or b"[]"
    import rdflib  # only JSON-LD needs it; worker processes start faster without it

    graph = rdflib.Graph()
    graph.parse(data=ntriples, format="nt")
    text = graph.serialize(format="json-ld", context=dict(context), auto_compact=True)
    return text.encode()


def _parse_ntriples(data: bytes | BinaryIO) -> Iterator[Triple]:
    for quad in parse(data, format=RdfFormat.N_TRIPLES):
        yield quad.triple
