"""A claim is described only by the graph that owns it (issue 14, point 9).

Statements about a curated claim put in the store from another graph (a direct load, a restore:
writes over HTTP refuse them) must not change what its page says of it: who it rests on, how the
source presents it, its footnote. Over HTTP against a real uvicorn; the walk and the SPARQL
queries behind the pages (``app.read``) must agree on the tampered store too.
"""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup
from fixtures.sparql.servers import serve_app

from app.read import queries
from app.read.walk import Walk
from app.settings import Settings
from app.store import Store
from app.vocab import HK, PROV
from app.web import create_app

REPO = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/histkg/id/"
CLAIM = ox.NamedNode(ID + "claim/radek-stalin-feared-japanese-polish-attack")
STALIN = ox.NamedNode(ID + "person/joseph-stalin")
BROWSER = {"Accept": "text/html"}


def _forgery() -> list[ox.Triple]:
    """The probe's forgery, and more: Stalin as author, the claim asserted, a forged role."""
    forged = ox.NamedNode(ID + "attribution/forged")
    informant = ox.NamedNode(ID + "attribution/radek-informant")
    return [
        ox.Triple(CLAIM, PROV.wasAttributedTo, STALIN),
        ox.Triple(CLAIM, HK.mode, ox.NamedNode(ID + "concept/asserted")),
        ox.Triple(CLAIM, PROV.qualifiedAttribution, forged),
        ox.Triple(forged, PROV.agent, STALIN),
        ox.Triple(forged, PROV.hadRole, ox.NamedNode(ID + "concept/informant")),
        ox.Triple(informant, PROV.agent, STALIN),  # the curated attribution node, from outside
    ]


@pytest.fixture(scope="module")
def tampered() -> Iterator[Store]:
    with Store("memory", query_workers=0) as store:
        store.load_curated(REPO)
        store.replace_graph("urn:x-test:evil", _forgery())
        yield store


@pytest.fixture(scope="module")
def http(tampered: Store) -> Iterator[httpx.Client]:
    settings = Settings(store="memory", project_dir=REPO)
    with (
        serve_app(create_app(settings, tampered)) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        yield client


def _claim_page(http: httpx.Client) -> BeautifulSoup:
    response = http.get("/id/claim/radek-stalin-feared-japanese-polish-attack", headers=BROWSER)
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def test_another_graph_cannot_attribute_a_curated_claim_to_someone_else(
    http: httpx.Client,
) -> None:
    page = _claim_page(http)
    statements = page.select_one("section.statements")
    assert statements is not None
    assert "Joseph Stalin" not in [a.get_text(strip=True) for a in statements.select("dd a")]
    assert "Karl Radek" in statements.get_text()  # the claim's own attribution stays


def test_another_graph_cannot_change_how_a_curated_claim_is_presented(http: httpx.Client) -> None:
    page = _claim_page(http)
    text = page.get_text(" ", strip=True)
    assert "Reported according to Karl Radek, as told by Louis Fischer" in text
    assert "Asserted by" not in text
    assert "according to Joseph Stalin" not in text


def test_the_walk_and_the_queries_agree_on_a_tampered_store(tampered: Store) -> None:
    for entity in (CLAIM, STALIN):
        walk = Walk(tampered, entity.value)
        walked = (walk.quads(), walk.provenance())
        asked = tuple(
            set(tampered.query(sparql, bindings={"entity": entity}).rows)
            for sparql in (queries.QUADS, queries.PROVENANCE)
        )
        assert walked == asked, entity
        assert not any(STALIN in row for row in walk.provenance() if row[0] == CLAIM)
