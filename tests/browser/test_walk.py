"""A reader's walk through the pages in a real browser: Debian's chromium, driven by Playwright.

Home page -> search "Kaganovich" -> the person -> one of his letters -> its footnote -> the
footnote of the source page; then an event's shared passage -> a highlight's claim, the
writing of 23 September and the licences in the footer. Along the way: no console error, no
failed request, no answer >= 400 and no request to any host but this server. Screenshots of
the home page, an event, a person, a letter, a shared passage and the 23 September writing
(and the person at phone width) are kept as test artifacts in
``tests/artifacts/screenshots/`` (not in git).

Chromium is installed by the test set-up (README, ``scripts/system-packages``); without it
this test is skipped with a line saying how to install it, except in CI, where it fails: this
walk passing in CI is what shows the pages work.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fixtures.browser import chromium

SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
pytestmark = pytest.mark.needs("chromium")
__all__ = ["SCREENSHOTS", "Watch", "shot"]


class Watch:
    """Everything that went wrong while the browser worked."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.problems: list[str] = []
        self.requests: list[str] = []

    def attach(self, context: Any) -> None:
        context.route("**/*", self._route)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.problems.append(f"page error: {error.error}"))
        context.on("requestfailed", self._failed)
        context.on("response", self._response)

    def _route(self, route: Any) -> None:
        url = route.request.url
        self.requests.append(url)
        if url.startswith(self.origin + "/") or url == self.origin:
            route.continue_()
        else:
            self.problems.append(f"request outside this server: {url}")
            route.abort()

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def _failed(self, request: Any) -> None:
        self.problems.append(f"failed request: {request.url} ({request.failure})")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.problems.append(f"{response.status} for {response.url}")


@pytest.fixture(scope="module")
def browser_context(pages_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


def shot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def test_a_reader_walks_from_the_home_page_to_a_footnote(
    browser_context: Any, pages_url: str
) -> None:
    watch = Watch(pages_url)
    watch.attach(browser_context)
    page = browser_context.new_page()

    page.goto(pages_url + "/")
    assert page.inner_text("main h1") == "A knowledge graph of historical events"
    page.wait_for_load_state("networkidle")
    shot(page, "home.png")

    with page.expect_response(lambda r: "/search.json" in r.url and r.status == 200):
        page.fill("#home-q", "Kaganovich")  # the suggestions script asks for matches
    assert page.locator("#home-q-suggestions option").first.get_attribute("value") == (
        "Lazar Kaganovich"
    )
    with page.expect_navigation():
        page.press("#home-q", "Enter")
    assert "/search?q=Kaganovich" in page.url
    first = page.locator("ol.results a.result-title").first
    assert first.inner_text() == "Lazar Kaganovich"

    with page.expect_navigation():
        first.click()
    assert page.url == pages_url + "/id/person/lazar-kaganovich"
    assert page.locator("article h1").inner_text().startswith("Lazar Kaganovich")
    shot(page, "person.png")

    letter = page.locator("section:has(#letters-title) ol.dated a").first
    assert letter.inner_text() == "Letter from Stalin to Kaganovich, 14 September 1931"
    with page.expect_navigation():
        letter.click()
    assert page.url == pages_url + "/id/document/stalin-to-kaganovich-1931-09-14"
    sender = page.locator("section.letter dl dd").first
    assert sender.locator("a").first.inner_text() == "Joseph Stalin"
    shot(page, "letter.png")

    mark = sender.locator("sup.ref a").first
    number = mark.inner_text()
    mark.click()
    assert page.url.endswith(f"#fn-{number}")
    footnote = page.locator(f"#fn-{number}")
    assert footnote.is_visible()
    assert "footnote 3" in footnote.locator(".note-sources").inner_text()
    assert footnote.locator(".passage mark").first.inner_text().startswith("On 14 September")
    with page.expect_navigation():
        footnote.locator(".note-sources a", has_text="footnote 3").click()
    assert page.url == pages_url + "/id/note/p129-fn3"
    assert page.locator("article h1").inner_text().startswith("Footnote 3 of page 129")

    page.goto(pages_url + "/id/event/mukden-incident")
    assert page.locator(".mini-timeline li.current").inner_text().startswith("18 September 1931")
    shot(page, "event.png")

    page.goto(pages_url + "/browse")  # the faceted browser: narrow to a person by a click
    with page.expect_navigation():
        page.locator("section.facet:has(#facet-person) a", has_text="Joseph Stalin").click()
    assert "person=" in page.url
    assert page.locator("section.facet:has(#facet-person) li.selected").count() == 1
    shot(page, "browse.png")

    page.goto(pages_url + "/network")  # drawn by the vendored Cytoscape.js, from this server
    # evaluate, not wait_for_function: the CSP (script-src 'self') forbids the eval it uses
    page.wait_for_selector("#network canvas")
    drawn = "window.histkgNetwork ? window.histkgNetwork.nodes().length : 0"
    for _ in range(100):  # at most ~10 s for the layout to place the nodes
        if page.evaluate(drawn) > 10:
            break
        page.wait_for_timeout(100)
    assert page.evaluate(drawn) > 10
    shot(page, "network.png")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(pages_url + "/id/person/lazar-kaganovich")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the page is wider than a phone screen"
    shot(page, "person-phone.png")
    page.close()

    assert not watch.problems, "\n".join(watch.problems)
    assert all(url.startswith(pages_url) for url in watch.requests)
    for name in ("home.png", "person.png", "letter.png", "event.png", "browse.png", "network.png"):
        assert (SCREENSHOTS / name).stat().st_size > 10_000


def test_a_reader_follows_a_shared_passage_sees_the_writing_and_the_licences(
    browser_context: Any, pages_url: str
) -> None:
    watch = Watch(pages_url)
    watch.attach(browser_context)
    page = browser_context.new_page()

    page.goto(pages_url + "/id/event/mukden-incident")  # one passage, a highlight per claim
    shared = page.locator("figure.passage-shared").first
    shared.scroll_into_view_if_needed()
    assert shared.locator("mark.hl").count() >= 3
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shared.screenshot(path=str(SCREENSHOTS / "passage-shared.png"))
    claim_mark = shared.locator("sup.hl-ref a[href^='/id/claim/']").first
    target = claim_mark.get_attribute("href")
    with page.expect_navigation():
        claim_mark.click()
    assert page.url == pages_url + str(target)

    page.goto(pages_url + "/id/document/stalin-writing-1931-09-23")
    head = page.locator(".entity-head").inner_text()
    assert "letter" not in head.casefold()
    assert page.locator("#letter-title").text_content() == "The writing"
    assert "Footnote 4" in page.locator("aside.editorial").inner_text()
    shot(page, "writing.png")

    data = page.locator("footer a[rel=license]")
    code = page.locator("footer a.code-licence")
    assert data.is_visible()
    assert code.is_visible()
    assert data.get_attribute("href") == "https://creativecommons.org/licenses/by/4.0/"
    assert code.get_attribute("href") == "https://www.apache.org/licenses/LICENSE-2.0"
    page.close()

    assert not watch.problems, "\n".join(watch.problems)
    for name in ("passage-shared.png", "writing.png"):
        assert (SCREENSHOTS / name).stat().st_size > 10_000
