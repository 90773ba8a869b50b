"""A page report as RDF: one named graph per page, valid against ``ontology/shapes.ttl``.

Everything ingestion found goes into the graph ``<base>ingest/<slug>`` (the file name's stem),
under IRIs minted below ``<base>ingest/<slug>/``:

* every mention, date phrase, footnote marker and footnote text is a text anchor
  (``oa:SpecificResource`` with an ``oa:TextQuoteSelector`` and an ``oa:TextPositionSelector``)
  on the raw file ``<base>text/<slug>``, offsets in code points as the curated anchors count them;
* a mention of a graph entity is ``<entity> hk:mention <anchor>``; a candidate name is an anchor
  with ``hk:unknown "entity"``;
* footnotes are ``bibo:Note``s that ``cito:citesAsEvidence`` one ``bibo:DocumentPart`` per page
  locator, ``dcterms:isPartOf`` the cited ``bibo:Book``; a short title or ibid. is
  ``hk:sameWorkAs`` the footnote with the full citation;
* dates are ``crm:E52_Time-Span``s with the phrase as label, ``hk:edtf``, the strict bounds and,
  for relative dates, ``hk:relativeTo``, ``hk:offsetMin``/``hk:offsetMax`` and ``hk:derivation``;
  a phrase with no computable date keeps only ``hk:datePhrase`` on its anchor.

Books, cited pages, the page itself and events that the graph already has keep their graph IRIs.
The few of their triples that the shapes need to check this graph on its own (type, label, title,
event type) are repeated exactly as the graph has them, so loading both adds nothing that
disagrees.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, serialize

from app.ingest import edtf
from app.ingest.citations import Locator
from app.ingest.graph import Book
from app.ingest.pipeline import Footnote, PageReport
from app.vocab import EDTF, ID, PREFIXES

__all__ = ["anchor_triples", "page_graph_iri", "prefixes_for", "slug", "to_quads", "to_trig"]

_NS = {name: PREFIXES[name] for name in ("rdf", "rdfs", "xsd", "crm", "hk", "bibo", "cito", "oa")}
_NS["dcterms"] = PREFIXES["dcterms"]
_EDTF = EDTF
_CONTEXT = 32  # characters of prefix and suffix in a quote selector


def _term(curie: str) -> NamedNode:
    prefix, local = curie.split(":", 1)
    return NamedNode(_NS[prefix] + local)


def _xsd(value: object, datatype: str) -> Literal:
    return Literal(str(value), datatype=_term(f"xsd:{datatype}"))


def _en(text: str) -> Literal:
    return Literal(" ".join(text.split()), language="en")


def slug(source: str) -> str:
    """The IRI path segment of a file name: its stem, lower case, runs of other characters as
    one hyphen ("Moscow versus Tokyo p129.txt" -> "moscow-versus-tokyo-p129")."""
    return _slug(source)


def _slug(source: str) -> str:
    stem = re.sub(r"\.[^./]*$", "", source.rsplit("/", 1)[-1])
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "page"


def page_graph_iri(report: PageReport, base: str) -> str:
    """The named graph a page's triples go to."""
    return f"{base}ingest/{_slug(report.source)}"


class _Writer:
    def __init__(
        self, report: PageReport, base: str, cross: Mapping[int, tuple[str | None, str]]
    ) -> None:
        self.report = report
        self.base = base
        self.cross = cross
        self.root = page_graph_iri(report, base)
        self.graph = NamedNode(self.root)
        self.text = NamedNode(f"{base}text/{_slug(report.source)}")
        self.quads: list[Quad] = []
        self._seen: set[Quad] = set()

    def add(self, s: NamedNode, p: str, o: NamedNode | Literal) -> None:
        quad = Quad(s, _term(p), o, self.graph)
        if quad not in self._seen:
            self._seen.add(quad)
            self.quads.append(quad)

    def iri(self, path: str) -> NamedNode:
        return NamedNode(f"{self.root}/{path}")

    def anchor(self, name: str, raw_start: int, raw_end: int) -> NamedNode:
        node = self.iri(f"anchor/{name}")
        for s, p, o in anchor_triples(node, self.text, self.report.raw, raw_start, raw_end):
            quad = Quad(s, p, o, self.graph)
            if quad not in self._seen:
                self._seen.add(quad)
                self.quads.append(quad)
        return node

    # ------------------------------------------------------------------ the page and its book

    def page(self) -> NamedNode:
        layout = self.report.layout
        known = next((b for b in self.report.graph.books if b.running_header == layout.title), None)
        if known is not None:
            book = self.book(known)
            part = known.parts.get((layout.page, layout.page)) if layout.page else None
            if part:
                return self.part(book, part[0], part[1], layout.page, layout.page)
        else:
            book = self.iri("book")
            self.add(book, "rdf:type", _term("bibo:Book"))
            self.add(book, "rdfs:label", _en(f"Book with the running header “{layout.title}”"))
            self.add(book, "hk:runningHeader", Literal(layout.title))
            self.add(book, "hk:unknown", Literal("title"))
        pages = str(layout.page) if layout.page is not None else "unnumbered"
        page = self.iri("page")
        self.add(page, "rdfs:label", _en(f"Page {pages} of the book “{layout.title}”"))
        return self.part(book, page.value, pages, layout.page, layout.page)

    def book(self, book: Book) -> NamedNode:
        node = NamedNode(book.iri)
        self.add(node, "rdf:type", _term("bibo:Book"))
        self.add(node, "rdfs:label", _en(book.label))
        if book.title:
            self.add(node, "dcterms:title", Literal(book.title, language=book.title_language))
        else:
            self.add(node, "hk:unknown", Literal("title"))
        return node

    def part(
        self, book: NamedNode, iri: str, pages: str, first: int | None, last: int | None
    ) -> NamedNode:
        node = NamedNode(iri)
        self.add(node, "rdf:type", _term("bibo:DocumentPart"))
        self.add(node, "dcterms:isPartOf", book)
        self.add(node, "bibo:pages", Literal(pages))
        if first is not None and last is not None:
            self.add(node, "bibo:pageStart", _xsd(first, "integer"))
            self.add(node, "bibo:pageEnd", _xsd(last, "integer"))
        return node

    # ------------------------------------------------------------------ footnotes

    def footnotes(self, page: NamedNode) -> None:
        books: dict[int, tuple[NamedNode, Book | None] | None] = {}
        for footnote in self.report.footnotes:
            note = self.iri(f"note/{footnote.number}")
            self.add(note, "rdfs:label", _en(f"Footnote {footnote.number}"))
            self.add(note, "bibo:number", _xsd(footnote.number, "integer"))
            self.add(note, "bibo:content", _en(footnote.text))
            self.add(note, "dcterms:isPartOf", page)
            region = next(r for r in self.report.layout.footnotes if r.number == footnote.number)
            text = self.anchor(f"note-{footnote.number}", region.line_start, region.raw_end)
            self.add(note, "hk:textAnchor", text)
            marker = next(
                (m for m in self.report.layout.markers if m.number == footnote.number), None
            )
            if marker:
                anchor = self.anchor(f"marker-{footnote.number}", marker.raw_start, marker.raw_end)
                self.add(note, "hk:markerAnchor", anchor)
            if footnote.same_work_as is not None:
                self.add(note, "hk:sameWorkAs", self.iri(f"note/{footnote.same_work_as}"))
            root = footnote.same_work_as or footnote.number
            book = books.get(root) or self.elsewhere(note, footnote) or self.cited_book(footnote)
            books[footnote.number] = book
            if book and footnote.citation and footnote.citation.locators:
                self.add(note, "rdf:type", _term("bibo:Note"))
                for locator in footnote.citation.locators:
                    self.add(note, "cito:citesAsEvidence", self.cited_part(book, locator))
            else:  # not a citation with pages: kept, but not claimed to cite anything
                self.add(note, "hk:unknown", Literal("cited work"))

    def elsewhere(
        self, note: NamedNode, footnote: Footnote
    ) -> tuple[NamedNode, Book | None] | None:
        """The work of a note a book resolved beyond this page: to the note with the full
        citation on an earlier page (``hk:sameWorkAs``), or to its bibliography's entry."""
        found = self.cross.get(footnote.number)
        if found is None:
            return None
        other, work = found
        if other is not None:
            self.add(note, "hk:sameWorkAs", NamedNode(other))
        known = next((b for b in self.report.graph.books if b.iri == work), None)
        return (self.book(known), known) if known else (NamedNode(work), None)

    def cited_book(self, footnote: Footnote) -> tuple[NamedNode, Book | None] | None:
        """The work a note cites: the graph's book, or one minted from its full citation;
        ``None`` when neither is known (an "Ibid." first on its page, say)."""
        known = next((b for b in self.report.graph.books if b.iri == footnote.work), None)
        if known:
            return self.book(known), known
        citation = footnote.citation
        node = self.iri(f"work/{footnote.number}")
        if citation is None or citation.form != "full" or not citation.title:
            return None
        self.add(node, "rdf:type", _term("bibo:Book"))
        by = f" ({', '.join(str(x) for x in (citation.author, citation.year) if x)})"
        self.add(node, "rdfs:label", _en(citation.title + (by if by != " ()" else "")))
        self.add(node, "dcterms:title", Literal(citation.title))
        if citation.year:
            self.add(node, "dcterms:issued", _xsd(citation.year, "gYear"))
        for mention in self.report.mentions:
            if mention.footnote != footnote.number or mention.entity is None:
                continue
            for field_text, prop in (
                (citation.author, "dcterms:creator"),
                (citation.publisher, "dcterms:publisher"),
                (citation.place, "hk:publicationPlace"),
            ):
                if field_text and mention.text in field_text:
                    self.add(node, prop, NamedNode(mention.entity))
        return node, None

    def cited_part(self, book: tuple[NamedNode, Book | None], locator: Locator) -> NamedNode:
        node, known = book
        first, last, printed = locator.first, locator.last, locator.printed
        if known and first is not None and last is not None and (first, last) in known.parts:
            iri, pages = known.parts[(first, last)]
            return self.part(node, iri, pages, first, last)
        digest = hashlib.sha256(node.value.encode()).hexdigest()[:8]
        part = self.part(node, f"{self.root}/part/{digest}-p{printed}", printed, first, last)
        self.add(part, "rdfs:label", _en(f"p. {printed}"))
        return part

    # ------------------------------------------------------------------ mentions and dates

    def mentions(self) -> None:
        for index, mention in enumerate(self.report.mentions):
            offsets = self.report.offsets(mention.footnote)
            raw_start, raw_end = offsets.to_raw(mention.start, mention.end)
            anchor = self.anchor(f"mention-{index}", raw_start, raw_end)
            if mention.entity:
                self.add(NamedNode(mention.entity), "hk:mention", anchor)
            else:
                self.add(anchor, "hk:unknown", Literal("entity"))

    def dates(self) -> None:
        events = self.report.graph.events
        for index, found in enumerate(self.report.dates):
            raw_start, raw_end = self.report.body.to_raw(found.start, found.end)
            anchor = self.anchor(f"date-{index}", raw_start, raw_end)
            if found.value is None:
                self.add(anchor, "hk:datePhrase", _en(found.text))
                continue
            span = self.iri(f"timespan/{index}")
            self.add(span, "rdf:type", _term("crm:E52_Time-Span"))
            self.add(span, "rdfs:label", _en(found.text))
            self.add(span, "hk:edtf", Literal(found.value.edtf, datatype=_EDTF))
            self.add(
                span,
                "crm:P82a_begin_of_the_begin",
                _xsd(edtf.begin_of(found.value.earliest), "dateTime"),
            )
            self.add(
                span, "crm:P82b_end_of_the_end", _xsd(edtf.end_of(found.value.latest), "dateTime")
            )
            self.add(span, "hk:textAnchor", anchor)
            if found.rule != "as written":
                self.add(span, "hk:derivation", _en(found.rule))
            event = events.get(found.anchor_event or "")
            if event:
                node = NamedNode(event.event)
                self.add(span, "hk:relativeTo", node)
                self.add(node, "rdf:type", NamedNode(event.event_class))
                self.add(node, "rdfs:label", _en(event.label))
                self.add(node, "crm:P2_has_type", NamedNode(event.event_type))
            if found.offset_min and found.offset_max:
                self.add(span, "hk:offsetMin", _xsd(found.offset_min, "duration"))
                self.add(span, "hk:offsetMax", _xsd(found.offset_max, "duration"))


def anchor_triples(
    node: NamedNode, text: NamedNode, raw: str, raw_start: int, raw_end: int
) -> list[tuple[NamedNode, NamedNode, NamedNode | Literal]]:
    """A text anchor ``node`` on the stored text ``text`` (whose content is ``raw``): a quote
    selector (exact, with context) and a position selector (code points), both named after it."""
    quote, position = NamedNode(f"{node.value}-quote"), NamedNode(f"{node.value}-position")
    return [
        (node, _term("rdf:type"), _term("oa:SpecificResource")),
        (node, _term("oa:hasSource"), text),
        (node, _term("oa:hasSelector"), quote),
        (node, _term("oa:hasSelector"), position),
        (quote, _term("rdf:type"), _term("oa:TextQuoteSelector")),
        (quote, _term("oa:exact"), Literal(raw[raw_start:raw_end])),
        (quote, _term("oa:prefix"), Literal(raw[max(0, raw_start - _CONTEXT) : raw_start])),
        (quote, _term("oa:suffix"), Literal(raw[raw_end : raw_end + _CONTEXT])),
        (position, _term("rdf:type"), _term("oa:TextPositionSelector")),
        (position, _term("oa:start"), _xsd(raw_start, "integer")),
        (position, _term("oa:end"), _xsd(raw_end, "integer")),
    ]


def to_quads(
    report: PageReport, base: str = ID, cross: Mapping[int, tuple[str | None, str]] | None = None
) -> list[Quad]:
    """The page's quads, in its one named graph, sorted.

    ``cross``: notes a book resolved beyond this page, note number -> (the IRI of the note
    with the full citation, or ``None`` for a bibliography entry; the IRI of the work).
    """
    writer = _Writer(report, base, cross or {})
    writer.footnotes(writer.page())
    writer.mentions()
    writer.dates()
    return sorted(writer.quads, key=lambda q: (str(q.subject), str(q.predicate), str(q.object)))


def prefixes_for(report: PageReport, base: str = ID) -> dict[str, str]:
    """The prefixes a page's TriG is written with."""
    return dict(_NS) | {"page": page_graph_iri(report, base) + "/", "text": f"{base}text/"}


def to_trig(report: PageReport, base: str = ID) -> str:
    """The page's triples as TriG: one named graph, prefixes from ``app.vocab.PREFIXES``."""
    quads = to_quads(report, base)
    prefixes = prefixes_for(report, base)
    return bytes(serialize(quads, format=RdfFormat.TRIG, prefixes=prefixes) or b"").decode()
