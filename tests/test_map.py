"""Events on the offline map (issue 16): placed by their place, drawn only where the Wikidata
facts graph gives coordinates, with a table that says the same without any script.

A store of its own (the curated graph plus a facts graph: Moscow from the fixture extract, and
a point for Manchuria's item written here as test data, as ``histkg link --verify`` would store
it), over real HTTP; and the session's curated graph alone, which has no facts graph at all.
"""

import threading
from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup
from fixtures.sparql.servers import serve_app
from htmlparts import one, text
from test_pages_wikidata import fixture_facts

from app.linking import WIKIDATA_GRAPH, store_facts
from app.linking.facts import WDT, WKT
from app.linking.wikidata import ENTITY_BASE
from app.pages.worldmap import project
from app.settings import Settings
from app.store import Store
from app.vocab import CRM, GEO, HK, RDF, RDFS, XSD
from app.web import create_app

BROWSER = {"Accept": "text/html"}
MANCHURIA = "/id/place/manchuria"
# Test data for Manchuria's item (data/entities.ttl links place:manchuria to wd:Q81126).
MANCHURIA_POINT = (125.0, 45.0)


def point_quad(qid: str, wkt: str) -> ox.Quad:
    """One coordinate location of the Wikidata facts graph, as ``store_facts`` keeps it."""
    return ox.Quad(
        ox.NamedNode(ENTITY_BASE + qid),
        ox.NamedNode(WDT + "P625"),
        ox.Literal(wkt, datatype=ox.NamedNode(WKT)),
        ox.NamedNode(WIKIDATA_GRAPH),
    )


def map_facts() -> list[ox.Quad]:
    """Moscow from the fixture extract, Manchuria's point, and a point off the globe."""
    longitude, latitude = MANCHURIA_POINT
    return [
        *fixture_facts({"Q649"}),
        point_quad("Q81126", f"Point({longitude:g} {latitude:g})"),
        point_quad("Q1490", "Point(400 95)"),  # Tokyo's item: not a point on the globe
    ]


@pytest.fixture(scope="module")
def site(curated_settings: Settings) -> Iterator[str]:
    with Store.from_settings(curated_settings) as store:
        store.load_curated(curated_settings.project_dir)
        store_facts(store, map_facts())
        with serve_app(create_app(curated_settings, store)) as url:
            yield url


@pytest.fixture(scope="module")
def http(site: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site, timeout=30) as client:
        yield client


def _rows(html: BeautifulSoup) -> dict[str, tuple[str, list[str]]]:
    """The table: place -> (coordinates cell, event links)."""
    found = {}
    for row in html.select("table.map-table tbody tr"):
        place, where, events = row.select("td")
        found[str(one(place, "a")["href"])] = (
            text(where),
            [str(a["href"]) for a in events.select("a")],
        )
    return found


def test_events_are_drawn_at_their_place_and_listed_in_the_table(http: httpx.Client) -> None:
    response = http.get("/map", headers=BROWSER)
    assert response.status_code == 200
    html = BeautifulSoup(response.text, "html.parser")
    points = {str(a["href"]): one(a, "circle") for a in html.select("svg a.map-point")}
    assert set(points) == {MANCHURIA, "/id/place/moscow"}
    x, y = project(*MANCHURIA_POINT)
    circle = points[MANCHURIA]
    assert (float(str(circle["cx"])), float(str(circle["cy"]))) == (x, y)
    rows = _rows(html)
    where, events = rows[MANCHURIA]
    assert where.startswith("45\u00b0 N, 125\u00b0 E")
    assert len(events) == 2
    assert text(one(points[MANCHURIA], "title")) == "Manchuria: 2 events"
    for event in events:  # each is an event the graph places in Manchuria
        page = BeautifulSoup(http.get(event, headers=BROWSER).text, "html.parser")
        assert MANCHURIA in {str(a["href"]) for a in page.select("main a")}
    assert rows["/id/place/moscow"][1] == []  # drawn (it has coordinates), no event there


def test_places_without_coordinates_are_listed_never_drawn(http: httpx.Client) -> None:
    html = BeautifulSoup(http.get("/map", headers=BROWSER).text, "html.parser")
    rows = _rows(html)
    for place in ("/id/place/soviet-airspace", "/id/place/lost-territory"):
        where, events = rows[place]
        assert where == "none set or in the Wikidata facts graph: not drawn"
        assert events
    # Tokyo's item has a point off the globe: not drawn (and no event is placed there).
    assert "/id/place/tokyo" not in {str(a["href"]) for a in html.select("svg a")}
    assert "/id/place/tokyo" not in rows


def test_the_map_is_json_for_clients_that_ask_for_it(http: httpx.Client) -> None:
    data = http.get("/map.json").json()
    assert data == http.get("/map", headers={"Accept": "application/json"}).json()
    placed = {p["place"]["href"]: p for p in data["placed"]}
    assert placed[MANCHURIA]["total"] == 2
    assert placed[MANCHURIA]["item"]["iri"] == ENTITY_BASE + "Q81126"
    assert data["events"] == 2


def test_a_place_page_lists_and_links_its_events_on_its_map(http: httpx.Client) -> None:
    html = BeautifulSoup(http.get(MANCHURIA, headers=BROWSER).text, "html.parser")
    figure = one(html, "figure.place-map")
    listed = [str(a["href"]) for a in figure.select(".map-events a")]
    assert sorted(listed) == sorted(
        _rows(BeautifulSoup(http.get("/map", headers=BROWSER).text, "html.parser"))[MANCHURIA][1]
    )
    assert one(figure, "a[href='/map']")


def test_without_a_facts_graph_nothing_is_drawn(pages: httpx.Client) -> None:
    html = BeautifulSoup(pages.get("/map", headers=BROWSER).text, "html.parser")
    assert not html.select("svg a.map-point")
    rows = _rows(html)
    assert rows[MANCHURIA][0] == "none set or in the Wikidata facts graph: not drawn"
    assert len(rows[MANCHURIA][1]) == 2
    assert text(one(html, "footer a[href='/map']")) == "Map"


def test_a_long_list_of_places_without_coordinates_keeps_those_with_most_events(
    curated_store: Store, curated_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.pages import mapview
    from app.pages.render import render
    from app.read import read_model
    from app.routes.pages import page_settings

    everything = mapview.map_page(read_model(curated_store), page_settings(curated_settings))
    monkeypatch.setattr(mapview, "MOST_UNPLACED", 1)
    page = mapview.map_page(read_model(curated_store), page_settings(curated_settings))
    most = max(everything.unplaced, key=lambda p: p.total)
    assert [p.place.iri for p in page.unplaced] == [most.place.iri]
    assert page.more_unplaced == len(everything.unplaced) - 1 > 0
    note = text(
        one(BeautifulSoup(render(page), "html.parser"), "section.map-page p.note + figure ~ p.note")
    )
    assert note.startswith(f"{page.more_unplaced} more places of events have no coordinates")


# ------------------------------------------------------------ cost: cached, capped, bounded wait

BASE = "https://w3id.org/histkg/id/"


def _event_at(slug: str, latitude: float, longitude: float) -> list[ox.Triple]:
    """An event at a place whose coordinates a curator set (from a named reference)."""
    event, place = ox.NamedNode(BASE + "event/" + slug), ox.NamedNode(BASE + "place/" + slug)
    return [
        ox.Triple(event, RDF.type, CRM.E5_Event),
        ox.Triple(event, RDFS.label, ox.Literal(f"Event {slug}", language="en")),
        ox.Triple(event, CRM.P7_took_place_at, place),
        ox.Triple(place, RDF.type, CRM.E53_Place),
        ox.Triple(place, RDFS.label, ox.Literal(f"Place {slug}", language="en")),
        ox.Triple(place, GEO.lat, ox.Literal(str(latitude), datatype=XSD.decimal)),
        ox.Triple(place, GEO.long, ox.Literal(str(longitude), datatype=XSD.decimal)),
        ox.Triple(place, HK.coordinatesSource, ox.Literal("An atlas")),
    ]


def test_the_map_is_built_once_per_state_of_the_store(curated_settings: Settings) -> None:
    from app.pages import mapview
    from app.read import read_model
    from app.routes.pages import page_settings

    with Store("memory", query_workers=0) as store:
        store.replace_graph(BASE + "graph/a", _event_at("a", 45, 125))
        model, settings = read_model(store), page_settings(curated_settings)
        first = mapview.map_page(model, settings)
        assert [p.place.label for p in first.placed] == ["Place a"]
        again = mapview.map_page(model, settings)
        assert again.placed is first.placed  # kept for the state, not built again
        store.replace_graph(BASE + "graph/b", _event_at("b", 55, 37))
        changed = mapview.map_page(model, settings)
        assert [p.place.label for p in changed.placed] == ["Place a", "Place b"]


def test_the_map_draws_at_most_its_cap_and_says_so(
    curated_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.pages import mapview
    from app.pages.render import render
    from app.read import read_model
    from app.routes.pages import page_settings

    monkeypatch.setattr(mapview, "MOST_PLACED", 1)
    with Store("memory", query_workers=0) as store:
        store.replace_graph(BASE + "graph/a", _event_at("a", 45, 125))
        second = ox.NamedNode(BASE + "event/b2")  # a second event at place b: most events
        store.replace_graph(
            BASE + "graph/b",
            [
                *_event_at("b", 55, 37),
                ox.Triple(second, RDF.type, CRM.E5_Event),
                ox.Triple(second, CRM.P7_took_place_at, ox.NamedNode(BASE + "place/b")),
            ],
        )
        page = mapview.map_page(read_model(store), page_settings(curated_settings))
    assert [p.place.label for p in page.placed] == ["Place b"]
    assert (page.most_placed, page.more_placed, page.events) == (1, 1, 2)
    html = BeautifulSoup(render(page), "html.parser")
    assert len(html.select("svg a.map-point")) == 1
    assert text(one(html, "p.map-cap")).startswith(
        "The map draws at most 1 place, those with most events; 1 more place with "
        "coordinates is left off it"
    )


def test_the_map_waits_for_the_facets_a_bounded_time(curated_settings: Settings) -> None:
    """While the facet rows are being built (the warm-up's build on a big graph), /map answers
    503 not_ready within HISTKG_QUERY_TIMEOUT instead of waiting for the whole build."""
    from app.read import facets, read_model

    settings = curated_settings.model_copy(update={"query_timeout": 0.3})
    with Store("memory", query_workers=0) as store:
        store.replace_graph(BASE + "graph/a", _event_at("a", 45, 125))
        model = read_model(store)
        built = facets.build(store, settings.base_iri)
        entered, release = threading.Event(), threading.Event()

        def slow_build() -> facets.Facets:
            entered.set()
            release.wait(20)
            return built

        builder = threading.Thread(
            target=model.cached, args=(("facets", settings.base_iri), slow_build)
        )
        with (
            serve_app(create_app(settings, store)) as url,
            httpx.Client(base_url=url, timeout=10) as client,
        ):
            builder.start()
            try:
                assert entered.wait(10)
                for path in ("/map", "/map.json"):
                    response = client.get(path, headers=BROWSER)
                    assert response.status_code == 503, path
                assert client.get("/map.json").json()["error"]["code"] == "not_ready"
            finally:
                release.set()
                builder.join()
            assert client.get("/map.json").json()["events"] == 1
