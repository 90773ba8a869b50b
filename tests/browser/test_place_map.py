"""A place with its map, and the map of events, in a real browser: the world outline and the
points load from this server only, with no console error, and the pages are kept as
screenshots (``place-map.png``, ``events-map.png``).

The curated graph has no Wikidata facts (``histkg link --verify`` writes them), so this server
holds the facts ``tests/test_map.py`` uses: Moscow from the fixture extract, and a point for
Manchuria, where the graph places two events.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from browser.test_walk import Watch, shot
from fixtures.browser import chromium
from fixtures.sparql.servers import serve_app
from test_map import map_facts

from app.linking import store_facts
from app.settings import Settings
from app.store import Store
from app.web import create_app

pytestmark = pytest.mark.needs("chromium")


@pytest.fixture(scope="module")
def map_url(curated_settings: Settings) -> Iterator[str]:
    with Store.from_settings(curated_settings) as store:
        store.load_curated(curated_settings.project_dir)
        store_facts(store, map_facts())
        with serve_app(create_app(curated_settings, store)) as url:
            yield url


def test_a_place_page_draws_its_map_from_this_server_only(map_url: str, tmp_path: Any) -> None:
    watch = Watch(map_url)
    with chromium(tmp_path / "profile") as context:
        watch.attach(context)
        page = context.new_page()
        page.goto(map_url + "/id/place/moscow")
        figure = page.locator("figure.place-map")
        assert figure.is_visible()
        box = figure.locator("svg").bounding_box()
        assert box is not None
        assert box["width"] > 300
        page.wait_for_load_state("networkidle")
        shot(page, "place-map.png")
    assert not watch.problems, "\n".join(watch.problems)
    assert any(url.endswith("/map/land.svg") for url in watch.requests)


def test_the_map_of_events_draws_its_places_and_links_them(map_url: str, tmp_path: Any) -> None:
    watch = Watch(map_url)
    with chromium(tmp_path / "profile") as context:
        watch.attach(context)
        page = context.new_page()
        page.goto(map_url + "/map")
        page.wait_for_load_state("networkidle")
        point = page.locator("svg a.map-point[href='/id/place/manchuria'] circle")
        box = point.bounding_box()
        assert box is not None
        assert box["width"] > 4  # drawn, sized by its events
        assert page.locator("table.map-table tbody tr").count() >= 4
        shot(page, "events-map.png")
        point.click()
        page.wait_for_url("**/id/place/manchuria")
        assert page.locator("figure.place-map .map-events a").count() == 2
    assert not watch.problems, "\n".join(watch.problems)
