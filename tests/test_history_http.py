"""Lost updates over real HTTP: ``ETag`` and ``If-Match`` on ``/store`` and ``/update``.

One real uvicorn server (``fixtures.sparql.servers.serve_app``) over a store on disk; clients
race from threads, as two editors would.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from fixtures.sparql.servers import serve_app
from pyoxigraph import Literal, NamedNode

from app import history
from app.settings import Settings
from app.store import Store
from app.web import create_app

PROJECT = Path(__file__).parent / "fixtures" / "project"
EX = "https://example.org/test#"
GRAPH = "https://example.org/user-graph/race"
TOKENS = {"alice": "alice-token", "bob": "bob-token"}
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
TURTLE = {"Content-Type": "text/turtle"}
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    root = tmp_path_factory.mktemp("race")
    tokens = ",".join(
        f"{name}:{hashlib.sha256(token.encode()).hexdigest()}" for name, token in TOKENS.items()
    )
    settings = Settings(
        store=str(root / "store"), project_dir=PROJECT, query_workers=0, write_tokens=tokens
    )
    store = Store.from_settings(settings)
    store.load_curated(PROJECT)
    with serve_app(create_app(settings, store)) as base:
        yield base, store
    store.close()


def _client(base: str, name: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {TOKENS[name]}"}
    return httpx.Client(base_url=base, timeout=30, headers=headers)


def _body(label: str) -> bytes:
    return f'<{EX}crecy> a <{EX}Event> ; <{LABEL}> "{label}" .'.encode()


def test_two_editors_racing_on_one_graph_one_wins_the_other_gets_412(
    served: tuple[str, Store],
) -> None:
    base, store = served
    with _client(base, "alice") as alice, _client(base, "bob") as bob:
        created = alice.put("/store", params={"graph": GRAPH}, content=_body("v1"), headers=TURTLE)
        assert created.status_code == 200, created.text
        tags = [c.get("/store", params={"graph": GRAPH}).headers["ETag"] for c in (alice, bob)]
        assert tags[0] == tags[1] == created.headers["ETag"]
        start = threading.Barrier(2)
        answers: dict[str, httpx.Response] = {}

        def save(name: str, client: httpx.Client, tag: str) -> None:
            start.wait()
            answers[name] = client.put(
                "/store",
                params={"graph": GRAPH, "message": f"{name} edits"},
                content=_body(name),
                headers={**TURTLE, "If-Match": tag},
            )

        threads = [
            threading.Thread(target=save, args=(name, client, tag))
            for name, client, tag in (("alice", alice, tags[0]), ("bob", bob, tags[1]))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    statuses = sorted(answer.status_code for answer in answers.values())
    assert statuses == [200, 412]
    winner = next(name for name, answer in answers.items() if answer.status_code == 200)
    loser = answers["bob" if winner == "alice" else "alice"].json()["error"]
    assert loser["code"] == "precondition_failed"
    assert loser["current"] == answers[winner].json()["revision"]
    labels = {
        q.object.value
        for q in store.match(NamedNode(f"{EX}crecy"), NamedNode(LABEL), None, None)
        if isinstance(q.object, Literal)
    }
    assert labels == {winner}  # the loser wrote nothing
    last = history.log(store.match, graph=GRAPH)[0]
    assert (last.agent, last.message) == (winner, f"{winner} edits")


def test_an_update_on_a_stale_head_is_412_and_writes_nothing(served: tuple[str, Store]) -> None:
    base, store = served
    head = history.head(store.match) or 0
    text = f'INSERT DATA {{ GRAPH <{GRAPH}-u> {{ <{EX}x> a <{EX}Event> ; <{LABEL}> "x" }} }}'
    headers = {"Content-Type": "application/sparql-update"}
    with _client(base, "alice") as alice:
        stale = alice.post(
            "/update", content=text, headers={**headers, "If-Match": f'"{head - 1}"'}
        )
        assert stale.status_code == 412
        assert stale.json()["error"]["current"] == head
        assert history.head(store.match) == head
        fresh = alice.post("/update", content=text, headers={**headers, "If-Match": f'"{head}"'})
        assert fresh.status_code == 200, fresh.text
        assert fresh.headers["ETag"] == f'"{head + 1}"'


def test_history_as_html_json_atom_and_a_diff_in_words(served: tuple[str, Store]) -> None:
    base, store = served
    graph = GRAPH + "-pages"
    body = f'<{EX}sluys> a <{EX}Event> ; <{LABEL}> "Battle of Sluys" ; <{EX}near> <{EX}crecy> .'
    with _client(base, "alice") as alice:
        made = alice.put(
            "/store",
            params={"graph": graph, "message": "Sluys, 1340"},
            content=body.encode(),
            headers=TURTLE,
        )
        assert made.status_code == 200, made.text
        number = made.json()["revision"]
        listed = alice.get("/history.json", params={"graph": graph}).json()["revisions"]
        assert [(r["revision"], r["agent"], r["message"]) for r in listed] == [
            (number, "alice", "Sluys, 1340")
        ]
        about = alice.get("/history", params={"entity": f"{EX}sluys", "format": "json"})
        assert [r["revision"] for r in about.json()["revisions"]] == [number]
        page = alice.get("/history", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert f'href="/history/{number}"' in page.text
        feed = ElementTree.fromstring(alice.get("/history.atom").content)  # noqa: S314 - our own feed
        titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
        assert f"Revision {number} by alice: +3 -0" in titles
        diff = alice.get(f"/history/{number}", headers={"Accept": "text/html"})
        assert diff.status_code == 200
        assert "Battle of Sluys" in diff.text  # the subject by its label, not its IRI
        assert f"{EX}sluys" not in diff.text.replace(f'"{EX}sluys"', "")
        patch = alice.get(f"/history/{number}.json").json()["patch"]
        assert patch["removed"] == ""
        assert len(patch["added"].splitlines()) == 3
        assert alice.get("/history/999999").status_code == 404
        unauthorised = httpx.post(f"{base}/history/{number}/revert")
        assert unauthorised.status_code == 401
        undone = alice.post(f"/history/{number}/revert")
        assert undone.status_code == 200, undone.text
        assert undone.json()["removed"] == 3
    assert graph not in store.named_graphs()
