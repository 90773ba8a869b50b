"""The reading view of a page added in the workbench: the repaired text, marked up.

What the page's graph holds are anchors into the original text (raw code-point offsets). The
reading view shows the *repaired* text, so it runs the stored original through the ingest
pipeline again (deterministic: the same text gives the same repairs) to get the offset map, and
maps every anchor through it: mentions link to their entity, candidate names and dates are
marked (a date with its EDTF value), footnote markers link to the footnotes below, and passages
a claim rests on (``prov:wasDerivedFrom`` an anchor on this text) link to the claim. The text as
printed is shown too, unchanged.

The pipeline runs with an empty graph index: its repairs then use the word list alone, not
the graph's names, so the view costs no graph scan; the anchors, which came from the full
ingest, are what the marks show.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

import pyoxigraph as ox

from app.ingest import GraphIndex, Ingester, PageReport
from app.pages.context import Site
from app.store import Store
from app.vocab import BIBO, DCTERMS, HK, OA, PROV, RDF, RDFS
from app.workbench.fields import page_nodes

__all__ = ["ReadingPage", "Segment", "page_report", "reading_page"]

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
_LOCK: Final = threading.Lock()
_INGESTERS: list[Ingester] = []


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class Segment:
    """A run of the repaired text, plain or marked."""

    text: str = field(metadata=_help("The characters of the run."))
    kind: str = field(
        default="",
        metadata=_help("'' (plain), mention, candidate, date, marker or claim."),
    )
    href: str = field(default="", metadata=_help("Where the mark links to ('' for none)."))
    note: str = field(default="", metadata=_help("What the mark means (its title text)."))
    at: int = field(
        default=0,
        metadata=_help(
            "Where the run starts in the repaired text (code points): a selection's offsets, "
            "which the server maps to the original."
        ),
    )


@dataclass(frozen=True)
class NoteView:
    """One footnote of the page, repaired."""

    number: int = field(metadata=_help("The footnote's number."))
    text: str = field(metadata=_help("Its repaired text."))


@dataclass(frozen=True, kw_only=True)
class ReadingPage:
    """A workbench page's reading view."""

    template: str = field(default="workbench/reading.html", metadata=_help("Its template."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(metadata=_help("The document title."))
    iri: str = field(metadata=_help("The page's IRI."))
    label: str = field(metadata=_help("The page's label."))
    book_label: str = field(metadata=_help("The source the page is part of."))
    book_href: str = field(metadata=_help("Its page."))
    segments: tuple[Segment, ...] = field(metadata=_help("The repaired text, marked up."))
    footnotes: tuple[NoteView, ...] = field(metadata=_help("The page's footnotes."))
    printed: str = field(metadata=_help("The text exactly as stored (as printed)."))


def _ingester() -> Ingester:
    with _LOCK:
        if not _INGESTERS:
            _INGESTERS.append(Ingester(GraphIndex()))
        return _INGESTERS[0]


def _one(store: Store, subject: ox.NamedNode, predicate: ox.NamedNode) -> Term | None:
    return next((q.object for q in store.match(subject, predicate, None, None)), None)


def _literal(store: Store, subject: ox.NamedNode, predicate: ox.NamedNode) -> str:
    term = _one(store, subject, predicate)
    return term.value if isinstance(term, ox.Literal) else ""


def page_report(store: Store, iri: str, base: str) -> PageReport | None:
    """The page's stored original run through the pipeline (None: no such workbench page;
    ``InputError`` when ``iri`` is no IRI)."""
    if not iri:
        return None
    page, name, text = page_nodes(iri, base)
    raw = _literal(store, text, BIBO.content)
    if not raw or _one(store, text, DCTERMS.source) != page:
        return None
    return _report(raw, name)


@lru_cache(maxsize=32)
def _report(raw: str, name: str) -> PageReport:
    """Pages are read and claimed many times between changes of their text: run it once."""
    return _ingester().ingest(raw, f"{name}.txt")


def reading_page(store: Store, iri: str, base: str, site: Site) -> ReadingPage | None:
    """The reading view of the page ``iri``, or None when it is not a page with stored text."""
    report = page_report(store, iri, base)
    if report is None:
        return None
    page, name, text = page_nodes(iri, base)
    raw = report.raw
    book = _one(store, page, DCTERMS.isPartOf)
    book_iri = book.value if isinstance(book, ox.NamedNode) else ""
    label = _literal(store, page, RDFS.label) or name
    return ReadingPage(
        site=site,
        title=f"{label} \u2013 histkg",
        iri=iri,
        label=label,
        book_label=_literal(store, book, RDFS.label) if isinstance(book, ox.NamedNode) else "",
        book_href="/id/" + book_iri.removeprefix(base) if book_iri else "",
        segments=_segments(report, _marks(store, text, base)),
        footnotes=tuple(NoteView(f.number, f.text) for f in report.footnotes),
        printed=raw,
    )


Mark = tuple[int, int, str, str, str]
"""(raw start, raw end, kind, href, note)."""


def _marks(store: Store, text: ox.NamedNode, base: str) -> list[Mark]:
    """Every anchor on ``text`` that the reading view marks, in raw offsets."""
    marks: list[Mark] = []
    for quad in store.match(None, OA.hasSource, text, None):
        anchor = quad.subject
        if not isinstance(anchor, ox.NamedNode):
            continue
        span = _position(store, anchor)
        if span is None:
            continue
        kind, href, note = _meaning(store, anchor, base)
        if kind:
            marks.append((*span, kind, href, note))
    return marks


def _position(store: Store, anchor: ox.NamedNode) -> tuple[int, int] | None:
    for quad in store.match(anchor, OA.hasSelector, None, None):
        selector = quad.object
        if isinstance(selector, ox.NamedNode) and _one(store, selector, RDF.type) == (
            OA.TextPositionSelector
        ):
            start, end = _literal(store, selector, OA.start), _literal(store, selector, OA.end)
            if start.isdigit() and end.isdigit():
                return int(start), int(end)
    return None


def _href(node: Term, base: str) -> str:
    value = node.value if isinstance(node, ox.NamedNode) else ""
    return "/id/" + value.removeprefix(base) if value.startswith(base) else ""


def _meaning(store: Store, anchor: ox.NamedNode, base: str) -> tuple[str, str, str]:
    """(kind, href, note) of an anchor; kind '' for one the view does not mark."""
    for quad in store.match(None, PROV.wasDerivedFrom, anchor, None):
        claim = quad.subject
        if isinstance(claim, ox.NamedNode):
            return "claim", _href(claim, base), _literal(store, claim, RDFS.label)
    for quad in store.match(None, HK.mention, anchor, None):
        if isinstance(quad.subject, ox.NamedNode):
            label = _literal(store, quad.subject, RDFS.label)
            return "mention", _href(quad.subject, base), label
    if _one(store, anchor, HK.unknown) is not None:
        return "candidate", "", "A name the graph does not know yet"
    for quad in store.match(None, HK.markerAnchor, anchor, None):
        if isinstance(quad.subject, ox.NamedNode):
            number = _literal(store, quad.subject, BIBO.number)
            return "marker", f"#fn-{number}", f"Footnote {number}"
    for quad in store.match(None, HK.textAnchor, anchor, None):
        edtf = (
            _literal(store, quad.subject, HK.edtf) if isinstance(quad.subject, ox.NamedNode) else ""
        )
        if edtf:
            return "date", "", f"EDTF {edtf}"
    if _literal(store, anchor, HK.datePhrase):
        return "date", "", "A date the rules could not compute"
    return "", "", ""


def _segments(report: PageReport, marks: list[Mark]) -> tuple[Segment, ...]:
    """The body's repaired text cut at the marks (raw offsets mapped through the offset map)."""
    body = report.body
    spans: list[tuple[int, int, str, str, str]] = []
    for raw_start, raw_end, kind, href, note in marks:
        try:
            start, end = body.to_clean(raw_start, raw_end)
        except ValueError:
            continue  # in a footnote or the header, not the body
        spans.append((start, end, kind, href, note))
    # Claims first at a place, so that a passage's link wins over the names inside it.
    spans.sort(key=lambda s: (s[0], s[2] != "claim", -s[1]))
    segments: list[Segment] = []
    at = 0
    for start, end, kind, href, note in spans:
        if start < at:
            continue  # overlaps a mark already placed
        if start > at:
            segments.append(Segment(body.text[at:start], at=at))
        if kind == "marker":  # not in the repaired text: what its span holds (a space the
            # repairs put in its place) stays in the text that follows
            segments.append(Segment(href.removeprefix("#fn-"), kind, href, note, at=start))
            at = start
        else:
            segments.append(Segment(body.text[start:end], kind, href, note, at=start))
            at = end
    segments.append(Segment(body.text[at:], at=at))
    return tuple(s for s in segments if s.text)
