"""The Reconciliation Service API 0.2 at /reconcile, over real HTTP (uvicorn on loopback).

Two servers: one over the real curated graph (what the conformance runner and OpenRefine see),
and one over the curated graph plus a test-only namesake (``fixtures/linking/namesakes.trig``)
for the table of names. Responses are validated against the spec's 0.2 JSON schemas, vendored
in ``tests/conformance/reconciliation`` with the spec's own conformance runner.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fixtures.linking.servers import serve

from app.errors import NotReady
from app.linking.reconcile import ReconService
from app.routes.pages import warm_up
from app.settings import Settings
from app.store import Store
from app.tools.synth import write_synthetic
from app.web import create_app

REPO = Path(__file__).resolve().parent.parent
RECON = Path(__file__).parent / "conformance" / "reconciliation"
NAMESAKES = Path(__file__).parent / "fixtures" / "linking" / "namesakes.trig"
BASE = "https://w3id.org/histkg/id/"
PERSON = "http://www.cidoc-crm.org/cidoc-crm/E21_Person"


def _app_url(store: Store) -> Iterator[str]:
    with serve(create_app(Settings(store="memory", project_dir=REPO), store)) as url:
        yield url


@pytest.fixture(scope="module")
def curated_url() -> Iterator[str]:
    """The app over the real curated graph."""
    store = Store("memory")
    store.load_curated(REPO)
    yield from _app_url(store)


@pytest.fixture(scope="module")
def namesake_url() -> Iterator[str]:
    """The app over the curated graph plus a test-only namesake of Voroshilov."""
    store = Store("memory")
    store.load_curated(REPO)
    store.load_files([NAMESAKES])
    yield from _app_url(store)


@pytest.fixture(scope="module")
def validators() -> dict[str, Any]:
    """Draft-7 validators for the 0.2 schemas, with cross-file references resolved locally."""
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    base = "https://reconciliation-api.github.io/specs/0.2/schemas/"
    schemas, resources = {}, []
    for path in sorted((RECON / "0.2" / "schemas").glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        schemas[path.stem] = schema
        resource = Resource.from_contents(schema, default_specification=DRAFT7)
        resources.append((base + path.name, resource))
        if schema.get("$id"):
            resources.append((schema["$id"].rstrip("#"), resource))
    registry = Registry().with_resources(resources)
    return {
        name: Draft7Validator({**schema, "$id": base + name + ".json"}, registry=registry)
        for name, schema in schemas.items()
    }


def valid(validators: dict[str, Any], schema: str, document: Any) -> Any:
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in validators[schema].iter_errors(document)
    ]
    assert not errors, errors
    return document


def reconcile(url: str, queries: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{url}/reconcile", data={"queries": json.dumps(queries)})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


# ------------------------------------------------------------------ conformance


def test_the_vendored_schemas_accept_their_valid_examples_and_refuse_the_invalid() -> None:
    """The runner's self-test: the spec's examples against its schemas, so a damaged copy of
    the schemas (which every test below validates against) fails here first."""
    run = subprocess.run(
        [sys.executable, str(RECON / "run_recon.py"), "selftest", "--version", "0.2"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().splitlines()[-1] == "44 passed, 0 failed", run.stdout


def test_the_conformance_runner_reports_no_failure(curated_url: str) -> None:
    command = [sys.executable, str(RECON / "run_recon.py"), "service", f"{curated_url}/reconcile"]
    for args in ([], ["--query", "Voroshilov", "--query", "Izvestiia", "--type", "Q5"]):
        run = subprocess.run(
            command + args, capture_output=True, text=True, timeout=120, check=False
        )
        last = run.stdout.strip().splitlines()[-1]
        assert last.endswith(" 0 failed"), run.stdout + run.stderr
        assert run.returncode == 0
        assert "FAIL" not in run.stdout
        assert "WARN" not in run.stdout


def test_every_answer_validates_against_the_0_2_schemas(
    curated_url: str, validators: dict[str, Any]
) -> None:
    endpoint = f"{curated_url}/reconcile"
    manifest = valid(validators, "manifest", httpx.get(endpoint).json())
    queries = {
        "q0": {
            "query": "Voroshilov",
            "type": "Q5",
            "limit": 3,
            "properties": [{"pid": "date", "v": "1932"}],
        },
        "q1": {
            "query": "Izvestiia",
            "type": ["hkc:newspaper", "crm:E74_Group"],
            "type_strict": "any",
        },
        "q2": {"query": "", "properties": [{"pid": "wikidata", "v": {"id": "Q855"}}]},
    }
    valid(validators, "reconciliation-query-batch", queries)
    valid(validators, "reconciliation-result-batch", reconcile(curated_url, queries))
    for kind, schema, prefix in (
        ("entity", "suggest-entities-response", "sta"),
        ("type", "suggest-types-response", "st"),
        ("property", "suggest-properties-response", "da"),
    ):
        service = manifest["suggest"][kind]
        answer = httpx.get(
            service["service_url"] + service["service_path"], params={"prefix": prefix}
        )
        assert valid(validators, schema, answer.json())["result"], kind
    proposal = manifest["extend"]["propose_properties"]
    url = proposal["service_url"] + proposal["service_path"]
    properties = httpx.get(url, params={"type": PERSON}).json()
    valid(validators, "data-extension-property-proposal", properties)
    extend = {
        "ids": ["person/kliment-voroshilov", "event/mukden-incident", "person/nobody"],
        "properties": [{"id": p["id"]} for p in properties["properties"]],
    }
    valid(validators, "data-extension-query", extend)
    answer = httpx.post(endpoint, data={"extend": json.dumps(extend)}).json()
    valid(validators, "data-extension-response", answer)


# ------------------------------------------------------------------ the table of names

TABLE: list[tuple[str, dict[str, Any], str, bool]] = [
    # (name as typed, conditions, expected entity id, expected to be a sure match)
    (
        "Voroshilov",
        {"properties": [{"pid": "date", "v": "1932"}]},
        "person/kliment-voroshilov",
        True,
    ),
    (
        "Voroshilov",
        {"properties": [{"pid": "P585", "v": "1930s"}], "type": "Q5"},
        "person/kliment-voroshilov",
        True,
    ),
    (
        "Voroshilov",
        {"properties": [{"pid": "date", "v": "1812"}]},
        "https://example.org/fixture/nikolai-voroshilov",
        True,
    ),
    ("Dem'ian Bednyi", {}, "person/demian-bednyi", True),
    ("Bedny", {"type": "crm:E21_Person"}, "person/demian-bednyi", True),
    ("Izvestiia", {"type": "Q11032"}, "group/izvestiia", True),
    # Untyped, the name fits the newspaper as a group and as a publication
    # (document/izvestiia-serial, where Bednyi's poem appeared): first, but not sure.
    ("IZVESTIYA", {}, "group/izvestiia", False),
    ("Maxim Litvinov", {}, "person/maksim-litvinov", True),
    ("Lazar\u2019 Kaganovich", {"type": "Q5"}, "person/lazar-kaganovich", True),
    (
        "Mukden Incident",
        {"properties": [{"pid": "date", "v": "1931-09-18"}]},
        "event/mukden-incident",
        True,
    ),
    ("Japan", {"type": "Q6256"}, "group/empire-of-japan", True),
    ("Vorošilov", {"type": "Q5"}, "person/kliment-voroshilov", False),
]


def test_a_table_of_names_reconciles_to_the_expected_entities(namesake_url: str) -> None:
    queries = {
        f"q{n}": {"query": name, **conditions} for n, (name, conditions, *_) in enumerate(TABLE)
    }
    answer = reconcile(namesake_url, queries)
    for n, (name, conditions, expected, sure) in enumerate(TABLE):
        top = answer[f"q{n}"]["result"][0]
        assert top["id"] == expected, (name, conditions, answer[f"q{n}"]["result"][:2])
        assert top["match"] is sure, (name, top)


def test_a_dated_query_puts_the_namesake_far_below(namesake_url: str) -> None:
    query = {"query": "Voroshilov", "type": "Q5", "properties": [{"pid": "date", "v": "1932"}]}
    answer = reconcile(namesake_url, {"q": query})
    first, second = answer["q"]["result"][:2]
    assert first["id"] == "person/kliment-voroshilov"
    assert first["wikidata"] == "Q186185"
    assert second["id"] == "https://example.org/fixture/nikolai-voroshilov"
    assert "wikidata" not in second
    assert first["score"] - second["score"] >= 40
    assert "clashes" in second["why"]
    assert "agrees" in first["why"]
    assert {"id": "date", "value": -1} in second["features"]


def test_without_a_date_the_namesakes_tie_and_nothing_is_a_sure_match(namesake_url: str) -> None:
    result = reconcile(namesake_url, {"q": {"query": "Voroshilov", "type": "Q5"}})["q"]["result"]
    assert [c["score"] for c in result[:2]] == [result[0]["score"]] * 2
    assert not any(c["match"] for c in result)


def test_each_candidate_says_why_it_scored_as_it_did(curated_url: str) -> None:
    top = reconcile(curated_url, {"q": {"query": "Demyan Bednyi"}})["q"]["result"][0]
    assert top["id"] == "person/demian-bednyi"
    assert top["why"] == "name “Demyan Bednyi” ~ label “Demyan Bedny” (variant, 0.95)"
    features = {f["id"]: f["value"] for f in top["features"]}
    assert features == {
        "name": 0.95,
        "name_variant": True,
        "name_on_label": True,
        "type": 0,
        "date": 0,
    }
    assert top["score"] == 85.5


def test_type_restriction_excludes_other_types(curated_url: str) -> None:
    answer = reconcile(
        curated_url,
        {
            "person": {"query": "Moscow", "type": "Q5"},
            "city": {"query": "Moscow", "type": "Q515"},
            "any": {
                "query": "Moscow",
                "type": ["crm:E53_Place", "hkc:leadership"],
                "type_strict": "any",
            },
            "all": {
                "query": "Moscow",
                "type": ["crm:E53_Place", "crm:E74_Group"],
                "type_strict": "all",
            },
            "unknown": {"query": "Moscow", "type": "Q42"},
        },
    )
    assert answer["person"]["result"] == []
    assert [c["id"] for c in answer["city"]["result"]] == ["place/moscow"]
    assert {c["id"] for c in answer["any"]["result"][:2]} == {
        "place/moscow",
        "group/soviet-leadership",
    }
    assert answer["all"]["result"] == []
    assert answer["unknown"]["result"] == []


def test_a_wikidata_property_condition_is_decisive(curated_url: str) -> None:
    answer = reconcile(
        curated_url,
        {
            "by-id": {"query": "", "properties": [{"pid": "wikidata", "v": "Q186185"}]},
            "clash": {
                "query": "Stalin",
                "type": "Q5",
                "properties": [{"pid": "wikidata", "v": "Q186185"}],
            },
        },
    )
    top = answer["by-id"]["result"][0]
    assert (top["id"], top["score"], top["match"]) == ("person/kliment-voroshilov", 100.0, True)
    stalin = next(c for c in answer["clash"]["result"] if c["id"] == "person/joseph-stalin")
    assert "is not Q186185" in stalin["why"]
    assert not stalin["match"]


def test_get_and_post_give_the_same_answers_and_jsonp_wraps_them(curated_url: str) -> None:
    queries = json.dumps({"q": {"query": "Kaganovich", "limit": 2}})
    by_get = httpx.get(f"{curated_url}/reconcile", params={"queries": queries})
    by_post = httpx.post(f"{curated_url}/reconcile", data={"queries": queries})
    assert by_get.json() == by_post.json()
    assert len(by_get.json()["q"]["result"]) == 2
    wrapped = httpx.get(f"{curated_url}/reconcile", params={"queries": queries, "callback": "cb"})
    assert wrapped.headers["content-type"].startswith("application/javascript")
    assert wrapped.text == f"/**/cb({json.dumps(by_get.json(), ensure_ascii=False)});"
    refused = httpx.get(f"{curated_url}/reconcile", params={"callback": "alert(1)//"})
    assert refused.status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "payload", "status"),
    [
        ("GET", "/reconcile", {"queries": "not json"}, 400),
        ("POST", "/reconcile", {"queries": json.dumps({"q": {"limit": 3}})}, 400),
        ("POST", "/reconcile", {"queries": json.dumps({"q": {"query": 5}})}, 400),
        (
            "POST",
            "/reconcile",
            {"extend": json.dumps({"ids": ["x"], "properties": [{"id": "nope"}]})},
            400,
        ),
        ("GET", "/reconcile/preview", {"id": "person/nobody"}, 404),
    ],
)
def test_errors_keep_the_one_format_and_cors(
    curated_url: str, method: str, path: str, payload: dict[str, str], status: int
) -> None:
    if method == "GET":
        response = httpx.get(curated_url + path, params=payload)
    else:
        response = httpx.post(curated_url + path, data=payload)
    assert response.status_code == status
    assert set(response.json()["error"]) == {"code", "message", "hint"}
    assert response.headers["access-control-allow-origin"] == "*"


def test_cors_on_everything_including_preflight(curated_url: str) -> None:
    origin = {"Origin": "https://openrefine.example"}
    for path in (
        "/reconcile",
        "/reconcile/suggest/entity?prefix=sta",
        "/reconcile/preview?id=person/joseph-stalin",
        "/reconcile/properties",
    ):
        assert (
            httpx.get(curated_url + path, headers=origin).headers["access-control-allow-origin"]
            == "*"
        )
    preflight = httpx.options(
        f"{curated_url}/reconcile",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] in ("*", origin["Origin"])
    assert "POST" in preflight.headers["access-control-allow-methods"]


def test_suggest_completes_prefixes_and_variants(curated_url: str) -> None:
    def names(prefix: str, **params: str) -> list[str]:
        answer = httpx.get(
            f"{curated_url}/reconcile/suggest/entity", params={"prefix": prefix, **params}
        )
        return [item["name"] for item in answer.json()["result"]]

    assert names("Kagan")[0] == "Lazar Kaganovich"
    assert names("izvestiia")[0] == "Izvestia"
    assert names("lazar kag") == ["Lazar Kaganovich"]
    assert names("Mos", type="Q515") == ["Moscow"]
    types = httpx.get(f"{curated_url}/reconcile/suggest/type", params={"prefix": "news"}).json()
    assert [t["id"] for t in types["result"]] == ["https://w3id.org/histkg/id/concept/newspaper"]
    props = httpx.get(f"{curated_url}/reconcile/suggest/property", params={"prefix": "wiki"}).json()
    assert [p["id"] for p in props["result"]] == ["wikidata"]


def test_preview_is_an_escaped_html_card(curated_url: str) -> None:
    response = httpx.get(
        f"{curated_url}/reconcile/preview", params={"id": "person/kliment-voroshilov"}
    )
    assert response.headers["content-type"].startswith("text/html")
    from html.parser import HTMLParser

    class Texts(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.h1: list[str] = []
            self.links: list[str] = []
            self._in_h1 = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self._in_h1 = self._in_h1 or tag == "h1"
            if tag == "a":
                self.links.append(dict(attrs).get("href") or "")

        def handle_endtag(self, tag: str) -> None:
            self._in_h1 = self._in_h1 and tag != "h1"

        def handle_data(self, data: str) -> None:
            if self._in_h1:
                self.h1.append(data)

    page = Texts()
    page.feed(response.text)
    assert "".join(page.h1) == "Kliment Voroshilov"
    assert page.links == [
        f"{curated_url}/id/person/kliment-voroshilov",  # the local page (issue 16)
        "https://www.wikidata.org/wiki/Q186185",
    ]
    event = httpx.get(f"{curated_url}/reconcile/preview", params={"id": "event/mukden-incident"})
    assert "<dd>18 September 1931</dd>" in event.text  # the date in words


def test_the_manifest_views_an_entity_on_this_server(curated_url: str) -> None:
    manifest = httpx.get(f"{curated_url}/reconcile").json()
    assert manifest["view"]["url"] == f"{curated_url}/id/{{{{id}}}}"


def test_extend_returns_values_and_empty_rows_for_unknown_ids(curated_url: str) -> None:
    extend = {
        "ids": ["person/kliment-voroshilov", "event/mukden-incident", "person/nobody"],
        "properties": [{"id": "wikidata"}, {"id": "date"}, {"id": "begin"}, {"id": "altLabel"}],
    }
    answer = httpx.post(f"{curated_url}/reconcile", data={"extend": json.dumps(extend)}).json()
    rows = answer["rows"]
    assert rows["person/kliment-voroshilov"]["wikidata"] == [{"id": "Q186185", "name": "Q186185"}]
    assert rows["person/kliment-voroshilov"]["date"] == [{"str": "1932"}]
    assert rows["event/mukden-incident"]["begin"] == [{"date": "1931-09-18T00:00:00"}]
    assert {"str": "Voroshilov"} in rows["person/kliment-voroshilov"]["altLabel"]
    assert rows["person/nobody"] == {"wikidata": [], "date": [], "begin": [], "altLabel": []}
    wikidata_meta = next(m for m in answer["meta"] if m["id"] == "wikidata")
    assert wikidata_meta["service"].startswith("https://")


def test_the_index_follows_the_store(tmp_path: Path) -> None:
    from app.linking.reconcile import ReconService

    store = Store("memory")
    store.load_curated(REPO)
    service = ReconService(store, base_iri=BASE, refresh=0.0)
    assert service.reconcile({"q": {"query": "Nikolai Voroshilov"}})["q"]["result"][0]["score"] < 90
    store.load_files([NAMESAKES])
    top = service.reconcile({"q": {"query": "Nikolai Voroshilov"}})["q"]["result"][0]
    assert (top["id"], top["score"]) == ("https://example.org/fixture/nikolai-voroshilov", 90.0)


def test_a_request_during_the_index_build_gets_503_not_ready_then_the_answer(
    tmp_path: Path,
) -> None:
    """The index of a big graph takes longer to build than a request may wait (here the
    query timeout is made tiny instead): the request gets a clear 503 in the one error
    format, with CORS, and the build goes on, so a later request is answered from it."""
    write_synthetic(tmp_path / "synth.nq", events=3000, seed=1)
    store = Store("memory")
    store.load_curated(REPO)
    store.load_files([tmp_path / "synth.nq"])
    settings = Settings(store="memory", project_dir=REPO, query_timeout=0.02)
    queries = {"queries": json.dumps({"q": {"query": "Joseph Stalin"}})}
    with serve(create_app(settings, store)) as url:
        response = httpx.post(f"{url}/reconcile", data=queries)
        assert response.status_code == 503, response.text
        error = response.json()["error"]
        assert error["code"] == "not_ready"
        assert "still being built" in error["message"]
        assert "Retry" in error["hint"]
        assert response.headers["access-control-allow-origin"] == "*"
        deadline = time.monotonic() + 60
        while True:
            suggested = httpx.get(f"{url}/reconcile/suggest/entity", params={"prefix": "Stal"})
            if suggested.status_code != 503 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert suggested.status_code == 200, suggested.text
        assert suggested.json()["result"][0]["name"] == "Joseph Stalin"


def test_the_serve_warm_up_builds_the_reconciliation_index() -> None:
    store = Store("memory")
    store.load_curated(REPO)
    service = ReconService(store, base_iri=BASE, wait=0.0)  # answers only from a built index
    with pytest.raises(NotReady):
        ReconService(store, base_iri=BASE, wait=0.0).suggest_entity("Stal")
    settings = Settings(store="memory", project_dir=REPO)
    warm_up(store, settings, service.warm).join(timeout=60)
    # the reconciliation index comes after `warm` (home page and search), in its own thread
    for later in [t for t in threading.enumerate() if t.name == "histkg-warm-later"]:
        later.join(timeout=60)
    assert service.suggest_entity("Stal")["result"][0]["name"] == "Joseph Stalin"
