"""Every derived view reflects a write on the next request after it returns (issue 12).

A real uvicorn over an on-disk store of the curated graph, with a query worker (so SPARQL reads
a snapshot): the views are built and cached first, then one SPARQL Update adds a new event with
a dated claim and a claim about an existing entity (an alternative name of the Mukden
Incident), and the entity pages, search, the home page's timeline and SPARQL must all show it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fixtures.sparql.servers import serve_app

from app.settings import Settings
from app.store import Store
from app.web import create_app

TOKEN = "views-token"  # noqa: S105 - a test token
UPDATE = (Path(__file__).parent / "fixtures" / "history" / "sluys.ru").read_text()
ID = "https://w3id.org/histkg/id/"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    settings = Settings(
        store=str(tmp_path_factory.mktemp("views") / "store"),
        query_workers=1,
        write_tokens="editor:" + hashlib.sha256(TOKEN.encode()).hexdigest(),
    )
    store = Store.from_settings(settings)
    store.load_curated(settings.project_dir)
    with (
        serve_app(create_app(settings, store)) as base,
        httpx.Client(base_url=base, timeout=60) as http,
    ):
        yield http
    store.close()


def _views(http: httpx.Client) -> dict[str, str]:
    ask = (
        f"ASK {{ <{ID}event/battle-of-sluys> ?p ?o . "
        f'<{ID}event/mukden-incident> ?q "Liutiaohu Incident"@en }}'
    )
    return {
        "new page": http.get("/id/event/battle-of-sluys", headers={"Accept": "text/html"}).text,
        "old page": http.get("/id/event/mukden-incident", headers={"Accept": "text/html"}).text,
        "search new": http.get("/search.json", params={"q": "Sluys"}).text,
        "search old": http.get("/search.json", params={"q": "Liutiaohu"}).text,
        "home": http.get("/", headers={"Accept": "text/html"}).text,
        "sparql": http.get(
            "/sparql", params={"query": ask}, headers={"Accept": "application/sparql-results+json"}
        ).text,
    }


def test_a_write_shows_on_pages_search_timeline_and_sparql_at_once(site: httpx.Client) -> None:
    before = _views(site)  # built and cached before the write
    assert "Battle of Sluys" not in before["new page"]
    assert "Liutiaohu" not in before["old page"]
    assert "battle-of-sluys" not in before["search new"]
    assert "mukden-incident" not in before["search old"]
    assert "Battle of Sluys" not in before["home"]
    assert '"boolean":false' in before["sparql"].replace(" ", "")
    written = site.post(
        "/update",
        content=UPDATE.encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    assert written.status_code == 200, written.text
    after = _views(site)
    assert "Battle of Sluys" in after["new page"]
    assert "Liutiaohu Incident" in after["old page"]
    assert "battle-of-sluys" in after["search new"]
    assert "mukden-incident" in after["search old"]
    assert "Battle of Sluys" in after["home"]  # on the timeline, dated 1340
    assert '"boolean":true' in after["sparql"].replace(" ", "")
    # the history itself is no entity: its agents and activities are not found by search
    assert "histkg/agent/" not in site.get("/search.json", params={"q": "editor"}).text
    assert "graph/history/" not in site.get("/search.json", params={"q": "1"}).text


def test_an_entity_as_it_was_at_a_revision_and_its_revision_header(site: httpx.Client) -> None:
    page = "/id/event/battle-of-sluys"
    first = site.get(page, headers={"Accept": "text/html"})
    if first.status_code == 404:  # run alone: write it first
        test_a_write_shows_on_pages_search_timeline_and_sparql_at_once(site)
        first = site.get(page, headers={"Accept": "text/html"})
    created = int(first.headers["X-Histkg-Revision"])
    assert "/history?entity=https%3A//w3id.org/histkg/id/event/battle-of-sluys" in first.text
    rename = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        f"DELETE DATA {{ GRAPH <https://example.org/editors/sluys> {{ <{ID}event/battle-of-sluys>"
        ' rdfs:label "Battle of Sluys"@en } } ; '
        f"INSERT DATA {{ GRAPH <https://example.org/editors/sluys> {{ <{ID}event/battle-of-sluys>"
        ' rdfs:label "Naval battle of Sluys"@en } }'
    )
    renamed = site.post(
        "/update",
        content=rename.encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    assert renamed.status_code == 200, renamed.text
    now = site.get(page, headers={"Accept": "text/html"})
    assert now.headers["X-Histkg-Revision"] == str(renamed.json()["revision"])
    assert now.headers["ETag"] != first.headers["ETag"]  # the page's bytes changed
    assert "Naval battle of Sluys" in now.text
    then = site.get(page, params={"rev": str(created)}, headers={"Accept": "text/html"})
    assert then.status_code == 200
    assert '"Battle of Sluys"' not in then.text  # shown in words, not as RDF
    assert "Battle of Sluys" in then.text.replace("Naval battle of Sluys", "")
    turtle = site.get(page + ".ttl", params={"rev": str(created)}).text
    assert '"Battle of Sluys"@en' in turtle
    assert "Naval" not in turtle
    assert site.get(page, params={"rev": "0"}).status_code == 400  # revisions start at 1
    assert site.get(page, params={"rev": "99999"}).status_code == 404
