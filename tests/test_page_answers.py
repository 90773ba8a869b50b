"""Entity pages kept whole (``app.routes.lean.PageAnswers``): the same answer, fresh after a
write, 304 for a current copy, and bounded by memory."""

from pathlib import Path

import httpx
from fixtures.sparql.servers import serve_app
from httpheaders import compared
from pyoxigraph import Literal, NamedNode, Triple

from app.read.model import Sized
from app.settings import Settings
from app.store import Store
from app.web import create_app

PROJECT = Path(__file__).parent / "fixtures" / "project"
PAGE = "/id/person/lazar-kaganovich"


def test_a_page_asked_again_is_the_same_answer(pages: httpx.Client) -> None:
    html = {"Accept": "text/html"}
    first, again = pages.get(PAGE, headers=html), pages.get(PAGE, headers=html)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert compared(again) == compared(first)
    as_json = pages.get(PAGE, headers={"Accept": "application/json"})
    assert as_json.headers["content-type"].startswith("application/json")  # Accept is heard


def test_a_current_copy_gets_304(pages: httpx.Client) -> None:
    page = pages.get(PAGE, headers={"Accept": "text/html"})
    unchanged = pages.get(
        PAGE, headers={"Accept": "text/html", "If-None-Match": page.headers["etag"]}
    )
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == page.headers["etag"]
    stale = pages.get(PAGE, headers={"Accept": "text/html", "If-None-Match": '"an-older-copy"'})
    assert stale.status_code == 200


def test_a_page_shows_a_write_on_the_next_request(tmp_path: Path) -> None:
    settings = Settings(
        store=str(tmp_path / "store"), project_dir=PROJECT, base_iri="https://example.org/test#"
    )
    with Store.from_settings(settings) as store, serve_app(create_app(settings, store)) as url:
        store.load_curated(PROJECT)
        with httpx.Client(base_url=url, timeout=10) as http:
            before = http.get("/id/hastings", headers={"Accept": "text/html"})
            assert http.get("/id/hastings").content == before.content  # kept
            store.replace_graph(
                "https://example.org/graph/extra",
                [
                    Triple(
                        NamedNode("https://example.org/test#hastings"),
                        NamedNode("https://example.org/test#note"),
                        Literal("Fought on Senlac Hill"),
                    )
                ],
            )
            after = http.get("/id/hastings", headers={"Accept": "text/html"})
    assert before.status_code == after.status_code == 200
    assert "Senlac Hill" not in before.text
    assert "Senlac Hill" in after.text


def test_kept_answers_are_bounded_by_their_size() -> None:
    kept = Sized[str](max_bytes=100)
    kept.put("a", b"x" * 40, 40)
    kept.put("b", b"y" * 40, 40)
    assert kept.get("a") is not None  # now the most recently used
    kept.put("c", b"z" * 40, 40)
    assert kept.get("b") is None  # the least recently used went
    assert kept.get("a") is not None
    assert kept.get("c") is not None
    assert kept.size == 80
    kept.put("huge", b"h" * 101, 101)
    assert kept.get("huge") is None
    assert kept.size == 80
