"""Edits on a region of raw text, and the exact offset map between the clean and the raw text.

A region (the body of a page, or one footnote) is held as a list of pieces. A piece is either one
raw character copied unchanged, or an edit: a clean string standing for a raw span. Repair passes
work on the current clean text and call ``TextBuilder.replace``; the builder turns that into
pieces, so later passes may edit text that earlier passes produced and every edit still knows
the raw characters it stands for.

Two rules make the map exact in both directions:

* every edit covers at least one raw character: an insertion (a restored space) is attached to
  the character before it (raw ``r`` becomes clean ``r `` ), or after it at the start of a region;
* an edit that a later pass cuts into is widened to the whole earlier edit, so pieces never
  overlap.

``OffsetMap.to_raw`` maps a clean span to the smallest raw span covering it and ``to_clean`` the
reverse. A clean character outside any edit maps to exactly one raw character and back to
itself; a character inside an edit maps to the edit's raw span and back to the edit's clean span,
which contains it (``tests/test_ingest_offsets.py`` checks this for every character).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

__all__ = ["Edit", "OffsetMap", "TextBuilder"]


@dataclass(frozen=True)
class Edit:
    """One repair: ``raw[raw_start:raw_end]`` (offsets into the input file) became ``clean``.

    ``start``/``end`` are offsets into the clean text of the region the edit is in: the page's
    body, or the footnote numbered ``footnote``. ``kind`` is ``newline`` (CR LF or CR to LF),
    ``hyphenation``, ``ligature``, ``space``, ``marker``, ``linebreak``, several of them joined
    by ``+`` when one span was repaired twice, or ``unknown`` for a word left as it is and
    reported (``raw == clean``).
    """

    kind: str
    raw: str
    clean: str
    raw_start: int
    raw_end: int
    start: int
    end: int
    footnote: int | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "raw": self.raw,
            "clean": self.clean,
            "raw_start": self.raw_start,
            "raw_end": self.raw_end,
            "start": self.start,
            "end": self.end,
            "footnote": self.footnote,
        }


@dataclass
class _Piece:
    clean: str
    raw_start: int
    raw_end: int
    kinds: tuple[str, ...] = ()  # empty: one raw character copied unchanged


class TextBuilder:
    """The clean text of one raw region, edited in clean coordinates."""

    def __init__(self, raw: str, start: int, end: int) -> None:
        self.raw = raw
        self.region = (start, end)
        self._pieces = [_Piece(raw[i], i, i + 1) for i in range(start, end)]
        self._text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = "".join(piece.clean for piece in self._pieces)
        return self._text

    def _starts(self) -> list[int]:
        starts, offset = [], 0
        for piece in self._pieces:
            starts.append(offset)
            offset += len(piece.clean)
        return starts

    def replace(self, start: int, end: int, new: str, kind: str) -> None:
        """Replace the clean span ``[start, end)`` by ``new``; an empty span inserts."""
        text = self.text
        if start == end:  # an insertion joins the character before (or after) it
            if not text:
                return
            if start > 0:
                self.replace(start - 1, start, text[start - 1] + new, kind)
            else:
                self.replace(0, 1, new + text[0], kind)
            return
        if text[start:end] == new:
            return
        starts = self._starts()
        first = last = -1
        for index, piece in enumerate(self._pieces):
            piece_start, piece_end = starts[index], starts[index] + len(piece.clean)
            if (piece.clean and piece_start < end and piece_end > start) or (
                not piece.clean and start < piece_start < end
            ):
                first = index if first < 0 else first
                last = index
        head = self._pieces[first]
        tail = self._pieces[last]
        prefix = text[starts[first] : start]  # only non-empty when cutting into an edit
        suffix = text[end : starts[last] + len(tail.clean)]
        kinds: list[str] = []
        for piece in self._pieces[first : last + 1]:
            kinds.extend(k for k in piece.kinds if k not in kinds)
        if kind not in kinds:
            kinds.append(kind)
        merged = _Piece(prefix + new + suffix, head.raw_start, tail.raw_end, tuple(kinds))
        self._pieces[first : last + 1] = [merged]
        self._text = None

    def normalise_line_ends(self, kind: str) -> None:
        """CR LF and a lone CR become LF, each one edit of ``kind``, in one pass over the pieces
        (a ``replace`` per line end would cost a pass over the region per line). Only CRs no
        earlier edit covers are touched: the earlier passes (markers, joins) never write one."""
        pieces: list[_Piece] = []
        for piece in self._pieces:
            last = pieces[-1] if pieces else None
            if piece.kinds or piece.clean not in ("\r", "\n"):
                pieces.append(piece)
            elif piece.clean == "\r":  # its LF past the region's end: the CR goes with it
                cut = piece.raw_end == self.region[1] and self.raw[piece.raw_end :][:1] == "\n"
                pieces.append(_Piece("" if cut else "\n", piece.raw_start, piece.raw_end, (kind,)))
            elif (
                last is not None
                and last.kinds == (kind,)
                and last.raw_end == piece.raw_start
                and self.raw[last.raw_start : last.raw_end] == "\r"
            ):
                pieces[-1] = _Piece("\n", last.raw_start, piece.raw_end, (kind,))
            else:
                pieces.append(piece)
        self._pieces = pieces
        self._text = None

    def freeze(self) -> OffsetMap:
        return OffsetMap(self.raw, self.region, list(self._pieces))


class OffsetMap:
    """The exact correspondence between a region's clean text and the raw text."""

    def __init__(self, raw: str, region: tuple[int, int], pieces: list[_Piece]) -> None:
        self.raw = raw
        self.region = region
        self._pieces = pieces
        self.text = "".join(piece.clean for piece in pieces)
        self._clean_starts: list[int] = []
        offset = 0
        for piece in pieces:
            self._clean_starts.append(offset)
            offset += len(piece.clean)
        # Pieces with clean text, by clean start; pieces with raw text, by raw start.
        self._by_clean = [i for i, piece in enumerate(pieces) if piece.clean]
        self._clean_keys = [self._clean_starts[i] for i in self._by_clean]
        self._by_raw = [i for i, piece in enumerate(pieces) if piece.raw_end > piece.raw_start]
        self._raw_keys = [pieces[i].raw_start for i in self._by_raw]

    def _piece_at_clean(self, offset: int) -> int:
        return self._by_clean[bisect_right(self._clean_keys, offset) - 1]

    def _piece_at_raw(self, offset: int) -> int:
        return self._by_raw[bisect_right(self._raw_keys, offset) - 1]

    def to_raw(self, start: int, end: int) -> tuple[int, int]:
        """The smallest raw span (file offsets) covering the clean span ``[start, end)``."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"clean span {start}-{end} outside 0-{len(self.text)}")
        if start == len(self.text):
            return self.region[1], self.region[1]
        first = self._pieces[self._piece_at_clean(start)]
        if start == end:
            return first.raw_start, first.raw_start
        last = self._pieces[self._piece_at_clean(end - 1)]
        return first.raw_start, last.raw_end

    def to_clean(self, raw_start: int, raw_end: int) -> tuple[int, int]:
        """The smallest clean span covering the raw span ``[raw_start, raw_end)``."""
        low, high = self.region
        if not low <= raw_start <= raw_end <= high:
            raise ValueError(f"raw span {raw_start}-{raw_end} outside {low}-{high}")
        if raw_start == high:
            return len(self.text), len(self.text)
        first = self._piece_at_raw(raw_start)
        if raw_start == raw_end:
            return self._clean_starts[first], self._clean_starts[first]
        last = self._piece_at_raw(raw_end - 1)
        return self._clean_starts[first], self._clean_starts[last] + len(self._pieces[last].clean)

    def edits(self, footnote: int | None = None) -> list[Edit]:
        """Every edit of the region, in text order."""
        found = []
        for index, piece in enumerate(self._pieces):
            if piece.kinds:
                start = self._clean_starts[index]
                found.append(
                    Edit(
                        kind="+".join(piece.kinds),
                        raw=self.raw[piece.raw_start : piece.raw_end],
                        clean=piece.clean,
                        raw_start=piece.raw_start,
                        raw_end=piece.raw_end,
                        start=start,
                        end=start + len(piece.clean),
                        footnote=footnote,
                    )
                )
        return found
