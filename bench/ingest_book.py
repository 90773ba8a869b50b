"""Ingesting a whole book (issue 18): 300 pages in under 60 s on 2 cores, PDF extraction apart.

``python -m bench.ingest_book --pages 300 --label NAME`` builds a book of ``--pages`` pages from
the test book's pages 41-48 (``tests/fixtures/book/``), repeated in blocks of eight and
renumbered (running headers and the chapter opening's footer carry the new page numbers, so
every block is a new stretch of pages), with the bibliography at the end; then measures:

* ``text``: the book as a text with form feeds, read and ingested page by page (``BookReader``
  over ``text_pages``, the curated graph's index built once, as ``histkg ingest`` does);
* ``pdf``: the same book as a PDF (written with fpdf2, as the tests do), through pypdf; pypdf's
  own text extraction time is measured apart and reported beside the ingestion time;
* ``cli``: ``histkg ingest BOOK.txt`` end to end in its own process (start-up, the index, JSON
  lines to a file);
* ``memory``: the peak resident memory of a process that ingests 1/10 of the pages, then one
  that ingests all of them (equal within noise: the reader streams).

Results go to ``bench/results/ingest-book-<timestamp>-<label>.json`` and a table is printed.
Every phase is bounded by the page count; the whole run takes a few minutes at most.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.report import write_results

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "book" / "stalin-and-the-far-east.txt"
RESULTS = Path(__file__).parent / "results"
_HEADER = re.compile(r"^(?:(?P<title>.*?Ë )(?P<odd>\d+)|(?P<even>\d+)(?P<rest> Ë .*))$")


def build_book(pages: int) -> list[str]:
    """``pages`` pages: blocks of the fixture's pages 41-48 renumbered, then its bibliography."""
    source = FIXTURE.read_text(encoding="utf-8").split("\f")[:-1]
    body, bibliography = source[:8], source[8:]
    book: list[str] = []
    while len(book) < pages - len(bibliography):
        for page in body:
            number = 41 + len(book)
            book.append(_renumber(page, number))
            if len(book) == pages - len(bibliography):
                break
    for page in bibliography:
        book.append(_renumber(page, 41 + len(book)))
    return book


def _renumber(page: str, number: int) -> str:
    lines = page.split("\n")
    match = _HEADER.match(lines[0])
    if match and match["odd"]:
        lines[0] = f"{match['title']}{number}"
    elif match and match["even"]:
        lines[0] = f"{number}{match['rest']}"
    elif lines[-1].strip().isdigit():  # the chapter opening's footer
        lines[-1] = str(number)
    return "\n".join(lines)


def _ingest(pages: Any, source: str, bibliography: list[Any]) -> tuple[int, int, float]:
    from app.ingest import Ingester, load_project_index
    from app.ingest.book import BookReader

    ingester = Ingester(load_project_index(ROOT))
    reader = BookReader(ingester, source, bibliography)
    started = time.perf_counter()
    count = edits = 0
    for page in reader.read(pages):
        count += 1
        edits += len(page.report.edits) if page.report else 0
    return count, edits, time.perf_counter() - started


def measure_text(path: Path) -> dict[str, Any]:
    from app.ingest.book import parse_bibliography, text_pages

    started = time.perf_counter()
    bibliography = parse_bibliography(page.raw for page in text_pages(path))
    prescan = time.perf_counter() - started
    count, edits, seconds = _ingest(text_pages(path), path.name, bibliography)
    return {"pages": count, "edits": edits, "seconds": seconds + prescan, "prescan": prescan}


def measure_pdf(path: Path) -> dict[str, Any]:
    from app.ingest.book_source import open_book

    started = time.perf_counter()
    source = open_book(path)
    opened = time.perf_counter() - started
    count, edits, seconds = _ingest(source.pages(), path.name, source.bibliography)
    total = opened + seconds
    extraction = source.extract_seconds
    return {
        "pages": count,
        "edits": edits,
        "seconds": total,
        "extraction": extraction,
        "ingest_without_extraction": total - extraction,
    }


def write_pdf(pages: list[str], path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(format=(160, 240))
    pdf.add_font("DejaVu", fname="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    pdf.set_font("DejaVu", size=6)
    pdf.set_auto_page_break(False)
    for text in pages:
        pdf.add_page()
        for line in text.split("\n"):
            pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def measure_cli(path: Path, out: Path) -> dict[str, Any]:
    env = os.environ | {"HISTKG_PROJECT_DIR": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "app", "ingest", str(path), "-o", str(out)],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    lines = out.read_text(encoding="utf-8").count("\n") if out.exists() else 0
    return {"seconds": seconds, "exit": done.returncode, "lines": lines}


def peak_memory(path: Path, pages: int) -> float:
    """Peak resident memory (MiB) of a process that ingests the first ``pages`` pages."""
    code = (
        "import resource, sys; from pathlib import Path; from bench.ingest_book import _ingest; "
        "from app.ingest.book import text_pages; "
        f"_ingest(text_pages(Path({str(path)!r}), 1, {pages}), 'book', []); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    done = subprocess.run(  # noqa: S603 - our own fixed code
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600,
        check=True,
    )  # fmt: skip
    return int(done.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--label", default="book")
    parser.add_argument("--no-pdf", action="store_true", help="Skip the PDF measurement.")
    args = parser.parse_args()
    pages = build_book(args.pages)
    with tempfile.TemporaryDirectory(prefix="histkg-bench-book-") as tmp:
        text = Path(tmp) / "book.txt"
        text.write_text("\f".join(pages) + "\f", encoding="utf-8")
        result: dict[str, Any] = {
            "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "label": args.label,
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "pages": len(pages),
            "text": measure_text(text),
        }
        if not args.no_pdf:
            pdf = Path(tmp) / "book.pdf"
            write_pdf(pages, pdf)
            result["pdf"] = measure_pdf(pdf)
        result["cli"] = measure_cli(text, Path(tmp) / "out.jsonl")
        small = max(1, len(pages) // 10)
        result["memory_mib"] = {
            str(small): peak_memory(text, small),
            str(len(pages)): peak_memory(text, len(pages)),
        }
    path = write_results(result, RESULTS, args.label, prefix="ingest-book-")
    print(table(result))
    print(f"\nWrote {path.relative_to(ROOT)}")


def table(result: dict[str, Any]) -> str:
    pages = result["pages"]
    rows = ["| measure | pages | seconds | per page (ms) |", "| --- | --- | --- | --- |"]

    def row(name: str, seconds: float) -> None:
        rows.append(f"| {name} | {pages} | {seconds:.2f} | {1000 * seconds / pages:.1f} |")

    row("text book: read and ingest", result["text"]["seconds"])
    if "pdf" in result:
        row("PDF: ingest (pypdf extraction excluded)", result["pdf"]["ingest_without_extraction"])
        row("PDF: pypdf text extraction", result["pdf"]["extraction"])
        row("PDF: total", result["pdf"]["seconds"])
    row("`histkg ingest BOOK.txt` end to end", result["cli"]["seconds"])
    memory = ", ".join(f"{n} pages: {mib:.0f} MiB" for n, mib in result["memory_mib"].items())
    return "\n".join(rows) + f"\n\nPeak resident memory: {memory}."


if __name__ == "__main__":
    main()
