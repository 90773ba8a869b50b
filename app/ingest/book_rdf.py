"""A book as RDF: a ``bibo:Book`` whose pages are ``bibo:DocumentPart``s, each page with its
original text stored byte for byte (``bibo:content``) and its SHA-256 (``hk:sha256``).

A page's triples are what ``to_quads`` writes for a single page, moved onto the book: the book
``to_quads`` mints from the running header (``<page graph>/book``) is replaced by the book given,
and the text node the anchors point into (``<base>text/<name>``) gets the page's text. The
workbench's "add a page" writes the same (``page_triples``), so a page added alone and a page of
a book ingested whole look the same in the store.

Notes that a book resolved beyond their page (``BookPage.citations``) point ``hk:sameWorkAs``
at the note with the full citation on its own page, and cite parts of that note's work; a short
title completed from the bibliography cites parts of a ``bibo:Book`` minted for the entry in the
book's own graph (``<base>ingest/<book>``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from app.errors import InputError
from app.ingest.book import BibEntry, BookPage, BookRecord, page_name
from app.ingest.pipeline import PageReport
from app.ingest.turtle import anchor_triples, prefixes_for, to_quads
from app.vocab import BIBO, DCMITYPE, DCTERMS, HK, PREFIXES, PROV, RDF, RDFS, XSD

__all__ = [
    "book_page_triples",
    "book_trig",
    "book_triples",
    "cross_refs",
    "page_name",
    "page_triples",
    "scanned_triples",
]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cross_refs(page: BookPage, book_slug: str, base: str) -> dict[int, tuple[str | None, str]]:
    """``to_quads``'s ``cross``: for each note resolved beyond the page, the note with the full
    citation (or ``None`` for the bibliography) and the work's IRI."""
    refs: dict[int, tuple[str | None, str]] = {}
    for cited in page.citations:
        if cited.same_note is not None and cited.index is not None:
            root = f"{base}ingest/{page_name(book_slug, cited.index)}"
            work = cited.work or f"{root}/work/{cited.same_note}"
            refs[cited.note] = (f"{root}/note/{cited.same_note}", work)
        elif cited.bibliography is not None:
            refs[cited.note] = (None, bibliography_iri(book_slug, cited.bibliography, base))
    return refs


def bibliography_iri(book_slug: str, number: int, base: str) -> str:
    return f"{base}ingest/{book_slug}/bibliography/{number}"


def page_triples(
    report: PageReport,
    book: ox.NamedNode,
    base: str,
    name: str,
    *,
    how: str = "as pasted or uploaded",
    cross: dict[int, tuple[str | None, str]] | None = None,
) -> tuple[list[ox.Triple], ox.NamedNode]:
    """The page's triples moved onto ``book``, with its original text and checksum; and the
    page's IRI (the one ingestion minted, or the graph's own part of a book it recognised)."""
    minted = ox.NamedNode(f"{base}ingest/{name}/book")
    triples = [
        ox.Triple(q.subject, q.predicate, book if q.object == minted else q.object)
        for q in to_quads(report, base, cross)
        if q.subject != minted  # the chosen source stands in for the book minted from the header
    ]
    page = ox.NamedNode(f"{base}ingest/{name}/page")
    if not any(t.subject == page for t in triples):
        parts = [
            t.subject
            for t in triples
            if t.predicate == DCTERMS.isPartOf and isinstance(t.subject, ox.NamedNode)
        ]
        if not parts:
            raise InputError("Ingestion found no page in this text.")
        page = parts[0]
    text = ox.NamedNode(f"{base}text/{name}")
    label = f"Text of {report.layout.title or 'the page'} {how} ({name})"
    triples += [
        ox.Triple(text, RDF.type, DCMITYPE.Text),
        ox.Triple(text, RDF.type, PROV.Entity),
        ox.Triple(text, RDFS.label, ox.Literal(label, language="en")),
        ox.Triple(text, DCTERMS.format, ox.Literal("text/plain; charset=utf-8")),
        # Where an export of the workbench's graphs writes the file (the text is also kept
        # here, in bibo:content, so the store alone holds everything).
        ox.Triple(text, DCTERMS.identifier, ox.Literal(f"seeds/{name}.txt")),
        ox.Triple(text, DCTERMS.source, page),
        ox.Triple(text, BIBO.content, ox.Literal(report.raw)),
        ox.Triple(text, HK.sha256, ox.Literal(sha256(report.raw))),
    ]
    return triples, page


def book_page_triples(
    page: BookPage, book: ox.NamedNode, base: str, book_slug: str, source: str
) -> tuple[list[ox.Triple], ox.NamedNode]:
    """A book's page as ``page_triples`` writes it, with its notes resolved beyond the page
    and a label that names the book's file (its running header may be a chapter's title)."""
    if page.report is None:
        raise ValueError("a page without text has scanned_triples")
    name = page_name(book_slug, page.index)
    cross = cross_refs(page, book_slug, base)
    how = f"as read from {source}"
    triples, node = page_triples(page.report, book, base, name, how=how, cross=cross)
    if node.value == f"{base}ingest/{name}/page":  # minted here, not the graph's own part
        label = ox.Literal(f"Page {page.label} of {source}", language="en")
        triples = [t for t in triples if not (t.subject == node and t.predicate == RDFS.label)]
        triples.append(ox.Triple(node, RDFS.label, label))
    return triples + _sentence_anchors(page, base, book_slug), node


def _sentence_anchors(page: BookPage, base: str, book_slug: str) -> list[ox.Triple]:
    """The anchors of sentences over the page's breaks: the beginning on this page, and the
    end at its top, which ``hk:continues`` the beginning's anchor on the page before."""
    report = page.report
    if report is None:
        return []
    root = f"{base}ingest/{page_name(book_slug, page.index)}"
    text = ox.NamedNode(f"{base}text/{page_name(book_slug, page.index)}")
    found: list[ox.Triple] = []
    if page.continues is not None:
        _, start, end = page.continues.first
        node = ox.NamedNode(f"{root}/anchor/sentence-begins")
        found += [ox.Triple(*t) for t in anchor_triples(node, text, report.raw, start, end)]
    if page.continued_from is not None:
        _, start, end = page.continued_from.second
        node = ox.NamedNode(f"{root}/anchor/sentence-ends")
        found += [ox.Triple(*t) for t in anchor_triples(node, text, report.raw, start, end)]
        before = page_name(book_slug, page.continued_from.first[0])
        begins = ox.NamedNode(f"{base}ingest/{before}/anchor/sentence-begins")
        found.append(ox.Triple(node, HK.continues, begins))
    return found


def scanned_triples(page: BookPage, book: ox.NamedNode, base: str, name: str) -> list[ox.Triple]:
    """A page without a text layer: the page is there, its text is said to be unknown."""
    node = ox.NamedNode(f"{base}ingest/{name}/page")
    label = f"Page {page.label} (no text layer; position {page.index} in the file)"
    return [
        ox.Triple(node, RDF.type, BIBO.DocumentPart),
        ox.Triple(node, RDFS.label, ox.Literal(label, language="en")),
        ox.Triple(node, DCTERMS.isPartOf, book),
        ox.Triple(node, BIBO.pages, ox.Literal(page.label)),
        ox.Triple(node, HK.unknown, ox.Literal("text")),
    ]


def book_triples(
    book: ox.NamedNode,
    record: BookRecord,
    bibliography: Iterable[BibEntry],
    base: str,
    book_slug: str,
    title: str | None = None,
) -> list[ox.Triple]:
    """The book (its title, or that it is unknown, and its running headers) and one
    ``bibo:Book`` per entry of its bibliography."""
    headers = sorted(record.headers, key=lambda t: (-record.headers[t], t))
    if title:
        label = title
    elif headers:
        label = f"Book with the running header “{headers[0]}”"
    else:
        label = f"Book read from {record.source}"
    triples = [
        ox.Triple(book, RDF.type, BIBO.Book),
        ox.Triple(book, RDFS.label, ox.Literal(label, language="en")),
        *(ox.Triple(book, HK.runningHeader, ox.Literal(h)) for h in headers),
    ]
    if title:
        triples.append(ox.Triple(book, DCTERMS.title, ox.Literal(title)))
    else:
        triples.append(ox.Triple(book, HK.unknown, ox.Literal("title")))
    for entry in bibliography:
        cited = entry.citation
        node = ox.NamedNode(bibliography_iri(book_slug, entry.number, base))
        by = ", ".join(str(x) for x in (cited.author, cited.year) if x)
        triples += [
            ox.Triple(node, RDF.type, BIBO.Book),
            ox.Triple(node, RDFS.label, ox.Literal(f"{cited.title} ({by})", language="en")),
            ox.Triple(node, DCTERMS.title, ox.Literal(cited.title or "")),
        ]
        if cited.year:
            triples.append(
                ox.Triple(node, DCTERMS.issued, ox.Literal(str(cited.year), datatype=XSD.gYear))
            )
    return triples


def _trig(triples: Iterable[ox.Triple], graph: str, prefixes: dict[str, str]) -> str:
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph)) for t in triples]
    return bytes(ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes) or b"").decode()


def book_trig(
    pages: Iterable[BookPage],
    record: BookRecord,
    bibliography: list[BibEntry],
    *,
    book: ox.NamedNode,
    book_slug: str,
    base: str,
    title: str | None = None,
) -> Iterator[str]:
    """The whole book as TriG, a page's graph at a time, the book's own graph last (its running
    headers are known only then). Each chunk is a TriG document; their concatenation is one."""
    for page in pages:
        name = page_name(book_slug, page.index)
        if page.report is None:
            prefixes = dict(PREFIXES)
            yield _trig(scanned_triples(page, book, base, name), f"{base}ingest/{name}", prefixes)
            continue
        triples, _ = book_page_triples(page, book, base, book_slug, record.source)
        prefixes = prefixes_for(page.report, base)
        yield _trig(triples, f"{base}ingest/{name}", prefixes)
    own = book_triples(book, record, bibliography, base, book_slug, title)
    yield _trig(own, f"{base}ingest/{book_slug}", dict(PREFIXES))
