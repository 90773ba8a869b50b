"""A claim is described only by the graph that owns it (issue 14, point 9).

Statements about a curated claim put in the store from another graph (a direct load, a restore:
writes over HTTP refuse them) must not change what its page says of it: who it rests on, how the
source presents it, its footnote. Over HTTP against a real uvicorn; the walk and the SPARQL
queries behind the pages (``app.read``) must agree on the tampered store too.
"""

import hashlib
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


# ------------------------------------------------------------ claims entered over HTTP

TOKEN = "entered-claims-token"  # noqa: S105 - a test token
ENTERED = ox.NamedNode(ID + "claim/entered-over-http")
ENTERED_CLAIM = f"""
PREFIX hk: <https://w3id.org/histkg/ontology#>
PREFIX hkc: <{ID}concept/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX crm: <http://www.cidoc-crm.org/cidoc-crm/>
INSERT DATA {{
  GRAPH <urn:x-test:entered> {{
    <{ENTERED.value}> a hk:Claim ;
      rdfs:label "Stalin took part in the Russo-Japanese War"@en ;
      hk:mode hkc:asserted ;
      prov:wasAttributedTo <{ID}person/author-of-moscow-versus-tokyo> ;
      prov:wasDerivedFrom <{ID}anchor/p129/not-averse> , <{ID}source/moscow-versus-tokyo-p129> ;
      hk:editorialNote "Entered over HTTP for a test; no footnote covers it."@en .
  }}
  GRAPH <{ENTERED.value}> {{
    <{ID}event/russo-japanese-war> crm:P11_had_participant <{STALIN.value}> .
  }}
}}
"""


@pytest.fixture(scope="module")
def writable() -> Iterator[httpx.Client]:
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()
    settings = Settings(store="memory", project_dir=REPO, write_tokens=f"mallory:{digest}")
    with Store("memory", query_workers=0) as store:
        store.load_curated(REPO)
        with (
            serve_app(create_app(settings, store)) as base,
            httpx.Client(base_url=base, timeout=30) as client,
        ):
            written = client.post(
                "/update",
                content=ENTERED_CLAIM,
                headers={
                    "Content-Type": "application/sparql-update",
                    "Authorization": f"Bearer {TOKEN}",
                },
            )
            assert written.status_code == 200, written.text
            yield client


def test_a_claim_entered_over_http_is_marked_with_who_entered_it_and_when(
    writable: httpx.Client,
) -> None:
    response = writable.get("/id/event/russo-japanese-war", headers=BROWSER)
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    notes = page.select("section.footnotes li")
    entered = [n for n in notes if "Stalin took part" in n.get_text()]
    own = [n for n in notes if "Stalin took part" not in n.get_text()]
    assert len(entered) == 1
    assert own
    mark = entered[0].select_one("span.entered a")
    assert mark is not None  # before: shown exactly like the book's own claims
    assert mark.get_text(strip=True).startswith("Entered by mallory on ")
    revision = writable.get(str(mark["href"]), headers={"Accept": "application/json"})
    assert revision.status_code == 200
    assert revision.json()["agent"] == "mallory"
    assert all(n.select_one("span.entered") is None for n in own)


def test_a_claim_page_says_the_claim_was_entered_over_http(writable: httpx.Client) -> None:
    response = writable.get("/id/claim/entered-over-http", headers=BROWSER)
    assert response.status_code == 200
    mark = BeautifulSoup(response.text, "html.parser").select_one("p.claim-entered a")
    assert mark is not None
    assert "mallory" in mark.get_text()
    curated = _claim_page(writable)
    assert curated.select_one("p.claim-entered") is None
