"""The lean path (``app.routes.lean``): a point lookup by GET answers as the full stack would.

Each test compares the lean answer with the full stack's answer to the same query (a POST,
which the lean path never takes), over real HTTP against the session's uvicorn server, or
checks that a protection of the full stack (trusted hosts, rate limit, errors) still holds.
"""

from pathlib import Path

import httpx
from fixtures.sparql.servers import serve_app
from httpheaders import compared
from pyoxigraph import Literal, NamedNode, Triple

from app.routes.lean import LEAN_ROWS
from app.settings import Settings
from app.store import Store
from app.web import HistkgApp, create_app

PROJECT = Path(__file__).parent / "fixtures" / "project"
LOOKUP = "SELECT ?p ?o WHERE { <https://example.org/test#hastings> ?p ?o }"


def test_a_point_lookup_by_get_answers_as_the_same_query_by_post(client: httpx.Client) -> None:
    lean = client.get("/sparql", params={"query": LOOKUP}, headers={"Accept": "*/*"})
    full = client.post("/sparql", data={"query": LOOKUP}, headers={"Accept": "*/*"})
    assert lean.status_code == full.status_code == 200
    assert lean.json() == full.json()
    assert lean.json()["results"]["bindings"]  # the subject has facts
    assert compared(lean) == compared(full)
    assert lean.headers["content-security-policy"]
    assert lean.headers["x-histkg-rows"] == str(len(lean.json()["results"]["bindings"]))


def test_a_cross_origin_lookup_gets_the_same_corscompared(client: httpx.Client) -> None:
    origin = {"Origin": "https://tool.example", "Accept": "application/sparql-results+json"}
    lean = client.get("/sparql", params={"query": LOOKUP}, headers=origin)
    full = client.post("/sparql", data={"query": LOOKUP}, headers=origin)
    assert lean.headers["access-control-allow-origin"] == "*"
    assert "X-Histkg-Truncated" in lean.headers["access-control-expose-headers"]
    assert compared(lean) == compared(full)


def test_a_lookup_in_another_format_answers_as_the_full_stack(client: httpx.Client) -> None:
    for name in ("csv", "tsv", "xml"):
        lean = client.get("/sparql", params={"query": LOOKUP, "format": name})
        full = client.post("/sparql", data={"query": LOOKUP, "format": name})
        assert lean.content == full.content
        assert compared(lean) == compared(full)


def test_a_lookup_for_an_untrusted_host_is_refused(client: httpx.Client) -> None:
    answer = client.get("/sparql", params={"query": LOOKUP}, headers={"Host": "evil.example"})
    assert answer.status_code == 400
    assert "evil.example" in answer.json()["error"]["message"]


def test_a_lookup_in_a_format_nobody_has_gets_the_one_error_format(client: httpx.Client) -> None:
    answer = client.get("/sparql", params={"query": LOOKUP, "format": "bogus"})
    assert answer.status_code == 406
    assert answer.json()["error"]["code"] == "not_acceptable"


def test_the_lean_path_answers_a_plain_lookup_and_hands_on_the_others() -> None:
    # Its answers are meant to look like the full stack's, so the tests above would pass
    # without it: its own count of answers says which path answered.
    settings = Settings(store="memory", project_dir=PROJECT, query_workers=0)
    with Store.from_settings(settings) as store:
        app = create_app(settings, store)
        assert isinstance(app, HistkgApp)
        assert app.lean is not None
        store.load_curated(PROJECT)
        with serve_app(app) as url, httpx.Client(base_url=url, timeout=10) as http:
            plain = http.get("/sparql", params={"query": LOOKUP})
            assert (plain.status_code, app.lean.answers) == (200, 1)
            evil = http.get("/sparql", params={"query": LOOKUP}, headers={"Host": "evil.example"})
            assert (evil.status_code, app.lean.answers) == (400, 1)
            bogus = http.get("/sparql", params={"query": LOOKUP, "format": "bogus"})
            assert (bogus.status_code, app.lean.answers) == (406, 1)
            again = http.get("/sparql", params={"query": LOOKUP})
            assert (again.content, app.lean.answers) == (plain.content, 2)


def test_lookups_count_against_the_rate_limit() -> None:
    limited = Settings(store="memory", project_dir=PROJECT, rate_limit=3, query_workers=0)
    with Store.from_settings(limited) as store, serve_app(create_app(limited, store)) as url:
        store.load_curated(PROJECT)
        with httpx.Client(base_url=url, timeout=10) as http:
            statuses = [http.get("/sparql", params={"query": LOOKUP}).status_code for _ in range(5)]
    assert statuses[:3] == [200] * 3
    assert statuses[3] == 429


def test_lookups_handed_on_by_the_lean_path_take_one_token_each() -> None:
    # Both hand-offs come after the lean path took its token: an error (a format nobody has)
    # and a result too big for the event loop (more than LEAN_ROWS rows), which the full path
    # answers. With a limit of 4, the four are answered, the fifth is refused.
    limited = Settings(store="memory", project_dir=PROJECT, rate_limit=4, query_workers=0)
    hub = "https://example.org/test#hub"
    with Store.from_settings(limited) as store, serve_app(create_app(limited, store)) as url:
        store.replace_graph(
            "https://example.org/graph/hub",
            [_triple(hub, f"https://example.org/test#p{n}") for n in range(LEAN_ROWS + 1)],
        )
        big = f"SELECT ?p ?o WHERE {{ <{hub}> ?p ?o }}"
        with httpx.Client(base_url=url, timeout=30) as http:
            bogus = [http.get("/sparql", params={"query": LOOKUP, "format": "bogus"}) for _ in "ab"]
            whole = [http.get("/sparql", params={"query": big}) for _ in "ab"]
            over = http.get("/sparql", params={"query": big})
    assert [a.status_code for a in bogus] == [406, 406]
    assert [a.status_code for a in whole] == [200, 200]
    assert [a.headers["x-histkg-rows"] for a in whole] == [str(LEAN_ROWS + 1)] * 2
    assert over.status_code == 429


def test_a_lookup_sees_a_write_at_once(tmp_path: Path) -> None:
    settings = Settings(store=str(tmp_path / "store"), project_dir=PROJECT, query_workers=1)
    with Store.from_settings(settings) as store, serve_app(create_app(settings, store)) as url:
        store.load_curated(PROJECT)
        with httpx.Client(base_url=url, timeout=10) as http:
            before = http.get("/sparql", params={"query": LOOKUP}).json()["results"]["bindings"]
            store.replace_graph(
                "https://example.org/graph/extra",
                [_triple("https://example.org/test#hastings", "https://example.org/test#note")],
            )
            after = http.get("/sparql", params={"query": LOOKUP}).json()["results"]["bindings"]
    assert len(after) == len(before) + 1


def _triple(subject: str, predicate: str) -> Triple:
    return Triple(NamedNode(subject), NamedNode(predicate), Literal("added"))
