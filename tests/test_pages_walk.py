"""The graph walk that builds pages on an embedded store answers exactly what the page queries
answer, for every entity of the seed graph, and its cost follows the entity, not the store.

``app.read.walk`` replaces the four queries of ``app.read.queries`` on embedded stores (a
remote store still runs the queries), so a page must not change with the backend: the rows of
the two are compared here, query by query, as sets (the inbound page as a list: its order is
the page's order).
"""

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdfterms import renamed_copies
from test_pages_all import BASE, entities

from app.errors import QueryTimeout
from app.read import queries
from app.read.walk import Walk
from app.store import Store

INBOUND_LIMIT = 6  # small, so that the order and the paging of the inbound links are compared


def _queried(store: Store, iri: str, offset: int) -> tuple[set[tuple[object, ...]], ...]:
    bindings = {"entity": ox.NamedNode(iri)}
    return tuple(
        set(store.query(sparql, bindings=bindings).rows)
        for sparql in (queries.QUADS, queries.NODES, queries.PROVENANCE)
    )


def _inbound(store: Store, iri: str, offset: int) -> list[tuple[object, ...]]:
    sparql = queries.inbound_page(INBOUND_LIMIT, offset)
    return list(store.query(sparql, bindings={"entity": ox.NamedNode(iri)}).rows)


def test_the_walk_answers_what_the_queries_answer(curated_store: Store) -> None:
    iris = entities(curated_store)
    assert len(iris) > 400
    differences = []
    for iri in iris:
        walk = Walk(curated_store, iri)
        walked = (walk.quads(), walk.nodes(), walk.provenance())
        for name, mine, theirs in zip(
            ("QUADS", "NODES", "PROVENANCE"), walked, _queried(curated_store, iri, 0), strict=True
        ):
            if mine != theirs:
                differences.append(
                    f"{name} of {iri}: walk only {sorted(map(str, mine - theirs))[:3]}, "
                    f"query only {sorted(map(str, theirs - mine))[:3]}"
                )
        for offset in (0, INBOUND_LIMIT):
            mine_in = walk.inbound_page(INBOUND_LIMIT, offset)
            theirs_in = _inbound(curated_store, iri, offset)
            if mine_in != theirs_in:
                differences.append(f"inbound of {iri} from {offset}: {mine_in} != {theirs_in}")
    assert not differences, "\n".join(differences[:10])


def _lookups(store: Store, iris: list[str]) -> list[int]:
    counts = []
    for iri in iris:
        walk = Walk(store, iri)
        walk.quads(), walk.nodes(), walk.provenance(), walk.inbound_page(51, 0)
        counts.append(walk.lookups)
    return counts


@pytest.mark.parametrize("copies", [20])
def test_the_walk_reads_the_neighbourhood_not_the_store(
    curated_store: Store, tmp_path: Path, copies: int
) -> None:
    """On a store 21 times the seed graph (renamed copies of it), a page makes exactly the same
    lookups as on the seed graph: no step of the walk scans."""
    sample = [
        BASE + path
        for path in (
            "person/lazar-kaganovich",
            "event/mukden-incident",
            "group/pravda",
            "person/joseph-stalin",
            "concept/asserted",
        )
    ]
    with Store("memory", query_workers=0) as big:
        big.load_curated(Path(__file__).parent.parent)
        path = tmp_path / "copies.nq"
        per_copy = renamed_copies(curated_store, copies, path)
        big.load_files([path])
        assert len(big) > copies * per_copy
        assert _lookups(big, sample) == _lookups(curated_store, sample)


def test_a_walk_past_the_query_timeout_is_refused_like_a_query() -> None:
    """The walk runs in the request's thread, where nothing can kill it: it stops itself."""
    with Store("memory", query_workers=0, query_timeout=30) as store:
        store.load_curated(Path(__file__).parent.parent)
        assert Walk(store, BASE + "person/joseph-stalin").provenance()
        store.query_timeout = -1.0  # every deadline already passed
        with pytest.raises(QueryTimeout):
            Walk(store, BASE + "person/joseph-stalin").provenance()
