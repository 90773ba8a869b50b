"""A place with its map in a real browser: the world outline and the point load from this
server only, with no console error, and the page is kept as a screenshot (``place-map.png``).

The curated graph has no Wikidata facts (``histkg link --verify`` writes them), so this server
holds the facts of the fixture extract for Moscow, as ``tests/test_pages_wikidata.py`` does.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from browser.test_walk import Watch, shot
from fixtures.browser import chromium
from fixtures.sparql.servers import serve_app
from test_pages_wikidata import fixture_facts

from app.linking import store_facts
from app.settings import Settings
from app.store import Store
from app.web import create_app

pytestmark = pytest.mark.needs("chromium")


@pytest.fixture(scope="module")
def map_url(curated_settings: Settings) -> Iterator[str]:
    with Store.from_settings(curated_settings) as store:
        store.load_curated(curated_settings.project_dir)
        store_facts(store, fixture_facts({"Q649"}))
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
