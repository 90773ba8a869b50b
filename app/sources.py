"""RDF source files: which files are curated, which graph each one fills, and how it is parsed.

This module only reads files; ``app.store`` decides how the parsed quads are written. Keeping the
two apart lets a whole batch be parsed (and refused) before a single quad reaches the store.

Graph naming:

* ``ontology/NAME.ttl`` fills ``https://w3id.org/histkg/graph/ontology/NAME`` and
  ``data/NAME.ttl`` fills ``https://w3id.org/histkg/graph/data/NAME`` (any RDF extension; NAME
  is the file name without it).
* A file given to ``histkg load FILE`` fills the graph named by its absolute ``file://`` URI.
* Quads of TriG/N-Quads files keep their named graph; only default-graph triples of a file go to
  the file's own graph above.
* ``https://w3id.org/histkg/graph/meta`` and ``.../graph/wikidata`` (``TOOL_GRAPHS``) are
  written by histkg itself (``app.store``), never by a file.

Blank nodes are skolemized: the n-th distinct blank node of a parse becomes
``https://w3id.org/histkg/.well-known/genid/<first 16 hex of sha256(file bytes)>-<n>``, so loading
the same bytes twice yields the same quads (idempotent loads) and blank nodes of different
files never merge.
"""

import gzip
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final, cast
from urllib.parse import quote

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    RdfFormat,
    Triple,
    parse,
)

from app.errors import HistkgError, InputError, RdfParseError
from app.vocab import BASE, GRAPH, HKMeta

GRAPH_BASE: Final = GRAPH
META_GRAPH: Final = NamedNode(GRAPH_BASE + "meta")
WIKIDATA_GRAPH: Final = NamedNode(GRAPH_BASE + "wikidata")
#: Graphs histkg itself writes (the load record, the Wikidata facts): no file may write them.
TOOL_GRAPHS: Final = frozenset({META_GRAPH, WIKIDATA_GRAPH})
GENID_BASE: Final = BASE + ".well-known/genid/"
SOURCE_DIGEST: Final = HKMeta.sourceDigest
CURATED_GRAPH: Final = HKMeta.curatedGraph

FORMATS: Final[dict[str, RdfFormat]] = {
    "ttl": RdfFormat.TURTLE,
    "nt": RdfFormat.N_TRIPLES,
    "nq": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "jsonld": RdfFormat.JSON_LD,
    "json": RdfFormat.JSON_LD,
    "rdf": RdfFormat.RDF_XML,
    "owl": RdfFormat.RDF_XML,
    "xml": RdfFormat.RDF_XML,
}
#: Data files are hand-written, so only the two human-friendly syntaxes count as curated data.
_DATA_EXTENSIONS: Final = frozenset({"ttl", "trig"})
#: `.json` under ontology/ is as likely configuration as RDF, so only `.jsonld` counts there.
_ONTOLOGY_EXTENSIONS: Final = frozenset(FORMATS) - {"json"}

Subject = NamedNode | BlankNode | Triple
Term = NamedNode | BlankNode | Literal | Triple
GraphName = NamedNode | BlankNode | DefaultGraph


@dataclass(frozen=True)
class Source:
    """A file to load and the graph its default-graph triples go to."""

    path: Path
    graph: NamedNode
    label: str  # how messages name the file: project-relative for curated files


@dataclass(frozen=True)
class ParsedSource:
    """The skolemized quads of one file and every graph it writes (the graphs it owns)."""

    source: Source
    quads: list[Quad]
    graphs: frozenset[NamedNode]
    sha256: str  # of the file's bytes as read, for the curated-load digest


def split_extension(path: Path) -> tuple[str, str, bool]:
    """Return ``(stem, extension, gzipped)``: ``a.ttl.gz`` gives ``("a", "ttl", True)``."""
    name = path.name
    gzipped = name.lower().endswith(".gz")
    if gzipped:
        name = name[:-3]
    stem, dot, extension = name.rpartition(".")
    return (stem, extension.lower(), gzipped) if dot else (name, "", gzipped)


def rdf_format(path: Path) -> RdfFormat:
    """Return the RDF syntax of ``path`` from its extension, or refuse it."""
    extension = split_extension(path)[1]
    if extension not in FORMATS:
        known = ", ".join(f".{ext}" for ext in FORMATS)
        raise InputError(
            f"{path}: unknown RDF file extension {extension!r}",
            hint=f"Rename the file to one of {known} (optionally with .gz).",
        )
    return FORMATS[extension]


def user_source(path: Path) -> Source:
    """A file named on the command line; its triples go to the graph of its ``file://`` URI."""
    if not path.is_file():
        problem = "is a directory" if path.is_dir() else "no such file"
        raise InputError(f"{path}: {problem}", hint="Name the RDF files to load.")
    rdf_format(path)
    return Source(path=path, graph=NamedNode(path.resolve().as_uri()), label=str(path))


def _is_curated_ontology(path: Path) -> bool:
    stem, extension, _ = split_extension(path)
    return (
        extension in _ONTOLOGY_EXTENSIONS
        and not stem.startswith("shapes")  # shapes are for validation only
        and path.name != "context.jsonld"  # a JSON-LD context is not data
    )


def _is_curated_data(path: Path) -> bool:
    _, extension, gzipped = split_extension(path)
    return extension in _DATA_EXTENSIONS and not gzipped


def curated_files(project_dir: Path) -> list[Path]:
    """Ontology RDF files (sorted), then ``data/*.ttl|*.trig`` (sorted); hidden files skipped."""
    found: list[Path] = []
    for folder, wanted in (("ontology", _is_curated_ontology), ("data", _is_curated_data)):
        directory = project_dir / folder
        if directory.is_dir():
            found += sorted(
                p
                for p in directory.iterdir()
                if p.is_file() and not p.name.startswith(".") and wanted(p)
            )
    return found


def curated_sources(project_dir: Path) -> list[Source]:
    """The curated files with their graphs; two files may not fill the same graph."""
    sources: list[Source] = []
    owners: dict[str, Path] = {}
    for path in curated_files(project_dir):
        relative = path.relative_to(project_dir)
        name = quote(split_extension(path)[0])  # a space in a file name is no IRI character
        graph = f"{GRAPH_BASE}{relative.parent.as_posix()}/{name}"
        if graph in owners:
            first = owners[graph].relative_to(project_dir)
            raise InputError(
                f"{first} and {relative} would both fill the graph <{graph}>",
                hint="Rename or remove one of the two files.",
            )
        owners[graph] = path
        sources.append(Source(path=path, graph=NamedNode(graph), label=relative.as_posix()))
    return sources


def combine_digest(files: Iterable[tuple[str, str]]) -> str:
    """SHA-256 over sorted ``(relative path, sha256 of the file's bytes)`` pairs.

    Hashing per-file digests (rather than re-reading files) lets a load record the digest of
    exactly the bytes it parsed, even if a file changes while the load runs.
    """
    digest = hashlib.sha256()
    for label, file_sha256 in sorted(files):
        digest.update(f"{label}\0{file_sha256}\n".encode())
    return digest.hexdigest()


def source_digest(project_dir: Path) -> str:
    """The digest of the curated files as they are on disk now."""
    return combine_digest(
        (source.label, hashlib.sha256(source.path.read_bytes()).hexdigest())
        for source in curated_sources(project_dir)
    )


_POSITION_PREFIX = re.compile(r"^Parser error (?:at|between) [^:]*: ")


def parse_source(source: Source, *, base_iri: str) -> ParsedSource:
    """Parse one file fully into memory, skolemizing blank nodes; raise ``RdfParseError``."""
    raw = _read(source)
    data = raw
    if split_extension(source.path)[2]:
        try:
            data = gzip.decompress(raw)
        except (OSError, EOFError):
            raise RdfParseError(source.label, "not a valid gzip file") from None
    sha256 = hashlib.sha256(raw).hexdigest()
    try:
        parsed = list(parse(input=data, format=rdf_format(source.path), base_iri=base_iri))
    except (SyntaxError, ValueError) as error:
        raise parse_error(source, error) from None
    skolemizer = _Skolemizer(lambda: f"{GENID_BASE}{sha256[:16]}-")
    quads = list(skolemizer.quads(parsed, source.graph))
    named = {graph for q in quads if isinstance(graph := q.graph_name, NamedNode)}
    return ParsedSource(source, quads, frozenset(named | {source.graph}), sha256)


def stream_source(source: Source, *, base_iri: str) -> Iterator[Quad]:
    """The quads of one file as ``parse_source`` gives them, read as a stream.

    For big loads: nothing but the current quad is held in memory. A syntax error may then come
    after many quads, so the caller writes them where it can throw them away (``app.store``
    stages big loads). Blank nodes get the same IRIs as from ``parse_source``; the file's
    digest they need is only computed if the file has a blank node.
    """
    skolemizer = _Skolemizer(lambda: f"{GENID_BASE}{file_sha256(source)[:16]}-")
    try:
        with open_stream(source) as stream:
            parsed = parse(input=stream, format=rdf_format(source.path), base_iri=base_iri)
            yield from skolemizer.quads(parsed, source.graph)
    except (SyntaxError, ValueError, EOFError) as error:
        raise parse_error(source, error) from None
    except OSError as error:
        raise read_error(source, error) from None


def _read(source: Source) -> bytes:
    try:
        return source.path.read_bytes()
    except OSError as error:
        raise unreadable(source, error) from None


def open_stream(source: Source) -> IO[bytes]:
    try:
        if split_extension(source.path)[2]:
            return cast(IO[bytes], gzip.open(source.path, "rb"))  # a GzipFile reads bytes
        return source.path.open("rb")
    except OSError as error:
        raise unreadable(source, error) from None


def file_sha256(source: Source) -> str:
    """The SHA-256 of the file's bytes as stored (what a load's revision names it by)."""
    try:
        with source.path.open("rb") as stream:
            return hashlib.file_digest(stream, "sha256").hexdigest()
    except OSError as error:
        raise unreadable(source, error) from None


def read_error(source: Source, error: OSError) -> HistkgError:
    """What an ``OSError`` while a file is parsed means: a damaged gzip file, or no access."""
    if split_extension(source.path)[2]:
        return RdfParseError(source.label, "not a valid gzip file")
    return unreadable(source, error)


def unreadable(source: Source, error: OSError) -> InputError:
    return InputError(
        f"{source.label}: cannot read file: {error.strerror or error}",
        hint="Check that the file exists and is readable.",
    )


def parse_error(source: Source, error: SyntaxError | ValueError | EOFError) -> RdfParseError:
    """The parser's complaint, with its position, as ``RdfParseError``."""
    if isinstance(error, SyntaxError):
        message = _POSITION_PREFIX.sub("", error.msg or str(error))
        return RdfParseError(source.label, message, line=error.lineno, column=error.offset)
    if isinstance(error, EOFError):  # a gzip stream cut short
        return RdfParseError(source.label, "not a valid gzip file (it ends too early)")
    return RdfParseError(source.label, str(error))  # e.g. invalid UTF-8


_PLAIN_OBJECTS: Final = frozenset({NamedNode, Literal})


class _Skolemizer:
    """Replaces blank nodes by IRIs numbered in order of first appearance."""

    def __init__(self, prefix: Callable[[], str]) -> None:
        self._make_prefix = prefix  # called at the first blank node only (it may read the file)
        self._prefix = ""
        self._iris: dict[str, NamedNode] = {}

    def _node(self, node: BlankNode) -> NamedNode:
        iri = self._iris.get(node.value)
        if iri is None:
            self._prefix = self._prefix or self._make_prefix()
            iri = self._iris[node.value] = NamedNode(f"{self._prefix}{len(self._iris) + 1}")
        return iri

    def _subject(self, term: Subject) -> NamedNode | Triple:
        if isinstance(term, BlankNode):
            return self._node(term)
        if isinstance(term, Triple):
            return Triple(self._subject(term.subject), term.predicate, self._term(term.object))
        return term

    def _term(self, term: Term) -> NamedNode | Literal | Triple:
        return term if isinstance(term, Literal) else self._subject(term)

    def quads(self, quads: Iterable[Quad], file_graph: NamedNode) -> Iterator[Quad]:
        # The hot loop of a big load: the common quads (no blank node, no quoted triple) are
        # passed on, or only moved to the file's graph, without the general rewrite.
        for quad in quads:
            subject, obj, graph = quad.subject, quad.object, quad.graph_name
            if type(subject) is NamedNode and type(obj) in _PLAIN_OBJECTS:
                if type(graph) is NamedNode:
                    yield quad
                    continue
                if type(graph) is DefaultGraph:
                    yield Quad(subject, quad.predicate, obj, file_graph)
                    continue
            if isinstance(graph, DefaultGraph):
                graph = file_graph
            elif isinstance(graph, BlankNode):
                graph = self._node(graph)
            yield Quad(self._subject(subject), quad.predicate, self._term(obj), graph)
