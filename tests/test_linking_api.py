"""``histkg link`` against the live-API path, served by a local stand-in (no network).

The stand-in (``fixtures/linking/servers.py``) answers ``wbsearchentities`` and
``wbgetentities`` in the API's own format from the fixture extract, records each request and can
be told to fail the next ones as Wikidata does when busy.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.linking.servers import WikidataStandIn, serve
from typer.testing import CliRunner

from app.cli import cli
from app.errors import WikidataError
from app.linking import ApiSource, ExtractSource, WikidataApi, load_records, propose, unlinked
from app.linking.records import EntityRecord
from app.store import Store

REPO = Path(__file__).resolve().parent.parent
EXTRACT = Path(__file__).parent / "fixtures" / "linking" / "extract.json"
ID = "https://w3id.org/histkg/id/"
UA = "histkg-tests/1.0 (https://w3id.org/histkg; tests@example.org)"
runner = CliRunner()


@pytest.fixture(scope="module")
def standin() -> Iterator[tuple[WikidataStandIn, str]]:
    fake = WikidataStandIn(EXTRACT, redirects={"Q990000020": "Q990000001"})
    with serve(fake.app) as url:
        yield fake, f"{url}/w/api.php"


@pytest.fixture
def wikidata(standin: tuple[WikidataStandIn, str]) -> Iterator[tuple[WikidataStandIn, str]]:
    fake, url = standin
    fake.seen.clear()
    fake.faults.clear()
    yield fake, url
    fake.faults.clear()


@pytest.fixture(scope="module")
def records() -> dict[str, EntityRecord]:
    store = Store("memory")
    store.load_curated(REPO)
    return load_records(store)


def client(url: str, tmp_path: Path, **options: float) -> WikidataApi:
    settings = {"min_interval": 0.0, "backoff": 0.01, **options}
    return WikidataApi(url, user_agent=UA, cache_dir=tmp_path / "cache", **settings)  # type: ignore[arg-type]


def test_search_and_fetch_speak_the_api_format(
    wikidata: tuple[WikidataStandIn, str], tmp_path: Path
) -> None:
    fake, url = wikidata
    with client(url, tmp_path) as api:
        assert api.search("Karl Radek") == ["Q990000001"]
        assert api.fulltext("Litvinov") == ["Q990000002", "Q990000012"]
        items = api.items(["Q990000001", "Q855", "Q990000020", "Q999999999", "not-a-qid"])
    assert set(items) == {"Q990000001", "Q855", "Q990000020", "Q999999999"}
    radek = items["Q990000001"]
    assert radek is not None
    assert radek.dates_text() == "born 1885-10-31; died 1939-05-19"
    moved = items["Q990000020"]
    assert moved is not None
    assert (moved.qid, moved.redirected_from) == ("Q990000001", "Q990000020")
    assert items["Q999999999"] is None
    assert all(seen.headers["user-agent"] == UA for seen in fake.seen)
    assert all(
        seen.params["maxlag"] == "5" and seen.params["format"] == "json" for seen in fake.seen
    )


def test_requests_are_spaced_by_the_rate_limit(
    wikidata: tuple[WikidataStandIn, str], tmp_path: Path
) -> None:
    fake, url = wikidata
    with client(url, tmp_path, min_interval=0.15) as api:
        for name in ("Karl", "Louis", "Izvestia", "Shenyang"):
            api.search(name)
    # The spacing the limiter kept, on the clock it reads: arrival times at the stand-in add
    # the jitter of a loaded machine (a request held up on its way makes the next gap short).
    assert len(fake.seen) == len(api.sent_at) == 4
    gaps = [b - a for a, b in zip(api.sent_at, list(api.sent_at)[1:], strict=False)]
    assert round(min(gaps), 6) >= 0.15, gaps  # rounded: float sums of the clock
    assert all(seen.at >= sent for seen, sent in zip(fake.seen, api.sent_at, strict=True))


@pytest.mark.parametrize("faults", [[429, 503], ["maxlag", "ratelimited"], [502, "maxlag", 429]])
def test_busy_answers_are_retried_with_back_off(
    wikidata: tuple[WikidataStandIn, str], tmp_path: Path, faults: list[str | int]
) -> None:
    fake, url = wikidata
    fake.faults.extend(faults)
    waits: list[float] = []
    with WikidataApi(
        url, user_agent=UA, cache_dir=None, min_interval=0.0, backoff=0.5, sleep=waits.append
    ) as api:
        assert api.search("Karl Radek") == ["Q990000001"]
    assert len(fake.seen) == len(faults) + 1
    assert waits == [0.0] * len(faults)  # the stand-in says Retry-After: 0


def test_without_retry_after_the_wait_doubles_and_then_it_gives_up(tmp_path: Path) -> None:
    waits: list[float] = []
    with (
        WikidataApi(
            "http://127.0.0.1:1/w/api.php",
            user_agent=UA,
            cache_dir=None,
            min_interval=0.0,
            retries=3,
            backoff=0.5,
            timeout=1.0,
            sleep=waits.append,
        ) as api,
        pytest.raises(WikidataError, match="after 4 attempts"),
    ):
        api.search("Karl Radek")
    assert waits == [0.5, 1.0, 2.0]


def test_answers_are_cached_on_disk_with_their_retrieval_date(
    wikidata: tuple[WikidataStandIn, str], tmp_path: Path
) -> None:
    fake, url = wikidata
    with client(url, tmp_path) as api:
        first = api.items(["Q186185"])["Q186185"]
    requests = len(fake.seen)
    time.sleep(1.1)
    with client(url, tmp_path) as api:
        again = api.items(["Q186185"])["Q186185"]
        assert (api.requests, api.cache_hits) == (0, 1)
    assert len(fake.seen) == requests
    assert first is not None
    assert again is not None
    assert first.retrieved == again.retrieved
    cached = list((tmp_path / "cache").rglob("*.json"))
    assert len(cached) == 1
    assert json.loads(cached[0].read_text())["params"]["ids"] == "Q186185"


def test_api_proposals_agree_with_the_extract(
    wikidata: tuple[WikidataStandIn, str], tmp_path: Path, records: dict[str, EntityRecord]
) -> None:
    _, url = wikidata
    targets = [e for e in unlinked(records) if e.iri.startswith(ID + "person/")]
    with client(url, tmp_path) as api:
        by_api = propose(targets, ApiSource(api))
    by_extract = propose(targets, ExtractSource(EXTRACT))

    def best(rows: list) -> dict[str, str]:  # type: ignore[type-arg]
        return {row.entity: row.qid for row in rows if row.rank == 1}

    assert best(by_api) == best(by_extract)
    assert best(by_api)[ID + "person/karl-radek"] == "Q990000001"


def test_histkg_link_api_end_to_end(wikidata: tuple[WikidataStandIn, str], tmp_path: Path) -> None:
    fake, url = wikidata
    env = {
        "HISTKG_PROJECT_DIR": str(REPO),
        "HISTKG_WIKIDATA_API": url,
        "HISTKG_WIKIDATA_USER_AGENT": UA,
        "HISTKG_WIKIDATA_CACHE": str(tmp_path / "cache"),
        "HISTKG_WIKIDATA_MIN_INTERVAL": "0",
    }
    output = tmp_path / "review.tsv"
    args = [
        "link",
        "--api",
        "-o",
        str(output),
        "--entity",
        "person/karl-radek",
        "--entity",
        "group/izvestiia",
    ]
    result = runner.invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    assert "Wikidata API http://127.0.0.1" in result.stdout
    assert "Izvestia: Q990000006 Izvestia (95.0)" in result.stdout
    asked = len(fake.seen)
    assert asked > 0
    assert all(s.headers["user-agent"] == UA for s in fake.seen)
    assert runner.invoke(cli, args, env=env).exit_code == 0
    assert len(fake.seen) == asked  # the second run is answered from the cache
    fake.faults.extend([503] * 6)
    again = ["link", "--api", "-o", str(tmp_path / "r2.tsv"), "--entity", "place/mukden"]
    down = runner.invoke(cli, again, env={**env, "HISTKG_WIKIDATA_CACHE": ""})
    assert down.exit_code == 2
    assert "did not answer after 6 attempts" in down.stderr
