"""Pages stay bounded on a graph bigger than the seed: a much-linked person's events come a page
at a time, the home page counts events by year, and the warm-up of ``histkg serve`` never
breaks the server. Over HTTP against the curated graph plus a small synthetic one
(``app.tools.synth``: 400 events, heavy-tailed, so one person is in 165 of them)."""

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup
from fixtures.sparql.servers import serve_app
from htmlparts import one, text

from app.pages import home as home_module
from app.read import read_model
from app.read.walk import WINDOW_FROM, WINDOW_SIZE
from app.routes import pages as pages_routes
from app.settings import Settings
from app.store import Store
from app.tools.synth import write_synthetic
from app.web import create_app

REPO = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/histkg/id/"
HUB = "person/synth-0"
BROWSER = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("synth") / "synth.nq"
    write_synthetic(path, events=400, seed=1)
    with Store("memory", query_workers=0) as store:
        store.load_curated(REPO)
        store.load_files([path])
        yield store


@pytest.fixture(scope="module")
def big(big_store: Store) -> Iterator[httpx.Client]:
    settings = Settings(store="memory", project_dir=REPO)
    with (
        serve_app(create_app(settings, big_store)) as base,
        httpx.Client(base_url=base, timeout=30) as http,
    ):
        yield http


def _html(http: httpx.Client, path: str) -> BeautifulSoup:
    response = http.get(path, headers=BROWSER)
    assert response.status_code == 200, response.text[:300]
    return BeautifulSoup(response.text, "html.parser")


def _linking(store: Store, iri: str) -> set[str]:
    return {
        q.subject.value
        for q in store.match(None, None, ox.NamedNode(iri))
        if isinstance(q.subject, ox.NamedNode)
    }


def test_a_much_linked_persons_events_and_links_come_a_page_at_a_time(
    big: httpx.Client, big_store: Store
) -> None:
    linking = _linking(big_store, BASE + HUB)
    assert len(linking) > WINDOW_FROM  # else this tests nothing
    seen: list[str] = []
    path: str | None = "/id/" + HUB
    pages = 0
    while path is not None:
        html = _html(big, path)
        pages += 1
        window = one(html, "nav#window")
        first = pages * WINDOW_SIZE - WINDOW_SIZE + 1
        last = min(pages * WINDOW_SIZE, len(linking))
        assert f"{first:,}\u2013{last:,} of {len(linking):,}" in text(window)
        linked_from = {
            str(a["href"]).removeprefix("/id/")
            for a in html.select("section#inbound dd a")
            if str(a["href"]).startswith("/id/")
        }
        events = [
            str(a["href"]).removeprefix("/id/")
            for a in html.select("section[aria-labelledby=events-title] ol.dated .what > a")
        ]
        assert 0 < len(events) <= WINDOW_SIZE
        # the page's links are its events (listed by date, not repeated under "Linked from")
        # and the rest under "Linked from"; together they are this window's resources
        assert not set(events) & linked_from
        seen += sorted(linked_from | set(events))
        following = window.select_one("a[rel=next]")
        path = "/id/" + HUB + str(following["href"]) if following is not None else None
    assert pages == -(-len(linking) // WINDOW_SIZE)
    assert len(seen) == len(set(seen))  # no resource on two pages
    # and every one on some page, but attributions: plumbing, their claims are the testimony
    assert {BASE + s for s in seen} == {iri for iri in linking if "/attribution/" not in iri}


def test_an_entity_with_few_links_has_no_pages(big: httpx.Client) -> None:
    html = _html(big, "/id/person/lazar-kaganovich")
    assert html.select("nav#window") == []
    assert html.select("section[aria-labelledby=events-title] ol.dated li")


def test_the_home_page_of_a_big_graph_counts_events_by_year(big: httpx.Client) -> None:
    html = _html(big, "/")
    bars = html.select("ol.timeline-rows.years > li")
    assert bars
    assert not html.select("ol.timeline-rows:not(.years) > li")  # no event drawn one by one
    counts = {}
    for bar in bars:
        year = text(one(bar, ".row-label a"))
        counts[year] = int(re.sub(r"\D", "", text(one(bar, ".when"))))
        assert one(bar, ".row-label a")["href"] == f"/?year={year}#timeline-title"
    assert sum(counts.values()) > home_module.TIMELINE_ROWS
    year, count = max(counts.items(), key=lambda item: item[1])
    page = _html(big, f"/?year={year}")
    assert text(one(page, "h2#timeline-title")) == f"Timeline of {year}"
    assert len(page.select("ol.timeline-rows > li")) == count
    assert one(page, "section.timeline p.note a")["href"] == "/#timeline-title"


def test_a_range_of_years_narrows_the_big_graph_s_year_counts(big: httpx.Client) -> None:
    bars = _html(big, "/").select("ol.timeline-rows.years > li")
    years = sorted(int(text(one(bar, ".row-label a"))) for bar in bars)
    low, high = years[1], years[-2]
    narrowed = _html(big, f"/?from={low}&to={high}")
    kept = [int(text(one(bar, ".row-label a"))) for bar in narrowed.select("ol.years > li")]
    assert kept == [year for year in years if low <= year <= high]
    one_year = _html(big, f"/?from={low}&to={low}")  # one year: that year's own timeline
    assert text(one(one_year, "h2#timeline-title")) == f"Timeline of {low}"


def test_every_year_draws_the_events_its_bar_counts(big: httpx.Client) -> None:
    """A year's timeline is laid out when asked for and only a few are kept: asking for every
    year, then the first again once it was dropped, still draws each year's own events."""
    bars = _html(big, "/").select("ol.timeline-rows.years > li")
    counts = {
        text(one(bar, ".row-label a")): int(re.sub(r"\D", "", text(one(bar, ".when"))))
        for bar in bars
    }
    assert len(counts) > home_module.YEARS_KEPT
    for year, count in [*counts.items(), next(iter(counts.items()))]:
        page = _html(big, f"/?year={year}")
        assert text(one(page, "h2#timeline-title")) == f"Timeline of {year}"
        assert len(page.select("ol.timeline-rows > li")) == count


def test_the_warm_up_builds_the_home_page_and_the_search_index(big_store: Store) -> None:
    settings = Settings(store="memory", project_dir=REPO)
    pages_routes.warm_up(big_store, settings).join(timeout=60)
    model = read_model(big_store)
    assert model.peek(("home", settings.base_iri)) is not None  # what the first visitor reads
    assert model.peek(("search", settings.base_iri)) is not None
    assert read_model(big_store).search_index(settings.base_iri).search("Anna Ivanov")


def test_a_failed_warm_up_is_logged_not_fatal(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("the store went away")

    monkeypatch.setattr(pages_routes, "home_page", broken)
    settings = Settings(store="memory", project_dir=REPO)
    with Store("memory", query_workers=0) as store, caplog.at_level(logging.ERROR):
        pages_routes.warm_up(store, settings).join(timeout=30)
    assert any("Warming up" in r.getMessage() and r.exc_info for r in caplog.records)
