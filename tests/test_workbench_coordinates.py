"""A place's coordinates set in the workbench (issue 16), over real HTTP.

One real uvicorn server (``fixtures.sparql.servers.serve_app``) over a store on disk holding the
curated graph of this checkout and the map's Wikidata facts (``test_map.map_facts``: Moscow and
Manchuria have points there, Mukden none), with curator accounts beside it. Each test signs in
with its own client. Mukden gets its coordinates from a named reference; Manchuria's curated
coordinates take the place of Wikidata's, credited to a source of the graph.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup
from fixtures.sparql.servers import REPO, serve_app
from htmlparts import one, text
from test_map import MANCHURIA_POINT, map_facts

from app import history
from app.accounts import Accounts, Role
from app.linking import store_facts
from app.pages.worldmap import project
from app.settings import Settings
from app.store import Store
from app.vocab import GEO, HK, ID, XSD
from app.web import create_app
from app.workbench import places

PASSWORD = "a long test password"  # noqa: S105 - test accounts only
FORM = "/workbench/places/coordinates"
MUKDEN = ID + "place/mukden"
MANCHURIA = ID + "place/manchuria"
FISCHER = "Russia\u2019s Road from Peace to War (Fischer, 1969)"
TOKEN = "robot-token"  # noqa: S105


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    root = tmp_path_factory.mktemp("coordinates")
    settings = Settings(
        store=str(root / "store"),
        project_dir=REPO,
        query_workers=0,
        write_tokens=f"robot:{hashlib.sha256(TOKEN.encode()).hexdigest()}",
    )
    Accounts.from_settings(settings).add("ada", Role.curator, PASSWORD)
    with Store.from_settings(settings) as store:
        store.load_curated(REPO)
        store_facts(store, map_facts())
        with serve_app(create_app(settings, store)) as base:
            yield base, store


@pytest.fixture
def browser(served: tuple[str, Store]) -> Iterator[httpx.Client]:
    """A client with its own cookie jar that asks for HTML, as a browser does."""
    with httpx.Client(base_url=served[0], timeout=30, headers={"Accept": "text/html"}) as client:
        yield client


def _csrf(client: httpx.Client, path: str) -> str:
    field = BeautifulSoup(client.get(path).text, "html.parser").select_one("input[name=csrf]")
    assert field is not None
    return str(field["value"])


@pytest.fixture
def curator(browser: httpx.Client) -> httpx.Client:
    form = {"csrf": _csrf(browser, "/signin"), "name": "ada", "password": PASSWORD}
    assert browser.post("/signin", data=form).status_code == 303
    return browser


def _form_path(place: str) -> str:
    return str(httpx.URL(FORM, params={"place": place}))


def _post(client: httpx.Client, place: str, **fields: str) -> httpx.Response:
    data = {"csrf": _csrf(client, _form_path(place)), "place": place, **fields}
    return client.post(FORM, data=data)


def _stored(store: Store, place: str) -> list[ox.Quad]:
    node = ox.NamedNode(place)
    return [
        quad
        for predicate in (GEO.lat, GEO.long, HK.coordinatesSource)
        for quad in store.match(node, predicate, None, None)
    ]


def test_anonymous_visitors_are_sent_to_sign_in_and_a_post_without_csrf_is_403(
    served: tuple[str, Store], browser: httpx.Client
) -> None:
    answer = browser.get(_form_path(MUKDEN))
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/signin?next=%2Fworkbench%2Fplaces")
    csrf = _csrf(browser, "/signin")  # a session, but nobody signed in
    data = {"csrf": csrf, "place": MUKDEN, "latitude": "41.8", "longitude": "123.4"}
    anonymous = browser.post(FORM, data={**data, "reference": "An atlas"})
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/signin")
    form = {"csrf": csrf, "name": "ada", "password": PASSWORD}
    assert browser.post("/signin", data=form).status_code == 303
    forged = browser.post(FORM, data={**data, "csrf": "forged", "reference": "An atlas"})
    assert forged.status_code == 403
    assert _stored(served[1], MUKDEN) == []


def test_a_place_without_coordinates_offers_curators_the_form(
    browser: httpx.Client, curator: httpx.Client
) -> None:
    with httpx.Client(base_url=str(browser.base_url), headers={"Accept": "text/html"}) as reader:
        page = BeautifulSoup(reader.get("/id/place/mukden").text, "html.parser")
    assert page.select_one(".place-map") is None
    assert not [a for a in page.select("a") if text(a) == "Set coordinates"]
    answer = curator.get("/id/place/mukden")
    assert "Cookie" in answer.headers["vary"]
    assert "no-store" in answer.headers["cache-control"]
    page = BeautifulSoup(answer.text, "html.parser")
    (link,) = [a for a in page.select("a") if text(a) == "Set coordinates"]
    assert link["href"] == _form_path(MUKDEN)
    form = BeautifulSoup(curator.get(str(link["href"])).text, "html.parser")
    assert text(one(form, "h1")) == "Set the coordinates of Mukden"
    assert one(form, "input[name=place]")["value"] == MUKDEN
    for field in form.select("form.coordinates-form input:not([type=hidden])"):
        assert form.select_one(f"label[for={field['id']}]") is not None  # every field labelled
    # A place Wikidata gives coordinates has its map, and no such link.
    moscow = BeautifulSoup(curator.get("/id/place/moscow").text, "html.parser")
    assert moscow.select_one(".place-map") is not None
    assert not [a for a in moscow.select("a") if text(a) == "Set coordinates"]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"latitude": "41\u00b048\u2032 N", "longitude": "200", "reference": "An atlas"},
            {"latitude": "decimal number of degrees", "longitude": "between -180 and 180"},
        ),
        (
            {"latitude": "95", "longitude": "", "reference": "An atlas"},
            {
                "latitude": "between -90 and 90",
                "longitude": "Give the longitude",
            },
        ),
        ({"latitude": "41.8", "longitude": "123.4"}, {"source": "Say where the coordinates"}),
        (
            {"latitude": "41.8", "longitude": "123.4", "source": "A book nobody wrote"},
            {"source": "No source is called"},
        ),
        (
            {"latitude": "nan", "longitude": "1e2", "source": FISCHER, "reference": "An atlas"},
            {"latitude": "decimal", "longitude": "decimal", "reference": "Give one source"},
        ),
    ],
)
def test_bad_coordinates_are_shown_beside_their_fields_and_nothing_is_written(
    served: tuple[str, Store],
    curator: httpx.Client,
    fields: dict[str, str],
    errors: dict[str, str],
) -> None:
    store = served[1]
    before = history.log(store.match, limit=1)
    answer = _post(curator, MUKDEN, **fields)
    assert answer.status_code == 422
    page = BeautifulSoup(answer.text, "html.parser")
    shown = {
        str(span["id"]).removeprefix("coordinates-").removesuffix("-error"): text(span)
        for span in page.select(".field-error")
    }
    assert set(shown) == set(errors)
    for name, words in errors.items():
        assert words in shown[name], shown
        assert one(page, f"#coordinates-{name}")["aria-invalid"] == "true"
    assert one(page, "#coordinates-latitude")["value"] == fields["latitude"]  # kept as typed
    assert _stored(store, MUKDEN) == []
    assert history.log(store.match, limit=1) == before


def test_coordinates_from_a_named_reference_are_saved_as_one_revision_and_drawn(
    served: tuple[str, Store], curator: httpx.Client
) -> None:
    store = served[1]
    answer = _post(
        curator,
        MUKDEN,
        latitude=" 41.8 ",
        longitude="123.4",
        reference="Times Atlas of the World (1967), plate 22",
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/id/place/mukden"
    latest = history.log(store.match, limit=1)[0]
    assert latest.agent == "ada"
    assert latest.message == "Set coordinates of mukden"
    graph = ox.NamedNode(places.coordinates_graph(MUKDEN, ID))
    assert {(q.predicate, q.object) for q in _stored(store, MUKDEN)} == {
        (GEO.lat, ox.Literal("41.8", datatype=XSD.decimal)),
        (GEO.long, ox.Literal("123.4", datatype=XSD.decimal)),
        (HK.coordinatesSource, ox.Literal("Times Atlas of the World (1967), plate 22")),
    }
    assert all(q.graph_name == graph for q in _stored(store, MUKDEN))

    page = BeautifulSoup(curator.get("/id/place/mukden").text, "html.parser")
    caption = text(one(page, "#map-caption"))
    assert "41.8\u00b0 N, 123.4\u00b0 E" in caption
    assert "coordinates from Times Atlas of the World (1967), plate 22, set by a curator" in caption
    assert one(page, ".place-point")["cx"] == str(project(123.4, 41.8)[0])
    assert not [a for a in page.select("a") if text(a) == "Set coordinates"]

    atlas = BeautifulSoup(curator.get("/map").text, "html.parser")
    rows = {
        str(one(row.select("td")[0], "a")["href"]): text(row.select("td")[1])
        for row in atlas.select("table.map-table tbody tr")
    }
    assert rows["/id/place/mukden"] == (
        "41.8\u00b0 N, 123.4\u00b0 E (from Times Atlas of the World (1967), plate 22, "
        "set by a curator)"
    )


def test_curated_coordinates_come_before_wikidatas_credited_to_a_source_of_the_graph(
    served: tuple[str, Store], curator: httpx.Client
) -> None:
    wikidata = BeautifulSoup(curator.get("/id/place/manchuria").text, "html.parser")
    assert "Wikidata" in text(one(wikidata, "#map-caption"))
    assert one(wikidata, ".place-point")["cx"] == str(project(*MANCHURIA_POINT)[0])

    answer = _post(curator, MANCHURIA, latitude="43.9", longitude="-125.3", source=FISCHER)
    assert answer.status_code == 303
    (source,) = [
        q.object for q in _stored(served[1], MANCHURIA) if q.predicate == HK.coordinatesSource
    ]
    assert source == ox.NamedNode(ID + "source/fischer-1969")

    page = BeautifulSoup(curator.get("/id/place/manchuria").text, "html.parser")
    caption = text(one(page, "#map-caption"))
    assert "43.9\u00b0 N, 125.3\u00b0 W" in caption
    assert f"coordinates from {FISCHER}, set by a curator" in caption
    assert "Wikidata" not in caption
    assert one(page, ".place-point")["cx"] == str(project(-125.3, 43.9)[0])
    atlas = BeautifulSoup(curator.get("/map").text, "html.parser")
    (row,) = [
        r
        for r in atlas.select("table.map-table tbody tr")
        if one(r.select("td")[0], "a")["href"] == "/id/place/manchuria"
    ]
    where = row.select("td")[1]
    assert text(where).startswith("43.9\u00b0 N, 125.3\u00b0 W (from ")
    assert one(where, "a")["href"] == "/id/source/fischer-1969"

    # Saving again replaces them (one graph per place), as one more revision.
    again = _post(curator, MANCHURIA, latitude="44", longitude="125", source=FISCHER)
    assert again.status_code == 303
    latitudes = [q.object for q in _stored(served[1], MANCHURIA) if q.predicate == GEO.lat]
    assert latitudes == [ox.Literal("44", datatype=XSD.decimal)]


def test_the_shape_refuses_coordinates_out_of_range_or_without_a_source_on_any_write_path(
    served: tuple[str, Store],
) -> None:
    """The form checks first; the shape holds for writes that bypass it (``/store`` here)."""
    url, store = served
    bad = (
        f"<{MUKDEN}> <{GEO.lat.value}> 95.0 ; <{GEO.long.value}> 10.0 ;"
        f' <{HK.coordinatesSource.value}> "An atlas" .\n'
        f"<{ID}place/tokyo> <{GEO.lat.value}> 35.7 ; <{GEO.long.value}> 139.7 .\n"
    )
    with httpx.Client(base_url=url, timeout=30) as client:
        answer = client.post(
            "/store",
            params={"graph": "https://w3id.org/histkg/workbench/coordinates/elsewhere"},
            content=bad,
            headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
        )
    assert answer.status_code == 422, answer.text
    messages = " ".join(str(r["message"]) for r in answer.json()["error"]["report"]["results"])
    assert "from -90 to 90" in messages
    assert "Needs one hk:coordinatesSource" in messages
    assert _stored(store, ID + "place/tokyo") == []


def test_a_form_for_something_that_is_not_a_place_is_refused(curator: httpx.Client) -> None:
    for place in (ID + "person/stalin", "https://example.org/elsewhere", ""):
        answer = curator.get(_form_path(place))
        assert answer.status_code == 400
