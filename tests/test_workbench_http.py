"""Signing in to the workbench over real HTTP: sessions, CSRF, lock-out, writes named by user.

One real uvicorn server (``fixtures.sparql.servers.serve_app``) over a store on disk with its
accounts file beside it; each test signs in with its own client (its own cookie jar).
"""

from __future__ import annotations

import ast
import doctest
import hashlib
import inspect
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from fixtures.sparql.servers import serve_app
from pyoxigraph import Literal, NamedNode

from app import history
from app.accounts import Accounts, Role
from app.routes import workbench as workbench_routes
from app.settings import Settings
from app.store import Store
from app.vocab import BIBO, DCTERMS, OA, RDF
from app.web import create_app
from app.workbench import fields, sources

PROJECT = Path(__file__).parent / "fixtures" / "project"
PASSWORD = "a long test password"  # noqa: S105 - test accounts only
EX = "https://example.org/test#"
GRAPH = "https://example.org/user-graph/workbench"
TOKEN = "robot-token"  # noqa: S105


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("workbench")
    return Settings(
        store=str(root / "store"),
        project_dir=PROJECT,
        query_workers=0,
        signin_attempts=3,
        write_tokens=f"robot:{hashlib.sha256(TOKEN.encode()).hexdigest()}",
    )


@pytest.fixture(scope="module")
def served(settings: Settings) -> Iterator[tuple[str, Store]]:
    accounts = Accounts.from_settings(settings)
    for name in ("ada", "bea", "cy"):
        accounts.add(name, Role.curator, PASSWORD)
    store = Store.from_settings(settings)
    store.load_curated(PROJECT)
    with serve_app(create_app(settings, store)) as base:
        yield base, store
    store.close()


@pytest.fixture
def browser(served: tuple[str, Store]) -> Iterator[httpx.Client]:
    """A client with its own cookie jar that asks for HTML, as a browser does."""
    with httpx.Client(base_url=served[0], timeout=30, headers={"Accept": "text/html"}) as client:
        yield client


def _csrf(client: httpx.Client, path: str = "/signin") -> str:
    page = BeautifulSoup(client.get(path).text, "html.parser")
    field = page.select_one("input[name=csrf]")
    assert field is not None
    return str(field["value"])


def _sign_in(client: httpx.Client, name: str, password: str = PASSWORD) -> httpx.Response:
    form = {"csrf": _csrf(client), "name": name, "password": password, "next": "/workbench"}
    return client.post("/signin", data=form)


def test_anonymous_workbench_visits_go_to_the_sign_in_page_and_back(
    browser: httpx.Client,
) -> None:
    answer = browser.get("/workbench")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin?next=%2Fworkbench"
    form = BeautifulSoup(browser.get(answer.headers["location"]).text, "html.parser")
    assert form.select_one("input[name=next]")["value"] == "/workbench"  # type: ignore[index]
    for field in form.select("input:not([type=hidden])"):
        assert form.select_one(f"label[for={field['id']}]") is not None  # every field labelled


def test_signing_in_sets_a_signed_http_only_lax_cookie_and_opens_the_workbench(
    browser: httpx.Client,
) -> None:
    answer = _sign_in(browser, "ada")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/workbench"
    cookie = answer.headers["set-cookie"].lower()
    assert "histkg_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie  # plain HTTP here; see the HTTPS test
    home = BeautifulSoup(browser.get("/workbench").text, "html.parser")
    assert home.select_one(".user").get_text() == "ada"  # type: ignore[union-attr]


def test_a_wrong_password_is_shown_in_the_form_and_signs_nobody_in(
    browser: httpx.Client,
) -> None:
    answer = _sign_in(browser, "bea", "not the password")
    assert answer.status_code == 403
    page = BeautifulSoup(answer.text, "html.parser")
    assert "Wrong name or password" in page.select_one("[role=alert]").get_text()  # type: ignore[union-attr]
    assert page.select_one("input[name=name]")["value"] == "bea"  # type: ignore[index]
    assert browser.get("/workbench").status_code == 303


def test_a_form_without_its_csrf_token_is_403_and_changes_nothing(
    browser: httpx.Client,
) -> None:
    _csrf(browser)  # the session exists, but the token is not sent back
    answer = browser.post("/signin", data={"name": "ada", "password": PASSWORD})
    assert answer.status_code == 403
    assert "CSRF" in answer.text
    assert browser.get("/workbench").status_code == 303
    _sign_in(browser, "ada")
    assert browser.post("/signout", data={"csrf": "forged"}).status_code == 403
    assert browser.get("/workbench").status_code == 200  # still signed in


def test_signing_out_ends_the_session(browser: httpx.Client) -> None:
    _sign_in(browser, "ada")
    answer = browser.post("/signout", data={"csrf": _csrf(browser, "/workbench")})
    assert answer.status_code == 303
    assert browser.get("/workbench").status_code == 303


def test_repeated_failures_lock_the_account(served: tuple[str, Store]) -> None:
    with httpx.Client(base_url=served[0], timeout=30) as client:
        for _ in range(3):
            assert _sign_in(client, "cy", "wrong wrong").status_code == 403
        locked = _sign_in(client, "cy")
    assert locked.status_code == 403
    assert "locked" in locked.text


def test_a_signed_in_curators_write_is_a_revision_in_their_name(
    browser: httpx.Client, served: tuple[str, Store]
) -> None:
    _, store = served
    _sign_in(browser, "ada")
    csrf = _csrf(browser, "/workbench")
    text = f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{EX}x> <{EX}p> "by ada" }} }}'
    headers = {"Content-Type": "application/sparql-update", "Accept": "application/json"}
    refused = browser.post("/update", content=text, headers=headers)
    assert refused.status_code == 403  # the cookie alone is not enough: CSRF
    assert history.log(store.match, graph=GRAPH) == []
    written = browser.post("/update", content=text, headers={**headers, "X-CSRF-Token": csrf})
    assert written.status_code == 200, written.text
    assert history.log(store.match, graph=GRAPH)[0].agent == "ada"
    home = BeautifulSoup(browser.get("/workbench").text, "html.parser")
    assert [a.get_text() for a in home.select(".revisions a")] == [str(written.json()["revision"])]


def test_bearer_tokens_keep_working_and_anonymous_writes_stay_refused(
    served: tuple[str, Store],
) -> None:
    base, store = served
    text = f'INSERT DATA {{ GRAPH <{GRAPH}-robot> {{ <{EX}y> <{EX}p> "by robot" }} }}'
    headers = {"Content-Type": "application/sparql-update"}
    anonymous = httpx.post(f"{base}/update", content=text, headers=headers)
    assert anonymous.status_code == 401
    robot = {**headers, "Authorization": f"Bearer {TOKEN}"}
    assert httpx.post(f"{base}/update", content=text, headers=robot).status_code == 200
    assert history.log(store.match, graph=f"{GRAPH}-robot")[0].agent == "robot"


def test_the_cookie_is_secure_when_served_over_https(served: tuple[str, Store]) -> None:
    # Behind a TLS-terminating proxy on loopback: uvicorn takes the scheme from the header.
    # The cookie goes back by hand: a client keeps Secure cookies from plain-HTTP URLs.
    base, proxied = served[0], {"X-Forwarded-Proto": "https"}
    form = httpx.get(f"{base}/signin", headers=proxied)
    cookie = form.headers["set-cookie"].split(";")[0]
    assert "secure" in form.headers["set-cookie"].lower()
    csrf = BeautifulSoup(form.text, "html.parser").select_one("input[name=csrf]")["value"]  # type: ignore[index]
    fields = {"csrf": str(csrf), "name": "bea", "password": PASSWORD}
    answer = httpx.post(f"{base}/signin", data=fields, headers={**proxied, "Cookie": cookie})
    assert answer.status_code == 303
    assert "secure" in answer.headers["set-cookie"].lower()


def test_a_memory_store_without_a_users_file_has_no_sign_in() -> None:
    app = create_app(Settings(store="memory", project_dir=PROJECT, query_workers=0))
    with serve_app(app) as base:
        page = httpx.get(f"{base}/signin")
    assert page.status_code == 200
    assert "no curator accounts" in page.text


def test_a_curator_adds_a_source_and_lands_on_its_page(
    browser: httpx.Client, served: tuple[str, Store]
) -> None:
    _, store = served
    _sign_in(browser, "ada")
    form = BeautifulSoup(browser.get("/workbench/sources/new").text, "html.parser")
    for field in form.select("form.source-form input:not([type=hidden])"):
        assert form.select_one(f"label[for={field['id']}]") is not None
    fields = {
        "csrf": str(form.select_one("input[name=csrf]")["value"]),  # type: ignore[index]
        "author": "Ann Testwriter",
        "title": "The Last Autocrat",
        "place": "Testford",
        "publisher": "Test House",
        "year": "1999",
    }
    answer = browser.post("/workbench/sources", data=fields)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/id/source/the-last-autocrat-1999"
    page = BeautifulSoup(browser.get(answer.headers["location"]).text, "html.parser")
    assert "The Last Autocrat" in page.select_one("h1").get_text()  # type: ignore[union-attr]
    assert "Ann Testwriter" in page.get_text()
    last = history.log(store.match, limit=1)[0]
    assert (last.agent, last.message) == ("ada", "Add source: The Last Autocrat")


def test_a_source_without_a_title_or_with_a_bad_year_is_refused_beside_its_field(
    browser: httpx.Client, served: tuple[str, Store]
) -> None:
    _, store = served
    _sign_in(browser, "ada")
    before = history.head(store.match)
    fields = {"csrf": _csrf(browser, "/workbench/sources/new"), "title": " ", "year": "69"}
    answer = browser.post("/workbench/sources", data=fields)
    assert answer.status_code == 422
    page = BeautifulSoup(answer.text, "html.parser")
    assert "title" in page.select_one("#source-title-error").get_text()  # type: ignore[union-attr]
    assert "four digits" in page.select_one("#source-year-error").get_text()  # type: ignore[union-attr]
    assert page.select_one("#source-year")["aria-invalid"] == "true"  # type: ignore[index]
    assert history.head(store.match) == before  # nothing written


def test_the_source_form_needs_a_curator_and_its_csrf_token(
    browser: httpx.Client, served: tuple[str, Store]
) -> None:
    assert browser.get("/workbench/sources/new").headers["location"].startswith("/signin")
    _sign_in(browser, "ada")
    before = history.head(served[1].match)
    answer = browser.post("/workbench/sources", data={"title": "Forged"})
    assert answer.status_code == 403
    assert history.head(served[1].match) == before


PAGE = Path(__file__).parent / "fixtures" / "ingest" / "last-autocrat-p57.txt"


def _add_source(client: httpx.Client, title: str, year: str) -> str:
    fields = {"csrf": _csrf(client, "/workbench/sources/new"), "title": title, "year": year}
    answer = client.post("/workbench/sources", data=fields)
    assert answer.status_code == 303, answer.text
    return f"{title} ({year})"


def test_an_uploaded_page_is_ingested_and_its_original_kept_character_for_character(
    browser: httpx.Client, served: tuple[str, Store]
) -> None:
    _, store = served
    _sign_in(browser, "ada")
    label = _add_source(browser, "Autocrat Uploaded", "2001")
    raw = PAGE.read_bytes()
    fields = {"csrf": _csrf(browser, "/workbench/pages/new"), "source": label}
    files = {"file": ("p57.txt", raw, "text/plain")}
    answer = browser.post("/workbench/pages", data=fields, files=files)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/id/ingest/autocrat-uploaded-2001-p57/page"
    assert browser.get(answer.headers["location"]).status_code == 200
    text = "https://w3id.org/histkg/id/text/autocrat-uploaded-2001-p57"
    (stored,) = [
        q.object.value
        for q in store.match(NamedNode(text), BIBO.content, None, None)
        if isinstance(q.object, Literal)
    ]
    assert stored.encode() == raw
    # Every anchor's quote is the original text at its offsets.
    graph = NamedNode("https://w3id.org/histkg/workbench/page/autocrat-uploaded-2001-p57")
    checked = 0

    def value(subject: NamedNode, predicate: NamedNode) -> str:
        (found,) = [q.object for q in store.match(subject, predicate, None, graph)]
        assert isinstance(found, Literal)
        return found.value

    for selector in store.match(None, RDF.type, OA.TextPositionSelector, graph):
        assert isinstance(selector.subject, NamedNode)
        start, end = int(value(selector.subject, OA.start)), int(value(selector.subject, OA.end))
        quote = NamedNode(selector.subject.value.removesuffix("-position") + "-quote")
        assert stored[start:end] == value(quote, OA.exact)
        checked += 1
    assert checked > 10
    page = NamedNode("https://w3id.org/histkg/id/ingest/autocrat-uploaded-2001-p57/page")
    (book,) = [q.object for q in store.match(page, DCTERMS.isPartOf, None, None)]
    assert book == NamedNode("https://w3id.org/histkg/id/source/autocrat-uploaded-2001")
    assert history.log(store.match, limit=1)[0].agent == "ada"


def test_a_pasted_page_of_an_unknown_source_or_without_text_is_refused_beside_its_field(
    browser: httpx.Client, served: tuple[str, Store]
) -> None:
    _, store = served
    _sign_in(browser, "ada")
    before = history.head(store.match)
    csrf = _csrf(browser, "/workbench/pages/new")
    text = PAGE.read_text()
    unknown = browser.post(
        "/workbench/pages", data={"csrf": csrf, "source": "No Such Book", "text": text}
    )
    assert unknown.status_code == 422
    page = BeautifulSoup(unknown.text, "html.parser")
    assert "No source" in page.select_one("#page-source-error").get_text()  # type: ignore[union-attr]
    kept = page.select_one("#page-text")
    assert kept is not None
    assert kept.get_text() == text  # the text is kept for a retry
    label = _add_source(browser, "Autocrat Pasted", "2002")
    empty = browser.post("/workbench/pages", data={"csrf": csrf, "source": label, "text": " "})
    assert empty.status_code == 422
    assert (
        "no text"
        in BeautifulSoup(empty.text, "html.parser")
        .select_one(  # type: ignore[union-attr]
            "#page-text-error"
        )
        .get_text()
    )
    assert history.head(store.match) == (before or 0) + 1  # only the source was written
    pasted = browser.post(
        "/workbench/pages",
        data={"csrf": csrf, "source": label, "text": text.replace("\n", "\r\n")},
    )
    assert pasted.status_code == 303, pasted.text
    again = browser.post("/workbench/pages", data={"csrf": csrf, "source": label, "text": text})
    assert again.status_code == 422
    assert "added already" in again.text


def test_the_reading_view_marks_mentions_dates_and_footnote_markers(
    browser: httpx.Client, served: tuple[str, Store]
) -> None:
    _sign_in(browser, "ada")
    label = _add_source(browser, "Autocrat Read", "2003")
    fields = {"csrf": _csrf(browser, "/workbench/pages/new"), "source": label}
    files = {"file": ("p57.txt", PAGE.read_bytes(), "text/plain")}
    location = browser.post("/workbench/pages", data=fields, files=files).headers["location"]
    with httpx.Client(base_url=served[0], timeout=30) as reader:  # anonymous, like any reader
        answer = reader.get(location, headers={"Accept": "text/html"})
        turtle = reader.get(location, headers={"Accept": "text/turtle"})
    assert answer.status_code == 200
    page = BeautifulSoup(answer.text, "html.parser")
    text = page.select_one("#reading-text")
    assert text is not None
    body = text.get_text()
    assert "official" in body  # repaired: "ocial" had lost its ligature
    assert " ocial" not in body
    assert "²" not in body
    markers = text.select("sup.marker a")
    assert [a["href"] for a in markers] == [f"#fn-{n}" for n in range(27, 32)]
    for marker in markers:
        assert page.select_one(str(marker["href"])) is not None  # the footnote is on the page
    assert text.select("mark.date")
    # Names the graph knows are linked: see test_workbench_claims (the real curated graph).
    assert text.select("mark.candidate")
    printed = page.select_one("details.printed pre")
    assert printed is not None
    assert printed.get_text() == PAGE.read_text()
    assert turtle.status_code == 200
    assert turtle.headers["content-type"].startswith("text/turtle")


def test_the_docstring_examples_of_the_workbench_run() -> None:
    for module in (sources, fields):
        failed, attempted = doctest.testmod(module)
        assert failed == 0
        assert attempted >= 1


def _calls_on_the_event_loop(node: ast.AST) -> list[ast.Call]:
    """Calls made by ``node`` itself: not those inside a lambda or a nested function, which
    the route hands to ``run_in_threadpool``."""
    found = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if isinstance(child, ast.Call):
            found.append(child)
        found += _calls_on_the_event_loop(child)
    return found


def test_the_workbench_routes_never_read_the_store_on_the_event_loop() -> None:
    """An ``async def`` route that reads the store itself stalls every other request of the
    server meanwhile: whatever takes the store runs in the threadpool."""
    takes_store = {
        name
        for name, value in vars(workbench_routes).items()
        if inspect.isfunction(value)
        and not inspect.iscoroutinefunction(value)
        and "store" in inspect.signature(value).parameters
    }
    assert {"load_claim", "check_claim", "_claim_page", "event_types"} <= takes_store
    tree = ast.parse(Path(inspect.getfile(workbench_routes)).read_text(encoding="utf-8"))
    blocking = [
        f"{route.name}: {call.func.id}()"
        for route in ast.walk(tree)
        if isinstance(route, ast.AsyncFunctionDef)
        for call in _calls_on_the_event_loop(route)
        if isinstance(call.func, ast.Name) and call.func.id in takes_store
    ]
    assert blocking == []
