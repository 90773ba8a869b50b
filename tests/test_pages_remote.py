"""Pages and search are the same on a remote store as on the embedded one.

An embedded store builds pages by walking the graph with direct lookups (``app.read.walk``) and
its search index with ``Store.match`` scans; a remote store runs the page queries and answers
``Store.match`` with a SELECT. Here the curated graph is loaded into a real ``oxigraph serve``
(PyPI ``oxigraph``) and into memory, and the page contexts and search results are compared.
"""

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fixtures.sparql.servers import oxigraph_server

from app.pages.entity import entity_page
from app.read import read_model
from app.routes.pages import page_settings
from app.settings import Settings
from app.store import Store

REPO = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/histkg/id/"
SAMPLE = (
    "person/lazar-kaganovich",
    "person/joseph-stalin",
    "event/mukden-incident",
    "group/pravda",
    "concept/asserted",
    "source/stalin-i-kaganovich-2001",
)


@pytest.fixture(scope="module")
def remote_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The curated graph in a fresh Oxigraph server."""
    directory = tmp_path_factory.mktemp("oxigraph")
    with oxigraph_server(directory) as url, Store(f"{url}/query") as store:
        store.load_curated(REPO)
        yield store


def test_match_finds_the_same_quads_remote_and_embedded(
    remote_store: Store, curated_store: Store
) -> None:
    stalin = ox.NamedNode(BASE + "person/joseph-stalin")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    for pattern in [(stalin, None, None), (None, None, stalin), (None, label, None)]:
        remote = set(remote_store.match(*pattern))
        assert remote, pattern
        assert remote == set(curated_store.match(*pattern))
    assert len(list(remote_store.match(None, label, None, limit=3))) == 3


def test_match_takes_terms_as_values_not_query_text(remote_store: Store) -> None:
    hostile = ox.Literal('x" } } ; DROP ALL ; SELECT * { ?s ?p "')
    assert list(remote_store.match(None, None, hostile)) == []
    assert len(remote_store) > 1000  # nothing was dropped


def test_pages_are_the_same_remote_and_embedded(
    remote_store: Store, curated_store: Store, curated_settings: Settings
) -> None:
    settings = page_settings(curated_settings)
    for path in SAMPLE:
        remote = entity_page(read_model(remote_store), BASE + path, settings, cache=False)
        embedded = entity_page(read_model(curated_store), BASE + path, settings, cache=False)
        assert remote is not None, path
        assert remote == embedded, path


def test_search_is_the_same_remote_and_embedded(remote_store: Store, curated_store: Store) -> None:
    remote, embedded = (
        read_model(remote_store).search_index(BASE),
        read_model(curated_store).search_index(BASE),
    )
    assert len(remote.entries) == len(embedded.entries) > 100
    for query in ("stalin", "kag laz", "Izvestia", "incident"):
        assert remote.search(query) == embedded.search(query), query
    assert remote.search("", kind="person") == embedded.search("", kind="person")
