"""Pages a historian trusts at a glance (issue 16): what every page says, checked on all of them.

Every entity page of the curated graph is built and rendered once in this process (the HTTP
side is covered by ``test_pages_all.py``); the tests then read the pages by selecting elements.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from htmlparts import one, text
from test_pages_all import BASE, entities

from app.ingest.graph import GraphIndex
from app.ingest.pipeline import Ingester
from app.pages.entity import entity_page
from app.pages.render import render
from app.read import read_model
from app.routes.pages import page_settings
from app.settings import Settings
from app.store import Store

SEED = Path(__file__).resolve().parent.parent / "seeds" / "moscow-versus-tokyo-p129.txt"


@pytest.fixture(scope="module")
def rendered(curated_store: Store, curated_settings: Settings) -> dict[str, BeautifulSoup]:
    """Every entity page, by path, as parsed HTML."""
    settings = page_settings(curated_settings)
    found = {}
    for iri in entities(curated_store):
        page = entity_page(read_model(curated_store), iri, settings)
        assert page is not None, iri
        found["/id/" + iri.removeprefix(BASE)] = BeautifulSoup(render(page), "html.parser")
    return found


def _fold(words: str) -> str:
    """White space folded; outer punctuation and quotation marks dropped."""
    return " ".join(words.split()).strip(" .,;:\u201c\u201d\"'")


@pytest.fixture(scope="module")
def quoted_spans() -> list[str]:
    """What the seed page prints between quotation marks, as the ingest repair reads it."""
    repaired = Ingester(GraphIndex()).ingest(SEED.read_text(encoding="utf-8")).text
    spans = [_fold(span) for span in re.findall(r"\u201c([^\u201d]*)\u201d", repaired)]
    assert len(spans) >= 5  # the seed quotes Stalin seven times
    return spans


def _quotations(html: BeautifulSoup) -> Iterator[str]:
    """Every text the page shows as a quotation: <q> and the letters' quotation blocks."""
    for element in html.select("main q, main blockquote.quotation > p"):
        yield text(element)


def test_every_quotation_shown_is_printed_in_quotation_marks_on_the_source_page(
    rendered: dict[str, BeautifulSoup], quoted_spans: list[str]
) -> None:
    problems = []
    shown = 0
    for path, html in rendered.items():
        for quotation in _quotations(html):
            shown += 1
            words = _fold(re.sub(r"\s*\d+$", "", quotation))  # a footnote mark may follow
            if not any(words in span for span in quoted_spans):
                problems.append(f"{path}: “{words}” is not quoted on the source page")
    assert shown > 20
    assert not problems, "\n".join(sorted(set(problems))[:20])


@pytest.mark.parametrize(
    ("path", "indirect"),
    [
        ("/id/event/stalin-admission-according-to-radek", "That he feared a simultaneous"),
        ("/id/document/stalin-to-kaganovich-1931-09-14", "Taking a principled position"),
    ],
)
def test_indirect_speech_is_not_shown_in_quotation_marks(
    rendered: dict[str, BeautifulSoup], path: str, indirect: str
) -> None:
    summary = one(rendered[path], "section.summary")
    assert indirect in text(summary)
    assert "\u201c" + indirect not in text(summary)
    assert all(indirect not in text(q) for q in summary.select("q"))
