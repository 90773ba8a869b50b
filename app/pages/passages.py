"""Passages of the stored source texts, cut around a text anchor for footnotes.

A text anchor gives code-point offsets into a stored text; the text resource's
``dcterms:identifier`` is the file's path relative to the project directory
(``seeds/moscow-versus-tokyo-p129.txt``). A passage is the anchored part with the rest of its
sentences on either side, so a reader sees the words in context. For reading, line breaks of the
extraction are joined and words broken at a line end ("confronta-" / "tion") are mended.
:func:`repaired_cut` gives the same passage in the ingest pipeline's repair of the page (lost
ligatures restored, glued words parted, markers and running header left out), which pages show
first, with the stored form a click away. Files are read and repaired once, cached by path and
modification time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from app.errors import HistkgError
from app.ingest.graph import GraphIndex
from app.ingest.offsets import OffsetMap
from app.ingest.pipeline import Ingester, PageReport

# Where a sentence ends: a full stop, question or exclamation mark, possibly followed by a
# closing quotation mark, then a footnote mark or white space (the extraction often drops the
# space after a footnote mark: "flexible.³Five days after").
_SENTENCE_END = re.compile(r"[.?!][\u201d\u2019\"')]*(?:[\u00b9\u00b2\u00b3\u2070-\u2079]+\s?|\s)")
_WIDTH = 400  # most characters kept on either side of the anchored part


@dataclass(frozen=True)
class Cut:
    """A passage: text before the anchored part, the part, text after, and whether cut short."""

    before: str
    highlight: str
    after: str
    clipped_start: bool
    clipped_end: bool


@lru_cache(maxsize=64)
def _read(path: Path, mtime_ns: int) -> str:
    del mtime_ns  # part of the cache key only
    return path.read_text(encoding="utf-8")


def stored_text(project_dir: Path, identifier: str) -> str | None:
    """The text of a stored source file, or None when it is missing or outside the project."""
    found = _stored(project_dir, identifier)
    return found[0] if found is not None else None


def _stored(project_dir: Path, identifier: str) -> tuple[str, Path, int] | None:
    """The text, path and modification time of a stored source file (one look at the disk)."""
    if not identifier:
        return None
    root = project_dir.resolve()
    path = (root / identifier).resolve()
    if not path.is_relative_to(root):
        return None
    try:
        mtime = path.stat().st_mtime_ns
        return _read(path, mtime), path, mtime
    except (OSError, UnicodeDecodeError):  # missing, a directory, or not text
        return None


# A line that starts a footnote: its number, a space, then the citation ("2 Louis Fischer, ...").
_FOOTNOTE_LINE = re.compile(r"\n(?=\d+ )")
# A word broken at a line end ("confronta-\ntion"): the hyphen goes with the line break.
_BROKEN_WORD = re.compile(r"(?<=[a-z])-\n(?=[a-z])")


def flat(text: str) -> str:
    """The text as one line: broken words joined, other line breaks turned into spaces."""
    return re.sub(r"\s*\n\s*", " ", _BROKEN_WORD.sub("", text))


def cut(text: str, start: int, end: int, *, context: int = 1) -> Cut | None:
    """The sentence(s) holding ``text[start:end]`` and ``context`` sentences on either side;
    None when the offsets do not fit the text."""
    found = bounds(text, start, end, context=context)
    if found is None:
        return None
    left, right = found
    after = flat(text[end:right]).rstrip()
    if text[end - 1 : end + 1] == "-\n" and text[end + 1 : end + 2].islower():
        after = after.lstrip()  # the anchor ends on a word broken at the line end
    return Cut(
        before=flat(text[left:start]).lstrip(),
        highlight=flat(text[start:end]),
        after=after,
        clipped_start=left > 0 and text[left - 1] not in "\n",
        clipped_end=right < len(text) and text[right : right + 1] not in ("\n", ""),
    )


def bounds(text: str, start: int, end: int, *, context: int = 1) -> tuple[int, int] | None:
    """Where the passage around ``text[start:end]`` begins and ends (see :func:`cut`)."""
    if not 0 <= start <= end <= len(text):
        return None
    window_start = max(0, start - _WIDTH)
    ends_before = [m.end() for m in _SENTENCE_END.finditer(text, window_start, start)]
    ends_before = [e for e in ends_before if e <= start]
    if ends_before and ends_before[-1] == start:  # the anchor starts a sentence
        ends_before.pop()
    back = context + 1
    left = (
        ends_before[-back]
        if len(ends_before) >= back
        else (ends_before[0] if ends_before and window_start > 0 else window_start)
    )
    if left == window_start and window_start > 0:
        space = text.find(" ", window_start, start)
        left = space + 1 if space != -1 else window_start
    # the line holding the anchor starts a paragraph or a footnote: do not reach above it
    line_start = text.rfind("\n", 0, start) + 1
    if line_start > left and start - line_start < 2:
        left = line_start
    limit = min(len(text), end + _WIDTH)
    block = _FOOTNOTE_LINE.search(text, end, limit)  # footnotes below the body text
    if block is not None and block.start() >= end:
        limit = block.start()
    ends_after = [m.end() for m in _SENTENCE_END.finditer(text, end, limit)]
    whole = text[end - 1 : end] in (".", "?", "!") or _SENTENCE_END.match(text, end - 1) is not None
    wanted = context if whole else context + 1
    right = (
        ends_after[wanted - 1]
        if len(ends_after) >= wanted and wanted
        else (end if wanted == 0 else (ends_after[-1] if ends_after else limit))
    )
    if text[end : end + 1] == "\n" and start == line_start:  # a line of its own: a footnote
        right = end
    return left, right


@lru_cache(maxsize=16)
def _report(path: Path, mtime_ns: int) -> PageReport | None:
    del mtime_ns  # part of the cache key only
    try:
        return Ingester(GraphIndex()).ingest(path.read_text(encoding="utf-8"), path.name)
    except (HistkgError, OSError, UnicodeDecodeError, ValueError):
        return None


def repaired_cut(project_dir: Path, identifier: str, start: int, end: int) -> Cut | None:
    """The passage as :func:`cut` gives it, in the text the ingest repair makes of the page:
    ligatures restored, glued words parted, footnote markers and the running header left out.

    A passage of the running header is given in words; a footnote marker (which the repair
    removes) is shown where it stood. None when the passage is not inside the header, the body
    or one footnote, or the page cannot be read: then the stored form is all there is.
    """
    text = stored_text(project_dir, identifier)
    if text is None:
        return None
    path = (project_dir.resolve() / identifier).resolve()
    report = _report(path, path.stat().st_mtime_ns)
    found = bounds(text, start, end)
    if report is None or found is None:
        return None
    layout = report.layout
    if layout.title and end <= layout.header_end:
        return _header_cut(text[start:end], layout.title, layout.page)
    regions = [(report.layout.body_start, report.layout.body_end, report.body)]
    regions += [(f.offsets.region[0], f.offsets.region[1], f.offsets) for f in report.footnotes]
    for low, high, offsets in regions:
        if low <= start <= end <= high:
            left, right = max(found[0], low), min(found[1], high)
            clean = offsets.text
            first, last = offsets.to_clean(start, end)
            highlight = flat(clean[first:last])
            if not highlight.strip():  # a footnote marker the repair removed: shown in place
                highlight = text[start:end]
            return Cut(
                before=flat(clean[offsets.to_clean(left, start)[0] : first]).lstrip(),
                highlight=highlight,
                after=flat(clean[last : offsets.to_clean(end, right)[1]]).rstrip(),
                clipped_start=left > low and text[left - 1] not in "\n",
                clipped_end=right < high and text[right : right + 1] not in ("\n", ""),
            )
    return None


def _header_cut(words: str, title: str, page: int | None) -> Cut:
    """A passage of the running header, in words: "Moscow versus Tokyo, page 129" (the header
    prints "Moscow versus Tokyo Ë 129", the Ë being what the extractor made of a separator)."""
    shown = f"{title}, page {page}" if page is not None else title
    at = shown.find(words.strip())
    if at < 0 or not words.strip():
        return Cut("Running header: ", shown, "", clipped_start=False, clipped_end=False)
    stop = at + len(words.strip())
    return Cut(
        "Running header: " + shown[:at],
        shown[at:stop],
        shown[stop:],
        clipped_start=False,
        clipped_end=False,
    )


@dataclass(frozen=True)
class _Part:
    low: int
    high: int
    offsets: OffsetMap


@dataclass(frozen=True)
class Span:
    """One highlighted range of a shared passage: stored-text offsets and the note it serves."""

    start: int
    end: int
    note: int


@dataclass(frozen=True)
class Piece:
    """A stretch of a shared passage over which the set of highlights does not change."""

    text: str
    notes: tuple[int, ...]
    """The notes whose highlight covers it (empty: context, not highlighted)."""
    ends: tuple[int, ...]
    """The notes whose highlight ends with it (their marks follow it)."""
    start: int
    end: int
    """Its offsets in the stored text."""


def _pieces(
    left: int, right: int, spans: list[Span], words: Callable[[int, int], str]
) -> list[Piece]:
    """``[left, right)`` split wherever a highlight starts or ends; ``words`` gives a stretch's
    text. Nested and overlapping ranges give pieces covered by several notes."""
    cuts = sorted({left, right} | {o for s in spans for o in (s.start, s.end) if left < o < right})
    pieces = []
    for low, high in pairwise(cuts):
        notes = tuple(sorted({s.note for s in spans if s.start <= low and high <= s.end}))
        ends = tuple(sorted({s.note for s in spans if s.end == high}))
        pieces.append(Piece(words(low, high), notes, ends, low, high))
    if pieces:
        pieces[0] = replace(pieces[0], text=pieces[0].text.lstrip())
        pieces[-1] = replace(pieces[-1], text=pieces[-1].text.rstrip())
    return pieces


def printed_pieces(text: str, left: int, right: int, spans: list[Span]) -> list[Piece]:
    """The stored text of ``[left, right)`` in pieces (see :func:`_pieces`), lines joined."""
    return _pieces(left, right, spans, lambda low, high: flat(text[low:high]))


@dataclass(frozen=True)
class StoredPage:
    """A stored page, read once for all the passages of a page that cite it: its text and the
    parts the repair reads apart (the body, each footnote; none when it cannot be read)."""

    text: str
    parts: tuple[_Part, ...]

    def region(self, start: int, end: int) -> tuple[int, int] | None:
        """The part that holds ``[start, end)`` (stored-text offsets); None for the running
        header, a span across parts, or a page the repair cannot read."""
        for part in self.parts:
            if part.low <= start <= end <= part.high:
                return part.low, part.high
        return None

    def repaired_pieces(self, left: int, right: int, spans: list[Span]) -> list[Piece] | None:
        """The pieces of ``[left, right)`` (see :func:`printed_pieces`) in the ingest repair of
        the page (as :func:`repaired_cut`); None when the spans are not inside one part."""
        first, last = min(s.start for s in spans), max(s.end for s in spans)
        inside = [p for p in self.parts if p.low <= first and last <= p.high]
        if not inside:
            return None
        low, high, offsets = inside[0].low, inside[0].high, inside[0].offsets
        clean = offsets.text

        def words(start: int, end: int) -> str:
            begin = offsets.to_clean(start, start)[0]
            stop = offsets.to_clean(end, end)[0] if end < high else len(clean)
            return flat(clean[begin:stop])

        pieces = _pieces(max(left, low), min(right, high), spans, words)
        # a highlighted footnote marker, which the repair drops, is shown where it stood
        return [
            replace(p, text=self.text[p.start : p.end]) if p.notes and not p.text.strip() else p
            for p in pieces
        ]


def stored_page(project_dir: Path, identifier: str) -> StoredPage | None:
    """The stored page ``identifier``, or None when it is missing or outside the project."""
    found = _stored(project_dir, identifier)
    if found is None:
        return None
    text, path, mtime = found
    report = _report(path, mtime)
    if report is None:
        return StoredPage(text, ())
    parts = [_Part(report.layout.body_start, report.layout.body_end, report.body)]
    parts += [_Part(*f.offsets.region, f.offsets) for f in report.footnotes]
    return StoredPage(text, tuple(parts))
