"""Page structure: the running header, the body, the footnotes and the footnote markers.

A book page extracted from a PDF starts with its running header, either "Title Ë 129" (odd,
recto pages) or "130 Ë Title" (even, verso pages); "Ë" is how one unmapped separator glyph comes
out, and the usual separators (| • · ■ ▪ —) are accepted too. The footnotes are the last lines,
each starting with its number ("2 Louis Fischer, ..."), continuation lines following; superscript
digits in the body ("time.²", several digits for note 12: "¹²") are the markers.

The footnote block is found from the markers: it starts at the first line whose number is the
first marker's, and its numbers must follow each other. So a body line that happens to start with
a number ("1932, Stalin was ...") is not taken for a footnote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.errors import InputError

__all__ = [
    "SUPERSCRIPTS",
    "FootnoteRegion",
    "Marker",
    "PageLayout",
    "parse_layout",
    "running_header",
]

SUPERSCRIPTS = {
    "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4",
    "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9",
}  # fmt: skip
_MARKER = re.compile(f"[{''.join(SUPERSCRIPTS)}]+")
_SEPARATORS = "Ë|•·■▪—"
_ODD = re.compile(rf"^(?P<title>\S.*?)\s*[{_SEPARATORS}]\s*(?P<page>\d{{1,4}})\s*$")
_EVEN = re.compile(rf"^(?P<page>\d{{1,4}})\s*[{_SEPARATORS}]\s*(?P<title>.*?\S)\s*$")
_FOOTNOTE_START = re.compile(r"^(?P<number>\d{1,3})\s+(?=\S)")


@dataclass(frozen=True)
class Marker:
    """A footnote marker in the body: its number and its raw span."""

    number: int
    raw_start: int
    raw_end: int


@dataclass(frozen=True)
class FootnoteRegion:
    """A footnote: its number and the raw span of its text (after "N ")."""

    number: int
    raw_start: int
    raw_end: int
    line_start: int  # raw offset of the footnote's first line, number included


@dataclass(frozen=True)
class PageLayout:
    """Where the parts of a page are in the raw text (offsets into the file, code points)."""

    header: str
    title: str
    page: int | None
    header_end: int
    body_start: int
    body_end: int
    footnotes: tuple[FootnoteRegion, ...]
    markers: tuple[Marker, ...]


def _lines(raw: str) -> list[tuple[int, int]]:
    """(start, end) of each line, its line end (LF, or CR LF as uploaded) excluded."""
    spans, offset = [], 0
    for line in raw.split("\n"):
        spans.append((offset, offset + len(line.removesuffix("\r"))))
        offset += len(line) + 1
    return spans


def running_header(line: str) -> tuple[str, int | None]:
    """The title and page number of a running header line ("Title Ë 129", "130 Ë Title")."""
    return _header(line)


def _header(line: str) -> tuple[str, int | None]:
    for pattern in (_ODD, _EVEN):
        match = pattern.match(line)
        if match:
            return match["title"], int(match["page"])
    return "", None


def _markers(raw: str, start: int, end: int) -> list[Marker]:
    return [
        Marker(int("".join(SUPERSCRIPTS[c] for c in m.group())), m.start(), m.end())
        for m in _MARKER.finditer(raw, start, end)
    ]


def _footnote_block(
    raw: str, lines: list[tuple[int, int]], first: int, markers: list[Marker]
) -> int:
    """Index of the first footnote line, or ``len(lines)`` when the page has no footnotes."""
    numbered = {
        index: int(m["number"])
        for index in range(first, len(lines))
        if (m := _FOOTNOTE_START.match(raw[lines[index][0] : lines[index][1]]))
    }
    wanted = [marker.number for marker in markers]
    for index, number in sorted(numbered.items()):
        if wanted and number != wanted[0]:
            continue
        following = [n for i, n in sorted(numbered.items()) if i >= index]
        if following == list(range(number, number + len(following))):
            return index
    return len(lines)


def parse_layout(
    raw: str, start: int = 0, end: int | None = None, *, header: bool = True
) -> PageLayout:
    """Split a page into header, body and footnotes, and find the markers in the body.

    ``start``/``end`` bound the part of ``raw`` to read (a book page without its running header
    and footer lines, which ``app.ingest.book`` found across pages); offsets stay into ``raw``.
    ``header=False``: the first line is body, never a running header.
    """
    stop = len(raw) if end is None else end
    if not raw[start:stop].strip():
        raise InputError("The page is empty.", hint="Give a text file with the page's text.")
    lines = [(a + start, b + start) for a, b in _lines(raw[start:stop].rstrip("\n"))]
    title, page = _header(raw[lines[0][0] : lines[0][1]]) if header else ("", None)
    first = 1 if page is not None else 0
    header_end = lines[0][1] if page is not None else 0
    if first >= len(lines):
        raise InputError("The page has a running header but no text.")
    body_start = lines[first][0]
    body_markers = _markers(raw, body_start, lines[-1][1])
    block = _footnote_block(raw, lines, first, body_markers)
    body_end = lines[block - 1][1] if block > first else body_start
    footnotes = []
    starts = [i for i in range(block, len(lines)) if _FOOTNOTE_START.match(raw[slice(*lines[i])])]
    for n, index in enumerate(starts):
        stop = starts[n + 1] - 1 if n + 1 < len(starts) else len(lines) - 1
        match = _FOOTNOTE_START.match(raw[slice(*lines[index])])
        if match is None:  # cannot happen: starts holds only matching lines
            continue
        footnotes.append(
            FootnoteRegion(
                number=int(match["number"]),
                raw_start=lines[index][0] + match.end(),
                raw_end=lines[stop][1],
                line_start=lines[index][0],
            )
        )
    return PageLayout(
        header=raw[lines[0][0] : lines[0][1]] if page is not None else "",
        title=title,
        page=page,
        header_end=header_end,
        body_start=body_start,
        body_end=body_end,
        footnotes=tuple(footnotes),
        markers=tuple(m for m in body_markers if m.raw_start < body_end),
    )
