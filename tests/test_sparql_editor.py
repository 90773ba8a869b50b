"""The query editor at ``GET /sparql``: served here (no CDN), in sync, and working in a browser.

The browser test drives Debian's chromium with Playwright: it opens the editor, picks a
competency question from the examples, runs it and reads the result table, and checks that the
page asked nothing of any host but ours.
"""

import hashlib
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from competency.run import build_store
from fixtures.sparql.servers import REPO, serve_app
from fixtures.system import CHROMIUM

from app.settings import Settings
from app.store import Store
from app.vocab import PREFIXES
from app.web import create_app
from tools import sparql_editor

STATIC = REPO / "app" / "static" / "sparql"
COMPETENCY = REPO / "tests" / "competency"


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    settings = Settings(store="memory", project_dir=REPO, query_workers=1)
    with Store.from_settings(settings) as store:
        store.load_curated(REPO)
        with serve_app(create_app(settings, store)) as base:
            yield base


class Assets(HTMLParser):
    """The scripts and stylesheets a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.urls.append(str(found["src"]))
        if tag == "link" and found.get("rel") == "stylesheet":
            self.urls.append(str(found["href"]))


def test_browsers_get_the_editor_and_every_asset_is_served_here(url: str) -> None:
    browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = httpx.get(f"{url}/sparql", headers={"Accept": browser_accept})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assets = Assets()
    assets.feed(page.text)
    assert len(assets.urls) == 4
    for asset in assets.urls:
        assert not re.match(r"^(https?:)?//", asset), f"{asset} is not served by us"
        response = httpx.get(f"{url}/{asset}")
        assert response.status_code == 200, asset
    assert httpx.get(f"{url}/sparql/editor/../../README.md").status_code == 404


def test_the_examples_are_the_competency_questions_in_sync() -> None:
    """``examples.json`` is generated: regenerate it with ``python -m tools.sparql_editor``."""
    shipped = (STATIC / "examples.json").read_text(encoding="utf-8")
    assert shipped == sparql_editor.render(sparql_editor.build_examples()), (
        "app/static/sparql/examples.json is out of date: run `python -m tools.sparql_editor`"
    )
    examples = json.loads(shipped)
    questions = sorted((REPO / "tests" / "competency").glob("*.rq"))
    assert [e["id"] for e in examples["examples"]] == [q.stem for q in questions]
    assert examples["prefixes"] == PREFIXES
    assert all(not e["question"].startswith("#") for e in examples["examples"])


def test_the_examples_give_a_label_beside_each_iri_of_ours() -> None:
    """An example answers as its competency question does, plus an English name per IRI of ours."""
    store = build_store()
    labelled = 0
    for example in sparql_editor.build_examples()["examples"]:
        original = store.query((COMPETENCY / f"{example['id']}.rq").read_text(encoding="utf-8"))
        shown = store.query(example["query"])
        if original.kind != "select":
            assert example["query"] == (COMPETENCY / f"{example['id']}.rq").read_text()
            continue
        columns = [shown.variables.index(name) for name in original.variables]
        assert sorted(map(str, original.rows)) == sorted(
            str(tuple(row[i] for i in columns)) for row in shown.rows
        ), f"{example['id']}: labels changed the answer"
        for name in shown.variables:
            if name.endswith("Label") and name.removesuffix("Label") in original.variables:
                index = shown.variables.index(name)
                assert all(row[index] is not None for row in shown.rows), (example["id"], name)
                labelled += 1
    assert labelled >= 30, "most examples return IRIs of ours, and each should name them"


def test_the_vendored_yasgui_is_the_one_the_readme_names() -> None:
    readme = (STATIC / "vendor" / "README.md").read_text()
    for name in ("yasgui.min.js", "yasgui.min.css"):
        digest = hashlib.sha256((STATIC / "vendor" / name).read_bytes()).hexdigest()
        assert f"| `{name}` |" in readme
        assert digest in readme, f"{name} differs from README.md"


@pytest.mark.needs("chromium")
def test_the_editor_runs_a_competency_question_in_a_browser(url: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    requested: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.goto(f"{url}/sparql")
            page.wait_for_selector("#sparql-example:not([disabled])", timeout=20_000)
            first = page.evaluate("window.histkgYasgui.getTab().getQuery()")
            # the prefixes the query uses, not all seventeen (issue 16)
            assert "PREFIX crm: <http://www.cidoc-crm.org/cidoc-crm/>" in first
            assert "PREFIX hk:" not in first
            page.select_option("#sparql-example", "12-in-1932")
            query = page.evaluate("window.histkgYasgui.getTab().getQuery()")
            assert query.startswith("# Question: What does the page place in 1932")
            page.click(".yasqe_queryButton >> visible=true")  # the new tab's button
            page.wait_for_selector(".yasr tbody tr td >> visible=true", timeout=20_000)
            text = page.inner_text(".yasr tbody >> visible=true")
            assert "1932" in text
            assert not page.is_visible("#sparql-notice")  # not truncated
            hrefs = page.eval_on_selector_all(
                ".yasr tbody a[href] >> visible=true", "links => links.map(a => a.href)"
            )
            ours = [h for h in hrefs if "/id/" in h]
            assert ours, hrefs
            assert all(h.startswith(f"{url}/id/") for h in ours), ours
        finally:
            browser.close()
    origins = {re.match(r"^[a-z]+://[^/]+", u).group() for u in requested if "://" in u}  # type: ignore[union-attr]
    assert origins == {url}, f"the editor reached beyond this server: {sorted(origins)}"
    assert any(u.endswith("/sparql/editor/examples.json") for u in requested)


def test_the_editor_page_is_packaged() -> None:
    """Docker installs the package (not the checkout): its files must be package data."""
    pyproject = (REPO / "pyproject.toml").read_text()
    for pattern in ('"static/sparql/*"', '"static/sparql/vendor/*"'):
        assert pattern in pyproject
    assert Path(STATIC / "editor.html").is_file()
