"""The faceted browser of the events (``/browse``): facets combine, count, live in the URL."""

import httpx
import pytest
from bs4 import BeautifulSoup
from htmlparts import one, text

STALIN = "https://w3id.org/histkg/id/person/joseph-stalin"


def _json(pages: httpx.Client, **params: str) -> dict[str, object]:
    response = pages.get("/browse.json", params=params)
    assert response.status_code == 200
    data: dict[str, object] = response.json()
    return data


def _values(data: dict[str, object], facet: str) -> dict[str, dict[str, object]]:
    facets = data["facets"]
    assert isinstance(facets, list)
    found = next(f for f in facets if f["key"] == facet)
    return {v["key"]: v for v in found["values"]}


def test_facets_combine_and_each_value_counts_what_it_would_keep(pages: httpx.Client) -> None:
    everything = _json(pages)
    people = _values(everything, "person")
    assert STALIN in people
    stalin = _json(pages, person=STALIN)
    assert stalin["total"] == people[STALIN]["count"]
    events = _values(stalin, "kind")["event"]
    both = _json(pages, person=STALIN, kind="event")
    assert both["total"] == events["count"]
    assert 0 < int(str(both["total"])) < int(str(stalin["total"])) < int(str(everything["total"]))


def test_reported_events_are_those_resting_on_someone_else_s_word(pages: httpx.Client) -> None:
    reported = _json(pages, mode="reported")
    results = reported["results"]
    assert isinstance(results, list)
    assert "/id/event/stalin-admission-according-to-radek" in [r["href"] for r in results]
    assert _values(reported, "mode")["reported"]["selected"]


@pytest.mark.parametrize(("start", "end", "year"), [("1931", "1931", "1931"), ("1932", "", "1932")])
def test_a_year_range_keeps_the_events_starting_in_it(
    pages: httpx.Client, start: str, end: str, year: str
) -> None:
    data = _json(pages, **{"from": start, "to": end})
    assert set(_values(data, "year")) == {year}
    assert data["total"] == _values(data, "year")[year]["count"]


def test_the_browser_is_a_page_whose_links_keep_the_selection(pages: httpx.Client) -> None:
    response = pages.get("/browse", params={"kind": "event"}, headers={"Accept": "text/html"})
    assert response.headers["content-type"].startswith("text/html")
    html = BeautifulSoup(response.text, "html.parser")
    person = one(html, "section.facet:has(#facet-person)")
    first = person.select("li")[0]
    link = one(first, "a")
    assert "kind=event" in str(link["href"])
    narrowed = pages.get(str(link["href"]), headers={"Accept": "text/html"})
    page = BeautifulSoup(narrowed.text, "html.parser")
    assert text(one(page, "#results-title")).startswith(text(one(first, ".count")) + " event")
    chosen = one(page, "section.facet:has(#facet-person) li.selected a")
    assert "person=" not in str(chosen["href"])  # selected: its link takes it off
