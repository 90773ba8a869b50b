"""A curator's whole workbench flow in Debian's chromium (Playwright), with the keyboard only.

Tab and Shift+Tab move the focus (and every focused element must show it), Enter and Space
press buttons, fields are typed into: no mouse. Anonymous visits of every form go to the
sign-in page, and a POST without its CSRF token is refused (403), both from the browser. Then
sign in, add a source and a page written for the tests (not the seed), settle three of its
proposed names (two new people, one linked to the author a second source made), make three
claims (reported with informant and reporter; dated relative to another event; with a
quotation), each first refused beside the field at fault with nothing written (no informant, a
bad EDTF value, a quotation the passage does not print in quotation marks), edit one, and find
them on the entity pages, the timeline, in search and over SPARQL with their footnote, cited
page and passage. Every form fits a phone's width (375 px), every field has a label, and no
request leaves this server. Screenshots of the reading view, the claim form with an inline
error, the edit form and the new person's page go to ``tests/artifacts/screenshots/``; the
flow's duration to ``tests/artifacts/workbench-flow.json``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
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
PAGE_IRI = "https://w3id.org/histkg/id/ingest/the-last-autocrat-1999-p57/page"


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


ORDER = """(selector) => {
  const target = document.querySelector(selector);
  const active = document.activeElement;
  if (!target) return 'missing';
  if (target === active) return 'here';
  if (!active || active === document.body) return 'forward';
  return (active.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_FOLLOWING)
    ? 'forward' : 'back';
}"""
FOCUSED = """(selector) => {
  const active = document.activeElement;
  if (!active || active === document.body) return [false, true, 'the page'];
  const style = getComputedStyle(active);
  const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== 'none';
  const name = active.tagName + (active.id ? '#' + active.id : '') + ' '
    + (active.textContent || '').trim().slice(0, 40);
  return [active.matches(selector), ring || shadow, name];
}"""
UNLABELLED = """() => [...document.querySelectorAll(
    'main input:not([type=hidden]), main select, main textarea')]
  .filter(f => !(f.labels && f.labels.length) && !f.getAttribute('aria-label'))
  .map(f => f.name || f.id)"""


def tab_to(page: Any, selector: str, limit: int = 400) -> None:
    """Move the focus to ``selector`` with Tab (or Shift+Tab when it lies before the focus),
    checking on the way that every element that takes the focus shows it."""
    direction = page.evaluate(ORDER, selector)
    assert direction != "missing", selector
    key = "Shift+Tab" if direction == "back" else "Tab"
    for _ in range(limit):
        if direction == "here":
            return
        page.keyboard.press(key)
        matched, visible, name = page.evaluate(FOCUSED, selector)
        assert visible, f"the focus is not visible on {name}"
        if matched:
            return
    raise AssertionError(f"{selector} cannot be reached with {key}")


def type_into(page: Any, selector: str, text: str) -> None:
    """Tab to a field and type into it, as a person would (a long text is pasted)."""
    tab_to(page, selector)
    page.keyboard.press("Control+A")
    if len(text) > 200 or "\n" in text:
        page.keyboard.insert_text(text)
    else:
        page.keyboard.press("Delete")
        page.keyboard.type(text)


def choose(page: Any, selector: str, label: str) -> None:
    """Tab to a select and type the start of an option's label, as the keyboard chooses one."""
    tab_to(page, selector)
    page.keyboard.type(label)
    chosen = page.evaluate(
        "(s) => { const e = document.querySelector(s); return e.options[e.selectedIndex].text; }",
        selector,
    )
    assert chosen.startswith(label), (selector, chosen)


def press(page: Any, selector: str, key: str = "Enter") -> None:
    """Tab to a button or link and press it, waiting for the page it leads to."""
    tab_to(page, selector)
    with page.expect_navigation():
        page.keyboard.press(key)


def check_form(page: Any) -> None:
    """Every field of the page has a label."""
    assert page.evaluate(UNLABELLED) == [], page.url


def save_claim(page: Any, store: Store, **fields: str) -> None:
    """Fill the claim form (from the top) and press Save."""
    for name, value in fields.items():
        if name in ("event_type", "mode", "role"):
            choose(page, f"#claim-{name}", value)
        else:
            type_into(page, f"#claim-{name}", value)
    press(page, "form.claim-form button[value=save]")


def refused(page: Any, store: Store, before: int | None, field: str, words: str) -> None:
    """The save was refused beside ``field`` and wrote nothing."""
    error = page.locator(f"#claim-{field}-error")
    assert error.is_visible(), page.content()
    assert words in error.inner_text()
    assert page.get_attribute(f"#claim-{field}", "aria-invalid") == "true"
    assert history.head(store.match) == before  # the revision count is unchanged


def anchor_of(page: Any, text: str) -> str:
    """The candidate form's index of the proposed name ``text``."""
    return str(
        page.evaluate(
            """(t) => [...document.querySelectorAll('ol.candidates > li')]
              .find(li => li.querySelector('.candidate-text').textContent === t).id""",
            text,
        )
    ).removeprefix("candidate-")


def test_a_curator_works_a_page_from_sign_in_to_sparql_with_the_keyboard_only(
    context: Any, served: tuple[str, Store]
) -> None:
    base, store = served
    watch = Watch(base)
    watch.attach(context)
    page = context.new_page()
    started = time.perf_counter()
    page_param = quote(PAGE_IRI, safe="")
    forms = [
        "/workbench",
        "/workbench/sources/new",
        "/workbench/pages/new",
        f"/workbench/claims/new?page={page_param}",
        "/workbench/claims/edit?claim=x",
        f"/workbench/proposals?page={page_param}",
    ]
    for form in forms:  # anonymous: every form sends the visitor to sign in, and back
        page.goto(base + form)
        assert page.url.startswith(base + "/signin?next="), form

    page.goto(base + "/signin?next=/workbench")
    check_form(page)
    type_into(page, "#signin-name", "ada")
    type_into(page, "#signin-password", PASSWORD)
    press(page, "form.signin-form button")
    assert page.url == base + "/workbench"
    revisions = history.head(store.match)
    forged = page.evaluate(
        """async () => {
          const answer = await fetch('/workbench/sources', {method: 'POST',
            body: new URLSearchParams({title: 'Forged'})});
          await answer.text();  // read to the end: leaving the page would abort it
          return answer.status;
        }"""
    )
    assert forged == 403  # no CSRF token: refused, from the browser itself
    assert history.head(store.match) == revisions

    page.goto(base + "/workbench/sources/new")
    check_form(page)
    type_into(page, "#source-author", "Ann Testwriter")
    type_into(page, "#source-title", "The Last Autocrat")
    type_into(page, "#source-year", "1999")
    press(page, "form.source-form button")
    assert page.url == base + "/id/source/the-last-autocrat-1999"
    page.goto(base + "/workbench/sources/new")  # the book footnote 27 cites: its author
    type_into(page, "#source-author", "Abraham Ascher")
    type_into(page, "#source-title", "The Revolution of 1905")
    type_into(page, "#source-year", "1988")
    press(page, "form.source-form button")

    page.goto(base + "/workbench/pages/new")
    check_form(page)
    type_into(page, "#page-source", "The Last Autocrat (Ann Testwriter, 1999)")
    type_into(page, "#page-text", PAGE.read_text())
    press(page, "form.page-form button")
    reading = base + "/id/ingest/the-last-autocrat-1999-p57/page"
    assert page.url == reading

    page.goto(f"{base}/workbench/proposals?page={page_param}")
    check_form(page)
    for name in ("Sergei Witte", "Nicholas II"):  # two names become people
        n = anchor_of(page, name)
        type_into(page, f"#c{n}-label", name)
        press(page, f"#candidate-{n} button[value=person]")
    n = anchor_of(page, "Abraham Ascher")  # one links to the graph's entity
    type_into(page, f"#c{n}-entity", "Abraham Ascher")
    press(page, f"#candidate-{n} button[value=link]")
    names = page.evaluate(
        "() => [...document.querySelectorAll('.candidate-text')].map(e => e.textContent)"
    )
    assert not {"Sergei Witte", "Nicholas II", "Abraham Ascher"} & set(names)

    new_claim = f"{base}/workbench/claims/new?page={page_param}"
    page.goto(new_claim)
    check_form(page)
    before = history.head(store.match)
    reported = {
        "passage": "Nicholas II did not grasp what had happened",
        "label": "Nicholas II did not grasp what had happened",
        "event_type": "incident",
        "who": "Nicholas II",
        "mode": "reported",
    }
    save_claim(page, store, **reported)
    refused(page, store, before, "informant", "informant")
    shot(page, "workbench-claim-error.png")
    assert page.input_value("#claim-footnote") == "29"  # proposed from the next marker
    save_claim(page, store, informant="Sergei Witte", reporter="Abraham Ascher")
    assert page.url == reading

    page.goto(new_claim)
    relative = {
        "passage": "Two weeks later he received a deputation of hand-picked workers",
        "label": "Nicholas II receives a deputation of workers",
        "event_type": "incident",
        "who": "Nicholas II",
        "when": "Two weeks later",
        "edtf": "1905-13",
        "relative_to": "Russo-Japanese War",
    }
    before = history.head(store.match)
    save_claim(page, store, **relative)
    refused(page, store, before, "edtf", "EDTF")
    save_claim(page, store, edtf="1905-02")
    assert page.url == reading

    page.goto(new_claim)
    quoted = {
        "passage": "which called it “a scrap of paper.”",
        "label": "The left calls the manifesto a scrap of paper",
        "event_type": "incident",
        "quotation": "scrap of paper",
    }
    before = history.head(store.match)
    save_claim(page, store, **quoted)
    refused(page, store, before, "quotation", "paraphrase")
    save_claim(page, store, quotation="a scrap of paper.")
    assert page.url == reading
    claims = page.evaluate(
        "() => [...document.querySelectorAll('#reading-text a.claim')].map(a => a.href)"
    )
    assert len(claims) == 3
    tab_to(page, "details.printed summary")  # Space opens "The text as printed"
    page.keyboard.press("Space")
    assert page.get_attribute("details.printed", "open") is not None
    shot(page, "workbench-reading.png")

    # edit the relative claim: from the reading view to its page, then "Edit this claim"
    press(page, "#reading-text a.claim[title='Nicholas II receives a deputation of workers']")
    claim_url = page.url
    press(page, "a[href^='/workbench/claims/edit']")
    check_form(page)
    assert page.input_value("#claim-relative_to") == "Russo-Japanese War"
    assert page.input_value("#claim-edtf") == "1905-02"
    shot(page, "workbench-edit.png")
    type_into(page, "#claim-label", "Nicholas II receives hand-picked workers")
    press(page, "form.claim-form button[value=save]")
    assert page.url == claim_url
    assert history.log(store.match, limit=1)[0].message.startswith("Edit claim:")

    page.goto(base + "/id/person/nicholas-ii")  # the new person's page
    text = page.inner_text("main")
    assert "Nicholas II did not grasp what had happened" in text
    assert "Nicholas II receives hand-picked workers" in text
    shot(page, "workbench-new-entity.png")
    page.goto(base + "/?year=1905")  # the timeline
    assert "Nicholas II receives hand-picked workers" in page.inner_text("main")
    page.goto(base + "/search?q=scrap+of+paper")
    assert "The left calls the manifesto a scrap of paper" in page.inner_text("main")
    elapsed = time.perf_counter() - started

    query = f"""PREFIX prov: <http://www.w3.org/ns/prov#>
    PREFIX hk: <https://w3id.org/histkg/ontology#>
    PREFIX oa: <http://www.w3.org/ns/oa#>
    PREFIX bibo: <http://purl.org/ontology/bibo/>
    PREFIX cito: <http://purl.org/spar/cito/>
    SELECT ?claim ?number ?pages ?passage WHERE {{
      ?claim a hk:Claim ; prov:wasDerivedFrom <{PAGE_IRI}> ; hk:footnote ?note ;
             prov:wasDerivedFrom/oa:hasSelector/oa:exact ?passage .
      ?note bibo:number ?number ; cito:citesAsEvidence/bibo:pages ?pages .
    }}"""
    rows = httpx.get(
        f"{base}/sparql", params={"query": query}, headers={"Accept": "application/json"}
    ).json()["results"]["bindings"]
    found = {r["claim"]["value"]: (r["number"]["value"], r["pages"]["value"]) for r in rows}
    assert sorted(found.values()) == [("29", "181–83"), ("29", "181–83"), ("30", "212")]
    passages = {r["passage"]["value"] for r in rows}
    assert "Nicholas II did not grasp what had happened" in passages  # as printed

    edit = "/workbench/claims/edit?claim=" + quote(
        claims[0].replace(base + "/id/", "https://w3id.org/histkg/id/"), safe=""
    )
    page.set_viewport_size({"width": 375, "height": 800})
    for form in [*forms[1:4], edit, forms[5], "/id/ingest/the-last-autocrat-1999-p57/page"]:
        page.goto(base + form)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{form} is wider than a phone screen"
    page.close()

    def expected(problem: str) -> bool:
        # Each inline error's answer is a 422 (the browser logs it too), the forged POST a 403,
        # and a suggestion request or the icon still loading when the page is left is cancelled.
        return (
            (problem.startswith("422 for ") and problem.endswith("/workbench/claims"))
            or (problem.startswith("403 for ") and problem.endswith("/workbench/sources"))
            or (
                ("status of 422" in problem or "status of 403" in problem)
                and problem.startswith("console error")
            )
            or ("/search.json?" in problem and "ERR_ABORTED" in problem)
            or (problem.startswith(f"failed request: {base}/static/") and "ERR_ABORTED" in problem)
        )

    assert sum(p.startswith("422 for ") for p in watch.problems) == 3
    assert [p for p in watch.problems if not expected(p)] == [], "\n".join(watch.problems)
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
    press(page, "form.signin-form button")
    page.goto(base + "/workbench/sources/new")
    type_into(page, "#source-title", "Selections")
    press(page, "form.source-form button")
    page.goto(base + "/workbench/pages/new")
    type_into(page, "#page-source", "Selections")
    type_into(page, "#page-text", PAGE.read_text())
    press(page, "form.page-form button")
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
    sent = page.evaluate(
        "new URL(document.getElementById('claim-from-selection').href).searchParams.get('passage')"
    )
    assert sent == words  # the selected text goes along, for the server to check
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
