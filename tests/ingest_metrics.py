"""Precision and recall of ``histkg ingest`` on the test pages and the test book (page by page),
against hand-written results.

Run ``python tests/ingest_metrics.py`` for the table; ``tests/test_ingest.py`` pins the numbers.

How each kind is scored (expected results: ``tests/fixtures/ingest/*.expected.json``):

* edits: an expected edit is a raw context and its repaired form, for one kind ("news-\\npaper"
  -> "newspaper", hyphenation). It is found when the produced edits of that kind inside the
  context turn it into the repaired form. A produced edit is correct when it lies inside a
  context of its kind that was found. Line breaks joined inside footnotes and reported unknown
  words are not scored (they change nothing a reader could get wrong).
* footnotes: a footnote is correct when author, title, place, publisher, year, page locators and
  ``same_work_as`` all equal the expected ones.
* dates: expression (white space folded) and EDTF value must both match.
* mentions: text (white space folded), entity and footnote must match; only mentions linked to
  an entity are scored (candidates are proposals for a curator).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ingest"
ID = "https://w3id.org/histkg/id/"


@dataclass(frozen=True)
class Score:
    correct_found: int  # produced items that are right
    found: int
    correct_expected: int  # expected items that were produced
    expected: int

    @property
    def precision(self) -> float:
        return self.correct_found / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.correct_expected / self.expected if self.expected else 1.0


def pages() -> list[tuple[Path, dict[str, object]]]:
    found = []
    for path in sorted(FIXTURES.glob("*.expected.json")):
        expected = json.loads(path.read_text(encoding="utf-8"))
        found.append((ROOT / str(expected["source"]), expected))
    return found


def _fold(text: str) -> str:
    return " ".join(text.split())


def score_edits(report: object, expected: list[dict[str, object]]) -> Score:
    raw: str = report.raw  # type: ignore[attr-defined]
    produced = [e for e in report.edits if e.kind not in ("unknown", "linebreak")]  # type: ignore[attr-defined]
    good: set[int] = set()
    found_expected = 0
    for item in expected:
        context, kind = str(item["raw"]), str(item["kind"])
        start = -1
        for _ in range(int(item.get("occurrence", 1))):  # type: ignore[call-overload]
            start = raw.index(context, start + 1)
        end = start + len(context)
        inside = [
            i for i, e in enumerate(produced)
            if kind in e.kind.split("+") and start <= e.raw_start and e.raw_end <= end
        ]  # fmt: skip
        result = context
        for i in sorted(inside, key=lambda i: -produced[i].raw_start):
            e = produced[i]
            result = result[: e.raw_start - start] + e.clean + result[e.raw_end - start :]
        if inside and result == item["clean"]:
            found_expected += 1
            good.update(inside)
    return Score(len(good), len(produced), found_expected, len(expected))


def score_footnotes(report: object, expected: list[dict[str, object]]) -> Score:
    def key(item: dict[str, object]) -> str:
        return json.dumps(item, sort_keys=True, ensure_ascii=False)

    produced = []
    for footnote in report.to_json()["footnotes"]:  # type: ignore[attr-defined]
        citation = footnote["citation"] or {}
        item = {k: citation.get(k) for k in ("author", "title", "place", "publisher", "year")}
        item |= {"number": footnote["number"], "pages": citation.get("pages", [])}
        item["same_work_as"] = footnote["same_work_as"]
        produced.append(key(item))
    wanted = [key(item) for item in expected]
    hits = sum((Counter(produced) & Counter(wanted)).values())
    return Score(hits, len(produced), hits, len(wanted))


def _multiset(
    produced: Sequence[tuple[object, ...]], wanted: Sequence[tuple[object, ...]]
) -> Score:
    hits = sum((Counter(produced) & Counter(wanted)).values())
    return Score(hits, len(produced), hits, len(wanted))


def score_dates(report: object, expected: list[dict[str, object]]) -> Score:
    produced = [(_fold(d.text), d.value.edtf if d.value else None) for d in report.dates]  # type: ignore[attr-defined]
    return _multiset(produced, [(_fold(str(d["text"])), d["edtf"]) for d in expected])


def score_mentions(report: object, expected: list[dict[str, object]]) -> Score:
    produced = [
        (_fold(m.text), m.entity, m.footnote)
        for m in report.mentions  # type: ignore[attr-defined]
        if m.entity
    ]
    wanted = [(_fold(str(m["text"])), ID + str(m["entity"]), m["footnote"]) for m in expected]
    return _multiset(produced, wanted)


def score_book_footnotes(page: object, expected: list[dict[str, object]]) -> Score:
    """A book page's footnotes with the book's completed citations: a note resolved beyond its
    page counts with the full citation's fields and ``same_work_as`` "p<page>#<note>" or
    "bibliography#<entry>"."""

    def key(item: dict[str, object]) -> str:
        return json.dumps(item, sort_keys=True, ensure_ascii=False)

    report = page.report  # type: ignore[attr-defined]
    cross = {c.note: c for c in page.citations}  # type: ignore[attr-defined]
    produced = []
    for footnote in report.to_json()["footnotes"]:
        number = footnote["number"]
        same = footnote["same_work_as"]
        citation = footnote["citation"] or {}
        if number in cross:
            found = cross[number]
            citation = found.citation.to_json(found.work)
            same = (
                f"p{found.page}#{found.same_note}"
                if found.same_note is not None
                else f"bibliography#{found.bibliography}"
            )
        item = {k: citation.get(k) for k in ("author", "title", "place", "publisher", "year")}
        item |= {"number": number, "pages": citation.get("pages", []), "same_work_as": same}
        produced.append(key(item))
    wanted = [key(item) for item in expected]
    hits = sum((Counter(produced) & Counter(wanted)).values())
    return Score(hits, len(produced), hits, len(wanted))


SCORERS = {
    "edits": score_edits,
    "footnotes": score_footnotes,
    "dates": score_dates,
    "mentions": score_mentions,
}


def evaluate(report: object, expected: dict[str, object]) -> dict[str, Score]:
    return {kind: scorer(report, expected[kind]) for kind, scorer in SCORERS.items()}  # type: ignore[arg-type]


BOOKS = Path(__file__).resolve().parent / "fixtures" / "book"


def books() -> list[tuple[Path, dict[str, object]]]:
    """The test books and their expected results, page by page."""
    found = []
    for path in sorted(BOOKS.glob("*.expected.json")):
        expected = json.loads(path.read_text(encoding="utf-8"))
        found.append((ROOT / str(expected["source"]), expected))
    return found


def evaluate_book(pages: list[object], expected: dict[str, object]) -> dict[str, dict[str, Score]]:
    """Scores per page of a book read whole (``BookPage``s), keyed "p<printed page>"."""
    wanted = {int(p["page"]): p for p in expected["pages"]}  # type: ignore[attr-defined]
    results = {}
    for page in pages:
        label = page.label  # type: ignore[attr-defined]
        items = wanted[int(label)]
        report = page.report  # type: ignore[attr-defined]
        scores = {
            kind: SCORERS[kind](report, items[kind]) for kind in ("edits", "dates", "mentions")
        }
        scores["footnotes"] = score_book_footnotes(page, items["footnotes"])
        results[f"p{label}"] = {kind: scores[kind] for kind in SCORERS}
    return results


def table(results: dict[str, dict[str, Score]]) -> str:
    lines = ["| page | kind | precision | recall |", "| --- | --- | --- | --- |"]
    totals: dict[str, list[int]] = {}
    for page, scores in results.items():
        for kind, s in scores.items():
            lines.append(
                f"| {page} | {kind} | {s.precision:.2f} ({s.correct_found}/{s.found}) "
                f"| {s.recall:.2f} ({s.correct_expected}/{s.expected}) |"
            )
            total = totals.setdefault(kind, [0, 0, 0, 0])
            for i, n in enumerate((s.correct_found, s.found, s.correct_expected, s.expected)):
                total[i] += n
    for kind, (cf, f, ce, e) in totals.items():
        s = Score(cf, f, ce, e)
        lines.append(f"| all | {kind} | {s.precision:.2f} ({cf}/{f}) | {s.recall:.2f} ({ce}/{e}) |")
    return "\n".join(lines)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from app.ingest import Ingester, load_project_index
    from app.ingest.pipeline import read_page

    ingester = Ingester(load_project_index(ROOT))
    results = {}
    for path, expected in pages():
        report = ingester.ingest(read_page(path), path.name)
        results[path.stem] = evaluate(report, expected)
    print(table(results))
    from app.ingest.book import BookReader, parse_bibliography, text_pages

    for path, expected in books():
        bibliography = parse_bibliography(page.raw for page in text_pages(path))
        reader = BookReader(ingester, path.name, bibliography)
        print(f"\n{path.name}, page by page:\n")
        print(table(evaluate_book(list(reader.read(text_pages(path))), expected)))


if __name__ == "__main__":
    main()
