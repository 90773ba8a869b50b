"""A whole book into the store, and its pages as the workbench's review queue.

Each page goes into its own workbench graph (``<WORKBENCH_GRAPHS>page/<book>-pos<position>``,
``book.page_name``), made as a page added alone (``pages_add``), so the reading view and the
proposals (mentions, dates, candidate names, citations) open on it as they do for one page.
``histkg ingest --into-store`` writes each changed page as one SHACL-checked revision
(``store_book``: a book of any length, streamed); an upload in the workbench, bounded in pages,
is ONE revision (``add_book``), so a refused page leaves nothing written. A page whose stored
text has the same SHA-256 is left alone, so re-ingesting the same file changes nothing; a
changed page's graph is rebuilt from its new text with the curators' decisions carried over
where their names still stand (``app.workbench.carry``). The book's own graph
(``<WORKBENCH_GRAPHS>book/<book>``) holds its running headers and bibliography and, for a
book not yet in the store, the book itself; it is written before the pages (which must be part
of a book) and once more at the end, when the running headers are all known.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final
from urllib.parse import quote

import pyoxigraph as ox

from app import writes
from app.errors import InputError
from app.ingest import Ingester, load_graph_index
from app.ingest.book import (
    BibEntry,
    BookPage,
    BookReader,
    BookRecord,
    ascii_number,
    page_name,
)
from app.ingest.book_rdf import book_page_triples, book_triples, scanned_triples
from app.ingest.book_source import pdf_book, text_book
from app.pages.context import Site
from app.store import Store
from app.vocab import BIBO, DCTERMS, HK, RDF, RDFS
from app.workbench.carry import carry
from app.workbench.sources import WORKBENCH_GRAPHS, slug

__all__ = [
    "BookQueuePage",
    "BookRow",
    "BooksPage",
    "QueueRow",
    "StoredPage",
    "add_book",
    "book_queue",
    "is_book_upload",
    "queue_href",
    "store_book",
    "workbench_books",
]

_UNKNOWN_ENTITY: Final = ox.Literal("entity")


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class StoredPage:
    """What storing one page did: ``new``, ``changed``, ``unchanged`` or ``no text``; for a
    changed page, the curators' links it could not keep (``app.workbench.carry``)."""

    index: int
    label: str
    iri: str
    status: str
    revision: int | None
    dropped: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "iri": self.iri,
            "status": self.status,
            "revision": self.revision,
            "dropped": list(self.dropped),
        }


def _graph(name: str) -> ox.NamedNode:
    return ox.NamedNode(f"{WORKBENCH_GRAPHS}page/{name}")


def _stored_sha(store: Store, base: str, name: str) -> str | None:
    text = ox.NamedNode(f"{base}text/{name}")
    quad = next(iter(store.match(text, HK.sha256, None, _graph(name))), None)
    return quad.object.value if quad is not None and isinstance(quad.object, ox.Literal) else None


def _write(
    store: Store, graph: ox.NamedNode, triples: list[ox.Triple], project_dir: Path,
    author: writes.Author,
) -> writes.WriteResult:  # fmt: skip
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    return writes.write_graph(
        store, graph.value, body, "application/n-triples", project_dir, replace=True, author=author
    )


def _held(store: Store, graph: ox.NamedNode) -> set[ox.Triple]:
    return {ox.Triple(q.subject, q.predicate, q.object) for q in store.graph_quads(graph)}


def _book_change(
    store: Store,
    book: ox.NamedNode,
    record: BookRecord,
    bibliography: list[BibEntry],
    *,
    book_slug: str,
    base: str,
    first: bool,
) -> tuple[ox.NamedNode, list[ox.Triple]] | None:
    """The book's own graph and what it should hold, or ``None`` when it is as it should be."""
    graph = ox.NamedNode(f"{WORKBENCH_GRAPHS}book/{book_slug}")
    ours = next(iter(store.match(book, RDF.type, BIBO.Book, graph)), None) is not None
    known = next(iter(store.match(book, RDF.type, BIBO.Book, None)), None) is not None
    exists = next(iter(store.match(None, None, None, graph)), None) is not None
    if first and exists:
        return None  # written by an earlier ingest: rewritten at the end only if it changed
    triples = book_triples(book, record, bibliography, base, book_slug)
    if known and not ours:  # a source of the graph (or the workbench's): add, never redescribe
        triples = [t for t in triples if t.subject != book or t.predicate == HK.runningHeader]
    held = _held(store, graph)
    if exists:  # a range read now keeps the headers (and the name) earlier reads found
        label = [t for t in held if t.subject == book and t.predicate == RDFS.label]
        kept = [t for t in held if t.subject == book and t.predicate == HK.runningHeader]
        if label:
            triples = [t for t in triples if not (t.subject == book and t.predicate == RDFS.label)]
        triples = list(dict.fromkeys([*triples, *label, *kept]))
    return None if set(triples) == held else (graph, triples)


def _page_change(
    store: Store, page: BookPage, *, book: ox.NamedNode, book_slug: str, base: str, source: str
) -> tuple[StoredPage, ox.NamedNode, list[ox.Triple] | None]:
    """What storing ``page`` does (its revision still unknown), its graph, and what the graph
    should hold (``None``: nothing to write)."""
    name = page_name(book_slug, page.index)
    graph = _graph(name)
    iri = f"{base}ingest/{name}/page"
    if page.report is None:
        triples = scanned_triples(page, book, base, name)
        todo = None if _held(store, graph) == set(triples) else triples
        return StoredPage(page.index, page.label, iri, "no text", None), graph, todo
    stored = _stored_sha(store, base, name)
    if stored == page.sha256:
        return StoredPage(page.index, page.label, iri, "unchanged", None), graph, None
    triples, node = book_page_triples(page, book, base, book_slug, source)
    if stored is None:
        return StoredPage(page.index, page.label, node.value, "new", None), graph, triples
    text = ox.NamedNode(f"{base}text/{name}")
    kept = carry(_held(store, graph), triples, root=f"{base}ingest/{name}/", text=text)
    result = StoredPage(page.index, page.label, node.value, "changed", None, kept.dropped)
    return result, graph, kept.triples


def store_book(
    store: Store,
    pages: Iterable[BookPage],
    record: BookRecord,
    bibliography: list[BibEntry],
    *,
    book: ox.NamedNode,
    book_slug: str,
    base: str,
    project_dir: Path,
    author: writes.Author,
) -> Iterator[tuple[BookPage, StoredPage]]:
    """Write the book's pages into the store, one revision per changed page (see the module);
    each page comes back with what was done with it. For ``histkg ingest --into-store``: a
    book of any length, streamed; an upload is written whole by ``add_book``."""
    where = {"book_slug": book_slug, "base": base}
    if change := _book_change(store, book, record, bibliography, first=True, **where):
        _write(store, *change, project_dir, author)
    for page in pages:
        result, graph, triples = _page_change(store, page, book=book, source=record.source, **where)
        if triples is not None:
            revision = _write(store, graph, triples, project_dir, author).revision
            result = replace(result, revision=revision)
        yield page, result
    if change := _book_change(store, book, record, bibliography, first=False, **where):
        _write(store, *change, project_dir, author)


def is_book_upload(data: bytes) -> bool:
    """An upload that is a PDF, or a text with form feeds between pages."""
    return data.startswith(b"%PDF-") or b"\f" in data


def add_book(
    store: Store,
    book: ox.NamedNode,
    data: bytes,
    *,
    name: str,
    pages: str,
    most: int,
    base: str,
    project_dir: Path,
    author: writes.Author,
) -> list[StoredPage]:
    """An uploaded PDF or book text (``pages``: a range such as "3-5", or all; at most ``most``
    pages, checked before any is read) into ``book``, as ONE revision: every changed page and
    the book's graph, or, when anything is refused, nothing."""
    if data.startswith(b"%PDF-"):
        raws, bibliography = pdf_book(data, name, pages.strip() or None, most=most)
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InputError(
                f"The uploaded file is not UTF-8 text (byte {error.start}).",
                hint="Upload the PDF itself, or pdftotext's output (-enc UTF-8).",
            ) from None
        raws, bibliography = text_book(text, name, pages.strip() or None, most=most)
    book_slug = slug(book.value.rstrip("/").rsplit("/", 1)[-1])
    reader = BookReader(Ingester(load_graph_index(store)), name, bibliography, book_slug=book_slug)
    results: list[tuple[StoredPage, bool]] = []  # each page, and whether it is written
    graphs: dict[ox.NamedNode, list[ox.Triple]] = {}
    for page in reader.read(raws):
        result, graph, triples = _page_change(
            store, page, book=book, book_slug=book_slug, base=base, source=reader.record.source
        )
        results.append((result, triples is not None))
        if triples is not None:
            graphs[graph] = triples
    if change := _book_change(
        store, book, reader.record, bibliography, book_slug=book_slug, base=base, first=False
    ):
        graphs[change[0]] = change[1]
    if not graphs:
        return [result for result, _ in results]
    added: list[ox.Quad] = []
    removed: list[ox.Quad] = []
    for graph, triples in graphs.items():
        new = {ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples}
        old = set(store.graph_quads(graph))
        added += new - old
        removed += old - new
    revision = writes.write_quads(store, added, project_dir, removed=removed, author=author)
    return [replace(r, revision=revision.revision) if w else r for r, w in results]


# ---------------------------------------------------------------------- the review queue


@dataclass(frozen=True)
class QueueRow:
    """One page of the book in the review queue."""

    label: str = field(metadata=_help("The page number as printed (or its position)."))
    href: str = field(metadata=_help("The page's reading view."))
    proposals_href: str = field(metadata=_help("Its unsettled candidate names."))
    candidates: int = field(metadata=_help("Candidate names still to settle."))
    mentions: int = field(metadata=_help("Names linked to entities of the graph."))
    dates: int = field(metadata=_help("Dates found on the page."))
    notes: int = field(metadata=_help("Its footnotes."))
    scanned: bool = field(default=False, metadata=_help("True: no text layer, nothing to review."))


@dataclass(frozen=True, kw_only=True)
class BookQueuePage:
    """A book's pages, in order, each opening the page review with its proposals waiting."""

    template: str = field(default="workbench/book.html", metadata=_help("Its template."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(metadata=_help("The document title."))
    book: str = field(metadata=_help("The book's IRI."))
    label: str = field(metadata=_help("The book's label."))
    rows: tuple[QueueRow, ...] = field(metadata=_help("Its pages in the store, in page order."))
    waiting: int = field(metadata=_help("Candidate names still to settle in the whole book."))


def _count(
    store: Store,
    graph: ox.NamedNode,
    predicate: ox.NamedNode,
    obj: ox.Literal | ox.NamedNode | None,
) -> int:
    return sum(1 for _ in store.match(None, predicate, obj, graph))


def _order(label: str) -> tuple[int, int, str]:
    number = ascii_number(label.split("-", 1)[0])
    return (0, number, label) if number is not None else (1, 0, label)


def book_queue(store: Store, book: ox.NamedNode, base: str, site: Site) -> BookQueuePage | None:
    """The queue of ``book``'s pages that are in workbench graphs; ``None`` when it has none."""
    prefix = f"{base}ingest/"
    rows: list[tuple[tuple[int, int, str], QueueRow]] = []
    for quad in store.match(None, DCTERMS.isPartOf, book, None):
        page = quad.subject
        if not (isinstance(page, ox.NamedNode) and page.value.startswith(prefix)):
            continue
        name = page.value.removeprefix(prefix).removesuffix("/page")
        graph = _graph(name)
        if quad.graph_name != graph:
            continue
        label_quad = next(iter(store.match(page, BIBO.pages, None, graph)), None)
        label = (
            label_quad.object.value
            if label_quad is not None and isinstance(label_quad.object, ox.Literal)
            else name
        )
        path = page.value.removeprefix(base)
        rows.append(
            (
                _order(label),
                QueueRow(
                    label=label,
                    href=f"/id/{path}",
                    proposals_href=f"/workbench/proposals?page={quote(page.value, safe='')}",
                    candidates=_count(store, graph, HK.unknown, _UNKNOWN_ENTITY),
                    mentions=_count(store, graph, HK.mention, None),
                    dates=_count(store, graph, HK.edtf, None),
                    notes=_count(store, graph, RDF.type, BIBO.Note)
                    or _count(store, graph, BIBO.number, None),
                    scanned=next(
                        iter(store.match(page, HK.unknown, ox.Literal("text"), graph)), None
                    )
                    is not None,
                ),
            )
        )
    if not rows:
        return None
    label = _label(store, book)
    ordered = tuple(row for _, row in sorted(rows, key=lambda pair: pair[0]))
    return BookQueuePage(
        site=site,
        title=f"Review queue: {label} \u2013 histkg",
        book=book.value,
        label=label,
        rows=ordered,
        waiting=sum(row.candidates for row in ordered),
    )


def _label(store: Store, node: ox.NamedNode) -> str:
    for quad in store.match(node, RDFS.label, None, None):
        if isinstance(quad.object, ox.Literal):
            return quad.object.value
    return node.value


@dataclass(frozen=True)
class BookRow:
    """A book with pages in the workbench."""

    label: str = field(metadata=_help("The book's label."))
    href: str = field(metadata=_help("Its review queue."))
    pages: int = field(metadata=_help("Its pages in the workbench."))


@dataclass(frozen=True, kw_only=True)
class BooksPage:
    """The books whose pages are in the workbench, each opening its review queue."""

    template: str = field(default="workbench/books.html", metadata=_help("Its template."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(
        default="Books to review \u2013 histkg", metadata=_help("The document title.")
    )
    books: tuple[BookRow, ...] = field(metadata=_help("The books, by label."))


def queue_href(book: str) -> str:
    return f"/workbench/books?book={quote(book, safe='')}"


def workbench_books(store: Store, base: str, site: Site) -> BooksPage:
    """Every book that has pages in workbench graphs (added alone or as a book)."""
    prefix = f"{base}ingest/"
    counts: dict[ox.NamedNode, int] = {}
    for quad in store.match(None, DCTERMS.isPartOf, None, None):
        page, book = quad.subject, quad.object
        if not (
            isinstance(page, ox.NamedNode)
            and isinstance(book, ox.NamedNode)
            and page.value.startswith(prefix)
            and page.value.endswith("/page")
        ):
            continue
        if quad.graph_name == _graph(page.value.removeprefix(prefix).removesuffix("/page")):
            counts[book] = counts.get(book, 0) + 1
    rows = sorted(
        (BookRow(_label(store, book), queue_href(book.value), n) for book, n in counts.items()),
        key=lambda row: row.label.lower(),
    )
    return BooksPage(site=site, books=tuple(rows))
