"""A curator's whole workbench flow in Debian's chromium (Playwright), keyboard only.

Sign in, add a source, add a page written for the tests (not the seed), make a claim whose
EDTF value is wrong (the error appears beside its field, nothing is written), correct it, and
find the claim marked on the page's reading view and on its own entity page. Every field is
filled by typing into it and every form sent with Enter; no mouse click. No request may leave
this server, and the claim form must fit a phone's width. Screenshots of the reading view, the
claim form with its inline error and the new claim's page are kept in
``tests/artifacts/screenshots/``; the flow's duration goes to
``tests/artifacts/workbench-flow.json``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser.test_walk import SCREENSHOTS, Watch, shot
from fixtures.browser import chromium
from fixtures.sparql.servers import serve_app

from app import history
from app.accounts import Accounts, Role
from app.settings import Settings
from app.store import Store
from app.web import create_app

pytestmark = pytest.mark.needs("chromium")
REPO = Path(__file__).resolve().parent.parent.parent
PAGE = REPO / "tests" / "fixtures" / "ingest" / "last-autocrat-p57.txt"
PASSWORD = "a long test password"  # noqa: S105 - a test account
TIMINGS = SCREENSHOTS.parent / "workbench-flow.json"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    root = tmp_path_factory.mktemp("workbench-browser")
    settings = Settings(store=str(root / "store"), project_dir=REPO, query_workers=0)
    Accounts.from_settings(settings).add("ada", Role.curator, PASSWORD)
    store = Store.from_settings(settings)
    store.load_curated(REPO)
    with serve_app(create_app(settings, store)) as base:
        yield base, store
    store.close()


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as browser:
        yield browser


def type_into(page: Any, selector: str, text: str) -> None:
    """Focus a field with the keyboard's tab order in mind, then type, as a person would."""
    page.focus(selector)
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text) if "\n" in text else page.keyboard.type(text)


def submit(page: Any, selector: str) -> None:
    """Send the form of ``selector`` with the keyboard (Enter on its button)."""
    page.focus(selector)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_curator_adds_a_page_and_a_claim_without_a_mouse(
    context: Any, served: tuple[str, Store]
) -> None:
    base, store = served
    watch = Watch(base)
    watch.attach(context)
    page = context.new_page()
    started = time.perf_counter()

    page.goto(base + "/workbench")
    assert "/signin?next=%2Fworkbench" in page.url  # anonymous: sent to sign in
    type_into(page, "#signin-name", "ada")
    type_into(page, "#signin-password", PASSWORD)
    submit(page, "form.signin-form button")
    assert page.url == base + "/workbench"
    outline = page.evaluate(
        "(() => { const a = document.querySelector('a[href=\"/workbench/sources/new\"]');"
        " a.focus(); return getComputedStyle(a).outlineStyle; })()"
    )
    assert outline != "none", "focus must be visible"

    page.goto(base + "/workbench/sources/new")
    type_into(page, "#source-author", "Ann Testwriter")
    type_into(page, "#source-title", "The Last Autocrat")
    type_into(page, "#source-year", "1999")
    submit(page, "form.source-form button")
    assert page.url == base + "/id/source/the-last-autocrat-1999"

    page.goto(base + "/workbench/pages/new")
    type_into(page, "#page-source", "The Last Autocrat (Ann Testwriter, 1999)")
    type_into(page, "#page-text", PAGE.read_text())
    submit(page, "form.page-form button")
    assert page.url.endswith("/id/ingest/the-last-autocrat-1999-p57/page")
    reading = page.url

    page.goto(
        base
        + "/workbench/claims/new?page=https://w3id.org/histkg/id/ingest/"
        + "the-last-autocrat-1999-p57/page"
    )
    type_into(
        page, "#claim-passage", "Gapon’s petition was carried to the Winter Palace on 22 January"
    )
    type_into(page, "#claim-label", "Gapon’s petition is carried to the Winter Palace")
    page.focus("#claim-event_type")
    page.select_option("#claim-event_type", label="incident")  # arrow keys in a real select
    type_into(page, "#claim-who", "Russian Empire")
    type_into(page, "#claim-when", "22 January")
    type_into(page, "#claim-edtf", "1905-01-32")
    type_into(page, "#claim-note", "No footnote of the page covers this sentence.")
    before = history.head(store.match)
    submit(page, "form.claim-form button[value=save]")
    error = page.locator("#claim-edtf-error")
    assert error.is_visible()
    assert "EDTF" in error.inner_text()
    assert page.get_attribute("#claim-edtf", "aria-invalid") == "true"
    assert history.head(store.match) == before  # nothing written
    shot(page, "workbench-claim-error.png")

    type_into(page, "#claim-edtf", "1905-01-22")
    submit(page, "form.claim-form button[value=save]")
    assert page.url == reading
    claim = page.locator("#reading-text a.claim")
    assert "Winter Palace" in claim.inner_text()
    shot(page, "workbench-reading.png")

    claim.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/id/claim/gapons-petition-is-carried" in page.url
    shot(page, "workbench-claim-page.png")
    elapsed = time.perf_counter() - started

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(
        base
        + "/workbench/claims/new?page=https://w3id.org/histkg/id/ingest/"
        + "the-last-autocrat-1999-p57/page"
    )
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the claim form is wider than a phone screen"
    page.close()

    def expected(problem: str) -> bool:
        # The inline error's answer is a 422 (the browser logs it too), and a suggestion
        # request still under way when its form is sent is cancelled by the navigation.
        return (
            (problem.startswith("422 for ") and problem.endswith("/workbench/claims"))
            or ("status of 422" in problem and problem.startswith("console error"))
            or ("/search.json?" in problem and "ERR_ABORTED" in problem)
        )

    assert sum(p.startswith("422 for ") for p in watch.problems) == 1
    assert [p for p in watch.problems if not expected(p)] == []
    assert all(url.startswith(base) for url in watch.requests)
    TIMINGS.write_text(json.dumps({"flow_seconds": round(elapsed, 2)}) + "\n")


POINTS = """(([words, which]) => {
  // the screen position of the start (which = 0) or end (1) of ``words`` in the reading text
  const text = document.getElementById('reading-text');
  const at = text.textContent.indexOf(words) + (which ? words.length : 0);
  const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
  let seen = 0, node;
  while ((node = walker.nextNode())) {
    if (seen + node.data.length >= at + (which ? 0 : 1)) {
      const range = document.createRange();
      const offset = at - seen;
      range.setStart(node, which ? offset - 1 : offset);
      range.setEnd(node, which ? offset : offset + 1);
      const box = range.getBoundingClientRect();
      return [which ? box.right - 0.5 : box.left + 0.5, box.top + box.height / 2];
    }
    seen += node.data.length;
  }
  return null;
})"""


def test_selecting_a_passage_with_the_mouse_fills_the_claim_forms_offsets(
    context: Any, served: tuple[str, Store]
) -> None:
    base, _ = served
    page = context.new_page()
    page.goto(base + "/signin")
    type_into(page, "#signin-name", "ada")
    type_into(page, "#signin-password", PASSWORD)
    submit(page, "form.signin-form button")
    page.goto(base + "/workbench/sources/new")
    type_into(page, "#source-title", "Selections")
    submit(page, "form.source-form button")
    page.goto(base + "/workbench/pages/new")
    type_into(page, "#page-source", "Selections")
    type_into(page, "#page-text", PAGE.read_text())
    submit(page, "form.page-form button")
    page.wait_for_selector("#claim-from-selection[data-ready]")
    words = "the defeat of the left"  # printed "the de-\nfeat of the left": repaired
    start = page.evaluate(POINTS, [words, 0])
    end = page.evaluate(POINTS, [words, 1])
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=5)
    page.mouse.up()
    assert page.evaluate("window.getSelection().toString()") == words
    link = page.locator("#claim-from-selection")
    assert link.inner_text() == "Add a claim from the selected passage"
    with page.expect_navigation():
        link.click()
    raw = PAGE.read_text()
    printed = raw.index("the de-\nfeat of the left")
    assert page.input_value("#claim-passage") == words
    assert page.get_attribute("input[name=passage_start]", "value") == str(printed)
    assert page.get_attribute("input[name=passage_end]", "value") == str(
        printed + len("the de-\nfeat of the left")
    )
    assert page.input_value("#claim-footnote") == "31"  # proposed from the next marker
    page.close()
