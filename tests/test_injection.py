"""Input that tries to break out of a SPARQL string or IRI gets no extra data.

User input reaches queries only as bound values (``Store.query(bindings=...)``,
``Store.match``), never pasted into query text; these requests would widen a pasted query to
every triple of the store. Each answer is compared with the answer to the same request without
the attack: it may be the same or smaller, never larger, and never an error of the server.
"""

import json
import re
from typing import Any
from urllib.parse import quote

import httpx
import pytest

BREAKOUTS = [
    '" } UNION { ?s ?p ?o } #',
    "' } UNION { ?s ?p ?o } #",
    "> ?p ?o } UNION { ?s ?p ?o } #",
    '"@en . ?s ?p ?o . } #',
    '\\" ) ) } ; DROP ALL ; SELECT * { ?s ?p ?o } #',
    "> . } } ; CLEAR ALL ; #",
]


def _search(url: str, q: str) -> list[str]:
    response = httpx.get(f"{url}/search.json", params={"q": q, "kind": ""}, timeout=30)
    assert response.status_code == 200, response.text
    return [hit["id"] if "id" in hit else hit["iri"] for hit in response.json()["results"]]


def _reconcile(url: str, query: str) -> list[dict[str, Any]]:
    response = httpx.post(
        f"{url}/reconcile", data={"queries": json.dumps({"q": {"query": query}})}, timeout=30
    )
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()["q"]["result"]
    return result


@pytest.mark.parametrize("attack", BREAKOUTS)
def test_an_entity_path_that_breaks_out_of_its_iri_is_not_found(
    pages_url: str, attack: str
) -> None:
    plain = httpx.get(f"{pages_url}/id/person/lazar-kaganovich", timeout=30)
    assert plain.status_code == 200
    for path in (f"lazar-kaganovich{attack}", f"{attack}lazar-kaganovich"):
        response = httpx.get(
            f"{pages_url}/id/person/{quote(path, safe='')}",
            headers={"Accept": "application/n-triples"},
            timeout=30,
        )
        assert response.status_code == 404, (path, response.status_code)


@pytest.mark.parametrize("attack", BREAKOUTS)
def test_a_search_that_breaks_out_of_its_string_finds_no_more(pages_url: str, attack: str) -> None:
    """Search matches words, so the control is the same words without the punctuation that
    would close a pasted string: the quotes, brackets and braces must add nothing."""
    assert _search(pages_url, "Kaganovich"), "the control search must find something"
    for q in (f"Kaganovich{attack}", f"{attack}Kaganovich", attack):
        words = re.sub(r"[^\w\s]", " ", q)
        assert set(_search(pages_url, q)) <= set(_search(pages_url, words)), q


@pytest.mark.parametrize("attack", BREAKOUTS)
def test_a_reconciliation_query_that_breaks_out_finds_no_more(pages_url: str, attack: str) -> None:
    plain = {c["id"] for c in _reconcile(pages_url, "Kaganovich")}
    assert plain
    attacked = _reconcile(pages_url, f"Kaganovich{attack}")
    assert {c["id"] for c in attacked} <= plain
    assert len(_reconcile(pages_url, attack)) <= len(plain)
