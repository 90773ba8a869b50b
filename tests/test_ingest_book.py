"""Whole books (``app.ingest.book``): what crosses a page break, on a 10-page book written for
the tests (``tests/fixtures/book/stalin-and-the-far-east.txt``, pages 41-50: recto and verso
headers, a chapter opening numbered in its footer, a note continued over the break, "Ibid." on
the page after its citation, a word hyphenated over the break, a bibliography at the end)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
import pytest
from ingest_metrics import ROOT, books, evaluate_book

from app import history, writes
from app.errors import InputError
from app.ingest import Ingester, load_graph_index, load_project_index
from app.ingest.book import BookPage, BookReader, parse_bibliography, parse_range, text_pages
from app.ingest.book_rdf import book_trig
from app.store import Store
from app.validate import validate_paths
from app.vocab import BIBO, CRM, DCTERMS, HK, ID, OA, RDF, RDFS
from app.workbench import proposals
from app.workbench.books import StoredPage, store_book
from app.workbench.sources import WORKBENCH_GRAPHS

BOOK = ROOT / "tests" / "fixtures" / "book" / "stalin-and-the-far-east.txt"


@pytest.fixture(scope="module")
def ingester() -> Ingester:
    return Ingester(load_project_index(ROOT))


def read(ingester: Ingester, path: Path = BOOK) -> tuple[list[BookPage], BookReader]:
    bibliography = parse_bibliography(page.raw for page in text_pages(path))
    reader = BookReader(ingester, path.name, bibliography)
    return list(reader.read(text_pages(path))), reader


@pytest.fixture(scope="module")
def book(ingester: Ingester) -> tuple[list[BookPage], BookReader]:
    return read(ingester)


def test_pages_are_the_files_text_byte_for_byte() -> None:
    raws = [page.raw for page in text_pages(BOOK)]
    assert len(raws) == 10
    assert "\f".join(raws) + "\f" == BOOK.read_text(encoding="utf-8")


def test_a_page_range_reads_only_those_pages() -> None:
    assert [page.index for page in text_pages(BOOK, 3, 5)] == [3, 4, 5]


def test_running_headers_are_cut_from_every_page_and_recorded_once(
    book: tuple[list[BookPage], BookReader],
) -> None:
    pages, reader = book
    assert [p.label for p in pages] == [str(n) for n in range(41, 51)]
    for page in pages:
        assert page.report is not None
        assert "Ë" not in page.report.text
    headers = reader.record.to_json()["running_headers"]
    assert {"title": "Stalin and the Far East", "pages": 4} in headers  # type: ignore[operator]
    assert {"title": "The Crisis of 1931", "pages": 2} in headers  # type: ignore[operator]


def test_a_chapter_opening_takes_its_number_from_the_footer(
    book: tuple[list[BookPage], BookReader],
) -> None:
    opening = book[0][4]
    assert (opening.label, opening.number_from, opening.running) == ("45", "footer", ("45",))
    assert opening.report is not None
    assert not opening.report.text.rstrip().endswith("45")


def test_a_word_hyphenated_over_the_break_is_joined_on_the_page_it_starts(
    book: tuple[list[BookPage], BookReader],
) -> None:
    first, second = book[0][0].report, book[0][1].report
    assert first is not None
    assert second is not None
    assert first.text.rstrip().endswith("open negotiations")
    assert second.text.startswith("with the Japanese ambassador")
    mend = next(e for e in first.edits if e.clean == "tiations")
    assert (mend.kind, first.raw[mend.raw_start : mend.raw_end]) == ("hyphenation", "-")
    cut = next(e for e in second.edits if e.kind == "hyphenation" and e.clean == "")
    assert second.raw[cut.raw_start : cut.raw_end] == "tiations "


def test_a_sentence_over_the_break_is_whole_with_an_anchor_on_each_page(
    book: tuple[list[BookPage], BookReader],
) -> None:
    pages = book[0]
    sentence = pages[5].continues
    assert sentence is not None
    assert sentence.text.startswith("The instruction was kept secret")
    assert sentence.text.endswith("at a time when the Japanese were building airfields within "
                                  "sight of the river.")  # fmt: skip
    (i, a, b), (j, c, d) = sentence.first, sentence.second
    assert (i, j) == (6, 7)
    assert pages[5].raw[a:b].endswith("at a time when")
    assert pages[6].raw[c:d] == "the Japanese were building airelds within sight of the river."


def test_a_footnote_continued_on_the_next_page_is_joined(
    book: tuple[list[BookPage], BookReader],
) -> None:
    pages = book[0]
    assert pages[1].report is not None
    assert pages[2].report is not None
    note = pages[1].report.footnotes[-1]
    assert note.number == 4
    assert note.citation is not None
    assert (note.citation.publisher, note.citation.year) == ("Kegan Paul", 1993)
    assert note.citation.title == (
        "Japan’s Struggle with Internationalism: Japan, China and the League of Nations, 1931–3"
    )
    number, start, end = pages[1].continued_note or (0, 0, 0)
    assert (number, pages[2].raw[start:end]) == (4, "1931–3(London: Kegan Paul, 1993), 45–52.")
    assert "Kegan Paul" not in pages[2].report.text  # not left in the next page's body


def test_ibid_on_the_page_after_its_citation_resolves_to_that_work(
    book: tuple[list[BookPage], BookReader],
) -> None:
    page = book[0][3]
    ibid = next(c for c in page.citations if c.note == 7)
    assert (ibid.form, ibid.index, ibid.page, ibid.same_note) == ("ibid", 2, "42", 3)
    assert ibid.citation.author == "Christopher Thorne"
    assert [loc.normalized for loc in ibid.citation.locators] == ["306"]


def test_short_titles_resolve_to_the_last_full_citation_on_earlier_pages(
    book: tuple[list[BookPage], BookReader],
) -> None:
    short = next(c for c in book[0][4].citations if c.note == 2)
    assert (short.page, short.same_note, short.citation.publisher) == ("42", 4, "Kegan Paul")
    fischer = next(c for c in book[0][2].citations if c.note == 5)
    assert fischer.work == "https://w3id.org/histkg/id/source/fischer-1969"


def test_the_bibliography_completes_short_titles_never_cited_in_full(
    book: tuple[list[BookPage], BookReader],
) -> None:
    pages, reader = book
    haslam = next(c for c in pages[3].citations if c.note == 8)
    assert haslam.same_note is None
    assert haslam.bibliography == 2
    assert haslam.citation.title == "The Soviet Union and the Threat from the East, 1933–41"
    assert haslam.citation.place == "Pittsburgh"
    assert reader.record.bibliography == 5
    lensen = pages[4].report.footnotes[0] if pages[4].report else None
    assert lensen is not None
    assert lensen.text.startswith("Lensen,")


def test_footnotes_numbered_per_chapter_are_recorded_so(
    book: tuple[list[BookPage], BookReader],
) -> None:
    assert book[1].record.numbering == "chapter"


def test_a_page_without_text_is_reported_not_skipped(ingester: Ingester, tmp_path: Path) -> None:
    raws = BOOK.read_text(encoding="utf-8").split("\f")
    path = tmp_path / "gap.txt"
    path.write_text("\f".join([*raws[:3], "  \n", *raws[3:]]), encoding="utf-8")
    pages, reader = read(ingester, path)
    assert len(pages) == 11
    blank = pages[3]
    assert blank.scanned
    record = blank.to_json()["book"]
    assert isinstance(record, dict)
    assert record["scanned"] is True
    assert reader.record.scanned == [blank.label]


@pytest.mark.parametrize("text", ["x", "140-120", "0-3", "1-2-3"])
def test_a_bad_page_range_is_refused_with_a_hint(text: str) -> None:
    with pytest.raises(InputError) as error:
        parse_range(text)
    assert error.value.hint


def test_a_missing_or_non_utf8_book_is_a_clear_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        list(text_pages(tmp_path / "none.txt"))
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"page one\f\xff\xfe page two")
    with pytest.raises(InputError, match="not UTF-8"):
        list(text_pages(bad))


# ---------------------------------------------------------------------- the book as RDF


def _book_node(reader: BookReader) -> ox.NamedNode:
    return ox.NamedNode(f"{ID}source/{reader.slug}")


def test_the_books_trig_is_valid_with_each_page_text_and_checksum(
    ingester: Ingester, tmp_path: Path
) -> None:
    pages, reader = read(ingester)
    bibliography = parse_bibliography(page.raw for page in text_pages(BOOK))
    chunks = book_trig(
        iter(pages), reader.record, bibliography, book=_book_node(reader), book_slug=reader.slug,
        base=ID,
    )  # fmt: skip
    path = tmp_path / "book.trig"
    path.write_text("".join(chunks), encoding="utf-8")
    assert validate_paths([path], ROOT).conforms
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TRIG))
    parts = {
        q.subject
        for q in quads
        if q.predicate == DCTERMS.isPartOf and q.object == _book_node(reader)
    }
    assert len(parts) == 10
    texts = {
        q.subject: q.object.value
        for q in quads
        if q.predicate == BIBO.content and q.subject.value.startswith(f"{ID}text/")
    }
    sums = {q.subject: q.object.value for q in quads if q.predicate == HK.sha256}
    assert sorted(texts.values()) == sorted(page.raw for page in pages)  # byte for byte
    for node, text in texts.items():
        assert sums[node] == hashlib.sha256(text.encode()).hexdigest()
    page42 = ox.NamedNode(f"{ID}ingest/stalin-and-the-far-east-pos2/page")
    labels = {q.object.value for q in quads if q.subject == page42 and q.predicate == RDFS.label}
    assert labels == {"Page 42 of stalin-and-the-far-east.txt"}  # not of "The Crisis of 1931"
    (link,) = [q for q in quads if q.predicate == HK.continues and "pos7/" in q.subject.value]
    assert link.object.value.endswith("stalin-and-the-far-east-pos6/anchor/sentence-begins")
    exact = {q.subject.value.rsplit("/", 1)[-1]: q.object.value for q in quads
             if q.predicate.value.endswith("#exact") and "sentence" in q.subject.value
             and ("pos6/" in q.subject.value or "pos7/" in q.subject.value)}  # fmt: skip
    assert exact["sentence-begins-quote"].startswith("The instruction was kept secret")
    assert exact["sentence-ends-quote"] == (
        "the Japanese were building airelds within sight of the river."
    )  # each part quoted from its own page's text, as stored
    same = [q for q in quads if q.predicate == HK.sameWorkAs and "pos2/note/3" in q.object.value]
    assert {q.subject.value.split("/")[-3] for q in same} >= {"stalin-and-the-far-east-pos4"}


def _store_book(
    store: Store, ingester: Ingester, path: Path, first: int = 1, last: int | None = None
) -> list[StoredPage]:
    bibliography = parse_bibliography(page.raw for page in text_pages(path))
    reader = BookReader(ingester, BOOK.name, bibliography)
    return [
        stored
        for _, stored in store_book(
            store, reader.read(text_pages(path, first, last)), reader.record, bibliography,
            book=_book_node(reader), book_slug=reader.slug, base=ID, project_dir=ROOT,
            author=writes.Author("test", "a book"),
        )
    ]  # fmt: skip


def test_reingesting_the_same_book_changes_nothing_and_a_changed_page_is_one_revision(
    tmp_path: Path,
) -> None:
    store = Store(str(tmp_path / "store"))
    store.load_curated(ROOT)
    ingester = Ingester(load_graph_index(store))
    first = _store_book(store, ingester, BOOK)
    assert [p.status for p in first] == ["new"] * 10
    head = history.head(store.match)
    assert [p.status for p in _store_book(store, ingester, BOOK)] == ["unchanged"] * 10
    assert history.head(store.match) == head
    changed = tmp_path / BOOK.name
    changed.write_text(
        BOOK.read_text(encoding="utf-8").replace("Harbin had fallen", "Harbin had surrendered"),
        encoding="utf-8",
    )
    again = _store_book(store, ingester, changed)
    assert [p.label for p in again if p.status == "changed"] == ["42"]
    assert history.head(store.match) == (head or 0) + 1
    store.close()


def test_a_page_keeps_its_name_whatever_range_is_ingested(tmp_path: Path) -> None:
    # Regression: a label printed twice was told apart only within one run ("12", then
    # "12-3"), so --pages 3 alone named the third page "12" and overwrote the first's graph.
    store = Store(str(tmp_path / "store"))
    store.load_curated(ROOT)
    ingester = Ingester(load_graph_index(store))
    path = tmp_path / BOOK.name
    pages = BOOK.read_text(encoding="utf-8").split("\f")[:3]
    path.write_text("\f".join([pages[0], pages[1], pages[0].replace("holiday", "leave")]), "utf-8")
    whole = _store_book(store, ingester, path)
    assert [p.label for p in whole] == ["41", "42", "41"]
    assert len({p.iri for p in whole}) == 3
    head = history.head(store.match)
    alone = _store_book(store, ingester, path, 3, 3)
    assert [(p.iri, p.status) for p in alone] == [(whole[2].iri, "unchanged")]
    assert history.head(store.match) == head
    store.close()


def test_a_changed_page_keeps_what_curators_settled_where_its_names_still_stand(
    tmp_path: Path,
) -> None:
    # Regression: a changed page replaced its graph, and with it every settled proposal.
    store = Store(str(tmp_path / "store"))
    store.load_curated(ROOT)
    ingester = Ingester(load_graph_index(store))
    page = _store_book(store, ingester, BOOK)[1].iri  # page 42
    found = {c.text: c.anchor for c in proposals.candidates(store, page, ID)}
    author = writes.Author("ada", "settle")

    def settle(name: str, action: str, **extra: str) -> None:
        proposals.settle(
            store, page, found[name], action, base=ID, project_dir=ROOT, author=author, **extra
        )

    manchuria = f"{ID}place/manchuria"
    settle("Amur", "link", entity=manchuria)
    settle("Harbin", "link", entity=manchuria)
    settle("Hamish Hamilton", "reject")
    settle("Christopher Thorne", "person", label="Christopher Thorne")
    changed = tmp_path / BOOK.name
    changed.write_text(
        BOOK.read_text(encoding="utf-8")
        .replace("Harbin had fallen", "Kharbin had fallen")  # a settled name changed
        .replace("went unanswered", "went quite unanswered"),  # every offset after it moves
        encoding="utf-8",
    )
    again = _store_book(store, ingester, changed)[1]
    assert again.status == "changed"
    assert again.dropped == (f"Harbin -> {manchuria}",)
    # Settled names stay settled (Hamish Hamilton stays rejected); Kharbin is a new proposal.
    assert [c.text for c in proposals.candidates(store, page, ID)] == ["Kharbin", "Ian Nish"]
    graph = ox.NamedNode(f"{WORKBENCH_GRAPHS}page/stalin-and-the-far-east-pos2")
    linked = {
        (str(q.subject), _exact(store, q.object))
        for q in store.match(None, HK.mention, None, graph)
    }
    assert (f"<{manchuria}>", "Amur") in linked
    assert (f"<{ID}person/christopher-thorne>", "Christopher Thorne") in linked
    thorne = ox.NamedNode(f"{ID}person/christopher-thorne")
    assert next(iter(store.match(thorne, RDF.type, CRM.E21_Person, graph)), None) is not None
    store.close()


def _exact(store: Store, anchor: object) -> str:
    assert isinstance(anchor, ox.NamedNode)
    quote = ox.NamedNode(f"{anchor.value}-quote")
    (found,) = store.match(quote, OA.exact, None, None)
    assert isinstance(found.object, ox.Literal)
    return found.object.value


def test_an_ibid_first_on_a_page_read_alone_is_kept_without_a_cited_work(
    ingester: Ingester, tmp_path: Path
) -> None:
    """Page 44 read alone: its "Ibid., 306." has no earlier note to follow; the TriG keeps the
    note (hk:unknown "cited work") instead of citing a part of a work it cannot name."""
    reader = BookReader(ingester, BOOK.name)
    pages = list(reader.read(text_pages(BOOK, 4, 4)))
    assert pages[0].citations == []
    path = tmp_path / "p44.trig"
    path.write_text(
        "".join(book_trig(pages, reader.record, [], book=_book_node(reader),
                          book_slug=reader.slug, base=ID)),
        encoding="utf-8",
    )  # fmt: skip
    assert validate_paths([path], ROOT).conforms


# ---------------------------------------------------------------------- precision and recall

# Known misses on the test book (tests/ingest_metrics.py prints the table): "red" for "fired"
# on pages 42 and 46 (a lost ligature that leaves a common word), and the space lost in note
# 4's continuation on page 43, repaired in the joined note but reported on neither page.
BOOK_MISSES = {"p42": {"edits": 1}, "p43": {"edits": 1}, "p46": {"edits": 1}}


def test_each_page_of_the_book_scores_as_pinned(book: tuple[list[BookPage], BookReader]) -> None:
    ((path, expected),) = books()
    assert path == BOOK
    results = evaluate_book(list(book[0]), expected)
    assert len(results) == 10
    for page, scores in results.items():
        for kind, score in scores.items():
            assert score.correct_found == score.found, (page, kind)  # precision 1.0
            missed = score.expected - score.correct_expected
            assert missed == BOOK_MISSES.get(page, {}).get(kind, 0), (page, kind)


# ---------------------------------------------------------------------- other layouts

SMALL = [
    "12\nThe talks began in Moscow in the spring of 1932, when the Japanese-\n",
    "13\nPolish rapprochement worried the Kremlin.¹\n1 Louis Fischer, Russia’s Road from "
    "Peace to War (New York: Harper & Row, 1969), 40.\n",
    "14\nLitvinov waited for an answer.¹\n1 Ibid., 41.\n",
]


def _small(ingester: Ingester, tmp_path: Path, pages: list[str]) -> list[BookPage]:
    path = tmp_path / "small.txt"
    path.write_text("\f".join(pages) + "\f", encoding="utf-8")
    pages_read, _ = read(ingester, path)
    return pages_read


def test_a_plain_page_number_at_the_top_is_the_page_number(
    ingester: Ingester, tmp_path: Path
) -> None:
    pages = _small(ingester, tmp_path, SMALL)
    assert [(p.label, p.number_from, p.running) for p in pages] == [
        ("12", "header", ("12",)),
        ("13", "header", ("13",)),
        ("14", "header", ("14",)),
    ]
    assert pages[0].report is not None
    assert pages[0].report.text.startswith("The talks began")


def test_a_real_hyphen_over_the_break_stays_and_the_sentence_is_kept_whole(
    ingester: Ingester, tmp_path: Path
) -> None:
    pages = _small(ingester, tmp_path, SMALL)
    assert pages[0].report is not None
    assert pages[1].report is not None
    assert pages[0].report.text.rstrip().endswith("the Japanese-")
    assert pages[1].report.text.startswith("Polish rapprochement")
    sentence = pages[0].continues
    assert sentence is not None
    assert "the Japanese- Polish rapprochement worried the Kremlin." in sentence.text


def test_footnotes_numbered_per_page_and_ibid_on_the_next_page(
    ingester: Ingester, tmp_path: Path
) -> None:
    path = tmp_path / "small.txt"
    path.write_text("\f".join(SMALL) + "\f", encoding="utf-8")
    pages, reader = read(ingester, path)
    assert [p.report.footnotes[0].number for p in pages[1:] if p.report] == [1, 1]
    assert reader.record.numbering == "page"
    (ibid,) = pages[2].citations
    assert (ibid.form, ibid.page, ibid.same_note) == ("ibid", "13", 1)
    assert ibid.citation.publisher == "Harper & Row"
    assert [loc.normalized for loc in ibid.citation.locators] == ["41"]


def test_a_number_that_does_not_follow_the_page_before_is_text(
    ingester: Ingester, tmp_path: Path
) -> None:
    pages = _small(ingester, tmp_path, [SMALL[0], "1905\nwas the year the fleet sailed.\n"])
    assert pages[1].label != "1905"
    assert pages[1].report is not None
    assert pages[1].report.text.startswith("1905")


@pytest.mark.parametrize("text", ["٣-٥", "²", "3-٥"])
def test_a_page_range_takes_ascii_digits_only(text: str) -> None:
    with pytest.raises(InputError, match="not a page range"):
        parse_range(text)


def test_a_book_with_crlf_line_ends_reads_as_with_lf(
    ingester: Ingester, book: tuple[list[BookPage], BookReader], tmp_path: Path
) -> None:
    # Regression: CR LF kept the CR in the repaired text, so neither a word hyphenated over a
    # line end nor one over the page break ("nego-" / "tiations") was mended.
    path = tmp_path / BOOK.name
    path.write_bytes(BOOK.read_bytes().replace(b"\n", b"\r\n"))
    pages, reader = read(ingester, path)
    assert [p.label for p in pages] == [p.label for p in book[0]]
    assert reader.record.headers == book[1].record.headers
    for crlf, lf in zip(pages, book[0], strict=True):
        assert crlf.report is not None
        assert lf.report is not None
        assert crlf.report.text == lf.report.text, crlf.label
        assert [f.text for f in crlf.report.footnotes] == [f.text for f in lf.report.footnotes]
        for edit in crlf.report.edits:
            assert crlf.raw[edit.raw_start : edit.raw_end] == edit.raw
    assert "open negotiations" in pages[0].report.text  # type: ignore[union-attr]
