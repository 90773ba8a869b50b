"""The ingestion pipeline: a raw page in, a ``PageReport`` out (values only; no I/O here).

Steps: page structure (``page``), repairs with offset maps for the body and for each footnote
(``repair``, ``offsets``), citations (``citations``), entity mentions (``mentions``), then dates
(``dates``, which needs the event mentions). The same input always gives the same report.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from app.errors import InputError
from app.ingest import repair
from app.ingest.citations import Citation, parse_citation, resolve_citations
from app.ingest.dates import DateMention, EventMention, find_dates
from app.ingest.graph import GraphIndex
from app.ingest.lexicon import Lexicon
from app.ingest.mentions import Mention, MentionFinder
from app.ingest.offsets import Edit, OffsetMap, TextBuilder
from app.ingest.page import PageLayout, parse_layout

__all__ = ["Footnote", "Ingester", "Join", "PageReport"]


@dataclass(frozen=True)
class Join:
    """An edit a book makes on a page's body before the page's own repairs: ``raw[raw_start:
    raw_end]`` becomes ``clean`` (a word split by the page break, mended on the page it starts
    on and its tail removed from the next)."""

    raw_start: int
    raw_end: int
    clean: str
    kind: str = "hyphenation"


@dataclass(frozen=True)
class Footnote:
    """One footnote: repaired text, where its marker stands in the body, its citation."""

    number: int
    text: str
    marker_offset: int | None
    citation: Citation | None
    same_work_as: int | None
    work: str | None  # IRI of the graph's book it cites, when known
    offsets: OffsetMap

    def to_json(self) -> dict[str, object]:
        return {
            "number": self.number,
            "text": self.text,
            "marker_offset": self.marker_offset,
            "citation": self.citation.to_json(self.work) if self.citation else None,
            "same_work_as": self.same_work_as,
        }


@dataclass(frozen=True)
class PageReport:
    """Everything ingestion found on one page."""

    source: str  # the file name the page was read from
    raw: str
    layout: PageLayout
    body: OffsetMap
    footnotes: list[Footnote]
    edits: list[Edit]
    dates: list[DateMention]
    mentions: list[Mention]
    graph: GraphIndex = field(repr=False)

    @property
    def text(self) -> str:
        return self.body.text

    def offsets(self, footnote: int | None) -> OffsetMap:
        """The offset map of the body (``None``) or of the footnote with that number."""
        if footnote is None:
            return self.body
        return next(f.offsets for f in self.footnotes if f.number == footnote)

    def to_json(self) -> dict[str, object]:
        """The JSON document of ``histkg ingest --format json`` (keys: docs/ingest.md)."""
        return {
            "page": self.layout.page,
            "header": self.layout.title,
            "text": self.text,
            "edits": [edit.to_json() for edit in self.edits],
            "footnotes": [footnote.to_json() for footnote in self.footnotes],
            "dates": [date.to_json() for date in self.dates],
            "mentions": [mention.to_json() for mention in self.mentions],
        }


class Ingester:
    """Ingests pages against one graph; build it once, then call ``ingest`` for each page."""

    def __init__(self, graph: GraphIndex) -> None:
        self.graph = graph
        self.lexicon = Lexicon(name.text for name in graph.names)
        self.finder = MentionFinder(graph.names, self.lexicon)

    def _repair(self, builder: TextBuilder, footnote: bool) -> OffsetMap:
        repair.normalise_newlines(builder)
        repair.expand_ligatures(builder)
        repair.join_hyphenation(builder, self.lexicon)
        if footnote:
            repair.join_lines(builder)
        repair.restore_ligatures(builder, self.lexicon)
        repair.restore_spaces(builder, self.lexicon)
        return builder.freeze()

    def repair_note(self, builder: TextBuilder) -> OffsetMap:
        """Repair a footnote's text (a book joins a note's continuation from the next page)."""
        return self._repair(builder, footnote=True)

    def _unknown(self, offsets: OffsetMap, footnote: int | None) -> list[Edit]:
        reports = []
        for start, end in repair.unknown_words(offsets.text, self.lexicon):
            raw_start, raw_end = offsets.to_raw(start, end)
            word = offsets.text[start:end]
            reports.append(Edit("unknown", word, word, raw_start, raw_end, start, end, footnote))
        return reports

    def ingest(
        self,
        raw: str,
        source: str = "page.txt",
        *,
        layout: PageLayout | None = None,
        joins: Sequence[Join] = (),
        date_before: DateMention | None = None,
    ) -> PageReport:
        """Ingest one page; a book passes the ``layout`` it found across pages, the ``joins``
        that mend words split by a page break and the last date of the pages before
        (``app.ingest.book``)."""
        layout = layout or parse_layout(raw)
        builder = TextBuilder(raw, layout.body_start, layout.body_end)
        repair.remove_markers(builder, layout.markers)
        for join in sorted(joins, key=lambda j: j.raw_start, reverse=True):
            start, end = builder.freeze().to_clean(join.raw_start, join.raw_end)
            builder.replace(start, end, join.clean, join.kind)
        body = self._repair(builder, footnote=False)
        markers = {m.number: body.to_clean(m.raw_start, m.raw_end)[0] for m in layout.markers}
        maps = {
            region.number: self._repair(
                TextBuilder(raw, region.raw_start, region.raw_end), footnote=True
            )
            for region in layout.footnotes
        }
        citations = {number: parse_citation(offsets.text) for number, offsets in maps.items()}
        resolution = resolve_citations(citations, self.graph.books)
        footnotes = [
            Footnote(
                number,
                offsets.text,
                markers.get(number),
                citations[number],
                resolution.same_work_as[number],
                resolution.works[number],
                offsets,
            )
            for number, offsets in maps.items()
        ]
        edits = body.edits() + self._unknown(body, None)
        for footnote in footnotes:
            edits += footnote.offsets.edits(footnote.number)
            edits += self._unknown(footnote.offsets, footnote.number)
        mentions = self.finder.find(body.text)
        for footnote in footnotes:
            title = footnote.citation.title if footnote.citation else None
            at = footnote.text.find(title) if title else -1
            skip = (at, at + len(title)) if title and at >= 0 else None
            mentions += self.finder.find(footnote.text, footnote.number, skip)
        events = [
            EventMention(m.start, m.end, m.entity)
            for m in mentions
            if m.footnote is None and m.entity and m.entity in self.graph.events
        ]
        dates = find_dates(body.text, self.graph.events, events, date_before)
        edits.sort(key=lambda e: (e.raw_start, e.raw_end, e.kind))
        return PageReport(source, raw, layout, body, footnotes, edits, dates, mentions, self.graph)


def read_page(path: Path) -> str:
    """The text of a page file, as stored (UTF-8)."""
    with file_errors(path, "page"):
        text = path.read_text(encoding="utf-8")
    return text


@contextmanager
def file_errors(path: Path, what: str) -> Iterator[None]:
    """A text file that cannot be read as an ``InputError`` saying why and what to do."""
    try:
        yield
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", hint="Check the path and try again.") from None
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path}: not UTF-8 text (byte {error.start})",
            hint=f"Save the {what} as UTF-8 plain text (pdftotext -enc UTF-8).",
        ) from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory", hint=f"Give the {what}'s text file.") from None
    except PermissionError:
        raise InputError(f"{path}: cannot be read", hint="Check the file's permissions.") from None
