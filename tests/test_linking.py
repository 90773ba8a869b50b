"""``histkg link`` from a local extract: reading Wikidata's JSON format, scoring, proposals.

The extract ``fixtures/linking/extract.json`` is hand-written in Wikidata's JSON dump format.
Its real QIDs are only those already linked in data/ (for --verify); every other ID is a fake
in the Q9900000xx range, and ``test_no_fixture_id_is_in_data`` keeps it that way.
"""

from __future__ import annotations

import bz2
import gzip
import json
import re
import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.errors import InputError
from app.linking import ExtractSource, load_records, propose, read_review, unlinked
from app.linking.extract import iter_entities, scan_extract
from app.linking.normalize import name_similarity
from app.linking.records import EntityRecord, load_records_by_query
from app.linking.scoring import score_item
from app.linking.types import resolve_type
from app.linking.wikidata import parse_item
from app.linking.years import parse_when, span_of_wikidata_time
from app.store import Store
from app.tools.synth import write_synthetic

REPO = Path(__file__).resolve().parent.parent
EXTRACT = Path(__file__).parent / "fixtures" / "linking" / "extract.json"
ID = "https://w3id.org/histkg/id/"
runner = CliRunner()


@pytest.fixture(scope="module")
def records() -> dict[str, EntityRecord]:
    store = Store("memory")
    store.load_curated(REPO)
    return load_records(store)


def entities_of(path: Path) -> list[dict[str, object]]:
    return [dict(entity) for entity in iter_entities(path)]


# ------------------------------------------------------------------ the extract formats


def test_no_fixture_id_is_in_data() -> None:
    data = "\n".join(path.read_text(encoding="utf-8") for path in (REPO / "data").iterdir())
    linked = set(re.findall(r"\bwd:(Q\d+)|wikidata\.org/entity/(Q\d+)", data))
    linked_ids = {a or b for a, b in linked}
    fixture_ids = {entity["id"] for entity in entities_of(EXTRACT) if entity["type"] == "item"}
    fake = {qid for qid in fixture_ids if str(qid).startswith("Q99")}
    assert fake
    assert not fake & linked_ids
    assert fixture_ids - fake <= linked_ids  # the real IDs of the fixture are data/'s own links


@pytest.mark.parametrize("form", ["dump", "gz", "bz2", "jsonl", "api", "pretty"])
def test_every_extract_form_yields_the_same_entities(tmp_path: Path, form: str) -> None:
    entities = entities_of(EXTRACT)
    text = EXTRACT.read_text(encoding="utf-8")
    path = tmp_path / {"gz": "x.json.gz", "bz2": "x.json.bz2", "jsonl": "x.jsonl"}.get(
        form, "x.json"
    )
    if form == "dump":
        path.write_text(text, encoding="utf-8")
    elif form == "gz":
        path.write_bytes(gzip.compress(text.encode()))
    elif form == "bz2":
        path.write_bytes(bz2.compress(text.encode()))
    elif form == "jsonl":
        path.write_text("".join(json.dumps(e) + "\n" for e in entities), encoding="utf-8")
    elif form == "api":
        path.write_text(json.dumps({"entities": {e["id"]: e for e in entities}, "success": 1}))
    else:
        path.write_text(json.dumps(entities, indent=3), encoding="utf-8")
    assert entities_of(path) == entities


def test_a_broken_extract_names_the_line(tmp_path: Path) -> None:
    lines = EXTRACT.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace('"labels":', '"labels"::', 1)
    broken = tmp_path / "broken.json"
    broken.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.json:5: not valid JSON"):
        entities_of(broken)
    truncated = tmp_path / "truncated.json.gz"
    truncated.write_bytes(gzip.compress(EXTRACT.read_bytes())[:-300])
    with pytest.raises(InputError, match=r"truncated\.json\.gz"):
        entities_of(truncated)
    (tmp_path / "numbers.json").write_text("[1, 2]")
    with pytest.raises(InputError, match="expected an entity object"):
        entities_of(tmp_path / "numbers.json")


def _synthetic(qid: int) -> str:
    names = {
        lang: {"language": lang, "value": f"Person {qid} ({lang})"}
        for lang in ("en", "de", "fr", "ru", "pl")
    }
    entity = {
        "type": "item",
        "id": f"Q{qid}",
        "labels": names,
        "descriptions": names,
        "aliases": {
            "en": [{"language": "en", "value": f"Alias {qid} number {n}"} for n in range(5)]
        },
        "claims": {
            "P31": [
                {
                    "mainsnak": {
                        "snaktype": "value",
                        "property": "P31",
                        "datavalue": {
                            "value": {"entity-type": "item", "numeric-id": 5, "id": "Q5"},
                            "type": "wikibase-entityid",
                        },
                    },
                    "rank": "normal",
                }
            ]
        },
        "sitelinks": {f"wiki{n}": {"site": f"wiki{n}", "title": f"Person {qid}"} for n in range(8)},
    }
    return json.dumps(entity)


def test_a_large_extract_streams_in_bounded_memory(
    tmp_path: Path, records: dict[str, EntityRecord]
) -> None:
    """12,000 entities (~18 MB of JSON, gzipped) are scanned with a traced peak under 8 MB
    (measured 3.4 MB, and 3.4 MB for 31 MB of JSON: the peak does not grow with the file)."""
    path = tmp_path / "large.json.gz"
    real = EXTRACT.read_text(encoding="utf-8").strip()[1:-1].strip().splitlines()
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as out:
        out.write("[\n")
        for qid in range(1, 12001):
            out.write(_synthetic(qid) + ",\n")
            if qid % 3000 == 0:  # the fixture's entities, spread through the file
                out.write("".join(line.rstrip(",") + ",\n" for line in real))
        out.write(_synthetic(12001) + "\n]\n")
    size = sum(len(chunk) for chunk in _chunks(path))
    tracemalloc.start()
    try:
        scan = scan_extract(path, unlinked(records), wanted={"Q186185"})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert scan.entities_read == 12001 + 4 * len(real)
    assert scan.candidates[ID + "person/karl-radek"][0].qid == "Q990000001"
    assert set(scan.items) == {"Q186185"}
    assert size > 18_000_000
    assert peak < 8_000_000, f"peak {peak / 1e6:.1f} MB for {size / 1e6:.0f} MB of JSON"


def _chunks(path: Path) -> list[bytes]:
    with gzip.open(path, "rb") as handle:
        return list(iter(lambda: handle.read(1 << 20), b""))


# ------------------------------------------------------------------ scoring pieces


@pytest.mark.parametrize(
    ("query", "name", "kind"),
    [
        ("Dem\u2019ian Bednyi", "demian bednyi", "exact"),
        ("Bednyi", "Bedny", "variant"),
        ("Izvestiia", "Izvestia", "variant"),
        ("Maksim Litvinov", "Maxim Litvinov", "variant"),
        ("Voroshilov", "Kliment Voroshilov", "words"),
        ("Vorošilov", "Vorosilov", "exact"),
        ("Woroschilow", "Voroshilov", "fuzzy"),
    ],
)
def test_names_match_across_case_accents_and_transliteration(
    query: str, name: str, kind: str
) -> None:
    assert name_similarity(query, name).kind == kind


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("1932", 1932, 1933),
        ("1930s", 1930, 1940),
        ("193X", 1930, 1940),
        ("1881-1969", 1881, 1970),
        ("1881\u20131969", 1881, 1970),
        ("1904/1905", 1904, 1906),
        ("c. 1932", 1930, 1935),
        ("1931-09-18", 1931.71, 1931.72),
        ("1932-22", 1932.41, 1932.67),
    ],
)
def test_dates_parse_into_spans(text: str, start: float, end: float) -> None:
    span = parse_when(text)
    assert span is not None
    assert (round(span.start, 2), round(span.end, 2)) == (start, end)


def test_wikidata_times_keep_their_precision() -> None:
    decade = span_of_wikidata_time("+1935-00-00T00:00:00Z", 8)
    century = span_of_wikidata_time("+1901-00-00T00:00:00Z", 7)
    assert decade is not None
    assert (decade.start, decade.end, decade.text) == (1930, 1940, "1930s")
    assert century is not None
    assert (century.start, century.end) == (1901, 2001)
    assert parse_when("sometime") is None


def test_deprecated_statements_are_ignored_and_preferred_ones_win() -> None:
    def time(value: str, rank: str) -> dict[str, object]:
        return {
            "mainsnak": {
                "snaktype": "value",
                "property": "P569",
                "datavalue": {"value": {"time": value, "precision": 9}, "type": "time"},
            },
            "rank": rank,
        }

    entity = {
        "id": "Q1",
        "labels": {"mul": {"language": "mul", "value": "X"}},
        "claims": {
            "P569": [
                time("+1800-01-01T00:00:00Z", "deprecated"),
                time("+1881-01-01T00:00:00Z", "normal"),
                time("+1882-01-01T00:00:00Z", "preferred"),
            ],
            "P570": [{"mainsnak": {"snaktype": "somevalue", "property": "P570"}, "rank": "normal"}],
        },
    }
    item = parse_item(entity)
    assert item is not None
    assert item.label == "X"
    assert item.dates["P569"].text == "1882"
    assert "P570" not in item.dates
    assert parse_item({"id": "P31", "labels": {}}) is None
    assert parse_item({"id": "Q5", "missing": ""}) is None


def test_types_resolve_from_iris_curies_and_wikidata_classes() -> None:
    assert resolve_type("Q5") == resolve_type("crm:E21_Person")
    state = resolve_type("Q6256")
    assert state is not None
    assert state.iri.endswith("concept/state")
    assert resolve_type("Q42") is None
    leadership = resolve_type("hkc:leadership")
    assert leadership is not None
    assert leadership.iri == ID + "concept/leadership"


def test_a_namesake_from_another_century_loses_to_the_right_person(
    records: dict[str, EntityRecord],
) -> None:
    voroshilov = replace(records[ID + "person/kliment-voroshilov"], qid=None)
    found = scan_extract(EXTRACT, [voroshilov]).candidates[voroshilov.iri]
    assert [c.qid for c in found] == ["Q186185", "Q990000011", "Q990000010"]
    right, _, namesake = found
    assert (right.score, namesake.score) == (100.0, 55.0)
    assert "ours 1932 within 1881-1969 (+5)" in right.evidence.why()
    assert "ours 1932 outside 1781-1840 (-40)" in namesake.evidence.why()
    alone = score_item(replace(voroshilov, span=None), namesake.item)
    assert alone.value == 95.0  # without our dates the namesake cannot be told apart


# ------------------------------------------------------------------ proposals


EXPECTED = {
    "person/karl-radek": "Q990000001",
    "person/maksim-litvinov": "Q990000002",
    "person/demian-bednyi": "Q990000003",
    "person/louis-fischer": "Q990000004",
    "group/izvestiia": "Q990000006",
    "place/mukden": "Q990000007",
}


def test_proposals_from_an_extract_rank_the_right_candidates_first(
    records: dict[str, EntityRecord],
) -> None:
    entities = unlinked(records)
    assert ID + "person/kliment-voroshilov" not in {e.iri for e in entities}  # linked already
    assert ID + "group/great-powers" not in {e.iri for e in entities}  # informal group
    assert ID + "event/stalin-reprimands-voroshilov" not in {e.iri for e in entities}  # an act
    rows = propose(entities, ExtractSource(EXTRACT))
    best = {row.entity[len(ID) :]: row for row in rows if row.rank == 1}
    for entity, qid in EXPECTED.items():
        assert best[entity].qid == qid, (entity, best[entity])
    izvestia = [row for row in rows if row.entity == ID + "group/izvestiia"]
    assert [row.qid for row in izvestia] == ["Q990000006", "Q990000009"]  # newspaper, not village
    assert "type: group fits our group (+5)" in izvestia[0].why
    nothing = next(row for row in rows if row.entity == ID + "place/kremlin")
    assert (nothing.rank, nothing.qid) == (0, "")


def test_histkg_link_writes_a_review_file(tmp_path: Path) -> None:
    output = tmp_path / "review.tsv"
    env = {"HISTKG_PROJECT_DIR": str(REPO), "HISTKG_STORE": str(tmp_path / "unused")}
    result = runner.invoke(cli, ["link", "--extract", str(EXTRACT), "-o", str(output)], env=env)
    assert result.exit_code == 0, result.output
    assert "Karl Radek: Q990000001 Karl Radek (95.0)" in result.stdout
    header, *lines = output.read_text(encoding="utf-8").splitlines()
    assert header.split("\t") == [
        "decision",
        "entity",
        "label",
        "type",
        "dates",
        "rank",
        "qid",
        "wikidata_label",
        "wikidata_description",
        "wikidata_dates",
        "score",
        "why",
    ]
    assert all(len(line.split("\t")) == 12 for line in lines)
    rows = read_review(output)
    assert {row.entity[len(ID) :]: row.qid for row in rows if row.rank == 1} | EXPECTED == {
        row.entity[len(ID) :]: row.qid for row in rows if row.rank == 1
    }
    assert not (tmp_path / "unused").exists()  # linking reads the files, not the store
    only = runner.invoke(
        cli,
        [
            "link",
            "--extract",
            str(EXTRACT),
            "-o",
            str(output),
            "--entity",
            "person/karl-radek",
            "--candidates",
            "1",
        ],
        env=env,
    )
    assert only.exit_code == 0, only.output
    assert [row.qid for row in read_review(output)] == ["Q990000001"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Name one source of Wikidata items"),
        (["--extract", "missing.json"], "missing.json: no such extract file"),
        (["--extract", str(EXTRACT), "--api"], "Name one source"),
        (["--extract", str(EXTRACT), "--entity", "person/nobody"], "person/nobody: no such entity"),
        (["--apply", "review.tsv", "--api"], "--apply reads only the review file"),
    ],
)
def test_histkg_link_refuses_bad_options_with_exit_1(
    tmp_path: Path, args: list[str], message: str
) -> None:
    env = {"HISTKG_PROJECT_DIR": str(REPO)}
    result = runner.invoke(cli, ["link", "-o", str(tmp_path / "r.tsv"), *args], env=env)
    assert result.exit_code == 1, result.output
    assert message in result.stderr


def test_records_of_a_few_entities_are_read_by_iri_and_equal_the_full_reading(
    records: dict[str, EntityRecord],
) -> None:
    store = Store("memory")
    store.load_curated(REPO)
    some = {ID + "person/karl-radek", ID + "event/mukden-incident", ID + "person/nobody"}
    few = load_records(store, only=some)
    assert set(few) == {ID + "person/karl-radek", ID + "event/mukden-incident"}
    assert all(few[iri] == records[iri] for iri in few)
    assert load_records(store, only=set(records)) == records  # every entity, read by IRI


#: Names whose order the query's ORDER BY decides (value, then datatype, then language), a
#: triple in two graphs, two links and one issue date given twice: what a reading can get wrong.
ORDERINGS = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix crm: <http://www.cidoc-crm.org/cidoc-crm/> .
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix fx: <https://example.org/fixture/> .
fx:g1 {
  fx:many-names a crm:E21_Person ;
    rdfs:label "Zeta"@de, "Alpha"@ru, "Beta", "Alpha"@de, "Gamma"@en-GB ;
    skos:altLabel "Yankee"@en, "Xray"@fr, "Xray", "Able"@ru ;
    dcterms:description "Zed"@ru, "Bee" ;
    owl:sameAs wd:Q990000099, wd:Q990000011 .
  fx:work-1 dcterms:creator fx:many-names ; dcterms:issued "1969-05" .
}
fx:g2 {
  fx:many-names rdfs:label "Beta" .
  fx:work-2 dcterms:creator fx:many-names ; dcterms:issued "1969-05" .
}
"""


@pytest.mark.parametrize("extra", ["namesakes", "orderings", "synthetic"])
def test_the_streamed_reading_of_every_entity_equals_the_queries_reading(
    tmp_path: Path, extra: str
) -> None:
    """The scans behind the reconciliation index give the records the four SPARQL queries
    define, in the same order: names and their order, types, links, dates and issue dates."""
    store = Store("memory")
    store.load_curated(REPO)
    if extra == "namesakes":
        store.load_files([Path(__file__).parent / "fixtures" / "linking" / "namesakes.trig"])
    elif extra == "orderings":
        (tmp_path / "orderings.trig").write_text(ORDERINGS, encoding="utf-8")
        store.load_files([tmp_path / "orderings.trig"])
    else:  # people in many events, works with creators, places, groups, documents
        write_synthetic(tmp_path / "synth.nq", events=150, seed=3)
        store.load_files([tmp_path / "synth.nq"])
    by_query = load_records_by_query(store)
    streamed = load_records(store)
    assert len(streamed) > 70
    assert sum(r.span is not None for r in streamed.values()) > 20
    assert list(streamed) == list(by_query)
    assert [streamed[iri] for iri in streamed] == [by_query[iri] for iri in by_query]
    if extra == "orderings":
        many = streamed["https://example.org/fixture/many-names"]
        assert (many.label, many.description, many.qid) == ("Gamma", "Bee", "Q990000011")
        assert many.alt_labels == ("Alpha", "Beta", "Zeta", "Able", "Xray", "Yankee")
