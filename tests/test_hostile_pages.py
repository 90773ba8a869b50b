"""Hostile data on pages (issue 14, point 8): a value longer than the shapes allow, put in the
store past them (a restore, a direct load), must not make a page of megabytes. Pages cut it and
the entity page links to its RDF, which has it whole. Over HTTP against a real uvicorn."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import rdflib
from bs4 import BeautifulSoup
from fixtures.sparql.servers import serve_app
from pyoxigraph import Literal, NamedNode, Triple

from app.pages.render import LONGEST_NAME, LONGEST_TEXT
from app.settings import Settings
from app.store import Store
from app.vocab import CRM, DCTERMS, RDF, RDFS
from app.web import create_app

REPO = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/histkg/id/"
HUGE = "Aaron " + "x" * 3_500_000  # a 3.5 MB name: sorts first among the people
SMALL_PAGE = 200_000  # bytes: the page without the long values is a few tens of kilobytes
BROWSER = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    settings = Settings(store="memory", project_dir=REPO)
    with Store("memory", query_workers=0) as store:
        store.load_curated(REPO)
        long_person = NamedNode(BASE + "person/long-name")
        kaganovich = NamedNode(BASE + "person/lazar-kaganovich")
        store.replace_graph(
            "urn:x-test:long-values",
            [
                Triple(long_person, RDF.type, CRM.E21_Person),
                Triple(long_person, RDFS.label, Literal(HUGE, language="en")),
                Triple(kaganovich, DCTERMS.description, Literal(HUGE, language="en")),
            ],
        )
        with (
            serve_app(create_app(settings, store)) as base,
            httpx.Client(base_url=base, timeout=60) as client,
        ):
            yield client


@pytest.mark.parametrize("path", ["/id/person/long-name", "/id/person/lazar-kaganovich"])
def test_an_entity_page_with_a_huge_value_stays_small_and_links_to_it_whole(
    http: httpx.Client, path: str
) -> None:
    response = http.get(path, headers=BROWSER)
    assert response.status_code == 200
    assert len(response.content) < SMALL_PAGE  # before: 17 MB
    page = BeautifulSoup(response.text, "html.parser")
    full = page.select_one("p.cut a")
    assert full is not None
    assert full["href"] == path + ".ttl"
    whole = http.get(str(full["href"]))
    assert whole.status_code == 200
    graph = rdflib.Graph().parse(data=whole.text, format="turtle")
    assert any(str(value) == HUGE for value in graph.objects())


def test_a_cut_name_keeps_its_beginning_and_says_it_is_cut(http: httpx.Client) -> None:
    page = BeautifulSoup(http.get("/id/person/long-name", headers=BROWSER).text, "html.parser")
    heading = page.select_one("h1")
    assert heading is not None
    assert heading.get_text() == HUGE[:LONGEST_NAME] + "\u2026"


def test_the_json_view_of_a_page_stays_small(http: httpx.Client) -> None:
    response = http.get("/id/person/lazar-kaganovich.json")
    assert response.status_code == 200
    assert len(response.content) < SMALL_PAGE  # before: 14 MB
    assert response.json()["cut"] is True


def test_pages_listing_a_huge_name_stay_small(http: httpx.Client) -> None:
    for path in ("/", "/search?q=aaron", "/search?kind=person"):
        response = http.get(path, headers=BROWSER)
        assert response.status_code == 200
        assert len(response.content) < SMALL_PAGE, path  # before: 3.5 MB for the home page


def test_an_ordinary_page_is_not_marked_cut(http: httpx.Client) -> None:
    page = BeautifulSoup(http.get("/id/person/joseph-stalin", headers=BROWSER).text, "html.parser")
    assert page.select_one("p.cut") is None


def test_pages_cut_no_value_the_shapes_accept() -> None:
    """The shapes' length caps (``hks:ShownTextShape``) are the pages' own: a conforming value
    is always shown whole, and the longest a page prints is the longest a shape allows."""
    shapes = rdflib.Graph().parse(REPO / "ontology" / "shapes.ttl")
    caps = {int(str(v)) for v in shapes.objects(None, rdflib.SH.maxLength)}
    assert caps == {LONGEST_NAME, LONGEST_TEXT}
