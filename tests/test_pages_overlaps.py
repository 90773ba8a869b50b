"""Footnotes whose passages overlap share one passage, a highlight for each (issue 16).

The real pages (the Mukden Incident's, Stalin's) and a page of our own whose anchors nest and
overlap, with text that must be escaped.
"""

from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from htmlparts import one, text
from test_pages_trust import rendered  # noqa: F401  (the module-wide fixture of every page)

from app.pages.context import HighlightMark, Link
from app.pages.overlaps import shared_passages
from app.pages.passages import Span, printed_pieces
from app.pages.render import environment
from app.read.neighbourhood import Anchor

FILE = "seeds/overlap.txt"
PAGE = (
    "A first sentence stands alone. Stalin wrote <to> Kaganovich & Molotov that Japan "
    "would not stop. The Politburo agreed. A last sentence.\n"
)


def _at(words: str) -> tuple[int, int]:
    start = PAGE.index(words)
    return start, start + len(words)


def _mark(number: int) -> HighlightMark:
    return HighlightMark(number=number, href=f"/id/claim/c{number}", title=f"Claim {number}")


def _anchor(words: str) -> Anchor:
    start, end = _at(words)
    return Anchor(iri=f"urn:a:{start}-{end}", start=start, end=end, file=FILE)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "seeds").mkdir()
    (tmp_path / FILE).write_text(PAGE, encoding="utf-8")
    return tmp_path


def test_nested_and_overlapping_ranges_are_split_into_pieces_under_each_highlight() -> None:
    outer, inner, across = (
        _at("Stalin wrote <to> Kaganovich"),
        _at("<to>"),
        _at("Kaganovich & Molotov"),
    )
    spans = [Span(*outer, 1), Span(*inner, 2), Span(*across, 3)]
    start, end = _at("Stalin wrote <to> Kaganovich & Molotov that Japan would not stop.")
    pieces = [(p.text, p.notes, p.ends) for p in printed_pieces(PAGE, start, end, spans)]
    assert pieces == [
        ("Stalin wrote ", (1,), ()),
        ("<to>", (1, 2), (2,)),
        (" ", (1,), ()),
        ("Kaganovich", (1, 3), (1,)),
        (" & Molotov", (3,), (3,)),
        (" that Japan would not stop.", (), ()),
    ]


def test_overlapping_passages_are_shown_once_with_each_highlight_linked_to_its_claim(
    project: Path,
) -> None:
    notes = [
        (1, [_anchor("Stalin wrote <to> Kaganovich")], _mark(1)),
        (2, [_anchor("<to>")], _mark(2)),
        (3, [_anchor("Kaganovich & Molotov")], _mark(3)),
        (4, [_anchor("A last sentence.")], _mark(4)),
    ]
    shared = shared_passages(project, notes)
    group = shared[(FILE, *_at("<to>"))]
    assert {key[1:] for key, found in shared.items() if found is group} == {
        _at("Stalin wrote <to> Kaganovich"),
        _at("<to>"),
        _at("Kaganovich & Molotov"),
        _at("A last sentence."),  # its passage (a sentence either side) holds the others' words
    }
    macros: Any = environment().get_template("_macros.html").module
    source = Link(label="the page", href="/id/text/overlap", iri="urn:text")
    html = BeautifulSoup(str(macros.passage(group.passage(source))), "html.parser")
    figure = one(html, "figure.passage-shared")
    assert text(one(figure, "blockquote")).startswith(
        "A first sentence stands alone. Stalin wrote <to>"
    )
    assert [m.get_text() for m in figure.select("mark[data-notes='1 2']")] == ["<to>"]
    assert [m.get_text() for m in figure.select("mark.hl-overlap")] == ["<to>", "Kaganovich"]
    links = {a.get_text(): a["href"] for a in figure.select("sup.hl-ref a")}
    assert links == {str(n): f"/id/claim/c{n}" for n in (1, 2, 3, 4)}
    assert "&lt;to&gt; Kaganovich &amp; Molotov" not in str(html)  # split by the highlights
    assert "<to>" not in str(html).replace("&lt;to&gt;", "")  # escaped everywhere
    later = BeautifulSoup(
        str(
            macros.passage(
                shared[(FILE, *_at("Kaganovich & Molotov"))].reference(
                    source, *_at("Kaganovich & Molotov")
                )
            )
        ),
        "html.parser",
    )
    assert text(one(later, "p.passage-ref mark")) == "Kaganovich & Molotov"
    assert one(later, "p.passage-ref a")["href"] == "#fn-1"


def test_a_passage_overlapping_no_other_is_left_as_it_was(project: Path) -> None:
    notes = [(1, [_anchor("A first sentence stands alone.")], _mark(1))]
    assert shared_passages(project, notes) == {}


def test_the_mukden_incident_shows_its_overlapping_passages_as_one(
    rendered: dict[str, BeautifulSoup],  # noqa: F811
) -> None:
    html = rendered["/id/event/mukden-incident"]
    shared = html.select("figure.passage-shared")
    assert len(shared) == 1
    anchors = shared[0].select("sup.hl-ref a")
    marks = {a.get_text(): str(a["href"]) for a in anchors}
    assert len(marks) == len(anchors)  # one mark per footnote
    # Footnote 1 is where the source names the incident (a mention, no claim of its own: its
    # mark goes to the footnote); each other mark goes to the claim its footnote gives.
    assert marks == {
        "1": "#fn-1",
        "2": "/id/claim/mukden-incident",
        "3": "/id/claim/stalin-letter-to-kaganovich-1931-09-14",
        "4": "/id/claim/stalin-caution-before-mukden",
        "5": "/id/claim/stalin-writes-1931-09-23",
    }
    assert (
        text(one(html, "li#fn-1 > p.note-head")) == "\u2191 Where the source names Mukden Incident."
    )
    for number, href in marks.items():
        if number != "1":
            claims = one(html, f"li#fn-{number}").select("a[href^='/id/claim/']")
            assert {str(a["href"]) for a in claims} == {href}, number
    owner = shared[0].find_parent("li")
    assert owner is not None
    for ref in html.select("p.passage-ref"):
        assert one(ref, "a")["href"] == "#" + str(owner["id"])
    # No sentence of the passage is shown again in another passage of the page.
    sentences = [s for s in text(one(shared[0], "blockquote")).split(". ") if len(s) > 40]
    assert sentences
    for figure in html.select("figure.passage"):
        if figure is not shared[0]:
            other = text(one(figure, "blockquote"))
            assert not [s for s in sentences if s in other], other[:80]
