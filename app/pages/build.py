"""Shared machinery for turning a neighbourhood into page values: links, values, footnotes.

A :class:`PageBuilder` holds one entity's :class:`~app.read.neighbourhood.Neighbourhood`, the site
settings and the footnote register. Footnotes are numbered in the order statements first cite
them, so building the sections in page order numbers them as a reader meets them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date
from pathlib import Path
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode

from app.dates import DateFacts, date_in_words, day_in_words
from app.pages.context import (
    BookNote,
    DateText,
    Footnote,
    HighlightMark,
    Link,
    NoteRef,
    Passage,
    Quotation,
    Site,
    Statement,
    Value,
)
from app.pages.overlaps import SharedPassage, shared_passages
from app.pages.passages import cut, flat, repaired_cut, stored_text
from app.read.labels import kind_of
from app.read.neighbourhood import (
    RDFS_LABEL,
    Anchor,
    ClaimInfo,
    Fact,
    Neighbourhood,
    Source,
    date_facts,
    readable_iri,
)
from app.vocab import HK, HKC, XSD

WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
LEFT_QUOTE, RIGHT_QUOTE = "\u201c", "\u201d"


@dataclass(frozen=True)
class PageSettings:
    """What pages need from the settings: where entities live and where the sources are."""

    base_iri: str
    project_dir: Path
    site: Site


def href_for(iri: str, base_iri: str) -> tuple[str | None, bool]:
    """Where a link to ``iri`` goes, and whether it leaves this server."""
    if iri.startswith(base_iri):
        return "/id/" + quote(iri[len(base_iri) :], safe="/-._~:"), False
    if iri.startswith(WIKIDATA_ENTITY):
        return "https://www.wikidata.org/wiki/" + iri[len(WIKIDATA_ENTITY) :], True
    return None, False


def join_words(names: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(names) < 3:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def entered_link(claim: ClaimInfo | None) -> Link | None:
    """For a claim written over HTTP (or in the workbench), not read from the book by the
    curators: who entered it and when, linking to that revision; ``None`` for the book's own."""
    if claim is None or claim.entered is None:
        return None
    entered = claim.entered
    day = day_in_words(entered.time.astimezone(UTC).date())
    return Link(
        label=f"Entered by {entered.agent or 'an unnamed writer'} on {day}",
        href=f"/history/{entered.revision}",
        iri=entered.iri,
        kind="revision",
    )


def reported_text(claim: ClaimInfo, labels: dict[str, str]) -> str:
    """On whose word a reported claim rests: 'according to Karl Radek, as told by Louis Fischer'.

    Empty for a claim the historian asserts (or any claim not in the reported mode).
    """
    if claim.mode != HKC.reported.value:
        return ""

    def named(role: str) -> list[str]:
        agents = [agent for agent, agent_role in claim.attributions if agent_role == HKC.NS + role]
        return [claim.agent_labels.get(a) or labels.get(a) or readable_iri(a) for a in agents]

    informants, reporters = named("informant"), named("reporter")
    parts = []
    if informants:
        parts.append("according to " + join_words(informants))
    if reporters:
        parts.append(("as told by " if informants else "according to ") + join_words(reporters))
    return ", ".join(parts) or "reported, not asserted"


class PageBuilder:
    """Builds the values of one page from a neighbourhood."""

    def __init__(self, hood: Neighbourhood, settings: PageSettings) -> None:
        self.hood = hood
        self.settings = settings
        self._numbers: dict[str, int] = {}
        self._marks: dict[str, int] = defaultdict(int)
        self._labels: dict[str, str] | None = None
        self._passages: dict[tuple[str, str], int] = {}  # passage -> first note showing it
        self._shared: dict[tuple[str, int, int], SharedPassage] = {}
        self.claim_facts: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        for fact in hood.facts:
            if hood.is_claim(fact.graph):
                self.claim_facts[(fact.subject, fact.predicate, _key(fact.object))].append(
                    fact.graph
                )

    # ------------------------------------------------------------------ links and values

    def label(self, iri: str) -> str:
        """The label of any IRI of the neighbourhood."""
        return self.hood.label(iri)

    def kind_word(self, iri: str) -> str:
        """The kind of a node in one word, from its classes."""
        node = self.hood.nodes.get(iri)
        if node is None:
            return ""
        if node.types:
            return self.hood.vocabulary.get(node.types[0], "")
        kind = kind_of(node.classes)
        return "" if kind.key == "entity" else kind.singular

    def link(self, iri: str, label: str | None = None) -> Link:
        """A link to ``iri`` labelled with its label."""
        href, external = href_for(iri, self.settings.base_iri)
        return Link(
            label=label or self.label(iri),
            href=href,
            iri=iri,
            external=external,
            kind=self.kind_word(iri),
        )

    def value(self, term: NamedNode | Literal, predicate: str = "") -> Value:
        """A statement's object as a value: a link, a date, a number or a text."""
        if isinstance(term, NamedNode):
            span = self.span_date(term.value) if predicate.endswith("P4_has_time-span") else None
            if span is not None:
                words = date_in_words(span)
                phrase = span.phrase if span.phrase and span.phrase != words else ""
                return Value(
                    text=words, link=self.link(term.value, words), kind="date", detail=phrase
                )
            link = self.link(term.value)
            return Value(text=link.label, link=link, kind="link")
        return literal_value(term, unknown=predicate == HK.unknown.value)

    def span_date(self, span_iri: str) -> DateFacts | None:
        """The date a time-span states, from its triples in the neighbourhood."""
        values: dict[str, list[NamedNode | Literal]] = defaultdict(list)
        for fact in self.hood.facts_of(span_iri):
            values[fact.predicate].append(fact.object)
        if HK.edtf.value not in values:
            return None
        anchor = values.get(HK.relativeTo.value)
        anchor_label = self.label(anchor[0].value) if anchor else ""
        facts = date_facts(values, anchor_label)
        return with_article(facts, needs_article(facts))

    def date_text(self, iri: str, *, notes: bool = True) -> DateText | None:
        """The date of ``iri`` in words, with its footnote (``notes=False``: no mark made)."""
        node = self.hood.nodes.get(iri)
        if node is None or node.date is None:
            if node is not None and node.phrases:
                return DateText(words=node.phrases[0], phrase="", edtf="")
            return None
        facts = with_article(node.date, needs_article(node.date))
        words = date_in_words(facts)
        return DateText(
            words=words,
            phrase=facts.phrase if facts.phrase and facts.phrase not in words else "",
            edtf=facts.edtf or "",
            derivation=facts.derivation or "",
            link=self.link(node.date_span, words) if node.date_span else None,
            notes=self.notes_for_graphs(node.date_graphs) if notes else (),
        )

    def when(self, iri: str) -> str:
        """The date of ``iri`` in words, or empty."""
        text = self.date_text(iri, notes=False)
        return text.words if text else ""

    def sort_key(self, iri: str) -> tuple[int, str, str, str]:
        """Order by date (undated last), then label."""
        node = self.hood.nodes.get(iri)
        bounds = node.date.bounds if node is not None and node.date is not None else None
        if bounds is None:
            return (1, "", "", self.label(iri).casefold())
        return (0, bounds[0].isoformat(), bounds[1].isoformat(), self.label(iri).casefold())

    # ------------------------------------------------------------------ footnotes

    def note(self, key: str) -> NoteRef:
        """A footnote mark for a claim (its IRI) or a naming passage (``mention:<anchor>``)."""
        number = self._numbers.setdefault(key, len(self._numbers) + 1)
        self._marks[key] += 1
        return NoteRef(number=number, target=f"fn-{number}", id=f"ref-{number}-{self._marks[key]}")

    def notes_for_graphs(self, graphs: Iterable[str]) -> tuple[NoteRef, ...]:
        """Marks for the claims among ``graphs``, in a stable order."""
        claims = sorted({g for g in graphs if self.hood.is_claim(g)}, key=self._claim_order)
        return tuple(self.note(claim) for claim in claims)

    def _claim_order(self, claim: str) -> tuple[int, str]:
        return (self._numbers.get(claim, 10_000), claim)

    def statement(self, subject: str, predicate: str, obj: NamedNode | Literal) -> Statement:
        """A statement with the marks of the claims that make it, and how it is reported."""
        graphs = self.claim_facts.get((subject, predicate, _key(obj)), [])
        return Statement(
            value=self.value(obj, predicate),
            notes=self.notes_for_graphs(graphs),
            reported=self.reported_for(graphs),
        )

    def reported_for(self, graphs: Iterable[str]) -> str:
        """How statements from these claims are reported; empty if any claim asserts them."""
        texts = []
        for graph in graphs:
            claim = self.hood.claims.get(graph)
            if claim is None:
                continue
            text = reported_text(claim, self._agent_labels())
            if not text:
                return ""
            texts.append(text)
        return texts[0] if texts else ""

    def _agent_labels(self) -> dict[str, str]:
        if self._labels is None:
            self._labels = {i: n.label() for i, n in self.hood.nodes.items() if n.labels}
        return self._labels

    def claims_of(self, subject: str, predicate: str, obj: NamedNode | Literal) -> list[str]:
        """The claims that state ``subject predicate obj``."""
        return self.claim_facts.get((subject, predicate, _key(obj)), [])

    def footnotes(self) -> tuple[Footnote, ...]:
        """The page's footnotes, by number (build them after every mark was made)."""
        ordered = sorted(self._numbers.items(), key=lambda item: item[1])
        self._shared = shared_passages(
            self.settings.project_dir,
            [(n, self._note_anchors(key), self._note_mark(key, n)) for key, n in ordered],
        )
        notes = []
        for key, number in ordered:
            if key.startswith("mention:"):
                notes.append(self._mention_note(key.removeprefix("mention:"), number))
            else:
                notes.append(self._claim_note(self.hood.claims[key], number))
        return tuple(notes)

    def _note_anchors(self, key: str) -> list[Anchor]:
        if key.startswith("mention:"):
            return self.mention_anchors(key.removeprefix("mention:"))
        return _by_start(self.hood.claims[key].anchors.values())

    def _note_mark(self, key: str, number: int) -> HighlightMark:
        """The mark a highlight of note ``number`` carries in a shared passage: its claim."""
        if key.startswith("mention:"):
            entity = self.label(key.removeprefix("mention:"))
            return HighlightMark(
                number=number, href=f"#fn-{number}", title=f"Where the source names {entity}."
            )
        claim = self.hood.claims[key]
        return HighlightMark(
            number=number,
            href=self.link(claim.iri).href or f"#fn-{number}",
            title=claim.label or self.label(claim.iri),
        )

    def _first_mark(self, number: int) -> str:
        return f"ref-{number}-1"

    def _claim_note(self, claim: ClaimInfo, number: int) -> Footnote:
        pages = [s for s in claim.derived.values() if s.book and s.iri not in claim.cited]
        others = [s for s in claim.derived.values() if not s.book]
        book_note = None
        if claim.footnote:
            book_note = BookNote(
                link=self.link(claim.footnote, self._footnote_label(claim)),
                number=claim.footnote_number or 0,
                content=claim.footnote_content,
                cited=tuple(self._source_link(s) for s in _by_page(claim.cited.values())),
                books=tuple(
                    self.link(book, claim_book_label(claim, book))
                    for book in dict.fromkeys(s.book for s in claim.cited.values() if s.book)
                ),
            )
        return Footnote(
            number=number,
            id=f"fn-{number}",
            backref=self._first_mark(number),
            kind="claim",
            claim=self.link(claim.iri, claim.label or None),
            summary=claim.label or self.label(claim.iri),
            mode=self.hood.vocabulary.get(claim.mode, readable_iri(claim.mode))
            if claim.mode
            else "",
            reported=reported_text(claim, self._agent_labels()),
            source_pages=tuple(self._source_link(s) for s in _by_page(pages)),
            book_note=book_note,
            other_sources=tuple(self._source_link(s) for s in others),
            passages=tuple(
                p for p in (self.passage(a, number) for a in _by_start(claim.anchors.values())) if p
            ),
            quotations=tuple(self._quotations(claim)),
            editorial_notes=tuple(claim.editorial),
            entered=entered_link(claim),
        )

    def _footnote_label(self, claim: ClaimInfo) -> str:
        number = claim.footnote_number
        return f"footnote {number}" if number is not None else self.label(claim.footnote)

    def _source_link(self, source: Source) -> Link:
        return self.link(source.iri, source.label or None)

    def _quotations(self, claim: ClaimInfo) -> list[Quotation]:
        quotes = []
        for iri, text, printed in sorted(claim.quotations):
            printed = flat(printed)
            shown = printed if printed and printed.strip(" .") != text.strip(" .") else ""
            quotes.append(Quotation(link=self.link(iri), text=text, printed=shown))
        return quotes

    def _mention_note(self, entity: str, number: int) -> Footnote:
        anchors = self.mention_anchors(entity)
        return Footnote(
            number=number,
            id=f"fn-{number}",
            backref=self._first_mark(number),
            kind="mention",
            claim=None,
            summary=f"Where the source names {self.label(entity)}.",
            source_pages=(),
            passages=tuple(p for p in (self.passage(a, number) for a in anchors) if p),
        )

    def mention_anchors(self, entity: str) -> list[Anchor]:
        """The passages that name ``entity`` (or that it is), by position."""
        found: list[Anchor] = []
        node = self.hood.nodes.get(entity)
        if node is not None and node.anchor is not None and node.anchor.start is not None:
            found.append(node.anchor)
        for fact in self.hood.facts_of(entity):
            if fact.predicate == HK.mention.value:
                target = self.hood.nodes.get(_key(fact.object))
                if target is not None and target.anchor is not None:
                    found.append(target.anchor)
        return _by_start(found)

    def passage(self, anchor: Anchor, note: int = 0) -> Passage | None:
        """The passage an anchor selects, cut from its stored text.

        A passage already shown in an earlier footnote (``note`` is this one's number) is not
        shown again: the footnote gives its highlighted words and points to that note. Passages
        of several footnotes that overlap are one passage with a highlight for each
        (:mod:`app.pages.overlaps`), shown in the first of them.
        """
        if anchor.start is None or anchor.end is None:
            return None
        shared = self._shared.get((anchor.file, anchor.start, anchor.end))
        if shared is not None and note:
            stored = self.link(
                anchor.text_iri or anchor.iri,
                "the stored text of the page" if anchor.text_iri else None,
            )
            if shared.owner == (note, anchor.start, anchor.end):
                return shared.passage(stored)
            if note == shared.first_note:
                return None  # another highlight of the passage this footnote shows
            return shared.reference(stored, anchor.start, anchor.end)
        text = stored_text(self.settings.project_dir, anchor.file)
        printed = cut(text, anchor.start, anchor.end) if text is not None else None
        if printed is None:
            return None
        piece = repaired_cut(self.settings.project_dir, anchor.file, anchor.start, anchor.end)
        repaired = piece is not None and piece.before + piece.highlight + piece.after != (
            printed.before + printed.highlight + printed.after
        )
        shown = piece if piece is not None and repaired else printed
        source = anchor.text_iri or anchor.iri
        whole = (anchor.file, shown.before + shown.highlight + shown.after)
        first = self._passages.setdefault(whole, note)
        return Passage(
            see_note=first if note and first != note else 0,
            source=self.link(source, "the stored text of the page" if anchor.text_iri else None),
            before=shown.before,
            highlight=shown.highlight,
            after=shown.after,
            clipped_start=shown.clipped_start,
            clipped_end=shown.clipped_end,
            location=f"characters {anchor.start}\u2013{anchor.end} of {anchor.file}",
            printed_before=printed.before if repaired else "",
            printed_highlight=printed.highlight if repaired else "",
            printed_after=printed.after if repaired else "",
        )


def claim_book_label(claim: ClaimInfo, book: str) -> str:
    """The label of a book a claim's footnote cites."""
    for source in claim.cited.values():
        if source.book == book and source.book_label:
            return source.book_label
    return readable_iri(book)


def _by_page(sources: object) -> list[Source]:
    items = list(sources)  # type: ignore[call-overload]
    return sorted(items, key=lambda s: (s.page_start or 0, s.label, s.iri))


def _by_start(anchors: object) -> list[Anchor]:
    items = list(anchors)  # type: ignore[call-overload]
    return sorted(items, key=lambda a: (a.start if a.start is not None else -1, a.iri))


def _key(term: NamedNode | Literal) -> str:
    return term.value if isinstance(term, NamedNode) else str(term)


def needs_article(facts: DateFacts) -> bool:
    """Whether the anchor event's label takes "the" ("after the Mukden Incident").

    The source's own phrase decides when it names the event; otherwise a label starting with a
    possessive or an article takes none.
    """
    label = facts.relative_to or ""
    phrase = (facts.phrase or "").casefold()
    if label and label.casefold() in phrase:
        return f"the {label.casefold()}" in phrase
    first = label.split(" ", 1)[0]
    return not (first.endswith(("\u2019s", "'s")) or first.casefold() in ("a", "an", "the"))


def with_article(facts: DateFacts, article: bool) -> DateFacts:
    """``facts`` with ``relative_article`` set."""
    return replace(facts, relative_article=article)


def literal_value(term: Literal, *, unknown: bool = False) -> Value:
    """A literal as a value: dates and years in words, numbers as numbers, texts as texts."""
    datatype = term.datatype.value if term.datatype is not None else ""
    if unknown:
        return Value(text=f"not known: {term.value}", kind="unknown")
    if datatype in (XSD.dateTime.value, XSD.date.value):
        try:
            day = date.fromisoformat(term.value[:10])
        except ValueError:
            return Value(text=term.value)
        return Value(text=day_in_words(day), kind="date")
    return Value(text=term.value, lang=term.language or "")


def facts_about(hood: Neighbourhood, subject: str) -> list[Fact]:
    """The triples with ``subject`` as subject, in the neighbourhood."""
    return list(hood.facts_of(subject))


__all__ = [
    "RDFS_LABEL",
    "PageBuilder",
    "PageSettings",
    "facts_about",
    "href_for",
    "join_words",
    "literal_value",
    "reported_text",
]
