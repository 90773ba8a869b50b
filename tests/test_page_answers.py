"""Entity pages kept whole (``app.routes.lean.PageAnswers``): the same answer, fresh after a
write, 304 for a current copy, and bounded by memory."""

import asyncio
import shutil
import tracemalloc
from pathlib import Path

import httpx
from fixtures.sparql.servers import serve_app
from httpheaders import compared
from pyoxigraph import Literal, NamedNode, Triple
from starlette.types import Message, Send

from app.read import read_model
from app.read.model import Sized
from app.routes.lean import PageAnswers
from app.security import RateLimiter
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


def test_a_copy_made_stale_by_a_reload_gets_the_new_page_not_304(tmp_path: Path) -> None:
    # A load makes no revision and changes no statement of the battle itself: only the label
    # of a participant (a neighbour) changes. A tag made from the revision stayed "0", and a
    # revalidating client kept its stale copy with a 304.
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    settings = Settings(
        store=str(tmp_path / "store"), project_dir=project, base_iri="https://example.org/test#"
    )
    html = {"Accept": "text/html"}
    with Store.from_settings(settings) as store, serve_app(create_app(settings, store)) as url:
        store.load_curated(project)
        with httpx.Client(base_url=url, timeout=10) as http:
            before = http.get("/id/hastings", headers=html)
            assert http.get("/id/hastings", headers=html).content == before.content  # kept
            events = project / "data" / "events.ttl"
            events.write_text(
                events.read_text().replace("William the Conqueror", "William the Bastard")
            )
            store.load_curated(project)
            http.get("/id/hastings", headers=html)  # another reader: the new page is kept
            after = http.get(
                "/id/hastings", headers={**html, "If-None-Match": before.headers["etag"]}
            )
            again = http.get(
                "/id/hastings", headers={**html, "If-None-Match": after.headers["etag"]}
            )
    assert "William the Conqueror" in before.text
    assert after.status_code == 200
    assert "William the Bastard" in after.text
    assert after.headers["etag"] != before.headers["etag"]
    assert again.status_code == 304  # the new copy is current


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


def test_an_answer_too_big_to_keep_is_not_copied_on_its_way() -> None:
    # 32 MiB sent in 1 MiB parts through a cache bounded at 1 MiB: the parts pass, no copy of
    # the whole is made (one would show as 32 MiB more at the peak).
    mib = 1 << 20
    sent: list[int] = []

    async def send(message: Message) -> None:
        sent.append(len(message.get("body", b"")))

    async def answer(kept_send: Send) -> None:
        await kept_send({"type": "http.response.start", "status": 200, "headers": []})
        for n in range(32):
            body = {"type": "http.response.body", "body": part, "more_body": n < 31}
            await kept_send(body)

    part = b"x" * mib
    with Store("memory", query_workers=0) as store:
        answers = PageAnswers(store=store, limiter=RateLimiter(0), max_bytes=mib)
        scope = {"type": "http", "method": "GET", "path": "/id/hub", "query_string": b""}
        kept_send = asyncio.run(answers.answered({**scope, "headers": []}, send))
        assert kept_send is not None  # not kept yet: the full stack's answer will go through it
        tracemalloc.start()
        try:
            asyncio.run(answer(kept_send))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 8 * mib
        assert sent == [0] + [mib] * 32
        assert len(read_model(store).sized("page-answers", mib)) == 0
