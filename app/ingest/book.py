"""Whole books: a multi-page text in, one ``BookPage`` at a time out, with what crosses pages.

Pages come from a text with form feeds between them (as ``pdftotext`` writes it) or from a PDF
(``app.ingest.pdf``); each is ingested by the single-page pipeline (``Ingester``) on its own
original text, so every offset and anchor points into that page's text as stored. What a book
adds, across pages:

* **running headers and footers**: "Title Ë 129" (recto), "130 Ë Title" (verso) or a plain page
  number, on the first or last line; a plain number counts only where it follows the page
  before. They are cut from every page and recorded once per title (``BookRecord``); the printed
  page number comes from them, else from the PDF's page label, else the page's position;
* **a word hyphenated over the break**: mended on the page it starts on (the hyphen becomes the
  word's tail) and its tail cut from the next page, both as ``hyphenation`` edits;
* **a sentence over the break**: kept whole (``Continuation``), with a raw span on each page;
* **a footnote continued on the next page**: the unnumbered lines above that page's own notes
  (after a note that did not end its sentence) are joined to it;
* **dates**: a day or month at the top of a page without its year takes it from the last date
  of the page before;
* **citations**: "Ibid." and short titles resolved to the last full citation of the work on an
  earlier page, and short titles completed from the bibliography at the end of the book.

The reader keeps a window of three pages and the list of full citations seen, never the book:
memory does not grow with the number of pages.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from app.errors import InputError
from app.ingest.citations import Citation, _abbreviates, parse_citation
from app.ingest.dates import DateMention
from app.ingest.offsets import TextBuilder
from app.ingest.page import PageLayout, parse_layout, running_header
from app.ingest.pipeline import Ingester, Join, PageReport, file_errors
from app.ingest.repair import _real_hyphen
from app.ingest.turtle import slug

__all__ = [
    "BibEntry",
    "BookPage",
    "BookReader",
    "BookRecord",
    "Continuation",
    "CrossCitation",
    "RawPage",
    "ascii_number",
    "page_name",
    "parse_bibliography",
    "parse_range",
    "text_pages",
]

_NUMBER = re.compile(r"^\s*([0-9]{1,4})\s*$")  # ASCII: \d takes "٣", int() "²" not
_TERMINAL = re.compile(r"[.?!:;][”’\")\]]*$")
_SENTENCE_END = re.compile(r"[.?!][”’\")\]]*(?=\s|$)")
_TAIL = re.compile(r"[^\W\d_]+")  # used with match() from a position
_HEAD = re.compile(r"([^\W\d_]+)-$")
_BIB_HEADING = re.compile(r"^\s*(?:Select\s+)?(?:Bibliography|Works Cited|Sources)\s*$", re.I)
_BIB_ENTRY = re.compile(
    r"^(?P<author>[^.]+?(?:\s[A-Z]\.)*)\.\s+(?P<title>.+?)\.\s+(?P<place>[^:.]+):\s*"
    r"(?P<publisher>[^,]+?),\s*(?P<year>[0-9]{4})\.?$"
)
_BIB_START = re.compile(r"^[A-Z][\w’'-]+,\s+[A-Z]")
_Full = tuple[Citation, int, str, int, str | None]  # citation, page index, label, note, work
_MAX_CONTINUATION = 4  # lines of a footnote carried over to the next page


@dataclass(frozen=True)
class RawPage:
    """One page as the file holds it: its position (1-based), text, and PDF page label."""

    index: int
    raw: str
    label: str | None = None

    @property
    def scanned(self) -> bool:
        """No text layer: an image-only page (or a blank one), reported, never skipped."""
        return not self.raw.strip()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class BibEntry:
    """One entry of the book's bibliography, as a full citation."""

    number: int
    citation: Citation


@dataclass(frozen=True)
class Continuation:
    """A sentence over a page break: its whole text, and its raw span on each page."""

    text: str
    first: tuple[int, int, int]  # (page index, raw start, raw end) on the page it starts on
    second: tuple[int, int, int]  # the same on the next page
    labels: tuple[str, str] = ("", "")  # the two pages' printed numbers

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "anchors": [
                {"index": i, "raw_start": s, "raw_end": e} for i, s, e in (self.first, self.second)
            ],
        }


@dataclass(frozen=True)
class CrossCitation:
    """A footnote resolved beyond its page: to an earlier page's note, or the bibliography."""

    note: int
    form: str
    citation: Citation  # the full citation, with this note's page locators
    index: int | None = None  # the page (position) of the note with the full citation
    page: str | None = None  # its printed page
    same_note: int | None = None  # that note's number
    bibliography: int | None = None  # or the bibliography entry's number
    work: str | None = None  # the graph's book, when known

    def to_json(self) -> dict[str, object]:
        same = (
            {"index": self.index, "page": self.page, "note": self.same_note}
            if self.same_note is not None
            else None
        )
        return {
            "note": self.note,
            "form": self.form,
            "same_work_as": same,
            "bibliography": self.bibliography,
            "citation": self.citation.to_json(self.work),
        }


@dataclass
class BookPage:
    """One page of the book: its report (``None`` when it has no text layer) and the book's
    findings about it."""

    index: int
    label: str  # the printed page number, or the PDF's label, or the position
    number_from: str  # header, footer, label or index
    raw: str
    report: PageReport | None
    running: tuple[str, ...] = ()  # the header/footer lines cut from this page
    continued_note: tuple[int, int, int] | None = None  # (note, raw start, raw end) on the next
    continues: Continuation | None = None  # a sentence going on over the next page
    continued_from: Continuation | None = None  # a sentence begun on the page before
    citations: list[CrossCitation] = field(default_factory=list)

    @property
    def scanned(self) -> bool:
        return self.report is None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw.encode("utf-8")).hexdigest()

    def to_json(self) -> dict[str, object]:
        """Today's single-page keys, plus ``book``: what the book knows of this page."""
        base: dict[str, object] = (
            self.report.to_json()
            if self.report is not None
            else {
                "page": None,
                "header": "",
                "text": "",
                "edits": [],
                "footnotes": [],
                "dates": [],
                "mentions": [],
            }
        )
        if self.report is not None and (number := ascii_number(self.label)) is not None:
            base["page"] = number
        base["book"] = {
            "index": self.index,
            "label": self.label,
            "number_from": self.number_from,
            "sha256": self.sha256,
            "scanned": self.scanned,
            "running": list(self.running),
            "continued_note": (
                {"note": c[0], "index": self.index + 1, "raw_start": c[1], "raw_end": c[2]}
                if (c := self.continued_note)
                else None
            ),
            "continues": self.continues.to_json() if self.continues else None,
            "citations": [c.to_json() for c in self.citations],
        }
        return base


@dataclass
class BookRecord:
    """What is said once for the whole book: headers, numbering, scanned pages."""

    source: str
    pages: int = 0
    scanned: list[str] = field(default_factory=list)  # labels of pages with no text layer
    headers: dict[str, int] = field(default_factory=dict)  # running title -> pages it heads
    numbering: str = "page"  # footnotes numbered per page, or per chapter
    bibliography: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "pages": self.pages,
            "scanned": self.scanned,
            "running_headers": [{"title": t, "pages": n} for t, n in self.headers.items()],
            "footnote_numbering": self.numbering,
            "bibliography": self.bibliography,
        }


@dataclass
class _Frame:
    """A page's layout, found before it is ingested (the next page's is needed too)."""

    page: RawPage
    layout: PageLayout | None
    label: str
    number_from: str
    running: tuple[str, ...]
    continuation: tuple[int, int] | None = None  # raw span of a note carried over from before


def text_pages(path: Path, first: int = 1, last: int | None = None) -> Iterator[RawPage]:
    """The pages of a text file, split at form feeds, read a block at a time.

    Line ends are kept as they are (``newline=""``), so each page's text is the file's bytes.
    A form feed at the very end (``pdftotext`` writes one after every page) starts no page.
    """
    with file_errors(path, "book"), path.open(encoding="utf-8", newline="") as file:
        index, buffer = 0, ""
        while True:
            block = file.read(1 << 16)
            buffer += block
            *done, buffer = buffer.split("\f")
            for raw in done:
                index += 1
                if index >= first and (last is None or index <= last):
                    yield RawPage(index, raw)
            if last is not None and index >= last:
                return
            if not block:
                break
        if buffer:
            index += 1
            if index >= first and (last is None or index <= last):
                yield RawPage(index, buffer)


def page_name(book_slug: str, index: int) -> str:
    """The name of a book's page in IRIs and graph names: ``<book>-pos<position in the file>``.

    The position, not the printed number: a printed number is found from the page's
    neighbours (a plain number counts where it follows the page before) and may be printed
    twice, so it can differ between a whole run and ``--pages 10-20``; the position cannot, so
    re-ingesting any range names each page as before and never overwrites another page's graph.
    ``pos`` keeps these names apart from a page added alone (``<source>-p<printed page>``).
    """
    return f"{book_slug}-pos{index}"


def ascii_number(text: str, digits: int = 9) -> int | None:
    """``text`` as a number when it is 1 to ``digits`` ASCII digits, else ``None``: a page
    label may be "²" or Arabic-Indic digits, which ``str.isdigit`` accepts and ``int`` does not
    always (and which are not page numbers histkg compares)."""
    if 0 < len(text) <= digits and text.isascii() and text.isdigit():
        return int(text)
    return None


def parse_range(text: str) -> tuple[int, int]:
    """ "120-140" (or "120") -> (120, 140): positions of pages in the file, 1-based."""
    match = re.fullmatch(r"\s*([0-9]{1,6})\s*(?:[-–]\s*([0-9]{1,6}))?\s*", text)
    if not match:
        raise InputError(
            f"--pages {text!r} is not a page range.", hint="Write it as 120-140, or 120 alone."
        )
    first, last = int(match[1]), int(match[2] or match[1])
    if first < 1 or last < first:
        raise InputError(
            f"--pages {text}: the range is empty.",
            hint="Pages count from 1, and the first comes before the last: 120-140.",
        )
    return first, last


def _line_spans(raw: str) -> list[tuple[int, int]]:
    spans, offset = [], 0
    for line in raw.split("\n"):
        spans.append((offset, offset + len(line.removesuffix("\r"))))  # CR LF ends it too
        offset += len(line) + 1
    return [s for s in spans if raw[s[0] : s[1]].strip()]


def parse_bibliography(pages: Iterable[str]) -> list[BibEntry]:
    """The entries after a "Bibliography" heading ("Ascher, Abraham. Title. Place: Publisher,
    Year."), an entry running over lines and pages joined; the author is turned back to
    "Abraham Ascher" so that short titles match it as they match footnotes."""
    entries: list[str] = []
    inside = False
    for raw in pages:
        for start, end in _line_spans(raw):
            line = raw[start:end].strip()
            if _BIB_HEADING.match(line):
                inside = True
                continue
            if not inside or _NUMBER.match(line) or running_header(line)[1] is not None:
                continue
            if _BIB_START.match(line) and (not entries or _TERMINAL.search(entries[-1])):
                entries.append(line)
            elif entries:
                entries[-1] = (
                    entries[-1][:-1] + line
                    if entries[-1].endswith("-")
                    else (f"{entries[-1]} {line}")
                )
    found: list[BibEntry] = []
    for text in entries:
        match = _BIB_ENTRY.match(text)
        if not match:
            continue
        surname, _, given = match["author"].partition(", ")
        citation = Citation(
            "full",
            author=f"{given} {surname}".strip(),
            title=match["title"].strip(),
            place=match["place"].strip(),
            publisher=match["publisher"].strip(),
            year=int(match["year"]),
        )
        found.append(BibEntry(len(found) + 1, citation))
    return found


class BookReader:
    """Reads a book's pages one at a time (see the module); build it once per book."""

    def __init__(
        self,
        ingester: Ingester,
        source: str,
        bibliography: list[BibEntry] | None = None,
        *,
        book_slug: str | None = None,
    ) -> None:
        self.ingester = ingester
        self.slug = book_slug or slug(source)
        self.record = BookRecord(source)
        self.bibliography = bibliography or []
        self.record.bibliography = len(self.bibliography)
        # The bibliography's authors are names of this book: never split or "corrected".
        ingester.lexicon.names.update(
            word.lower()
            for entry in self.bibliography
            for word in re.findall(r"[^\W\d_]+", entry.citation.author or "")
        )
        self._fulls: list[_Full] = []
        self._last: _Full | BibEntry | None = None  # what an Ibid. on the next note cites
        self._expected: int | None = None
        self._date: DateMention | None = None  # the last date read, for the next page's

    # ------------------------------------------------------------------ layout

    def _frame(self, page: RawPage, before: _Frame | None) -> _Frame:
        if page.scanned:
            self._expected = None
            label = page.label or str(page.index)
            return _Frame(page, None, label, "label" if page.label else "index", ())
        raw = page.raw
        lines = _line_spans(raw)
        top, bottom = lines[0], lines[-1]
        start, end = top[0], bottom[1]
        running: list[str] = []
        number: int | None = None
        source = ""
        title, printed = running_header(raw[top[0] : top[1]].strip())
        plain = _NUMBER.match(raw[top[0] : top[1]])
        if printed is not None or (plain and self._fits(int(plain[1]))):
            number = printed if printed is not None else int(plain[1]) if plain else None
            running.append(raw[top[0] : top[1]].strip())
            start, source = _next_line(raw, top[1]), "header"
            if title:
                self.record.headers[title] = self.record.headers.get(title, 0) + 1
        foot = _NUMBER.match(raw[bottom[0] : bottom[1]])
        if len(lines) > 1 and foot and (number is None or int(foot[1]) == number):
            if number is None and self._fits(int(foot[1])):
                number, source = int(foot[1]), "footer"
            if number is not None and int(foot[1]) == number:
                running.append(raw[bottom[0] : bottom[1]].strip())
                end = _line_end_before(raw, bottom[0])
        if start >= end or not raw[start:end].strip():
            layout = None
        else:
            layout = parse_layout(raw, start, end, header=False)
            if number is not None:
                layout = replace(layout, title=title, page=number, header=" / ".join(running))
        self._expected = number + 1 if number is not None else None
        if number is not None:
            label = str(number)
        elif page.label:
            label, source = page.label, "label"
        else:
            label, source = str(page.index), "index"
        frame = _Frame(page, layout, label, source, tuple(running))
        if layout is not None and before is not None and _open_note(before):
            self._carry_over(frame)
        return frame

    def _fits(self, number: int) -> bool:
        """A plain number is the page number where it follows the page before (or starts)."""
        return self._expected is None or number == self._expected

    def _carry_over(self, frame: _Frame) -> None:
        """Cut the lines continuing the previous page's last note from this page's body."""
        layout = frame.layout
        if layout is None:
            return
        raw = frame.page.raw
        block = layout.footnotes[0].line_start if layout.footnotes else layout.body_end + 1
        spans = [s for s in _line_spans(raw) if layout.body_start <= s[0] and s[1] < block]
        if len(spans) < 2:
            return
        k = len(spans) - 1
        while k > 1 and not _TERMINAL.search(raw[slice(*spans[k - 1])].rstrip("¹²³⁴⁵⁶⁷⁸⁹⁰")):
            k -= 1
        taken = spans[k:]
        text = raw[taken[0][0] : taken[-1][1]]
        if len(taken) > _MAX_CONTINUATION or not _TERMINAL.search(text.rstrip()):
            return
        body_end = spans[k - 1][1]
        markers = tuple(m for m in layout.markers if m.raw_start < body_end)
        frame.layout = replace(layout, body_end=body_end, markers=markers)
        frame.continuation = (taken[0][0], taken[-1][1])

    # ------------------------------------------------------------------ reading

    def read(self, pages: Iterable[RawPage]) -> Iterator[BookPage]:
        """The book's pages, in order, each once its neighbours are known."""
        frames = self._frames(pages)
        before: _Frame | None = None
        current = next(frames, None)
        pending: BookPage | None = None
        while current is not None:
            after = next(frames, None)
            page = self._ingest(before, current, after)
            if pending is not None:
                pending.continues = page.continued_from = _continuation(pending, page)
                yield pending
            pending = page
            before, current = current, after
        if pending is not None:
            yield pending

    def _frames(self, pages: Iterable[RawPage]) -> Iterator[_Frame]:
        before: _Frame | None = None
        for page in pages:
            frame = self._frame(page, before)
            yield frame
            before = frame

    def _ingest(self, before: _Frame | None, frame: _Frame, after: _Frame | None) -> BookPage:
        page = frame.page
        self.record.pages += 1
        label = frame.label  # the name is the position's: a label printed twice is kept
        if frame.layout is None:
            self._date = None  # a page is missing: its dates are unknown
            self.record.scanned.append(label)
            return BookPage(page.index, label, frame.number_from, page.raw, None, frame.running)
        joins = []
        if before is not None and (cut := _split_word(before, frame, self.ingester)):
            joins.append(Join(cut[2], cut[3], "", "hyphenation"))
        if after is not None and (cut := _split_word(frame, after, self.ingester)):
            joins.append(Join(cut[0], cut[1], cut[4], "hyphenation"))
        name = f"{page_name(self.slug, page.index)}.txt"
        report = self.ingester.ingest(
            page.raw, name, layout=frame.layout, joins=joins, date_before=self._date
        )
        dated = [d for d in report.dates if d.value and d.value.precision != "range"]
        self._date = dated[-1] if dated else self._date
        book_page = BookPage(page.index, label, frame.number_from, page.raw, report, frame.running)
        if after is not None and after.continuation is not None and report.footnotes:
            book_page.report = self._join_note(report, after)
            last = book_page.report.footnotes[-1]
            book_page.continued_note = (last.number, *after.continuation)
        self._numbering(book_page.report)
        book_page.citations = self._resolve(book_page)
        return book_page

    def _join_note(self, report: PageReport, after: _Frame) -> PageReport:
        """The page's last note with its continuation from the next page joined on."""
        if after.continuation is None:
            return report
        start, end = after.continuation
        rest = self.ingester.repair_note(TextBuilder(after.page.raw, start, end)).text
        rest = " ".join(rest.split())
        last = report.footnotes[-1]
        text = f"{last.text.rstrip()} {rest}"
        citation = parse_citation(text)
        joined = replace(last, text=text, citation=citation)
        # Names inside the cited title are not mentions (as on a single page, where the whole
        # note parses at once).
        title = citation.title if citation else None
        at = text.find(title) if title else -1
        mentions = [
            m
            for m in report.mentions
            if not (m.footnote == last.number and title and 0 <= at <= m.start < at + len(title))
        ]
        return replace(report, footnotes=[*report.footnotes[:-1], joined], mentions=mentions)

    def _numbering(self, report: PageReport | None) -> None:
        """Per chapter as soon as a page's first note is not note 1."""
        if report is not None and report.footnotes and report.footnotes[0].number != 1:
            self.record.numbering = "chapter"

    # ------------------------------------------------------------------ citations

    def _resolve(self, page: BookPage) -> list[CrossCitation]:
        report = page.report
        if report is None:
            return []
        found: list[CrossCitation] = []
        for note in report.footnotes:
            citation = note.citation
            if citation is None:
                self._last = None
                continue
            root = self._here(page, note.number)
            if citation.form == "full":
                entry = (citation, page.index, page.label, note.number, note.work)
                self._fulls.append(entry)
                self._last = entry
                continue
            if root is not None:  # resolved on the page itself
                self._last = root
                continue
            cross = self._earlier(citation)
            if isinstance(cross, tuple):
                full, index, label, number, work = cross
                found.append(
                    CrossCitation(
                        note.number,
                        citation.form,
                        replace(full, locators=citation.locators),
                        index,
                        label,
                        number,
                        work=note.work or work,
                    )
                )
                self._last = cross
                continue
            entry_bib = cross if isinstance(cross, BibEntry) else self._in_bibliography(citation)
            if entry_bib is not None:
                found.append(
                    CrossCitation(
                        note.number,
                        citation.form,
                        replace(entry_bib.citation, locators=citation.locators),
                        bibliography=entry_bib.number,
                        work=note.work,
                    )
                )
            self._last = entry_bib
        return found

    def _here(self, page: BookPage, number: int) -> _Full | None:
        """The full citation on this page a note was resolved to, as an entry of ``_fulls``."""
        report = page.report
        note = next(f for f in report.footnotes if f.number == number) if report else None
        if note is None or note.same_work_as is None:
            return None
        return next(
            (e for e in self._fulls if e[1] == page.index and e[3] == note.same_work_as), None
        )

    def _earlier(self, citation: Citation) -> _Full | BibEntry | None:
        if citation.form == "ibid":
            return self._last
        for entry in reversed(self._fulls):
            if _abbreviates(citation, entry[0].title, entry[0].author):
                return entry
        return None

    def _in_bibliography(self, citation: Citation) -> BibEntry | None:
        if citation.form != "short":
            return None
        for entry in self.bibliography:
            if _abbreviates(citation, entry.citation.title, entry.citation.author):
                return entry
        return None


def _next_line(raw: str, end: int) -> int:
    for ending in ("\r\n", "\n"):
        if raw.startswith(ending, end):
            return end + len(ending)
    return end


def _line_end_before(raw: str, start: int) -> int:
    """The end of the last non-blank line before ``start``."""
    return len(raw[:start].rstrip())


def _open_note(frame: _Frame) -> bool:
    """Whether the page's last footnote stops mid-sentence (so it goes on over the page)."""
    if frame.layout is None or not frame.layout.footnotes:
        return False
    last = frame.layout.footnotes[-1]
    return not _TERMINAL.search(frame.page.raw[last.raw_start : last.raw_end].rstrip())


def _split_word(
    first: _Frame, second: _Frame, ingester: Ingester
) -> tuple[int, int, int, int, str] | None:
    """A word hyphenated over the break from ``first`` to ``second``, when it is one word:
    (hyphen start, hyphen end, tail start, tail end, tail) in each page's raw text; the tail
    span takes the white space after it, so the next page's text starts at its next word."""
    if first.layout is None or second.layout is None:
        return None
    raw, nxt = first.page.raw, second.page.raw
    head = _HEAD.search(raw[first.layout.body_start : first.layout.body_end])
    tail = _TAIL.match(nxt, second.layout.body_start)
    if not head or not tail or not tail.group()[:1].islower():
        return None
    if _real_hyphen(head.group(1), tail.group(), ingester.lexicon):
        return None
    hyphen = first.layout.body_end - 1
    end = tail.end()
    while end < second.layout.body_end and nxt[end] in " \n":
        end += 1
        if nxt[end - 1] == "\n" or nxt[end - 1] == " ":
            break
    return hyphen, hyphen + 1, tail.start(), end, tail.group()


def _continuation(first: BookPage, second: BookPage) -> Continuation | None:
    """The sentence running from the end of ``first`` onto ``second``, when one does."""
    if first.report is None or second.report is None:
        return None
    text = first.report.text.rstrip()
    if not text or _TERMINAL.search(text):
        return None
    head_start = 0
    for match in _SENTENCE_END.finditer(text):
        head_start = match.end()
    while head_start < len(text) and text[head_start].isspace():
        head_start += 1
    following = second.report.text
    end = _SENTENCE_END.search(following)
    tail_end = end.end() if end else len(following.rstrip())
    if tail_end == 0:
        return None
    a = first.report.body.to_raw(head_start, len(text))
    b = second.report.body.to_raw(0, tail_end)
    whole = " ".join(f"{text[head_start:]} {following[:tail_end]}".split())
    return Continuation(whole, (first.index, *a), (second.index, *b), (first.label, second.label))
