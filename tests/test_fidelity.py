"""Fidelity of the data to page 129: each kind of error the review found stays caught.

The shapes catch what SHACL can say (``tests/shapes/``); this module holds the rest: the
EDTF reading of "a few weeks after" as one day of a range, the renamed IRIs, and the page's
hedges ("apparent", "at least", "most likely", "according to") kept in every label and
description that paraphrases the sentence they qualify.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS
from rdfterms import triple

from app.dates import edtf_bounds, edtf_in_words, one_of_range

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
ID = "https://w3id.org/histkg/id/"
DASH = "\u2013"


@pytest.fixture(scope="module")
def union() -> Graph:
    """Every triple of data/, claim graphs included (parsed by pyoxigraph, as test_data does)."""
    graph = Graph()
    for path in sorted([*DATA.glob("*.ttl"), *DATA.glob("*.trig")]):
        for quad in ox.parse(path=path):
            graph.add(triple(quad))
    return graph


# ------------------------------------------------------------------ one day of a range


def test_one_day_of_a_range_reads_as_one_day_not_a_span() -> None:
    value = "[1931-10-02..1931-10-30]"
    assert one_of_range(value)
    assert edtf_in_words(value) == f"one day in 2{DASH}30 October 1931"
    assert edtf_bounds(value) == (date(1931, 10, 2), date(1931, 10, 30))


def test_an_interval_is_not_one_day_of_a_range() -> None:
    assert not one_of_range("1931-10-02/1931-10-30")
    assert edtf_in_words("1931-10-02/1931-10-30") == f"2{DASH}30 October 1931"


@pytest.mark.parametrize("value", ["[..1931-10-30]", "[1931,1932]", "[1931..]"])
def test_other_sets_are_returned_as_written(value: str) -> None:
    assert not one_of_range(value)
    assert edtf_in_words(value) == value
    assert edtf_bounds(value) is None


def test_a_few_weeks_after_is_one_day_of_a_range_in_the_data(union: Graph) -> None:
    """The poem appeared on one day: an interval would say it took four weeks."""
    span = URIRef(ID + "timespan/bednyi-poem-publication")
    edtf = union.value(span, URIRef("https://w3id.org/histkg/ontology#edtf"))
    assert isinstance(edtf, Literal)
    assert str(edtf) == "[1931-10-02..1931-10-30]"


# ------------------------------------------------------------------ what the page never says


def test_the_incursions_have_no_date_of_their_own(union: Graph) -> None:
    """ "In 1932" dates the alarm, not the start of the incursions; and no owner is implied."""
    incursions = URIRef(ID + "event/japanese-airspace-incursions-1932")
    crm = "http://www.cidoc-crm.org/cidoc-crm/"
    assert union.value(incursions, URIRef(crm + "P4_has_time-span")) is None
    assert union.value(incursions, URIRef(crm + "P11_had_participant")) is None


def test_no_text_cites_a_path_outside_the_repository(union: Graph) -> None:
    texts = [str(o) for o in union.objects() if isinstance(o, Literal)]
    assert not [t for t in texts if "shared/" in t]
    for path in [*DATA.glob("*.t*"), *(REPO / "ontology").glob("*.ttl")]:
        assert "shared/wikidata-ids" not in path.read_text(encoding="utf-8"), path


def test_labels_and_descriptions_exist(union: Graph) -> None:
    assert list(union.objects(None, RDFS.label))
    assert list(union.objects(None, DCTERMS.description))
