"""``histkg ingest BOOK``: a text with form feeds or a PDF in, JSON lines or TriG out, the store's
review queue filled in the same command; the PDF is written by the tests (fpdf2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from fixtures.book.pdf import write_book_pdf
from ingest_metrics import ROOT
from typer.testing import CliRunner

from app.cli import cli
from app.pages.context import Site
from app.store import Store
from app.vocab import ID
from app.workbench.books import book_queue

BOOK = ROOT / "tests" / "fixtures" / "book" / "stalin-and-the-far-east.txt"
runner = CliRunner()
SITE = Site(name="histkg", version="test", css_href="", js_href="", icon_href="")


def _lines(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "stalin-and-the-far-east.pdf"
    write_book_pdf(path)
    return path


def _histkg(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The command in its own process, as a historian runs it (the store is closed at exit)."""
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_book_in_one_command_gives_a_review_queue_and_a_valid_trig(tmp_path: Path) -> None:
    env = {"HISTKG_PROJECT_DIR": str(ROOT), "HISTKG_STORE": str(tmp_path / "store")}
    assert _histkg("load", env=env).returncode == 0
    trig = tmp_path / "book.trig"
    done = _histkg(
        "ingest", str(BOOK), "--into-store", "--format", "turtle", "-o", str(trig), env=env
    )
    assert done.returncode == 0, done.stderr
    assert "Read 10 page(s)" in done.stderr
    checked = runner.invoke(cli, ["validate", str(trig)], env=env)
    assert checked.exit_code == 0, checked.output
    again = _histkg("ingest", str(BOOK), "--into-store", env=env)
    assert again.returncode == 0, again.stderr
    statuses = [line["book"]["stored"]["status"] for line in _lines(again.stdout)[:-1]]  # type: ignore[index]
    assert statuses == ["unchanged"] * 10
    with Store(str(tmp_path / "store")) as store:
        book = ox.NamedNode(f"{ID}source/stalin-and-the-far-east")
        queue = book_queue(store, book, ID, SITE)
        assert queue is not None
        assert [row.label for row in queue.rows] == [str(n) for n in range(41, 51)]
        assert queue.rows[0].candidates > 0
        assert queue.rows[0].mentions > 0
        assert sum(row.dates for row in queue.rows) > 10


def test_json_lines_one_per_page_with_todays_keys_then_the_book_record() -> None:
    result = runner.invoke(cli, ["ingest", str(BOOK)], env={"HISTKG_PROJECT_DIR": str(ROOT)})
    assert result.exit_code == 0, result.output
    lines = _lines(result.stdout)
    assert len(lines) == 11
    single = {"page", "header", "text", "edits", "footnotes", "dates", "mentions"}
    assert all(set(line) == single | {"book"} for line in lines[:-1])
    assert [line["page"] for line in lines[:-1]] == list(range(41, 51))
    record = lines[-1]["book"]
    assert isinstance(record, dict)
    assert record["pages"] == 10
    assert record["scanned"] == []
    assert record["footnote_numbering"] == "chapter"


def test_a_page_range_reads_those_pages_only() -> None:
    args = ["ingest", str(BOOK), "--pages", "3-5"]
    result = runner.invoke(cli, args, env={"HISTKG_PROJECT_DIR": str(ROOT)})
    assert result.exit_code == 0, result.output
    assert [line.get("page") for line in _lines(result.stdout)[:-1]] == [43, 44, 45]


@pytest.mark.parametrize(
    ("pages", "message"),
    [("9-12", "the book has 10 page(s)"), ("5-2", "the range is empty"), ("a-b", "not a page")],
)
def test_a_bad_range_exits_1_and_says_why(pages: str, message: str) -> None:
    args = ["ingest", str(BOOK), "--pages", pages]
    result = runner.invoke(cli, args, env={"HISTKG_PROJECT_DIR": str(ROOT)})
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stdout == ""  # nothing written before the range is checked


def test_an_unreadable_pdf_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\nnot really a PDF")
    result = runner.invoke(cli, ["ingest", str(bad)], env={"HISTKG_PROJECT_DIR": str(ROOT)})
    assert result.exit_code == 1
    assert "not a readable PDF" in result.stderr


def test_a_pdf_gives_the_same_pages_with_ligatures_expanded(pdf: Path) -> None:
    result = runner.invoke(cli, ["ingest", str(pdf)], env={"HISTKG_PROJECT_DIR": str(ROOT)})
    lines = _lines(result.stdout)
    first = lines[0]
    assert first["page"] == 41
    text = str(first["text"])
    assert "the first reports" in text
    assert "flexible until" in text
    assert "\ufb01" not in text
    assert "\ufb02" not in text
    edits = first["edits"]
    assert isinstance(edits, list)
    kinds = {(e["raw"], e["clean"]) for e in edits if e["kind"] == "ligature"}
    assert {("\ufb01", "fi"), ("\ufb02", "fl")} <= kinds


def test_a_pdf_page_without_text_is_reported_by_its_label_and_in_the_exit_status(
    pdf: Path,
) -> None:
    result = runner.invoke(cli, ["ingest", str(pdf)], env={"HISTKG_PROJECT_DIR": str(ROOT)})
    assert result.exit_code == 3
    lines = _lines(result.stdout)
    plate = lines[10]["book"]
    assert isinstance(plate, dict)
    assert (plate["label"], plate["number_from"], plate["scanned"]) == ("51", "label", True)
    assert lines[-1]["book"]["scanned"] == ["51"]  # type: ignore[index]
    assert "page 51 (position 11): no text layer" in result.stderr
    assert "no text layer on page(s) 51" in result.stderr


def test_a_pdf_book_as_trig_is_valid(pdf: Path, tmp_path: Path) -> None:
    env = {"HISTKG_PROJECT_DIR": str(ROOT)}
    trig = tmp_path / "pdf.trig"
    result = runner.invoke(
        cli, ["ingest", str(pdf), "--format", "turtle", "-o", str(trig)], env=env
    )
    assert result.exit_code == 3, result.output
    assert runner.invoke(cli, ["validate", str(trig)], env=env).exit_code == 0
    quads = ox.parse(path=str(trig), format=ox.RdfFormat.TRIG)
    assert (
        sum(1 for q in quads if q.predicate.value.endswith("#unknown") and q.object.value == "text")
        == 1
    )


def test_review_is_for_one_page() -> None:
    args = ["ingest", str(BOOK), "--review", "x.html"]
    result = runner.invoke(cli, args, env={"HISTKG_PROJECT_DIR": str(ROOT)})
    assert result.exit_code == 1
    assert "--review is for one page" in result.stderr
