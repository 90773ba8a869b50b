"""One passage for the footnotes whose passages overlap, with a highlight per claim.

A page often cites several claims read from neighbouring sentences of one source page; cut
one by one (:func:`app.pages.passages.cut`), their passages repeat much of the same text. Here
the passages of a page's footnotes are grouped when a highlight falls inside another's
passage; a group is shown once, in its first footnote, as the union of its passages split into
pieces wherever a highlight starts or ends (nested and overlapping ranges give pieces under
several highlights), each highlight followed by a mark that links its claim. The other
footnotes point to it with their own highlighted words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.pages.context import HighlightMark, Link, Passage, PassagePiece
from app.pages.passages import Piece, Span, StoredPage, bounds, flat, printed_pieces, stored_page
from app.read.neighbourhood import Anchor


@dataclass(frozen=True)
class _Item:
    left: int
    right: int
    span: Span


@dataclass(frozen=True)
class SharedPassage:
    """The passage a group of footnotes shares and what each of them shows of it."""

    owner: tuple[int, int, int]
    """(note, start, end) of the anchor whose footnote shows the passage."""
    file: str
    first_note: int
    pieces: tuple[PassagePiece, ...]
    printed: tuple[PassagePiece, ...]
    clipped_start: bool
    clipped_end: bool
    location: str
    words: dict[tuple[int, int], str]
    """The highlighted words of each anchor (start, end), for the footnotes that refer here."""

    def passage(self, source: Link) -> Passage:
        """The passage as its first footnote shows it."""
        marked = [i for i, p in enumerate(self.pieces) if p.notes]
        first, last = (marked[0], marked[-1]) if marked else (0, -1)
        return Passage(
            source=source,
            before="".join(p.text for p in self.pieces[:first]),
            highlight="".join(p.text for p in self.pieces[first : last + 1]),
            after="".join(p.text for p in self.pieces[last + 1 :]),
            clipped_start=self.clipped_start,
            clipped_end=self.clipped_end,
            location=self.location,
            pieces=self.pieces,
            printed_pieces=self.printed,
        )

    def reference(self, source: Link, start: int, end: int) -> Passage:
        """What a later footnote shows: its highlighted words and the note showing them."""
        return Passage(
            source=source,
            see_note=self.first_note,
            before="",
            highlight=self.words.get((start, end), ""),
            after="",
            clipped_start=False,
            clipped_end=False,
            location=self.location,
        )


def shared_passages(
    project_dir: Path, notes: list[tuple[int, list[Anchor], HighlightMark]]
) -> dict[tuple[str, int, int], SharedPassage]:
    """The shared passages of a page's footnotes (number, anchors, mark), by anchor (file,
    start, end); anchors whose passage overlaps no other's are left out."""
    by_part: dict[tuple[str, int], list[_Item]] = {}  # by file and part of its page
    marks = {number: mark for number, _, mark in notes}
    pages: dict[str, StoredPage | None] = {}
    for number, anchors, _ in notes:
        for anchor in anchors:
            if anchor.start is None or anchor.end is None:
                continue
            if anchor.file not in pages:
                pages[anchor.file] = stored_page(project_dir, anchor.file)
            page = pages[anchor.file]
            found = bounds(page.text, anchor.start, anchor.end) if page is not None else None
            part = page.region(anchor.start, anchor.end) if page is not None else None
            if found is not None and part is not None:  # the header is shown in words, apart
                span = Span(anchor.start, anchor.end, number)
                left, right = max(found[0], part[0]), min(found[1], part[1])
                by_part.setdefault((anchor.file, part[0]), []).append(_Item(left, right, span))
    shared: dict[tuple[str, int, int], SharedPassage] = {}
    for (file, _), items in by_part.items():
        page = pages[file]
        if page is None:  # never: a part is found only on a page that was read
            continue
        for group in _groups(items):
            if len(group) < 2:
                continue
            made = _shared(page, file, group, marks)
            for item in group:
                shared[(file, item.span.start, item.span.end)] = made
    return shared


def _groups(items: list[_Item]) -> list[list[_Item]]:
    """Items linked when one's highlight falls inside another's passage (transitively)."""
    groups: list[list[_Item]] = []
    for item in sorted(items, key=lambda i: (i.left, i.span.start, i.span.note)):
        joined = [g for g in groups if any(_linked(item, other) for other in g)]
        merged = [item]
        for group in joined:
            merged += group
            groups.remove(group)
        groups.append(merged)
    return groups


def _linked(one: _Item, other: _Item) -> bool:
    """Whether either's highlight overlaps the other's passage."""
    return _within(one.span, other) or _within(other.span, one)


def _within(span: Span, item: _Item) -> bool:
    return item.left < span.end and span.start < item.right


def _shared(
    page: StoredPage, file: str, group: list[_Item], marks: dict[int, HighlightMark]
) -> SharedPassage:
    text = page.text
    left, right = min(i.left for i in group), max(i.right for i in group)
    spans = [i.span for i in group]
    printed = printed_pieces(text, left, right, spans)
    repaired = page.repaired_pieces(left, right, spans)
    shown = repaired if repaired is not None else printed
    differs = "".join(p.text for p in shown) != "".join(p.text for p in printed)
    owner = min(spans, key=lambda s: (s.note, s.start, s.end))
    return SharedPassage(
        owner=(owner.note, owner.start, owner.end),
        file=file,
        first_note=owner.note,
        pieces=_context_pieces(shown, marks),
        printed=_context_pieces(printed, marks) if differs else (),
        clipped_start=left > 0 and text[left - 1] != "\n",
        clipped_end=right < len(text) and text[right : right + 1] not in ("\n", ""),
        location=f"characters {min(s.start for s in spans)}\u2013"
        f"{max(s.end for s in spans)} of {file}",
        words={
            (s.start, s.end): "".join(
                p.text for p in shown if s.start <= p.start and p.end <= s.end
            )
            or flat(text[s.start : s.end])
            for s in spans
        },
    )


def _context_pieces(
    pieces: list[Piece], marks: dict[int, HighlightMark]
) -> tuple[PassagePiece, ...]:
    return tuple(
        PassagePiece(
            text=p.text, notes=p.notes, marks=tuple(marks[n] for n in p.ends if n in marks)
        )
        for p in pieces
    )
