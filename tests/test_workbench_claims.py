"""Claims from passages in the workbench, over real HTTP, against the real curated graph.

One uvicorn server (``fixtures.sparql.servers.serve_app``) over an on-disk store loaded with
this checkout's ontology and data (whose shapes the claims must pass), a curator account, and
a page written for the tests (``tests/fixtures/ingest/last-autocrat-p57.txt``, not the seed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup, Tag
from fixtures.linking.servers import WikidataStandIn, serve
from fixtures.sparql.servers import serve_app
from pyoxigraph import Literal, NamedNode, Quad

from app import history, writes
from app.accounts import Accounts, Role
from app.errors import UpdateNotAllowed
from app.settings import Settings
from app.store import Store
from app.vocab import HK, HKC, OWL, PROV, RDFS
from app.web import create_app
from app.workbench.export import export, workbench_graphs

REPO = Path(__file__).resolve().parent.parent
PAGE = Path(__file__).parent / "fixtures" / "ingest" / "last-autocrat-p57.txt"
EXTRACT = Path(__file__).parent / "fixtures" / "linking" / "extract.json"
PASSWORD = "a long test password"  # noqa: S105 - a test account
INCIDENT = "https://w3id.org/histkg/id/concept/incident"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("claims")
    settings = Settings(store=str(root / "store"), project_dir=REPO, query_workers=0)
    Accounts.from_settings(settings).add("ada", Role.curator, PASSWORD)
    return settings


@pytest.fixture(scope="module")
def served(settings: Settings) -> Iterator[tuple[str, Store]]:
    store = Store.from_settings(settings)
    store.load_curated(REPO)
    with serve_app(create_app(settings, store)) as base:
        yield base, store
    store.close()


def _csrf(client: httpx.Client, path: str) -> str:
    field = BeautifulSoup(client.get(path).text, "html.parser").select_one("input[name=csrf]")
    assert field is not None
    return str(field["value"])


@pytest.fixture(scope="module")
def curator(served: tuple[str, Store]) -> Iterator[tuple[httpx.Client, str]]:
    """A signed-in curator's client, and the IRI of the test page they added."""
    with httpx.Client(base_url=served[0], timeout=60, headers={"Accept": "text/html"}) as client:
        signin = {"csrf": _csrf(client, "/signin"), "name": "ada", "password": PASSWORD}
        assert client.post("/signin", data=signin).status_code == 303
        source = {"csrf": _csrf(client, "/workbench/sources/new"), "title": "The Last Autocrat"}
        source |= {"author": "Ann Testwriter", "year": "1999"}
        assert client.post("/workbench/sources", data=source).status_code == 303
        fields = {
            "csrf": _csrf(client, "/workbench/pages/new"),
            "source": "The Last Autocrat (Ann Testwriter, 1999)",
        }
        files = {"file": ("p57.txt", PAGE.read_bytes(), "text/plain")}
        added = client.post("/workbench/pages", data=fields, files=files)
        assert added.status_code == 303, added.text
        yield client, "https://w3id.org/histkg/id" + added.headers["location"].removeprefix("/id")


def _claim(client: httpx.Client, page: str, **values: str) -> httpx.Response:
    form = f"/workbench/claims/new?page={page}"
    fields = {"csrf": _csrf(client, form), "page": page, "event_type": INCIDENT, **values}
    fields.setdefault("action", "save")
    # the footnote rule (ontology/README.md): a claim without a footnote says why in a note
    if "footnote" not in fields:
        fields.setdefault("note", "No footnote of the test page covers this passage.")
    return client.post("/workbench/claims", data=fields)


def _errors(answer: httpx.Response) -> dict[str, str]:
    page = BeautifulSoup(answer.text, "html.parser")
    return {
        str(span["id"]).removeprefix("claim-").removesuffix("-error"): span.get_text()
        for span in page.select(".field-error")
    }


def test_every_field_of_the_claim_form_has_a_label(curator: tuple[httpx.Client, str]) -> None:
    client, page = curator
    form = BeautifulSoup(client.get(f"/workbench/claims/new?page={page}").text, "html.parser")
    fields = form.select("form.claim-form input:not([type=hidden]), form.claim-form select")
    fields += form.select("form.claim-form textarea")
    assert len(fields) == 23  # two participant rows and a new person, group or place
    for field in fields:
        assert form.select_one(f"label[for={field['id']}]") is not None


def test_a_dated_claim_is_saved_as_one_revision_and_marked_on_the_page(
    curator: tuple[httpx.Client, str], served: tuple[str, Store]
) -> None:
    client, page = curator
    base, store = served
    answer = _claim(
        client,
        page,
        passage="Gapon’s petition was carried to the Winter Palace on 22 January",
        label="Gapon’s petition is carried to the Winter Palace",
        who="Russian Empire",
        when="22 January",
        edtf="1905-01-22",
        footnote="27",
    )
    assert answer.status_code == 303, answer.text
    reading = BeautifulSoup(client.get(answer.headers["location"]).text, "html.parser")
    (link,) = reading.select("#reading-text a.claim")
    mentions = {a.get_text(): a["href"] for a in reading.select("#reading-text a.mention")}
    assert mentions["Russian Empire"] == "/id/group/russian-empire"  # a name the graph knows
    assert " ".join(link.get_text().split()).startswith("Gapon’s petition was carried")
    claim = "https://w3id.org/histkg/id" + str(link["href"]).removeprefix("/id")
    last = history.log(store.match, limit=1)[0]
    assert (last.agent, last.message) == (
        "ada",
        "Claim: Gapon’s petition is carried to the Winter Palace",
    )
    assert set(history.log(store.match, limit=1)[0].graphs) >= {claim}
    query = f"""PREFIX prov: <http://www.w3.org/ns/prov#>
    PREFIX hk: <https://w3id.org/histkg/ontology#>
    PREFIX crm: <http://www.cidoc-crm.org/cidoc-crm/>
    SELECT ?edtf ?note WHERE {{
      <{claim}> prov:wasDerivedFrom <{page}> ; hk:footnote ?note .
      GRAPH <{claim}> {{ ?event crm:P4_has_time-span/hk:edtf ?edtf }}
    }}"""
    rows = httpx.get(
        f"{base}/sparql", params={"query": query}, headers={"Accept": "application/json"}
    ).json()["results"]["bindings"]
    assert [(r["edtf"]["value"], r["note"]["value"].rsplit("/", 1)[1]) for r in rows] == [
        ("1905-01-22", "27")
    ]


def test_a_reported_claim_names_informant_and_reporter(
    curator: tuple[httpx.Client, str], served: tuple[str, Store]
) -> None:
    client, page = curator
    answer = _claim(
        client,
        page,
        passage="Nicholas II did not grasp what had happened",
        label="Nicholas II did not grasp what had happened",
        mode="reported",
        informant="Karl Radek",
        reporter="Louis Fischer",
    )
    assert answer.status_code == 303, answer.text
    roles = {
        q.object
        for q in served[1].match(None, PROV.hadRole, None, None)
        if isinstance(q.subject, NamedNode) and "nicholas-ii-did-not" in q.subject.value
    }
    assert roles == {HKC.informant, HKC.reporter}


def test_a_quotation_is_saved_only_when_the_passage_prints_it_in_quotation_marks(
    curator: tuple[httpx.Client, str],
) -> None:
    client, page = curator
    passage = "which called it “a scrap of paper.”"
    paraphrase = _claim(
        client, page, passage=passage, label="The left scorned it", quotation="scrap of paper"
    )
    assert paraphrase.status_code == 422
    assert "paraphrase" in _errors(paraphrase)["quotation"]
    quoted = _claim(
        client, page, passage=passage, label="The left scorned it", quotation="a scrap of paper."
    )
    assert quoted.status_code == 303, quoted.text


def test_bad_values_are_refused_beside_their_fields_and_nothing_is_written(
    curator: tuple[httpx.Client, str], served: tuple[str, Store]
) -> None:
    client, page = curator
    before = history.head(served[1].match)
    answer = _claim(
        client,
        page,
        passage="the next day the Putilov workers came out on strike",
        label="Putilov strike",
        edtf="1905-13-45",
        mode="reported",
        quotation="workers",
    )
    assert answer.status_code == 422
    errors = _errors(answer)
    assert set(errors) == {"edtf", "informant", "quotation"}
    assert "informant" in errors["informant"]
    missing = _claim(client, page, passage="not on this page at all", label="x")
    assert set(_errors(missing)) == {"passage"}
    assert history.head(served[1].match) == before


def test_the_preview_shows_the_claim_and_writes_nothing(
    curator: tuple[httpx.Client, str], served: tuple[str, Store]
) -> None:
    client, page = curator
    before = history.head(served[1].match)
    answer = _claim(
        client,
        page,
        action="preview",
        passage="the Grand Duke Sergei was killed in Moscow on 17 February",
        label="The Grand Duke Sergei is killed",
        edtf="1905-02-17",
        when="17 February",
    )
    assert answer.status_code == 200
    lines = [
        li.get_text() for li in BeautifulSoup(answer.text, "html.parser").select(".preview li")
    ]
    assert lines[0] == "The Grand Duke Sergei is killed (incident). Asserted by the historian."
    assert "When: 17 February (EDTF 1905-02-17)." in lines
    assert not any("“" in line for line in lines[:-1])  # no quotation, so no quotation marks
    assert history.head(served[1].match) == before


def test_export_writes_the_workbench_graphs_and_a_fresh_store_loads_them_back(
    curator: tuple[httpx.Client, str], served: tuple[str, Store], tmp_path: Path
) -> None:
    _, store = served
    client, page = curator
    made = _claim(client, page, passage="A peace was signed at Portsmouth", label="Peace signed")
    assert made.status_code == 303, made.text
    exported = tmp_path / "export"
    report = export(store, exported)
    assert report.texts == 1
    assert (exported / "seeds" / "the-last-autocrat-1999-p57.txt").read_bytes() == (
        PAGE.read_bytes()
    )
    graphs = workbench_graphs(store)
    assert any(g.value.startswith("https://w3id.org/histkg/id/claim/") for g in graphs)
    fresh = Store(str(tmp_path / "fresh"))
    fresh.load_files([exported / "data" / "workbench.trig"])
    for graph in graphs:
        assert set(fresh.graph_quads(graph)) == set(store.graph_quads(graph)), graph
    fresh.close()


def test_a_date_relative_to_another_event_names_that_event(
    curator: tuple[httpx.Client, str], served: tuple[str, Store]
) -> None:
    client, page = curator
    answer = _claim(
        client,
        page,
        passage="Two weeks later he received a deputation of hand-picked workers",
        label="Nicholas II receives a deputation of workers",
        when="Two weeks later",
        edtf="1905-02",
        relative_to="Russo-Japanese War",
    )
    assert answer.status_code == 303, answer.text
    anchors = [
        q.object
        for q in served[1].match(None, HK.relativeTo, None, None)
        if isinstance(q.subject, NamedNode) and "/timespan/nicholas-ii-receives" in q.subject.value
    ]
    assert anchors == [NamedNode("https://w3id.org/histkg/id/event/russo-japanese-war")]
    undated = _claim(
        client, page, passage="Two weeks later", label="x", relative_to="Russo-Japanese War"
    )
    assert set(_errors(undated)) == {"edtf"}


def test_withdrawing_a_claim_is_a_revision_that_removes_it_and_curated_claims_stay(
    curator: tuple[httpx.Client, str], served: tuple[str, Store]
) -> None:
    client, page = curator
    _, store = served
    made = _claim(client, page, passage="the general strike had spread", label="Strike spreads")
    assert made.status_code == 303, made.text
    home = BeautifulSoup(client.get("/workbench").text, "html.parser")
    (item,) = [li for li in home.select(".workbench-claims li") if "Strike spreads" in li.text]
    claim = str(item.select_one("input[name=claim]")["value"])  # type: ignore[index]
    csrf = str(item.select_one("input[name=csrf]")["value"])  # type: ignore[index]
    answer = client.post("/workbench/claims/withdraw", data={"csrf": csrf, "claim": claim})
    assert answer.status_code == 303
    assert list(store.graph_quads(NamedNode(claim))) == []
    last = history.log(store.match, limit=1)[0]
    assert (last.agent, last.added, last.removed > 0) == ("ada", 0, True)
    curated = "https://w3id.org/histkg/id/claim/russo-japanese-war"
    refused = client.post("/workbench/claims/withdraw", data={"csrf": csrf, "claim": curated})
    assert refused.status_code == 400
    assert list(store.graph_quads(NamedNode(curated)))  # still there


def test_a_saved_claim_is_found_in_search_on_its_pages_and_on_the_timeline(
    curator: tuple[httpx.Client, str], served: tuple[str, Store]
) -> None:
    client, page = curator
    answer = _claim(
        client,
        page,
        passage="on 30 October the tsar issued the manifesto that promised a Duma",
        label="The tsar issues the October Manifesto",
        who="Russian Empire",
        when="30 October",
        edtf="1905-10-30",
    )
    assert answer.status_code == 303, answer.text
    found = client.get(
        "/search.json", params={"q": "October Manifesto"}, headers={"Accept": "application/json"}
    ).json()
    hrefs = [r.get("href") or r.get("iri") for r in found["results"]]
    event = next(h for h in hrefs if "/event/the-tsar-issues-the-october-manifesto" in str(h))
    path = "/id/" + str(event).split("/id/", 1)[1]
    event_page = client.get(path)
    assert event_page.status_code == 200
    assert "Russian Empire" in event_page.text
    assert "1905" in event_page.text
    group_page = client.get("/id/group/russian-empire")
    assert "The tsar issues the October Manifesto" in group_page.text
    home = client.get("/", params={"year": "1905"})
    assert "The tsar issues the October Manifesto" in home.text


def _candidates(client: httpx.Client, page: str) -> dict[str, dict[str, str]]:
    """Each unsettled name: the hidden fields of its form."""
    html = BeautifulSoup(client.get(f"/workbench/proposals?page={page}").text, "html.parser")
    found: dict[str, dict[str, str]] = {}
    for item in html.select("ol.candidates > li"):
        text = item.select_one(".candidate-text")
        assert text is not None
        fields = {str(i["name"]): str(i["value"]) for i in item.select("input[type=hidden]")}
        found.setdefault(text.get_text(), fields)
    return found


def test_proposed_names_are_linked_made_people_or_rejected_one_by_one(
    curator: tuple[httpx.Client, str], served: tuple[str, Store]
) -> None:
    client, page = curator
    _, store = served
    # Footnote 27 cites Ascher's book: once it is a source, its author is an entity to link to.
    book = {"csrf": _csrf(client, "/workbench/sources/new"), "title": "The Revolution of 1905"}
    book |= {"author": "Abraham Ascher", "year": "1988"}
    assert client.post("/workbench/sources", data=book).status_code == 303
    names = _candidates(client, page)
    assert {"Sergei Witte", "Abraham Ascher", "Putilov"} <= set(names), sorted(names)
    person = client.post(
        "/workbench/proposals",
        data={
            **names["Sergei Witte"],
            "action": "person",
            "label": "Sergei Witte",
            "other_label": "Sergei Iulevich Vitte",
            "language": "ru-Latn-alalc97",
        },
    )
    assert person.status_code == 303, person.text
    witte = NamedNode("https://w3id.org/histkg/id/person/sergei-witte")
    labels = {
        (q.object.value, q.object.language)
        for q in store.match(witte, RDFS.label, None, None)
        if isinstance(q.object, Literal)
    }
    assert labels == {
        ("Sergei Witte", "en"),
        ("Sergei Iulevich Vitte", "ru-latn-alalc97"),
    }  # tags fold case
    linked = client.post(
        "/workbench/proposals",
        data={**names["Abraham Ascher"], "action": "link", "entity": "Abraham Ascher"},
    )
    assert linked.status_code == 303, linked.text
    ascher = NamedNode("https://w3id.org/histkg/id/person/abraham-ascher")
    assert len(list(store.match(ascher, HK.mention, None, None))) == 1
    rejected = client.post("/workbench/proposals", data={**names["Putilov"], "action": "reject"})
    assert rejected.status_code == 303
    left = _candidates(client, page)
    assert not {"Sergei Witte", "Abraham Ascher", "Putilov"} & set(left)
    assert history.log(store.match, limit=1)[0].message.startswith("Proposal reject")
    unknown = client.post(
        "/workbench/proposals",
        data={**next(iter(left.values())), "action": "link", "entity": "Nobody Known"},
    )
    assert unknown.status_code == 422
    assert "No entity is called" in unknown.text
    reading = BeautifulSoup(
        client.get(page.replace("https://w3id.org/histkg", "")).text, "html.parser"
    )
    assert "/id/person/sergei-witte" in [a["href"] for a in reading.select("a.mention")]


def _form_values(client: httpx.Client, path: str) -> dict[str, str]:
    """Every field of the claim form at ``path``, as the browser would send it."""
    html = BeautifulSoup(client.get(path).text, "html.parser")
    values = {str(i["name"]): str(i.get("value", "")) for i in html.select("form.claim-form input")}
    values |= {str(t["name"]): t.get_text() for t in html.select("form.claim-form textarea")}
    for select in html.select("form.claim-form select"):
        chosen = select.select_one("option[selected]") or select.select_one("option")
        values[str(select["name"])] = str(chosen["value"]) if chosen else ""
    return values


def test_a_workbench_claim_opens_filled_and_an_edit_is_one_revision_of_exactly_the_change(
    curator: tuple[httpx.Client, str], served: tuple[str, Store]
) -> None:
    client, page = curator
    _, store = served
    made = _claim(
        client,
        page,
        passage="the Grand Duke Sergei\nwas killed in Moscow on 17 February",
        label="Grand Duke Sergei killed",
        when="17 February",
        edtf="1905-02-17",
        who="Russian Empire",
        footnote="28",
    )
    assert made.status_code == 303, made.text
    claim = next(
        iri for iri, label in _workbench_claims(client) if label == "Grand Duke Sergei killed"
    )
    edit = f"/workbench/claims/edit?claim={claim}"
    values = _form_values(client, edit)
    assert {k: values[k] for k in ("label", "when", "edtf", "who", "footnote", "role")} == {
        "label": "Grand Duke Sergei killed",
        "when": "17 February",
        "edtf": "1905-02-17",
        "who": "Russian Empire",
        "footnote": "28",
        "role": "participant",
    }
    assert " ".join(values["passage"].split()) == (
        "the Grand Duke Sergei was killed in Moscow on 17 February"
    )
    assert values["passage_start"].isdigit()
    assert values["claim"] == claim
    changed = client.post(
        "/workbench/claims",
        data={**values, "action": "save", "label": "The Grand Duke Sergei is assassinated"},
    )
    assert changed.status_code == 303, changed.text
    assert changed.headers["location"] == "/id/" + claim.split("/id/", 1)[1]  # keeps its IRI
    last = history.log(store.match, limit=1)[0]
    assert (last.agent, last.message) == (
        "ada",
        "Edit claim: The Grand Duke Sergei is assassinated",
    )
    added, removed = history.patch(store.match, last.number)
    assert {str(q.object) for q in removed} == {'"Grand Duke Sergei killed"@en'}  # claim and event
    assert {str(q.object) for q in added} == {'"The Grand Duke Sergei is assassinated"@en'}
    assert len(added) == len(removed) == 2
    diff = client.get(f"/history/{last.number}")
    assert diff.status_code == 200
    assert "The Grand Duke Sergei is assassinated" in diff.text
    values = _form_values(client, edit)  # a narrower passage: the anchor moves, in the original
    narrower = "the Grand Duke Sergei\nwas killed in Moscow"
    moved = client.post(
        "/workbench/claims",
        data={**values, "action": "save", "passage": narrower, "when": "", "edtf": ""},
    )
    assert moved.status_code == 303, moved.text
    again = _form_values(client, edit)
    printed = PAGE.read_text(encoding="utf-8").index("the Grand Duke Sergei\nwas killed in Moscow")
    assert (again["passage_start"], again["passage_end"]) == (
        str(printed),
        str(printed + len("the Grand Duke Sergei\nwas killed in Moscow")),
    )
    assert again["edtf"] == ""  # the date was taken out, its time-span with it


def _workbench_claims(client: httpx.Client) -> list[tuple[str, str]]:
    home = BeautifulSoup(client.get("/workbench").text, "html.parser")
    found = []
    for item in home.select(".workbench-claims li"):
        field = item.select_one("input[name=claim]")
        if field is not None:
            found.append((str(field["value"]), item.select_one("a").get_text()))  # type: ignore[union-attr]
    return found


def test_a_curated_claim_is_corrected_as_a_revision_of_it_keeping_what_the_form_does_not_show(
    curator: tuple[httpx.Client, str], served: tuple[str, Store]
) -> None:
    client, _ = curator
    _, store = served
    claim = "https://w3id.org/histkg/id/claim/russo-japanese-war"
    graph = set(store.graph_quads(NamedNode(claim)))
    values = _form_values(client, f"/workbench/claims/edit?claim={claim}")
    assert values["label"] == "The Russian Empire lost territory to Japan in the war of 1904–05"
    assert (values["edtf"], values["when"]) == ("1904/1905", "1904–05")
    assert {values["who"], values["who_2"]} == {"Russian Empire", "Japan"}  # both rows
    assert values["footnote"] == "https://w3id.org/histkg/id/note/p129-fn2"
    assert values["footnote_scope"] == "paragraph"
    form = BeautifulSoup(
        client.get(f"/workbench/claims/edit?claim={claim}").text, "html.parser"
    ).get_text()
    assert "kept as anchored" in form  # the form says what a correction cannot change
    note = "The page gives the war's years only."
    answer = client.post("/workbench/claims", data={**values, "action": "save", "note": note})
    assert answer.status_code == 303, answer.text
    last = history.log(store.match, limit=1)[0]
    added, removed = history.patch(store.match, last.number)
    assert (last.agent, [str(q.object) for q in added], removed) == ("ada", [f'"{note}"@en'], [])
    assert set(store.graph_quads(NamedNode(claim))) == graph  # the rest of the claim is as it was
    page = BeautifulSoup(client.get("/id/claim/russo-japanese-war").text, "html.parser")
    assert note in page.text
    attitude = "https://w3id.org/histkg/id/claim/leadership-not-averse-to-recovery"
    values = _form_values(client, f"/workbench/claims/edit?claim={attitude}")  # no event in it
    assert (values["event_type"], values["who"]) == ("", "")
    said = "The page does not date this attitude; the war it refers to is 1904–05."
    answer = client.post("/workbench/claims", data={**values, "action": "save", "note": said})
    assert answer.status_code == 303, answer.text
    assert said in client.get("/id/claim/leadership-not-averse-to-recovery").text


def test_an_edit_after_someone_elses_is_refused_in_the_form_and_keeps_what_was_typed(
    curator: tuple[httpx.Client, str], served: tuple[str, Store]
) -> None:
    client, page = curator
    _, store = served
    made = _claim(
        client, page, passage="A peace was signed at Portsmouth", label="Peace at Portsmouth"
    )
    assert made.status_code == 303, made.text
    claim = next(iri for iri, label in _workbench_claims(client) if label == "Peace at Portsmouth")
    mine = _form_values(client, f"/workbench/claims/edit?claim={claim}")
    theirs = dict(mine)
    first = client.post("/workbench/claims", data={**theirs, "action": "save", "label": "Peace"})
    assert first.status_code == 303
    before = history.head(store.match)
    late = client.post(
        "/workbench/claims", data={**mine, "action": "save", "label": "Peace of Portsmouth"}
    )
    assert late.status_code == 412
    html = BeautifulSoup(late.text, "html.parser")
    assert "Someone changed this claim" in html.select_one(".form-error").get_text()  # type: ignore[union-attr]
    assert html.select_one("#claim-label")["value"] == "Peace of Portsmouth"  # type: ignore[index]
    assert history.head(store.match) == before


def test_claim_pages_link_edit_this_claim_for_curators_only(
    curator: tuple[httpx.Client, str], served: tuple[str, Store]
) -> None:
    client, _ = curator
    edit = "/workbench/claims/edit?claim=https%3A//w3id.org/histkg/id/claim/russo-japanese-war"
    link = f"a[href='{edit}']"
    signed = BeautifulSoup(client.get("/id/claim/russo-japanese-war").text, "html.parser")
    assert signed.select_one(link) is not None
    anonymous = httpx.get(
        f"{served[0]}/id/claim/russo-japanese-war", headers={"Accept": "text/html"}
    )
    assert BeautifulSoup(anonymous.text, "html.parser").select_one(link) is None
    form = httpx.get(f"{served[0]}/workbench/claims/edit?claim=x", follow_redirects=False)
    assert form.status_code == 303
    assert form.headers["location"].startswith("/signin")


def test_several_participants_and_a_new_person_are_saved_in_one_revision(
    curator: tuple[httpx.Client, str], served: tuple[str, Store]
) -> None:
    client, page = curator
    _, store = served
    form = f"/workbench/claims/new?page={page}"
    values = _form_values(client, form)
    more = client.post("/workbench/claims", data={**values, "action": "more", "label": "kept"})
    assert more.status_code == 200  # the form again, one row more, what was typed kept
    html = BeautifulSoup(more.text, "html.parser")
    assert html.select_one("#claim-who_3") is not None
    assert html.select_one("#claim-label")["value"] == "kept"  # type: ignore[index]
    before = history.head(store.match)
    answer = _claim(
        client,
        page,
        passage="Sergei Witte was sent to America to negotiate",
        label="Witte is sent to America to negotiate",
        who="Russian Empire",
        role="agent",
        who_2="Sergei Iulievich Witte",
        who_3="Russian Empire",
        rows="3",
        new_kind="person",
        new_label="Sergei Iulievich Witte",
        new_other="Sergei Iul'evich Vitte",
        new_language="ru-Latn-alalc97",
        new_dates="1849/1915",
    )
    assert answer.status_code == 303, answer.text
    assert history.head(store.match) == (before or 0) + 1  # one revision for all of it
    witte = NamedNode("https://w3id.org/histkg/id/person/sergei-iulievich-witte")
    labels = {str(q.object) for q in store.match(witte, RDFS.label, None, None)}
    assert labels == {'"Sergei Iulievich Witte"@en', '"Sergei Iul\'evich Vitte"@ru-latn-alalc97'}
    event = next(
        q.subject
        for q in store.match(
            None, RDFS.label, Literal("Witte is sent to America to negotiate", language="en"), None
        )
        if isinstance(q.subject, NamedNode) and "/event/" in q.subject.value
    )
    roles = {
        (q.predicate.value.rsplit("/", 1)[1], q.object.value)
        for q in store.match(event, None, None, None)
        if q.predicate.value.startswith("http://www.cidoc-crm.org/cidoc-crm/P1")
        and isinstance(q.object, NamedNode)
    }
    assert roles == {
        ("P14_carried_out_by", "https://w3id.org/histkg/id/group/russian-empire"),
        ("P11_had_participant", witte.value),
        ("P11_had_participant", "https://w3id.org/histkg/id/group/russian-empire"),
    }
    person = BeautifulSoup(client.get("/id/person/sergei-iulievich-witte").text, "html.parser")
    assert "Witte is sent to America to negotiate" in person.text
    suggested = client.get("/search.json", params={"q": "Iulievich", "kind": "person"}).json()
    (hit,) = [r for r in suggested["results"] if r["label"] == "Sergei Iulievich Witte"]
    assert (hit["types"], hit["description"]) == ("person", "1849–1915")  # what suggestions show


def test_a_new_entity_without_its_kind_or_a_bad_tag_is_refused_beside_its_fields(
    curator: tuple[httpx.Client, str], served: tuple[str, Store]
) -> None:
    client, page = curator
    before = history.head(served[1].match)
    answer = _claim(
        client,
        page,
        passage="in a Finnish hotel",
        label="The Vyborg appeal is drafted",
        new_label="Vyborg",
        new_other="Viipuri",
        who="Vyborg",
    )
    assert answer.status_code == 422
    assert set(_errors(answer)) == {"new_kind", "who"}
    bad_tag = _claim(
        client,
        page,
        passage="in a Finnish hotel",
        label="The Vyborg appeal is drafted",
        new_kind="person",
        new_label="Nobody Named Here",
        new_other="x",
        new_language="not a tag!",
    )
    assert set(_errors(bad_tag)) == {"new_language"}
    assert history.head(served[1].match) == before


def test_an_article_is_a_source_in_its_journal_and_takes_pages(
    curator: tuple[httpx.Client, str], served: tuple[str, Store]
) -> None:
    client, _ = curator
    _, store = served
    fields = {
        "csrf": _csrf(client, "/workbench/sources/new"),
        "kind": "article",
        "author": "Ann Testwriter",
        "title": "Witte and the Portsmouth Talks",
        "journal": "Journal of Test History",
        "volume": "12",
        "issue": "3",
        "pages": "211-34",
        "year": "2001",
    }
    bookish = client.post("/workbench/sources", data={**fields, "kind": "book"})
    assert bookish.status_code == 422  # a book has no journal, volume, issue or pages
    journal_less = client.post("/workbench/sources", data={**fields, "journal": ""})
    assert journal_less.status_code == 422
    error = BeautifulSoup(journal_less.text, "html.parser").select_one("#source-journal-error")
    assert error is not None
    assert "journal" in error.get_text()
    answer = client.post("/workbench/sources", data=fields)
    assert answer.status_code == 303, answer.text
    article = NamedNode("https://w3id.org/histkg/id/source/witte-and-the-portsmouth-talks-2001")
    said = {
        q.predicate.value.rsplit("/", 1)[1]: q.object
        for q in store.match(article, None, None, None)
    }
    assert said["22-rdf-syntax-ns#type"] == NamedNode(
        "http://purl.org/ontology/bibo/AcademicArticle"
    )
    assert (said["volume"], said["issue"], said["pages"]) == (
        Literal("12"),
        Literal("3"),
        Literal("211-34"),
    )
    journal = said["isPartOf"]
    assert isinstance(journal, NamedNode)
    assert Literal("Journal of Test History", language="en") in {
        q.object for q in store.match(journal, RDFS.label, None, None)
    }
    form = BeautifulSoup(client.get("/workbench/sources/new").text, "html.parser")
    find = form.select_one("#source-find")
    assert find is not None
    assert find["data-suggest"] == "/search.json?kind=book"  # books and articles
    suggested = client.get(f"{find['data-suggest']}&q=Portsmouth Talks").json()
    assert [r["types"] for r in suggested["results"]] == ["article"]
    pages = BeautifulSoup(client.get("/workbench/pages/new").text, "html.parser")
    source = pages.select_one("#page-source")  # the add-page form suggests books and articles
    assert source is not None
    offered = client.get(f"{source['data-suggest']}&q=Testwriter").json()  # params= drops kind
    assert {r["types"] for r in offered["results"]} == {"book", "article"}  # not the author
    page = {
        "csrf": _csrf(client, "/workbench/pages/new"),
        "source": suggested["results"][0]["label"],
        "number": "215",
        "text": "Witte reached Portsmouth in August 1905 and spoke to the press every day.",
    }
    added = client.post("/workbench/pages", data=page)
    assert added.status_code == 303, added.text
    reading = BeautifulSoup(client.get(added.headers["location"]).text, "html.parser")
    assert "Witte and the Portsmouth Talks" in reading.get_text()


def test_a_selection_fills_the_passage_and_the_footnote_is_proposed_from_the_next_marker(
    curator: tuple[httpx.Client, str],
) -> None:
    client, page = curator
    raw = PAGE.read_text(encoding="utf-8")
    words = "the next day the Putilov workers came out on strike"
    start = raw.index(words)
    values = _form_values(
        client, f"/workbench/claims/new?page={page}&start={start}&end={start + len(words)}"
    )
    assert (values["passage"], values["passage_start"]) == (words, str(start))
    assert (values["footnote"], values["footnote_scope"]) == ("27", "sentence")
    html = BeautifulSoup(
        client.get(f"/workbench/claims/new?page={page}&start={start}&end={start + 3}").text,
        "html.parser",
    )
    assert "Proposed from the footnote marker" in html.get_text()
    earlier = "By the\nautumn of 1904 that belief had gone"
    answer = _claim(client, page, action="preview", passage=earlier, label="Belief gone")
    form = BeautifulSoup(answer.text, "html.parser")
    assert form.select_one("#claim-footnote")["value"] == "27"  # type: ignore[index]
    scope = form.select_one("#claim-footnote_scope option[selected]")
    assert scope is not None
    assert scope["value"] == "paragraph"  # a sentence ends before the marker
    assert "Footnote 27." in [li.get_text() for li in form.select(".preview li")]
    last = _claim(client, page, action="preview", passage="the defeat of the left", label="x")
    assert BeautifulSoup(last.text, "html.parser").select_one("#claim-footnote")["value"] == "31"  # type: ignore[index]


def _sign_in(client: httpx.Client) -> None:
    signin = {"csrf": _csrf(client, "/signin"), "name": "ada", "password": PASSWORD}
    assert client.post("/signin", data=signin).status_code == 303


def test_a_candidate_name_is_reconciled_against_our_graph_and_linked_when_chosen(
    curator: tuple[httpx.Client, str], served: tuple[str, Store]
) -> None:
    client, page = curator
    _, store = served
    kinds = BeautifulSoup(client.get(f"/workbench/claims/new?page={page}").text, "html.parser")
    city = next(
        str(o["value"]) for o in kinds.select("#claim-new_kind option") if "place" in o.get_text()
    )
    made = _claim(
        client,
        page,
        passage="The fall of Port Arthur on 2 January 1905 stunned the capital",
        label="Port Arthur falls",
        where="Port Arthur",
        new_kind=city,
        new_label="Port Arthur",
    )
    assert made.status_code == 303, made.text
    view = BeautifulSoup(client.get(f"/workbench/proposals?page={page}").text, "html.parser")
    (item,) = [
        li
        for li in view.select("ol.candidates > li")
        if li.select_one(".candidate-text").get_text() == "Port Arthur"  # type: ignore[union-attr]
    ]
    forms = item.select("form.suggestion-form")
    assert forms, item
    fields = {str(i["name"]): str(i["value"]) for i in forms[0].select("input")}
    assert fields["entity"] == "https://w3id.org/histkg/id/place/port-arthur"  # ours, best first
    assert "(exact, 1.00)" in forms[0].get_text()  # with its score and reasons
    linked = client.post("/workbench/proposals", data={**fields, "action": "link"})
    assert linked.status_code == 303, linked.text
    assert NamedNode(fields["anchor"]) in {
        q.object for q in store.match(NamedNode(fields["entity"]), HK.mention, None, None)
    }
    assert history.log(store.match, limit=1)[0].agent == "ada"


def _entity_rows(view: BeautifulSoup, label: str) -> list[Tag]:
    """The rows of the proposals view's Wikidata section for the entity labelled ``label``."""
    return [
        li
        for li in view.select("ol.wikidata-entities > li")
        if li.select_one("a") is not None and li.select_one("a").get_text() == label  # type: ignore[union-attr]
    ]


def test_a_wikidata_candidate_becomes_same_as_only_when_a_curator_confirms_it(
    curator: tuple[httpx.Client, str],
    served: tuple[str, Store],
    settings: Settings,
    tmp_path: Path,
) -> None:
    client, page = curator
    _, store = served
    america = NamedNode("https://w3id.org/histkg/id/place/america")
    moscow = next(e for e in json.loads(EXTRACT.read_text(encoding="utf-8")) if e["id"] == "Q649")
    item = {**moscow, "id": "Q990000077", "labels": {"en": {"language": "en", "value": "America"}}}
    extract = tmp_path / "extract.json"
    extract.write_text(json.dumps([item]), encoding="utf-8")
    fake = WikidataStandIn(extract)
    offline = BeautifulSoup(client.get(f"/workbench/proposals?page={page}").text, "html.parser")
    (row,) = _entity_rows(offline, "America")
    assert row.select("form.sameas-form input[name=qid][type=hidden]") == []  # no candidates
    with serve(fake.app) as url:
        online = settings.model_copy(
            update={
                "wikidata_online": True,
                "wikidata_api": f"{url}/w/api.php",
                "wikidata_cache": "",
                "wikidata_min_interval": 0.0,
            }
        )
        with (
            serve_app(create_app(online, store)) as base,
            httpx.Client(base_url=base, timeout=60, headers={"Accept": "text/html"}) as there,
        ):
            _sign_in(there)
            view = BeautifulSoup(there.get(f"/workbench/proposals?page={page}").text, "html.parser")
            (row,) = _entity_rows(view, "America")
            assert row.select("form.sameas-form input[name=qid][type=hidden]") == []
            assert fake.seen == []  # a visit asks Wikidata nothing: only the curator's button does
            ask = row.select_one("form.ask-wikidata-form")
            assert ask is not None
            params = {str(i["name"]): str(i["value"]) for i in ask.select("input")}
            asked = there.get(str(ask["action"]).split("#")[0], params=params)
            view = BeautifulSoup(asked.text, "html.parser")
            (row,) = _entity_rows(view, "America")
            forms = [
                {str(i["name"]): str(i.get("value", "")) for i in f.select("input")}
                for f in row.select("form.sameas-form")
            ]
            assert forms[0]["qid"] == "Q990000077"
            assert list(store.match(america, OWL.sameAs, None, None)) == []  # shown, not linked
            searched = len(fake.seen)
            bad = there.post("/workbench/proposals/sameas", data={**forms[0], "qid": "Q12x"})
            assert bad.status_code == 422
            assert "not a Wikidata item ID" in bad.text
            assert len(fake.seen) == searched  # the refusal's re-render asks Wikidata nothing
            confirmed = there.post("/workbench/proposals/sameas", data=forms[0])
            assert confirmed.status_code == 303, confirmed.text
    assert fake.seen  # the stand-in was asked, on loopback; the offline view asked nothing before
    links = list(store.match(america, OWL.sameAs, None, None))
    assert [q.object for q in links] == [NamedNode("http://www.wikidata.org/entity/Q990000077")]
    last = history.log(store.match, limit=1)[0]
    assert (last.agent, last.message) == ("ada", "Wikidata link: america = Q990000077")


def test_the_reading_views_runs_carry_their_offsets_and_a_selection_maps_to_the_original(
    curator: tuple[httpx.Client, str],
) -> None:
    client, page = curator
    reading = BeautifulSoup(
        client.get(page.removeprefix("https://w3id.org/histkg")).text, "html.parser"
    )
    text = ""
    for run in reading.select("#reading-text [data-at]"):
        assert int(str(run["data-at"])) == len(text)  # code points into the repaired text
        if not run.has_attr("data-marker"):  # a marker is shown, not part of the text
            text += run.get_text()
    words = "the defeat of the left"
    at = text.index(words)
    values = _form_values(client, f"/workbench/claims/new?page={page}&at={at}&to={at + len(words)}")
    printed = PAGE.read_text(encoding="utf-8").index("the de-\nfeat of the left")
    assert (values["passage"], values["passage_start"]) == (words, str(printed))
    assert values["passage_end"] == str(printed + len("the de-\nfeat of the left"))
    nowhere = _form_values(client, f"/workbench/claims/new?page={page}&at=5&to=99999999")
    assert (nowhere["passage"], nowhere["passage_start"]) == ("", "")


def test_the_proposals_view_still_works_when_reconciliation_runs_out_of_time(
    curator: tuple[httpx.Client, str], served: tuple[str, Store], settings: Settings
) -> None:
    _, page = curator
    _, store = served
    hurried = settings.model_copy(update={"query_timeout": 1e-9})  # no time to compare names
    with (
        serve_app(create_app(hurried, store)) as base,
        httpx.Client(base_url=base, timeout=60, headers={"Accept": "text/html"}) as there,
    ):
        _sign_in(there)
        answer = there.get(f"/workbench/proposals?page={page}")
        later = there.get(f"/workbench/proposals?page={page}")
    assert "for now" in later.text  # not tried again at once: no waiting at every visit
    assert answer.status_code == 200
    view = BeautifulSoup(answer.text, "html.parser")
    notice = view.select_one("p[role=status]")
    assert notice is not None
    assert "No suggestions from our graph this time" in notice.get_text()
    assert view.select("ol.candidates > li form.candidate-form")  # the names can still be settled
    assert view.select("form.suggestion-form") == []


def test_bad_numbers_and_page_iris_in_requests_are_refused_with_a_message_never_a_500(
    curator: tuple[httpx.Client, str], served: tuple[str, Store]
) -> None:
    client, page = curator
    before = history.head(served[1].match)
    # "²" and Arabic-Indic digits pass str.isdigit(); 5,000 digits are more than int() reads
    numbers = ("\u00b2", "\u0663\u0664", "9" * 5000, "-1")
    refused = [
        client.get("/workbench/claims/new", params={"page": page, "at": n, "to": "40"})
        for n in numbers
    ]
    refused += [
        client.get("/workbench/claims/new", params={"page": page, "start": "3", "end": n})
        for n in numbers
    ]
    values = _form_values(client, f"/workbench/claims/new?page={page}")
    values |= {"passage": "A peace was signed at Portsmouth", "label": "x", "action": "save"}
    refused += [client.post("/workbench/claims", data={**values, "rows": n}) for n in numbers[:3]]
    refused += [
        client.post("/workbench/claims", data={**values, "passage_start": n, "passage_end": "99"})
        for n in numbers[:3]
    ]
    made = _claim(client, page, passage="A peace was signed at Portsmouth", label="Peace signed")
    assert made.status_code == 303, made.text
    claim = next(iri for iri, label in _workbench_claims(client) if label == "Peace signed")
    mine = _form_values(client, f"/workbench/claims/edit?claim={claim}")
    refused += [
        client.post("/workbench/claims", data={**mine, "action": "save", "etag": n})
        for n in numbers[:3]
    ]
    reading = page.removeprefix("https://w3id.org/histkg")
    refused += [client.get(reading, params={"rev": n}) for n in numbers]
    spaced = page.replace("/page", " x/page")
    refused += [
        client.get("/workbench/claims/new", params={"page": spaced}),
        client.get("/workbench/proposals", params={"page": spaced}),
        client.post(
            "/workbench/proposals/sameas",
            data={"csrf": values["csrf"], "page": spaced, "entity": page, "qid": "Q855"},
        ),
    ]
    after = history.head(served[1].match)
    assert [
        (n, r.status_code) for n, r in enumerate(refused) if not 400 <= r.status_code < 500
    ] == []
    for answer in refused:
        text = BeautifulSoup(answer.text, "html.parser").get_text()
        assert any(
            said in text for said in ("is not a whole number", "is not a page's IRI", "revision")
        ), text
    assert after == (before or 0) + 1  # only the claim made on purpose was written


def test_an_edit_that_does_not_say_which_version_it_edits_is_refused_and_writes_nothing(
    curator: tuple[httpx.Client, str], served: tuple[str, Store]
) -> None:
    client, page = curator
    _, store = served
    made = _claim(client, page, passage="A peace was signed at Portsmouth", label="Peace talks")
    assert made.status_code == 303, made.text
    claim = next(iri for iri, label in _workbench_claims(client) if label == "Peace talks")
    values = _form_values(client, f"/workbench/claims/edit?claim={claim}")
    assert values["etag"].isdigit()  # the form carries the revision it was filled from
    before = history.head(store.match)
    for etag in ({"etag": ""}, {}):  # sent empty, or not sent at all
        fields = {k: v for k, v in values.items() if k != "etag"} | etag
        answer = client.post(
            "/workbench/claims", data={**fields, "action": "save", "label": "Peace made"}
        )
        assert answer.status_code == 422
        error = BeautifulSoup(answer.text, "html.parser").select_one(".form-error")
        assert error is not None
        assert "Reopen the claim" in error.get_text()
    assert history.head(store.match) == before


def test_a_claims_correction_writes_nothing_outside_the_claims_own_graphs(
    served: tuple[str, Store], settings: Settings
) -> None:
    _, store = served
    claim = NamedNode("https://w3id.org/histkg/id/claim/russo-japanese-war")
    elsewhere = NamedNode("https://w3id.org/histkg/workbench/page/some-other-page")
    stray = Quad(
        NamedNode("https://w3id.org/histkg/id/place/america"),
        RDFS.label,
        Literal("Amerika", language="de"),
        elsewhere,
    )
    before = history.head(store.match)
    with pytest.raises(UpdateNotAllowed, match="cannot write in"):
        writes.revise_claim(
            store,
            claim,
            [stray],
            [],
            settings.project_dir,
            if_match={writes.claim_revision(store, claim)},
        )
    assert (history.head(store.match), list(store.match(None, None, None, elsewhere))) == (
        before,
        [],
    )


def test_a_curated_claims_correction_refuses_a_new_entity_beside_its_fields(
    curator: tuple[httpx.Client, str], served: tuple[str, Store]
) -> None:
    client, _ = curator
    _, store = served
    claim = "https://w3id.org/histkg/id/claim/russo-japanese-war"
    values = _form_values(client, f"/workbench/claims/edit?claim={claim}")
    before = history.head(store.match)
    answer = client.post(
        "/workbench/claims",
        data={
            **values,
            "action": "save",
            "new_kind": "person",
            "new_label": "Somebody Not In The Graph",
            "who_2": "Somebody Not In The Graph",
        },
    )
    assert answer.status_code == 422
    errors = _errors(answer)
    assert set(errors) == {"new_label"}
    assert "cannot add a new person, group or place" in errors["new_label"]
    assert history.head(store.match) == before


def test_a_selection_whose_text_is_not_the_pages_text_at_its_offsets_is_refused(
    curator: tuple[httpx.Client, str],
) -> None:
    client, page = curator
    raw = PAGE.read_text(encoding="utf-8")
    words = "the next day the Putilov workers came out on strike"
    start = raw.index(words)
    form = "/workbench/claims/new"
    span = {"page": page, "start": str(start), "end": str(start + len(words))}
    same = client.get(form, params={**span, "passage": words.replace(" ", "\n", 1)})
    assert same.status_code == 200  # line ends and spaces aside, it is the text there
    short = {**span, "start": str(start + 1), "end": str(start + 1 + len(words))}
    for refused in (
        client.get(form, params={**short, "passage": words}),  # counted one short: a CR LF
        client.get(form, params={**span, "passage": "the Putilov workers"}),
        client.get(form, params={**span, "start": "0", "end": "0"}),  # no passage
        client.get(form, params={**span, "end": str(len(raw) + 5)}),  # past the text
    ):
        assert refused.status_code == 400, refused.text
        text = BeautifulSoup(refused.text, "html.parser").get_text()
        assert "not the passage you selected" in text or "not a passage of this page" in text
