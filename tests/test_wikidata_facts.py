"""The Wikidata facts graph brings in labels in other languages, aliases and coordinates.

``tests/fixtures/linking/sample-entities.json`` holds three items written by hand in Wikidata's
JSON shape for the items ``data/`` links (ranks, globe coordinates, labels in several
scripts); the API stand-in serves it over real HTTP on loopback, never the network.
``tests/fixtures/linking/real-entities.json`` is a real extract, three items as Wikidata served
them, cut down to what the parser reads (its origin in ``tests/fixtures/linking/README.md``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fixtures.linking.servers import WikidataStandIn, serve

from app.linking import ApiSource, WikidataApi, wikidata_facts
from app.linking.facts import WIKIDATA_GRAPH, facts_quads
from app.linking.wikidata import WikidataItem, parse_item
from app.linking.workflow import verify_and_collect_facts
from app.names import MatchKind
from app.read.search import SearchIndex
from app.settings import Settings
from app.store import Store

REPO = Path(__file__).resolve().parent.parent
SAMPLE = Path(__file__).parent / "fixtures" / "linking" / "sample-entities.json"
REAL = Path(__file__).parent / "fixtures" / "linking" / "real-entities.json"
ID = "https://w3id.org/histkg/id/"
NAME = "https://schema.org/name"
ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"


def sample(qid: str, path: Path = SAMPLE) -> WikidataItem:
    entities = {e["id"]: e for e in json.loads(path.read_text(encoding="utf-8"))}
    item = parse_item(entities[qid], retrieved="2026-12-07T06:00:00Z")
    assert item is not None
    return item


def literals(quads: list[ox.Quad], subject: str, predicate: str) -> set[tuple[str, str]]:
    return {
        (q.object.language or "", q.object.value)
        for q in quads
        if q.subject == ox.NamedNode(subject)
        and q.predicate == ox.NamedNode(predicate)
        and isinstance(q.object, ox.Literal)
    }


def test_the_parser_reads_labels_aliases_ranks_and_coordinates_of_real_shapes() -> None:
    stalin = sample("Q855")
    assert {"en", "ru", "de", "fr", "ja", "zh"} <= set(stalin.labels)
    assert stalin.labels["ja"] == "ヨシフ・スターリン"
    assert "Iosif Stalin" in stalin.aliases["en"]
    assert stalin.times["P569"] == ("+1878-12-18T00:00:00Z", 11)  # the preferred of two
    assert stalin.instance_of == ("Q5",)
    moscow = sample("Q649")
    assert moscow.coordinates == pytest.approx((55.7558, 37.6178), abs=1e-4)


def test_the_parser_reads_real_wikidata_json() -> None:
    bielefeld = sample("Q2112", REAL)
    assert {"en", "ru", "de", "fr", "ja", "zh"} <= set(bielefeld.labels)
    assert bielefeld.labels["ru"] == "Билефельд"
    assert bielefeld.aliases["de"][0] == "Leineweberstadt"
    assert bielefeld.coordinates == (52.016666666667, 8.5333333333333)
    assert "Q1549591" in bielefeld.instance_of  # big city
    assert "Q1964689" not in bielefeld.instance_of  # a deprecated statement is left out
    singer = sample("Q494290", REAL)
    assert singer.aliases == {}  # Wikidata sends "aliases": [] when there are none
    assert singer.instance_of == ("Q5",)
    assert singer.times["P569"] == ("+1938-01-04T00:00:00Z", 11)
    book = sample("Q4132785", REAL)
    assert book.instance_of == ("Q571",)  # given by "numeric-id" alone, without "id"
    assert book.times["P577"] == ("+1953-00-00T00:00:00Z", 9)
    assert book.aliases == {"zh": ("帶來銀禧",)}


def test_the_facts_graph_of_a_real_item_has_its_names_and_its_point() -> None:
    quads = facts_quads([sample("Q2112", REAL)], source="https://example.org/x")
    city = "http://www.wikidata.org/entity/Q2112"
    names = literals(quads, city, NAME)
    # de and fr are "Bielefeld" too, said once (in English); ka and uk are not asked for
    assert {lang for lang, _ in names} == {"en", "ru", "ja", "zh"}
    assert ("ja", "ビーレフェルト") in names
    assert ("de", "Leineweberstadt") in literals(quads, city, ALT_LABEL)
    points = {
        q.object.value
        for q in quads
        if isinstance(q.object, ox.Literal) and q.object.value.startswith("Point(")
    }
    assert points == {"Point(8.53333 52.0167)"}


def test_the_facts_graph_holds_labels_in_the_languages_named_and_no_other() -> None:
    quads = facts_quads([sample("Q855"), sample("Q649")], source="https://example.org/x")
    stalin = "http://www.wikidata.org/entity/Q855"
    names = literals(quads, stalin, NAME)
    assert {lang for lang, _ in names} == {"en", "ru", "de", "fr", "ja", "zh"}
    assert ("ru", "Иосиф Сталин") in names
    assert not any(lang == "ka" for lang, _ in names)  # Georgian is not in the default list
    assert ("ru", "Сталин") in literals(quads, stalin, ALT_LABEL)
    moscow = "http://www.wikidata.org/entity/Q649"
    points = [
        q.object.value
        for q in quads
        if q.subject == ox.NamedNode(moscow) and isinstance(q.object, ox.Literal)
    ]
    assert "Point(37.6178 55.7558)" in points
    retrieved = "http://purl.org/pav/retrievedOn"
    for item in (stalin, moscow):
        assert literals(quads, item, retrieved) == {("", "2026-12-07T06:00:00Z")}


def test_the_languages_setting_chooses_the_labels() -> None:
    settings = Settings(wikidata_languages="en, ka")
    assert settings.label_languages == ("en", "ka")
    quads = facts_quads([sample("Q855")], source="https://example.org/x", languages=("en", "ka"))
    names = literals(quads, "http://www.wikidata.org/entity/Q855", NAME)
    assert names == {("en", "Joseph Stalin"), ("ka", "იოსებ სტალინი")}


@pytest.fixture
def verified(tmp_path: Path) -> Iterator[Store]:
    """The store after `--verify` against the stand-in serving the sample."""
    settings = Settings(store="memory", project_dir=REPO, wikidata_min_interval=0)
    with serve(WikidataStandIn(SAMPLE).app) as url, Store("memory") as store:
        store.load_curated(REPO)
        with WikidataApi(f"{url}/w/api.php", user_agent="histkg tests", min_interval=0) as api:
            summary = verify_and_collect_facts(settings, ApiSource(api), store)
        assert summary.facts_items == 3
        yield store


def test_verify_brings_in_names_in_five_languages_and_coordinates(verified: Store) -> None:
    stalin = wikidata_facts(verified, ID + "person/joseph-stalin")
    assert stalin is not None
    languages = {lang for lang, _ in stalin.names}
    assert {"ru", "de", "fr", "ja", "zh"} <= languages
    assert stalin.label == "Joseph Stalin"  # the English label stays the label
    moscow = wikidata_facts(verified, ID + "place/moscow")
    assert moscow is not None
    assert moscow.coordinates == "Point(37.6178 55.7558)"
    graphs = {
        q.graph_name for q in verified.match(ox.NamedNode("http://www.wikidata.org/entity/Q855"))
    }
    assert graphs == {ox.NamedNode(WIKIDATA_GRAPH)}  # kept apart from the claims


@pytest.mark.parametrize(
    ("query", "name"),
    [("Сталин", "Сталин"), ("Iosif Stalin", "Iosif Stalin"), ("スターリン", "ヨシフ・スターリン")],
)
def test_search_finds_an_entity_by_its_names_on_wikidata(
    verified: Store, query: str, name: str
) -> None:
    hits = SearchIndex.build(verified, ID).search(query)
    assert hits[0].entry.iri == ID + "person/joseph-stalin"
    assert hits[0].name == name
    assert hits[0].entry.label == "Joseph Stalin"  # our label stays the label


def test_without_the_facts_graph_those_names_find_nothing() -> None:
    with Store("memory") as store:
        store.load_curated(REPO)
        index = SearchIndex.build(store, ID)
        for query in ("Сталин", "スターリン"):
            assert index.search(query) == []
        # typo tolerance (one word of the query close to "Stalin") still suggests him, but
        # only as a close match, never as the name Wikidata gives him
        hits = index.search("Iosif Stalin")
        assert {hit.match.kind if hit.match else None for hit in hits} == {MatchKind.CLOSE}
        assert "Iosif Stalin" not in {hit.name for hit in hits}
