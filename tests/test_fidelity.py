"""Fidelity of the data to page 129: each kind of error the review found stays caught.

The shapes catch what SHACL can say (``tests/shapes/``); this module holds the rest: the
EDTF reading of "a few weeks after" as one day of a range, the renamed IRIs, and the page's
hedges ("apparent", "at least", "most likely", "according to") kept in every label and
description that paraphrases the sentence they qualify.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
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


# ------------------------------------------------------------------ renamed IRIs


RENAMED = [
    ("event/stalin-admission-to-radek", "event/stalin-admission-according-to-radek"),
    ("event/stalin-holidays-1931", "event/stalin-holidays"),
]


@pytest.mark.parametrize(("old", "new"), RENAMED)
def test_an_old_iri_answers_301_to_the_new_one(pages: httpx.Client, old: str, new: str) -> None:
    """Over HTTP on a real server: pages, JSON and RDF alike, query string kept."""
    for suffix, query in (("", ""), (".json", ""), (".ttl", ""), ("", "?inbound=2")):
        response = pages.get(f"/id/{old}{suffix}{query}", follow_redirects=False)
        assert response.status_code == 301, (suffix, response.text[:200])
        assert response.headers["location"] == f"/id/{new}{suffix}{query}"
    followed = pages.get(f"/id/{old}", headers={"Accept": "text/html"}, follow_redirects=True)
    assert followed.status_code == 200
    assert str(followed.url).endswith(f"/id/{new}")


def test_a_described_entity_is_never_redirected(pages: httpx.Client) -> None:
    """Stalin has owl:sameAs Wikidata and a type: a link, not a rename."""
    response = pages.get("/id/person/joseph-stalin", follow_redirects=False)
    assert response.status_code == 200


def test_the_renamed_iris_no_longer_imply_facts(union: Graph) -> None:
    for old, new in RENAMED:
        assert (URIRef(ID + old), OWL.sameAs, URIRef(ID + new)) in union
        assert (URIRef(ID + old), RDF.type, None) not in union
        assert (URIRef(ID + new), RDF.type, None) in union


# ------------------------------------------------------------------ the page's hedges

SEED = (REPO / "seeds" / "moscow-versus-tokyo-p129.txt").read_text(encoding="utf-8")

#: (hedge as the page prints it, the page's words it qualifies, a pattern for a paraphrase of
#: those words, the words that keep the hedge in a paraphrase)
HEDGES = [
    ("apparent", "apparent inaction", r"\binaction\b", ("apparent",)),
    ("at least", "at least one coordinated", r"\bcoordinated\b", ("at least",)),
    ("most likely", "most likely with Poland", r"\bclash\b.*\bPoland\b", ("most likely",)),
    (
        "Most likely",
        "Most likely, Japan\u2019s intervention",
        r"intervention\b.*\bgreat powers|great powers\b.*\bintervention",
        ("most likely",),
    ),
    (
        "according to",
        "according to Karl Radek",
        r"fear(ed)? (of )?a simultaneous",
        ("according to", "reported", "on whose word"),
    ),
]


def unhedged(text: str) -> list[str]:
    """The hedges of the page that ``text`` paraphrases without."""
    folded = " ".join(text.split()).replace("\u2019", "'").casefold()
    return [
        hedge
        for hedge, _words, pattern, keep in HEDGES
        if re.search(pattern, folded, re.IGNORECASE)
        and not any(k.casefold() in folded for k in keep)
    ]


def test_the_hedges_are_the_pages() -> None:
    seed = " ".join(SEED.replace("-\n", "").split())
    for _hedge, words, _pattern, _keep in HEDGES:
        assert words in seed, words


@pytest.mark.parametrize(
    "paraphrase",
    [
        "Moscow was keen to avoid any confrontation with Japan, above all one coordinated with a "
        "clash in the West",
        "Bednyi published a poem critical of Moscow's inaction against Japan",
        "Stalin feared a simultaneous Japanese-Polish attack",
        "Stalin wrote that Japan's intervention was undertaken in agreement with great powers",
    ],
)
def test_the_check_catches_a_dropped_hedge(paraphrase: str) -> None:
    assert unhedged(paraphrase)


def test_every_label_and_description_keeps_the_pages_hedges(union: Graph) -> None:
    texts = [
        (subject, str(value))
        for predicate in (RDFS.label, DCTERMS.description, SKOS.altLabel)
        for subject, value in union.subject_objects(predicate)
    ]
    assert len(texts) > 100
    dropped = [(str(s), t, unhedged(t)) for s, t in texts if unhedged(t)]
    assert dropped == []


def test_the_timeline_draws_one_day_of_a_range_as_uncertain(pages: httpx.Client) -> None:
    """The poem's row: a hatched bar over the range, and its date in words as one day."""
    from bs4 import BeautifulSoup

    html = BeautifulSoup(pages.get("/", headers={"Accept": "text/html"}).text, "html.parser")
    rows = [
        row
        for row in html.select("ol.timeline-rows > li")
        if row.select_one("a[href='/id/event/bednyi-poem-publication']")
    ]
    assert len(rows) == 1
    mark = rows[0].select_one(".track .mark")
    assert mark is not None
    assert {"range", "uncertain"} <= set(mark.get_attribute_list("class"))
    when = rows[0].select_one(".when")
    assert when is not None
    assert when.get_text().startswith(f"one day in 2{DASH}30 October 1931")


def test_a_supplied_claim_is_not_shown_as_the_historians(pages: httpx.Client) -> None:
    """The invasion's dates come from the Wikidata table: the page says so, in words."""
    from bs4 import BeautifulSoup

    page = pages.get(
        "/id/claim/japanese-invasion-of-manchuria-dates", headers={"Accept": "text/html"}
    )
    html = BeautifulSoup(page.text, "html.parser")
    mode = html.select_one(".claim-mode")
    assert mode is not None
    assert mode.get_text(" ", strip=True).startswith("Supplied by the editors")
    assert "historian" not in mode.get_text()
    event = BeautifulSoup(
        pages.get("/id/event/japanese-invasion-of-manchuria", headers={"Accept": "text/html"}).text,
        "html.parser",
    )
    modes = [m.get_text(" ", strip=True) for m in event.select(".mode")]
    assert "Supplied by the editors, not the page" in modes
    assert "Asserted by the historian" in modes


# ------------------------------------------------------------------ CIDOC CRM within its domains

HK = "https://w3id.org/histkg/ontology#"
CRM = "http://www.cidoc-crm.org/cidoc-crm/"


@pytest.fixture(scope="module")
def vocabulary() -> Graph:
    graph = Graph()
    for name in ("histkg.ttl", "crm.ttl"):
        graph.parse(REPO / "ontology" / name, format="turtle")
    return graph


def test_the_addressee_takes_no_part_in_the_writing(vocabulary: Graph) -> None:
    supers = set(vocabulary.transitive_objects(URIRef(HK + "addressee"), RDFS.subPropertyOf))
    assert URIRef(CRM + "P11_had_participant") not in supers
    directed = set(vocabulary.transitive_objects(URIRef(HK + "directedAt"), RDFS.subPropertyOf))
    assert URIRef(CRM + "P11_had_participant") in directed  # the one told to act does act


def test_the_poem_is_a_linguistic_object_in_a_serial(union: Graph) -> None:
    poem = URIRef(ID + "document/bednyi-poem-1931")
    assert (poem, RDF.type, URIRef(CRM + "E33_Linguistic_Object")) in union
    publication = URIRef(ID + "event/bednyi-poem-publication")
    serial = union.value(publication, URIRef(HK + "publishedIn"))
    assert serial == URIRef(ID + "document/izvestiia-serial")
    assert (serial, RDF.type, URIRef(CRM + "E73_Information_Object")) in union
    assert (serial, DCTERMS.publisher, URIRef(ID + "group/izvestiia")) in union


def test_no_falls_within_for_a_time_relation(union: Graph) -> None:
    assert not list(union.subject_objects(URIRef(CRM + "P10_falls_within")))
    holidays = URIRef(ID + "event/stalin-holidays")
    discussion = URIRef(ID + "event/politburo-discussion-far-east")
    assert (holidays, URIRef(CRM + "P175_starts_before_or_with_the_start_of"), discussion) in union
    assert (discussion, URIRef(CRM + "P184_ends_before_or_with_the_end_of"), holidays) in union


def test_at_the_time_qualifies_the_fear_not_the_admission(union: Graph) -> None:
    phrase = URIRef(HK + "datePhrase")
    admission = URIRef(ID + "event/stalin-admission-according-to-radek")
    fear = URIRef(ID + "attitude/stalin-fear-of-japanese-polish-attack")
    assert union.value(admission, phrase) is None
    assert str(union.value(fear, phrase)) == "at the time"
