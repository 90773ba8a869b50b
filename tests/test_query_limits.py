"""A crowd of SPARQL queries gets a bounded line: past it, 503 ``server_busy`` at once.

A real uvicorn serves the curated graph with one query worker and room for two waiting
queries (``HISTKG_MAX_QUEUED_QUERIES=2``). Eight runaway queries sent at the same moment: three
are taken in (one runs, two wait) and time out; the others are refused at once with
``Retry-After`` instead of queueing without bound, while ``/health``, the editor and the
service description, which are not queries, are still answered. Afterwards the line is empty
again: nothing leaks from refused, failed or timed-out queries.
"""

import threading
from collections.abc import Iterator

import httpx
import pytest
from fixtures.sparql.servers import REPO, serve_app

from app.settings import Settings
from app.store import Store
from app.web import create_app

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SIMPLE = "ASK { ?s ?p ?o }"
CROWD = 8


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("limits")
    settings = Settings(
        store=str(root / "store"), project_dir=REPO, query_workers=1, max_queued_queries=2
    )
    with Store.from_settings(settings) as store:
        store.load_curated(REPO)
        with serve_app(create_app(settings, store)) as base:
            yield base


def _crowd(url: str, send: int) -> list[httpx.Response]:
    start = threading.Barrier(send)
    answers: list[httpx.Response] = []

    def one() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            start.wait()
            answer = client.get("/sparql", params={"query": RUNAWAY, "timeout": "2"})
            answers.append(answer)

    threads = [threading.Thread(target=one) for _ in range(send)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_queries_past_the_line_are_refused_at_once_with_retry_after(url: str) -> None:
    others: dict[str, int] = {}

    def meanwhile() -> None:  # while the crowd is in: what is not a query is still served
        with httpx.Client(base_url=url, timeout=30) as client:
            others["health"] = client.get("/health").status_code
            others["editor"] = client.get("/sparql", headers={"Accept": "text/html"}).status_code
            others["description"] = client.get(
                "/sparql", headers={"Accept": "text/turtle"}
            ).status_code

    side = threading.Timer(0.5, meanwhile)
    side.start()
    answers = _crowd(url, CROWD)
    side.join()
    codes = [answer.json()["error"]["code"] for answer in answers]
    busy = [a for a, code in zip(answers, codes, strict=True) if code == "server_busy"]
    assert len(busy) >= CROWD - 3, codes
    for answer in busy:
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "1"
        assert "busy" in answer.json()["error"]["message"]
    assert sorted(set(codes) - {"server_busy"}) == ["query_timeout"]
    assert others == {"health": 200, "editor": 200, "description": 200}


def test_the_line_empties_after_refused_failed_and_timed_out_queries(url: str) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        for _ in range(5):  # failed queries give their place back
            assert client.get("/sparql", params={"query": "SELEC nothing"}).status_code == 400
            bad = client.post("/sparql", content=b"\xff", headers={"Content-Type": "text/plain"})
            assert bad.status_code == 415
        _crowd(url, CROWD)
        answers = [
            client.get("/sparql", params={"query": SIMPLE}),
            client.post(
                "/sparql", content=SIMPLE, headers={"Content-Type": "application/sparql-query"}
            ),
            client.post("/sparql", data={"query": SIMPLE}),
        ]
        assert [a.status_code for a in answers] == [200, 200, 200]
