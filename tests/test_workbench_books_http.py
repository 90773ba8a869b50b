"""A book in the workbench over real HTTP: a PDF uploaded on "Add a page" becomes a review queue
of its pages, each opening the page review with its proposals waiting.

One real uvicorn server (``fixtures.sparql.servers.serve_app``) over a store on disk holding the
curated graph (its names make mentions and candidates); the PDF is the fixture book written by
``fixtures.book.pdf`` with fpdf2.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from fixtures.book.pdf import write_book_pdf
from fixtures.sparql.servers import serve_app
from ingest_metrics import ROOT

from app import history
from app.accounts import Accounts, Role
from app.settings import Settings
from app.store import Store
from app.web import create_app

PASSWORD = "a long test password"  # noqa: S105 - test accounts only
BOOK = ROOT / "tests" / "fixtures" / "book" / "stalin-and-the-far-east.txt"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store, Path]]:
    root = tmp_path_factory.mktemp("books")
    settings = Settings(store=str(root / "store"), project_dir=ROOT, query_workers=0)
    Accounts.from_settings(settings).add("ada", Role.curator, PASSWORD)
    store = Store.from_settings(settings)
    store.load_curated(ROOT)
    pdf = root / "stalin-and-the-far-east.pdf"
    write_book_pdf(pdf)
    with serve_app(create_app(settings, store)) as base:
        yield base, store, pdf
    store.close()


@pytest.fixture
def browser(served: tuple[str, Store, Path]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served[0], timeout=120, headers={"Accept": "text/html"}) as client:
        yield client


def _soup(answer: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(answer.text, "html.parser")


def _csrf(client: httpx.Client, path: str) -> str:
    field = _soup(client.get(path)).select_one("input[name=csrf]")
    assert field is not None
    return str(field["value"])


def _sign_in(client: httpx.Client) -> None:
    form = {"csrf": _csrf(client, "/signin"), "name": "ada", "password": PASSWORD}
    assert client.post("/signin", data=form).status_code == 303


def _add_source(client: httpx.Client, title: str) -> str:
    fields = {"csrf": _csrf(client, "/workbench/sources/new"), "title": title, "year": "1999"}
    assert client.post("/workbench/sources", data=fields).status_code == 303
    return f"{title} (1999)"


def _upload(
    client: httpx.Client, source: str, name: str, data: bytes, pages: str
) -> httpx.Response:
    fields = {"csrf": _csrf(client, "/workbench/pages/new"), "source": source, "pages": pages}
    return client.post("/workbench/pages", data=fields, files={"file": (name, data)})


def test_an_uploaded_pdf_becomes_a_queue_whose_pages_open_with_their_proposals(
    browser: httpx.Client, served: tuple[str, Store, Path]
) -> None:
    _sign_in(browser)
    source = _add_source(browser, "Stalin and the Far East")
    answer = _upload(browser, source, "book.pdf", served[2].read_bytes(), "")
    assert answer.status_code == 303, answer.text
    queue_url = answer.headers["location"]
    assert queue_url.startswith("/workbench/books?book=")
    queue = _soup(browser.get(queue_url))
    rows = queue.select("tr.queue-page")
    labels = [row.select_one(".page-link").get_text() for row in rows]  # type: ignore[union-attr]
    assert labels == [f"Page {n}" for n in range(41, 52)]  # the plate (label 51) too
    assert "no text layer" in rows[-1].get_text()
    for row in rows[:10]:
        link = row.select_one(".page-link")
        assert link is not None
        page = browser.get(str(link["href"]))
        assert page.status_code == 200, link["href"]
        proposals = row.select_one(".proposals-link")
        if proposals is not None:
            waiting = _soup(browser.get(str(proposals["href"])))
            assert waiting.select(".candidate-text"), proposals["href"]
    first = _soup(browser.get(str(rows[0].select_one(".page-link")["href"])))  # type: ignore[index]
    assert "the first reports" in first.get_text()  # U+FB01 expanded, the page's own text
    assert int(rows[0].select("td")[2].get_text()) > 0  # linked names (Stalin, Kaganovich...)


def test_a_range_of_a_book_text_is_added_once_and_again_changes_nothing(
    browser: httpx.Client, served: tuple[str, Store, Path]
) -> None:
    _sign_in(browser)
    source = _add_source(browser, "Far East Range")
    data = BOOK.read_bytes()
    first = _upload(browser, source, "book.txt", data, "3-4")
    assert first.status_code == 303, _soup(first).select_one("[role=alert]")
    head = history.head(served[1].match)
    answer = _upload(browser, source, "book.txt", data, "3-4")
    assert answer.status_code == 303
    assert history.head(served[1].match) == head
    rows = _soup(browser.get(answer.headers["location"])).select("tr.queue-page")
    assert [r.select_one(".page-link").get_text() for r in rows] == ["Page 43", "Page 44"]  # type: ignore[union-attr]


def test_a_bad_range_is_shown_in_the_form_and_writes_nothing(
    browser: httpx.Client, served: tuple[str, Store, Path]
) -> None:
    _sign_in(browser)
    source = _add_source(browser, "Far East Bad Range")
    head = history.head(served[1].match)
    answer = _upload(browser, source, "book.pdf", served[2].read_bytes(), "40-45")
    assert answer.status_code == 422
    assert "the PDF has 11" in _soup(answer).get_text()
    assert history.head(served[1].match) == head


def test_the_queue_needs_a_curator_and_a_book_with_pages(browser: httpx.Client) -> None:
    assert browser.get("/workbench/books").headers["location"].startswith("/signin")
    _sign_in(browser)
    assert browser.get("/workbench/books?book=https://example.org/none").status_code == 404
    assert browser.get("/workbench/books?book=not%20an%20iri").status_code == 400
    assert browser.get("/workbench/books").status_code == 200


def _blank_pdf(pages: int) -> bytes:
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    for _ in range(pages):
        pdf.add_page()
    return bytes(pdf.output())


def test_an_upload_longer_than_the_page_limit_is_refused_and_sent_to_the_cli(
    browser: httpx.Client, served: tuple[str, Store, Path]
) -> None:
    # Regression: form feeds alone made ~a page each (4 MiB of them: millions of revisions),
    # and a PDF's pages were all extracted before anything was checked.
    _sign_in(browser)
    source = _add_source(browser, "Far East Too Long")
    head = history.head(served[1].match)
    for name, data in (("feeds.txt", b"\f" * 100_000), ("long.pdf", _blank_pdf(60))):
        answer = _upload(browser, source, name, data, "")
        assert answer.status_code == 422, name
        alert = _soup(answer).get_text()
        assert "at most 50 (HISTKG_MAX_UPLOAD_PAGES)" in alert
        assert "histkg ingest BOOK --into-store" in alert
        assert history.head(served[1].match) == head
    assert "at most 50" in _soup(_upload(browser, source, "long.pdf", _blank_pdf(60), "1-51")).text
    answer = _upload(browser, source, "long.pdf", _blank_pdf(60), "5-7")  # a range that fits
    assert answer.status_code == 303
    assert history.head(served[1].match) == (head or 0) + 1  # its pages and book: one revision
    rows = _soup(browser.get(answer.headers["location"])).select("tr.queue-page")
    assert len(rows) == 3


def test_a_refused_page_leaves_no_page_of_the_upload_written(
    browser: httpx.Client, served: tuple[str, Store, Path]
) -> None:
    # Regression: each page was its own revision, so pages 1 and 2 stayed when page 3 was
    # refused (its text is over the 5,000 characters a shown text may have) behind a 422.
    _sign_in(browser)
    source = _add_source(browser, "Far East Refused Page")
    pages = BOOK.read_text(encoding="utf-8").split("\f")[:2]
    too_long = "Stalin wrote to Kaganovich on 2 October 1931. " * 120
    head = history.head(served[1].match)
    answer = _upload(browser, source, "book.txt", "\f".join([*pages, too_long]).encode(), "")
    assert answer.status_code == 422
    assert history.head(served[1].match) == head
    assert browser.get("/workbench/books").text.count("Far East Refused Page") == 0


def test_pages_labelled_with_non_ascii_digits_are_listed_in_the_queue(
    browser: httpx.Client,
) -> None:
    # Regression: "²".isdigit() is true and int("²") raises, so the queue answered 500.
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    for label in ("²", "١٢", "7"):
        pdf.add_page()
        pdf.set_page_label(None, label)
    _sign_in(browser)
    source = _add_source(browser, "Far East Odd Labels")
    answer = _upload(browser, source, "labels.pdf", bytes(pdf.output()), "")
    assert answer.status_code == 303
    queue = browser.get(answer.headers["location"])
    assert queue.status_code == 200
    labels = [link.get_text() for link in _soup(queue).select("tr.queue-page .page-link")]
    assert labels == ["Page 7", "Page ²", "Page ١٢"]  # numbers first, other labels after
