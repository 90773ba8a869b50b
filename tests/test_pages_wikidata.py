"""The "From Wikidata" block of entity pages, over real HTTP, checked with CSS selectors.

A store of its own (in memory: the curated graph plus a facts graph made from the fixture
extract, ``tests/fixtures/linking/extract.json``, with a fixed retrieval time), never the
session-wide page store, which other tests read as the curated graph alone.
"""

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup, Tag
from fixtures.sparql.servers import serve_app
from htmlparts import one, text

from app.linking import WIKIDATA_GRAPH, ExtractSource, store_facts
from app.linking.facts import facts_quads
from app.linking.wikidata import ENTITY_BASE
from app.settings import Settings
from app.store import Store
from app.web import create_app

REPO = Path(__file__).resolve().parent.parent
EXTRACT = Path(__file__).parent / "fixtures" / "linking" / "extract.json"
RETRIEVED = "2025-03-14T09:30:00Z"
BROWSER = {"Accept": "text/html"}
VOROSHILOV = "/id/person/kliment-voroshilov"
# What the fixture extract says of Q186185, in the words the page uses.
WIKIDATA_WORDS = ("Soviet military officer and politician", "4 February 1881", "2 December 1969")


def fixture_facts(qids: set[str]) -> list[ox.Quad]:
    """The facts graph of the fixture items ``qids``, retrieved at ``RETRIEVED``."""
    items = ExtractSource(EXTRACT).items(qids)
    found = [replace(item, retrieved=RETRIEVED) for item in items.values() if item is not None]
    return facts_quads(found, source=EXTRACT.resolve().as_uri())


@pytest.fixture(scope="module")
def site(curated_settings: Settings) -> Iterator[str]:
    """A server over the curated graph and the facts of three linked items."""
    with Store.from_settings(curated_settings) as store:
        store.load_curated(REPO)
        store_facts(store, fixture_facts({"Q186185", "Q649", "Q855"}))
        with serve_app(create_app(curated_settings, store)) as url:
            yield url


@pytest.fixture(scope="module")
def http(site: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site, timeout=30) as client:
        yield client


def html_of(client: httpx.Client, path: str) -> BeautifulSoup:
    response = client.get(path, headers=BROWSER)
    assert response.status_code == 200, response.text[:500]
    return BeautifulSoup(response.text, "html.parser")


def rows(section: Tag) -> dict[str, str]:
    return {text(dt): text(dt.find_next_sibling("dd")) for dt in section.select("dl > dt")}


def test_a_linked_entity_shows_what_wikidata_says_with_the_retrieval_date(
    http: httpx.Client,
) -> None:
    html = html_of(http, VOROSHILOV)
    block = one(html, "article section.from-wikidata")
    assert text(one(block, "h2")) == "From Wikidata"
    retrieved = one(block, ".provenance time.retrieved")
    assert retrieved["datetime"] == RETRIEVED
    assert text(retrieved) == "14 March 2025"
    item = one(block, ".provenance a[rel=external]")
    assert item["href"] == "https://www.wikidata.org/wiki/Q186185"
    assert rows(block) == {
        "Label": "Kliment Voroshilov",
        "Other names": "Kliment Yefremovich Voroshilov (en)",
        "Description": "Soviet military officer and politician (1881-1969)",
        "Born": "4 February 1881 1881-02-04",
        "Died": "2 December 1969 1969-12-02",
        "Item": "Q186185 revised on Wikidata 1 May 2024",
    }
    assert not block.select("sup.ref")  # no footnote marks: these are no claims


def test_the_historians_claims_do_not_contain_the_wikidata_facts(http: httpx.Client) -> None:
    html = html_of(http, VOROSHILOV)
    block = one(html, "section.from-wikidata")
    assert not block.find_parent("section")  # a block of its own, inside no other section
    claims = html.select(
        "header.entity-head, section.summary, section.statements, section.footnotes, "
        "section.inbound, aside.editorial"
    )
    assert one(html, "section.statements") in claims
    for section in claims:
        assert not section.select("section.from-wikidata")
        for words in WIKIDATA_WORDS:
            assert words not in text(section), (words, section.get("class"))
    assert html.select("section.footnotes ol.notes > li")  # the claims are there, footnoted


def test_a_place_shows_its_coordinates(http: httpx.Client) -> None:
    block = one(html_of(http, "/id/place/moscow"), "section.from-wikidata")
    assert rows(block)["Coordinates"] == "55.7558° N, 37.6173° E"
    assert rows(block)["Description"] == "capital of Russia"


@pytest.mark.parametrize(
    "path",
    [
        "/id/person/karl-radek",  # not linked to Wikidata
        "/id/place/tokyo",  # linked, but the facts graph has nothing on its item
        "/id/event/mukden-incident",
    ],
)
def test_entities_without_wikidata_facts_show_no_such_block(http: httpx.Client, path: str) -> None:
    html = html_of(http, path)
    assert html.select("section.from-wikidata") == []
    assert not html.select("h2:-soup-contains('From Wikidata')")
    assert http.get(path + ".json").json()["from_wikidata"] is None


def test_the_json_view_carries_the_block(http: httpx.Client) -> None:
    data = http.get(VOROSHILOV + ".json").json()
    block = data["from_wikidata"]
    assert block["item"]["iri"] == ENTITY_BASE + "Q186185"
    assert block["retrieved"] == RETRIEVED
    assert block["graph"] == WIKIDATA_GRAPH
    assert block["dates"][0] == {"label": "born", "value": "1881-02-04", "words": "4 February 1881"}
    statements = str(data["statements"]) + str(data["footnotes"])
    assert all(words not in statements for words in WIKIDATA_WORDS)


def test_writing_the_facts_graph_starts_the_page_cache_afresh(curated_settings: Settings) -> None:
    """Pages are cached per store state: the facts written after a visit show on the next."""
    with Store.from_settings(curated_settings) as store:
        store.load_curated(REPO)
        app = create_app(curated_settings, store)
        with serve_app(app) as url, httpx.Client(base_url=url) as client:
            assert html_of(client, VOROSHILOV).select("section.from-wikidata") == []
            generation = store.generation
            store_facts(store, fixture_facts({"Q186185"}))
            assert store.generation == generation + 1
            one(html_of(client, VOROSHILOV), "section.from-wikidata")
            store_facts(store, [])  # the graph dropped: the block goes too
            assert html_of(client, VOROSHILOV).select("section.from-wikidata") == []


def test_wikidata_text_is_escaped(curated_settings: Settings) -> None:
    quads = fixture_facts({"Q186185"})
    name = ox.NamedNode("https://schema.org/name")
    hostile = ox.Literal('<script>alert("x")</script> & Co', language="en")
    quads = [q for q in quads if q.predicate != name]
    item = ox.NamedNode(ENTITY_BASE + "Q186185")
    quads.append(ox.Quad(item, name, hostile, ox.NamedNode(WIKIDATA_GRAPH)))
    with Store.from_settings(curated_settings) as store:
        store.load_curated(REPO)
        store_facts(store, quads)
        app = create_app(curated_settings, store)
        with serve_app(app) as url, httpx.Client(base_url=url) as client:
            response = client.get(VOROSHILOV, headers=BROWSER)
    assert "&lt;script&gt;" in response.text
    html = BeautifulSoup(response.text, "html.parser")
    assert text(one(html, "section.from-wikidata dd.wd-label")) == hostile.value
    assert not html.select("section.from-wikidata script")


def test_other_language_labels_show_with_their_language_as_wikidatas(
    http: httpx.Client,
) -> None:
    html = html_of(http, "/id/person/joseph-stalin")
    block = one(html, "article section.from-wikidata")
    names = {(span["lang"], text(span)) for span in block.select(".wd-names .wd-name")}
    assert ("ru", "Иосиф Сталин") in names
    assert ("de", "Josef Stalin") in names
    assert ("en", "Iosif Vissarionovich Stalin") in names  # an alias
    block.decompose()  # anywhere else on the page, it would pass for the historian's
    assert "Иосиф Сталин" not in text(one(html, "article"))


def test_a_place_with_coordinates_is_drawn_on_the_offline_world_map(
    http: httpx.Client,
) -> None:
    html = html_of(http, "/id/place/moscow")
    figure = one(html, "figure.place-map")
    outline = one(figure, "svg image")
    point = one(figure, "svg circle.place-point")
    assert (float(str(point["cx"])), float(str(point["cy"]))) == (217.62, 34.24)  # 37.6 E 55.8 N
    assert "55.7558" in text(one(figure, "figcaption"))
    svg = http.get(str(outline["href"]))
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg")
    assert len(svg.text) > 10_000  # the land outline
    assert not one(html_of(http, "/id/place/kremlin"), "main").select("figure.place-map")
