"""The "Export to Wikidata" button of a claim's page, over real HTTP.

Two uvicorn servers (``fixtures.sparql.servers.serve_app``) over on-disk stores of this
checkout's curated graph: one as it is (the seed's books are not on Wikidata, so its
statements wait for the proposed book items), one with the fixture links of
``tests/fixtures/wikidata_export/links.ttl`` (books and entities linked, statements ready).
The QuickStatements the button gives are checked against the v1 grammar (``qs_syntax``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from fixtures.sparql.servers import serve_app
from qs_syntax import parse

from app.accounts import Accounts, Role
from app.settings import Settings
from app.store import Store
from app.web import create_app

REPO = Path(__file__).resolve().parent.parent
LINKS = Path(__file__).parent / "fixtures" / "wikidata_export" / "links.ttl"
PASSWORD = "a long test password"  # noqa: S105 - a test account
MUKDEN = "/id/claim/mukden-incident"
EXPORT = "/workbench/wikidata/export"


def _serve(root: Path, extra: list[Path]) -> Iterator[str]:
    settings = Settings(store=str(root / "store"), project_dir=REPO, query_workers=0)
    Accounts.from_settings(settings).add("ada", Role.curator, PASSWORD)
    store = Store.from_settings(settings)
    store.load_curated(REPO)
    if extra:
        store.load_files(extra)
    with serve_app(create_app(settings, store)) as base:
        yield base
    store.close()


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(tmp_path_factory.mktemp("export-linked"), [LINKS])


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(tmp_path_factory.mktemp("export-seed"), [])


def _html(answer: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(answer.text, "html.parser")


@contextmanager
def _signed_in(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=60, headers={"Accept": "text/html"}) as client:
        field = _html(client.get("/signin")).select_one("input[name=csrf]")
        assert field is not None
        form = {"csrf": str(field["value"]), "name": "ada", "password": PASSWORD}
        assert client.post("/signin", data=form).status_code == 303
        yield client


def _button(client: httpx.Client, claim: str) -> dict[str, str]:
    """The fields of the claim page's export form (the page works without JavaScript)."""
    page = client.get(claim)
    assert page.status_code == 200
    form = _html(page).select_one("form.wikidata-export-form")
    assert form is not None, "no Export to Wikidata button"
    assert form["method"] == "post"
    assert form["action"] == EXPORT
    assert form.get_text(" ", strip=True).startswith("Export to Wikidata")
    return {str(i["name"]): str(i["value"]) for i in form.select("input[type=hidden]")}


def test_anonymous_readers_see_no_button_and_cannot_post(linked: str) -> None:
    with httpx.Client(base_url=linked, timeout=60, headers={"Accept": "text/html"}) as client:
        page = client.get(MUKDEN)
        assert page.status_code == 200
        assert "ETag" in page.headers
        assert "Cookie" in page.headers["vary"]
        assert _html(page).select_one("form.wikidata-export-form") is None
        assert "Export to Wikidata" not in page.text
        answer = client.post(EXPORT, data={"claim": "https://w3id.org/histkg" + MUKDEN})
        assert answer.status_code == 403
        assert "CSRF" in answer.text
        assert "QuickStatements" not in answer.text


def test_a_curator_without_the_csrf_token_gets_403(linked: str) -> None:
    with _signed_in(linked) as client:
        fields = _button(client, MUKDEN)
        for sent in ({"claim": fields["claim"]}, {**fields, "csrf": "forged"}):
            answer = client.post(EXPORT, data=sent)
            assert answer.status_code == 403
            assert "export-lines" not in answer.text


def test_a_curator_gets_the_claims_review_lines_and_its_quickstatements(linked: str) -> None:
    with _signed_in(linked) as client:
        page = client.get(MUKDEN)
        assert "ETag" not in page.headers
        assert "no-store" in page.headers["cache-control"]
        fields = _button(client, MUKDEN)
        assert fields["claim"] == "https://w3id.org/histkg" + MUKDEN
        answer = client.post(EXPORT, data=fields)
        assert answer.status_code == 200, answer.text
        html = _html(answer)
        rows = html.select("table.export-lines tbody tr")
        cells = [[td.get_text(" ", strip=True) for td in row.select("td")] for row in rows]
        assert [(c[0], c[1].split(" · ")[1]) for c in cells] == [("ready", "point in time")]
        assert cells[0][4] != ""
        assert cells[0][3] != ""
        box = html.select_one("textarea.export-qs")
        assert box is not None
        text = box.get_text()
        commands, errors = parse(text)
        assert errors == []
        assert commands  # one line per cited book linked to Wikidata
        for command in commands:
            assert (command.entity, command.property) == ("Q242099", "P585")
            assert command.value == "+1931-09-18T00:00:00Z/11"
            assert next(s for s, _ in command.sources) == "S248"

        download = _html(answer).select_one("form.export-download")
        assert download is not None
        sent = {str(i["name"]): str(i["value"]) for i in download.select("input[type=hidden]")}
        tsv = client.post(EXPORT, data=sent)
        assert tsv.status_code == 200
        assert tsv.headers["content-type"] == "text/tab-separated-values; charset=utf-8"
        assert tsv.headers["content-disposition"] == 'attachment; filename="mukden-incident.qs.tsv"'
        assert tsv.text == text.replace("\r\n", "\n")


def test_a_claim_of_an_unlinked_book_waits_for_it_and_nothing_is_ready(seed: str) -> None:
    with _signed_in(seed) as client:
        answer = client.post(EXPORT, data=_button(client, MUKDEN))
        assert answer.status_code == 200
        html = _html(answer)
        statuses = {td.get_text(strip=True) for td in html.select("table.export-lines td.status")}
        assert statuses == {"waiting"}
        notes = html.select_one("table.export-lines td.notes")
        assert notes is not None
        assert "proposed book item" in notes.get_text()
        assert html.select("pre.export-book")  # the CREATE block of the book it waits for
        assert "CREATE" in html.select("pre.export-book")[0].get_text()
        assert html.select_one("textarea.export-qs") is None
        assert html.select_one(".export-none") is not None
        tsv = client.post(EXPORT, data={**_button(client, MUKDEN), "format": "tsv"})
        assert tsv.status_code == 200
        assert tsv.text == ""


def test_a_reported_claim_is_left_out_and_says_so(linked: str) -> None:
    claim = "/id/claim/radek-stalin-feared-japanese-polish-attack"
    with _signed_in(linked) as client:
        answer = client.post(EXPORT, data=_button(client, claim))
        assert answer.status_code == 200
        skipped = [li.get_text() for li in _html(answer).select(".export-skipped li")]
        assert skipped == ["Left out: reported (use --reported)."]
        assert _html(answer).select_one("table.export-lines") is None


def test_an_unknown_claim_is_a_400_that_says_what_to_fix(linked: str) -> None:
    with _signed_in(linked) as client:
        fields = _button(client, MUKDEN)
        answer = client.post(EXPORT, data={**fields, "claim": "claim/no-such-claim"})
        assert answer.status_code == 400
        assert "no such claim" in answer.text
        assert "Traceback" not in answer.text
