"""Federated queries: ``SERVICE`` reaches a Wikidata-like endpoint when its host is allowed.

A local SPARQL endpoint on loopback stands in for ``https://query.wikidata.org/sparql`` (no
network in tests); its ``host:port`` is what ``HISTKG_SERVICE_ALLOWLIST`` allows, exactly as
``query.wikidata.org`` would be in production. The query joins our curated ``owl:sameAs``
with the remote item's label and birth date.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from fixtures.linking.servers import serve, sparql_endpoint
from rdfterms import value

from app.errors import QueryError
from app.settings import Settings
from app.store import Store
from app.web import create_app

REPO = Path(__file__).resolve().parent.parent
WD = "http://www.wikidata.org/entity/"
QUERY = """PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
SELECT ?label ?born WHERE {
  <https://w3id.org/histkg/id/person/kliment-voroshilov> owl:sameAs ?item .
  SERVICE <ENDPOINT> { ?item rdfs:label ?label ; wdt:P569 ?born . FILTER(LANG(?label) = "en") }
}"""


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    remote = ox.Store()
    item = ox.NamedNode(WD + "Q186185")
    remote.extend(
        [
            ox.Quad(
                item,
                ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                ox.Literal("Kliment Voroshilov", language="en"),
                ox.DefaultGraph(),
            ),
            ox.Quad(
                item,
                ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                ox.Literal("Климент Ворошилов", language="ru"),
                ox.DefaultGraph(),
            ),
            ox.Quad(
                item,
                ox.NamedNode("http://www.wikidata.org/prop/direct/P569"),
                ox.Literal(
                    "1881-02-04T00:00:00Z",
                    datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"),
                ),
                ox.DefaultGraph(),
            ),
        ]
    )
    with serve(sparql_endpoint(remote)) as url:
        yield f"{url}/sparql"


def _store(allow: list[str]) -> Store:
    store = Store("memory", service_allowlist=allow)
    store.load_curated(REPO)
    return store


def test_service_reaches_an_allowlisted_endpoint(endpoint: str) -> None:
    host = endpoint.split("/")[2]
    result = _store([host]).query(QUERY.replace("ENDPOINT", endpoint))
    assert [(value(row[0]), value(row[1])) for row in result.rows if row[0] and row[1]] == [
        ("Kliment Voroshilov", "1881-02-04T00:00:00Z")
    ]


def test_service_is_refused_when_the_host_is_not_allowed(endpoint: str) -> None:
    for allow in ([], ["query.wikidata.org"]):
        with pytest.raises(QueryError, match="SERVICE"):
            _store(allow).query(QUERY.replace("ENDPOINT", endpoint))


def test_the_sparql_endpoint_federates_with_the_allowlist_setting(endpoint: str) -> None:
    host = endpoint.split("/")[2]
    settings = Settings(store="memory", project_dir=REPO, service_allowlist=host)
    with serve(create_app(settings, _store(settings.service_hosts))) as url:
        answer = httpx.get(
            f"{url}/sparql",
            params={"query": QUERY.replace("ENDPOINT", endpoint)},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
    assert answer.status_code == 200, answer.text
    bindings = answer.json()["results"]["bindings"]
    assert [b["label"]["value"] for b in bindings] == ["Kliment Voroshilov"]
