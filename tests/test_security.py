"""Hostile input: security headers on every response, markup in labels shown as text.

The XSS checks load the curated graph plus a file whose labels and descriptions are markup
and script, and select elements (BeautifulSoup with CSS selectors): no element the data tried to
inject exists, and its text is shown as text.
"""

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from bs4 import BeautifulSoup
from fixtures.sparql.servers import serve_app
from fixtures.system import CHROMIUM
from pyoxigraph import Literal

from app.settings import Settings
from app.store import Store
from app.web import create_app

REPO = Path(__file__).resolve().parent.parent
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ATTACK = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2"><b>bold</b>'
QUOTE_BREAK = "\"'><svg onload=alert(1)>"
MALLORY = "https://w3id.org/histkg/id/person/mallory"
HOSTILE = (  # literals written by pyoxigraph, so the attack text is exactly the label
    f"<{MALLORY}> a <http://www.cidoc-crm.org/cidoc-crm/E21_Person> ;\n"
    f"  <http://www.w3.org/2000/01/rdf-schema#label> {Literal(ATTACK, language='en')} ;\n"
    f"  <http://purl.org/dc/terms/description> {Literal(QUOTE_BREAK, language='en')} .\n"
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    root = tmp_path_factory.mktemp("hostile")
    data = root / "hostile.ttl"
    data.write_text(HOSTILE)
    settings = Settings(store="memory", project_dir=REPO, query_workers=0)
    with Store.from_settings(settings) as store:
        store.load_curated(REPO)
        store.load_files([data])
        with (
            serve_app(create_app(settings, store)) as base,
            httpx.Client(base_url=base, timeout=30) as client,
        ):
            yield client


PATHS = [
    "/",
    "/id/person/mallory",
    "/search?q=script",
    "/search?q=%3Cscript%3Ealert(1)%3C/script%3E",
    "/id/person/%3Cscript%3E",
    "/sparql",
    "/sparql?query=ASK%7B%7D",
    "/dump/",
    "/no/such/page",
]


@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_security_headers(hostile: httpx.Client, path: str) -> None:
    for headers in (BROWSER, {"Accept": "application/json"}):
        response = hostile.get(path, headers=headers)
        assert response.status_code < 500
        csp = response.headers["content-security-policy"]
        assert "object-src 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        if not path.startswith("/sparql"):  # the editor's policy: see app.security
            assert "script-src 'self';" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"]


def _no_injected_elements(html: BeautifulSoup) -> None:
    for script in html.select("script"):
        # Only our own script file and JSON-LD data blocks (not run, with `<` escaped).
        assert script.get("src") or script.get("type") == "application/ld+json", script
        assert "pwned" not in (script.get("src") or "")
        assert "<script" not in script.get_text().lower()
    assert html.select("img[onerror], svg, [onload], [onerror]") == []
    assert html.select("main b") == [] or all(b.get_text() != "bold" for b in html.select("b"))


def test_markup_in_labels_is_shown_as_text_on_the_entity_page(hostile: httpx.Client) -> None:
    response = hostile.get("/id/person/mallory", headers=BROWSER)
    assert response.status_code == 200, response.text[:300]
    html = BeautifulSoup(response.text, "html.parser")
    _no_injected_elements(html)
    heading = html.select_one("main h1")
    assert heading is not None
    assert heading.get_text(" ").strip().startswith("<script>window.pwned=1</script>")
    assert QUOTE_BREAK in " ".join(t.get_text() for t in html.select("main p, main dd"))


@pytest.mark.parametrize("path", ["/search?q=pwned", "/search?q=script", "/"])
def test_markup_in_labels_is_shown_as_text_on_lists(hostile: httpx.Client, path: str) -> None:
    response = hostile.get(path, headers=BROWSER)
    assert response.status_code == 200
    html = BeautifulSoup(response.text, "html.parser")
    _no_injected_elements(html)
    if path.startswith("/search"):
        links = [a.get_text(" ").strip() for a in html.select("main a")]
        assert any(text.startswith("<script>window.pwned") for text in links), links


def test_a_search_string_with_markup_is_echoed_as_text(hostile: httpx.Client) -> None:
    response = hostile.get("/search", params={"q": ATTACK}, headers=BROWSER)
    assert response.status_code == 200
    html = BeautifulSoup(response.text, "html.parser")
    _no_injected_elements(html)
    values = [field.get("value") for field in html.select("input[name=q]")]
    assert ATTACK in values


@pytest.mark.needs("chromium")
def test_no_injected_script_runs_in_chromium(hostile: httpx.Client) -> None:
    """Headless Chromium: the hostile labels run nothing, and nothing breaks the CSP."""
    sync_api = pytest.importorskip("playwright.sync_api")
    problems: list[str] = []
    base = str(hostile.base_url).rstrip("/")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("dialog", lambda dialog: problems.append(f"dialog {dialog.message}"))
            for path in ("/id/person/mallory", "/search?q=pwned", "/"):
                page.goto(base + path)
                page.wait_for_load_state("load")
                assert page.evaluate("typeof window.pwned") == "undefined", path
            page.goto(base + "/search?q=" + quote(ATTACK))
            assert page.evaluate("typeof window.pwned") == "undefined"
        finally:
            browser.close()
    assert problems == []
