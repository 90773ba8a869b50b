"""A PDF's text layer, a page at a time, through pypdf.

pypdf is pure Python (no compiler, no system library), BSD-licensed, actively maintained, and
reads what a book needs besides the text: the page labels a publisher sets ("xii", "129"), which
give a page its printed number when no running header does. Each page's text is kept exactly as
pypdf extracts it (its ``RawPage.raw``), so the offsets of every edit and anchor point into the
text stored for that page; ligature code points (U+FB01 "ﬁ" ...) are expanded by the repairs
(``repair.expand_ligatures``), as edits, not here.

A page with no text layer (a scan) comes out with an empty text: ``RawPage.scanned`` reports it,
and the book reader passes it on as a page without text, never dropping it.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app.errors import InputError
from app.ingest.book import RawPage

__all__ = ["PdfBook"]

_BIBLIOGRAPHY_PAGES = 40  # how far from the end a bibliography is looked for


@dataclass
class PdfBook:
    """An open PDF: its page count, labels and texts; ``extract_seconds`` is the time pypdf
    spent extracting text so far (the benchmark reports it apart from ingestion)."""

    path: Path  # the file, or the name an upload came with (``data``)
    data: bytes | None = None
    extract_seconds: float = 0.0
    _labels: list[str] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        from pypdf import PdfReader  # loaded only for PDFs
        from pypdf.errors import PdfReadError

        logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings are not ours to show
        try:
            self._reader = PdfReader(io.BytesIO(self.data) if self.data is not None else self.path)
            self.pages = len(self._reader.pages)  # the page tree's count: nothing read yet
        except FileNotFoundError:
            raise InputError(f"{self.path}: no such file", hint="Check the path.") from None
        except IsADirectoryError:
            raise InputError(f"{self.path}: is a directory", hint="Give the PDF file.") from None
        except PermissionError:
            raise InputError(
                f"{self.path}: cannot be read", hint="Check the file's permissions."
            ) from None
        except (PdfReadError, ValueError, KeyError, TypeError) as error:
            raise InputError(
                f"{self.path}: not a readable PDF ({type(error).__name__})",
                hint="Check that the file is a complete PDF, or extract its text with "
                "pdftotext and ingest the .txt.",
            ) from None
        if self._reader.is_encrypted:
            raise InputError(
                f"{self.path}: the PDF is encrypted",
                hint="Decrypt it first (qpdf --decrypt), or ingest pdftotext's output.",
            )

    def label(self, index: int) -> str | None:
        """The page label the PDF gives the page at ``index`` (1-based), if it sets its own."""
        if self._labels is None:  # read once a page is: a PDF too long for an upload never is
            from pypdf.errors import PdfReadError

            try:
                self._labels = list(self._reader.page_labels)
            except (PdfReadError, ValueError, KeyError, TypeError) as error:
                raise InputError(
                    f"{self.path}: not a readable PDF ({type(error).__name__})",
                    hint="Check that the file is a complete PDF, or extract its text with "
                    "pdftotext and ingest the .txt.",
                ) from None
        label = self._labels[index - 1] if index <= len(self._labels) else None
        return label if label and label != str(index) else None

    def text(self, index: int) -> str:
        started = time.perf_counter()
        try:
            return self._reader.pages[index - 1].extract_text() or ""
        except Exception as error:
            raise InputError(
                f"{self.path}: page {index} cannot be read ({type(error).__name__})",
                hint="Leave the page out with --pages, or extract it with pdftotext.",
            ) from None
        finally:
            self.extract_seconds += time.perf_counter() - started

    def read(self, first: int = 1, last: int | None = None) -> Iterator[RawPage]:
        """The pages ``first``..``last`` (1-based, inclusive), one at a time."""
        stop = self.pages if last is None else min(last, self.pages)
        for index in range(first, stop + 1):
            yield RawPage(index, self.text(index), self.label(index))

    def tail(self) -> Iterator[str]:
        """The texts of the last pages, where a bibliography would be."""
        start = max(1, self.pages - _BIBLIOGRAPHY_PAGES + 1)
        for index in range(start, self.pages + 1):
            yield self.text(index)
