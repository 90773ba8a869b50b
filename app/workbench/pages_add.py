"""Adding a page of a source: the text through ``histkg ingest``'s pipeline, one revision.

The page's text (pasted, or an uploaded ``.txt``) is ingested against the graph in the store
exactly as ``histkg ingest`` does (``app.ingest``: page structure, repairs with the offset map,
footnotes and citations, dates, mentions), and its TriG (``app.ingest.to_trig``) is written into
one workbench graph. Two changes to that output:

* the page is part of the source the curator chose: the book ingestion minted from the running
  header (``<page graph>/book``) is replaced by it; a book the graph already knew by that
  header stays, since ingestion found it there;
* the original text is stored on the text node the anchors point into (``<base>text/<slug>``,
  ``bibo:content``), character for character, with its SHA-256 (``hk:sha256``), so every
  anchor's offsets can be checked against it (``app.ingest.book_rdf.page_triples``, which a
  book's pages share). Pasted text comes from a browser's text area, which sends line ends as
  CR LF: they are turned back into the LF the curator pasted; an uploaded file is kept exactly
  as sent.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pyoxigraph as ox

from app import writes
from app.errors import InputError
from app.ingest import Ingester, PageReport, load_graph_index
from app.ingest.book_rdf import page_triples
from app.ingest.page import parse_layout
from app.store import Store
from app.vocab import BIBO, RDF, RDFS
from app.workbench.sources import WORKBENCH_GRAPHS, slug

__all__ = ["FieldError", "NewPage", "add_page", "find_source", "page_text"]


class FieldError(InputError):
    """An input error that belongs beside one field of the form (``field``)."""

    def __init__(self, field: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field


_UTF8: Final = "utf-8"
_SOURCES: Final = (BIBO.Book, BIBO.AcademicArticle)
"""What a page can be part of: a book or an article."""


@dataclass(frozen=True)
class NewPage:
    """What adding a page made: the page's IRI, its graph and the revision."""

    iri: str
    graph: str
    result: writes.WriteResult
    report: PageReport


def page_text(pasted: str, upload: bytes | None) -> str:
    """The page's original text: the uploaded file's (UTF-8) if any, else the pasted text."""
    if upload:
        try:
            return upload.decode(_UTF8)
        except UnicodeDecodeError as error:
            raise FieldError(
                "text",
                f"The uploaded file is not UTF-8 text (byte {error.start}).",
                hint="Save the page as UTF-8 plain text (.txt) and upload it again.",
            ) from None
    return pasted.replace("\r\n", "\n")


def find_source(store: Store, typed: str) -> ox.NamedNode:
    """The book a curator named: its IRI, or its English label exactly as the graph has it."""
    text = " ".join(typed.split())
    candidates: list[ox.NamedNode] = []
    if text.startswith(("http://", "https://")):
        with contextlib.suppress(ValueError):  # not an IRI after all: try it as a label
            candidates.append(ox.NamedNode(text))
    candidates += [
        q.subject
        for q in store.match(None, RDFS.label, ox.Literal(text, language="en"), None)
        if isinstance(q.subject, ox.NamedNode)
    ]
    for node in candidates:
        if any(next(iter(store.match(node, RDF.type, kind, None)), None) for kind in _SOURCES):
            return node
    raise FieldError(
        "source",
        f"No source is called {text!r}." if text else "Choose the source the page is from.",
        hint="Pick one from the suggestions, or add the source first.",
    )


def _page_slug(book: ox.NamedNode, number: str) -> str:
    return f"{slug(book.value.rstrip('/').rsplit('/', 1)[-1])}-p{slug(number)}"


def add_page(
    store: Store,
    book: ox.NamedNode,
    raw: str,
    *,
    number: str,
    base: str,
    project_dir: Path,
    author: writes.Author,
) -> NewPage:
    """Ingest ``raw`` as a page of ``book`` and write it as one revision (see the module)."""
    if not raw.strip():
        raise FieldError(
            "text", "The page has no text.", hint="Paste the page's text or upload it."
        )
    header_page = parse_layout(raw).page
    printed = str(header_page) if header_page is not None else number.strip()
    if not printed:
        raise FieldError(
            "number",
            "The page has no page number in its running header.",
            hint="Type the page number as printed.",
        )
    name = _page_slug(book, printed)
    graph = f"{WORKBENCH_GRAPHS}page/{name}"
    if next(iter(store.match(None, None, None, ox.NamedNode(graph))), None) is not None:
        raise InputError(
            f"Page {printed} of this source was added already.",
            hint="Open it from the source's page; a page is added once.",
        )
    report = Ingester(load_graph_index(store)).ingest(raw, f"{name}.txt")
    triples, page = page_triples(report, book, base, name)
    body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    result = writes.write_graph(
        store, graph, body, "application/n-triples", project_dir, replace=False, author=author
    )
    return NewPage(page.value, graph, result, report)
