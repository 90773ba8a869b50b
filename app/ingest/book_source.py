"""Opening a book file for ``histkg ingest`` and the workbench: a PDF (``app.ingest.pdf``) or a
text with form feeds between pages (``app.ingest.book.text_pages``), its page range checked
and its bibliography found before any page is ingested."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from app.errors import InputError
from app.ingest.book import BibEntry, RawPage, parse_bibliography, parse_range, text_pages
from app.ingest.pdf import PdfBook

__all__ = ["BookSource", "is_book", "open_book", "pdf_book", "text_book"]


@dataclass
class BookSource:
    """A book file opened for reading: a PDF, or a text with form feeds between pages.

    A text is read once ahead (constant memory): to check it is UTF-8 before anything is
    written, to count its pages for the progress bar and the range, and to find its
    bibliography; a PDF's page count is in its index, its bibliography in its last pages.
    """

    path: Path
    first: int
    last: int
    total: int
    bibliography: list[BibEntry]
    pdf: PdfBook | None = None

    @property
    def extract_seconds(self) -> float:
        """Time the PDF library spent extracting text (0 for a text file)."""
        return self.pdf.extract_seconds if self.pdf is not None else 0.0

    def pages(self) -> Iterator[RawPage]:
        if self.pdf is not None:
            return self.pdf.read(self.first, self.last)
        return text_pages(self.path, self.first, self.last)


def is_book(path: Path) -> bool:
    """A PDF, or a text file with a form feed (``pdftotext``'s page break) in it."""
    if path.suffix.lower() == ".pdf":
        return True
    try:
        with path.open("rb") as file:
            while block := file.read(1 << 16):
                if b"\f" in block:
                    return True
    except OSError:
        return False  # the single-page reader says what is wrong with it
    return False


def open_book(path: Path, pages: str | None = None) -> BookSource:
    """Open a book and check the range ``pages`` ("120-140": positions in the file, 1-based)
    against its length; ``InputError`` says what is wrong."""
    first, last = parse_range(pages) if pages else (1, None)
    pdf: PdfBook | None = None
    if path.suffix.lower() == ".pdf" or _starts_like_pdf(path):
        pdf = PdfBook(path)
        total = pdf.pages
        bibliography = parse_bibliography(pdf.tail())
    else:
        counted = [0]

        def texts() -> Iterator[str]:
            for page in text_pages(path):
                counted[0] += 1
                yield page.raw

        bibliography = parse_bibliography(texts())
        total = counted[0]
    if total == 0:
        raise InputError(f"{path}: the book has no pages.", hint="Give a file with text.")
    if first > total or (last is not None and last > total):
        raise InputError(
            f"--pages {pages}: the book has {total} page(s).",
            hint=f"Choose pages between 1 and {total} (positions in the file, not printed "
            "page numbers).",
        )
    return BookSource(path, first, last or total, total, bibliography, pdf)


def _starts_like_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return file.read(5) == b"%PDF-"
    except OSError:
        return False


def _upload_range(
    name: str, pages: str | None, total: int, what: str, most: int | None
) -> tuple[int, int]:
    """The range of an upload checked against the book's length and the pages an upload may
    add (``most``), before any page's text is read."""
    first, last = parse_range(pages) if pages else (1, total)
    if total == 0 or first > total or last > total:
        raise InputError(
            f"{name}: pages {first}-{last} asked for, the {what} has {total}.",
            hint=f"Choose pages between 1 and {total}, or leave the range empty for all.",
        )
    if most is not None and last - first + 1 > most:
        raise InputError(
            f"{name}: pages {first}-{last} are {last - first + 1} pages; an upload adds at most "
            f"{most} (HISTKG_MAX_UPLOAD_PAGES). Upload a range of pages, or ingest the whole "
            "book with `histkg ingest BOOK --into-store`.",
            hint=f"Upload a range of at most {most} pages, or ingest the whole book with "
            "`histkg ingest BOOK --into-store`.",
        )
    return first, last


def text_book(
    raw: str, name: str, pages: str | None = None, *, most: int | None = None
) -> tuple[list[RawPage], list[BibEntry]]:
    """An uploaded book text (already in memory): its pages in ``pages`` (at most ``most`` of
    them) and its bibliography."""
    total = raw.count("\f") + (0 if raw.endswith("\f") or not raw else 1)  # the last one ends
    first, last = _upload_range(name, pages, total, "text", most)
    texts = raw.split("\f")
    chosen = [RawPage(i, texts[i - 1]) for i in range(first, last + 1)]
    return chosen, parse_bibliography(texts[:total])


def pdf_book(
    data: bytes, name: str, pages: str | None = None, *, most: int | None = None
) -> tuple[list[RawPage], list[BibEntry]]:
    """An uploaded PDF (in memory, as the upload limit bounds it): the pages in ``pages`` (at
    most ``most``), its length checked from the page tree's count before any text is read."""
    pdf = PdfBook(Path(name), data)
    first, last = _upload_range(name, pages, pdf.pages, "PDF", most)
    return list(pdf.read(first, last)), parse_bibliography(pdf.tail())
