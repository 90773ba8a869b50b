"""Name matching (``app.names``) and search over the curated graph (``/search``)."""

import httpx
import pytest
from bs4 import BeautifulSoup
from pyoxigraph import Literal, NamedNode, Triple

from app.ingest.mentions import fold as mention_fold
from app.names import MatchKind, fold, key, match, similarity, words
from app.read import read_model
from app.store import Store

BASE = "https://w3id.org/histkg/id/"


# ------------------------------------------------------------------ app.names


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Bednyi", "Bedny"),
        ("Bednyy", "Bedny"),
        ("Izvestiia", "Izvestia"),
        ("Izvestiya", "Izvestia"),
        ("Dem\u2019ian", "Demyan"),
        ("Dem'ian Bednyi", "Demyan Bedny"),
        ("Lazar\u2019 Kaganovich", "lazar kaganovich"),
        ("Iurii", "Yury"),
        ("Alexei", "Aleksei"),
        ("Trotzky", "Trotsky"),
        ("Zürich", "ZURICH"),
        ("Łódź", "Lodz"),
        ("Yezhov", "Ezhov"),
    ],
)
def test_transliteration_variants_share_a_key(a: str, b: str) -> None:
    assert key(a) == key(b)
    # ingestion finds names in a page by the same key, word by word
    assert [mention_fold(w) for w in a.split()] == [mention_fold(w) for w in b.split()]


def test_ingestion_folds_a_word_as_search_does_less_its_possessive() -> None:
    assert mention_fold("Kaganovich\u2019s") == key("Kaganovich")
    assert mention_fold("&") == "&"


@pytest.mark.parametrize(("a", "b"), [("Stalin", "Stalina"), ("Pravda", "Izvestia")])
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert key(a) != key(b)


def test_fold_drops_case_accents_apostrophes_and_punctuation() -> None:
    assert fold("Dem\u2019ian  BEDNYI") == "demian bednyi"
    assert fold("Harper & Row") == "harper row"
    assert fold("“court poet”") == "court poet"
    assert words("Dem'ian Bednyi") == ("demian", "bedni")


@pytest.mark.parametrize(
    ("query", "name", "kind"),
    [
        ("Kaganovich", "Kaganovich", MatchKind.EXACT),
        ("kaganowich", "Kaganovich", None),
        ("KAG", "Kaganovich", MatchKind.PREFIX),
        ("Kaganovich", "Lazar Kaganovich", MatchKind.WORD_PREFIX),
        ("kag laz", "Lazar Kaganovich", MatchKind.WORD_PREFIX),
        ("ganovich", "Lazar Kaganovich", MatchKind.SUBSTRING),
        ("Bedny", "Dem\u2019ian Bednyi", MatchKind.WORD_PREFIX),
        ("izvestia", "Izvestiia", MatchKind.EXACT),
        ("", "Izvestiia", None),
        ("stalin stalin", "Joseph Stalin", None),  # each query word needs its own name word
    ],
)
def test_match_kinds(query: str, name: str, kind: MatchKind | None) -> None:
    found = match(query, name)
    assert (found.kind if found else None) == kind


def test_a_literal_match_scores_above_a_transliterated_one() -> None:
    literal = match("Bedny", "Bedny")
    transliterated = match("Bedny", "Bednyi")
    assert literal is not None
    assert transliterated is not None
    assert literal.kind == transliterated.kind == MatchKind.EXACT
    assert literal.score > transliterated.score
    prefix, exact = match("Kag", "Kaganovich"), match("Kaganovich", "Kaganovich")
    assert prefix is not None
    assert exact is not None
    assert exact.score > prefix.score


def test_similarity_ignores_word_order_and_spelling() -> None:
    assert similarity("Kaganovich, Lazar", "Lazar Kaganovich") == 1.0
    assert similarity("Demyan Bedny", "Dem'ian Bednyi") == 1.0
    assert 0.8 < similarity("Stalin", "Stallin") < 1.0
    assert similarity("Stalin", "Pravda") < 0.5
    assert similarity("", "Pravda") == 0.0


# ------------------------------------------------------------------ the index over the graph


def _labels(store: Store, query: str, kind: str = "") -> list[str]:
    return [
        hit.entry.label for hit in read_model(store).search_index(BASE).search(query, kind=kind)
    ]


def test_search_finds_a_person_by_surname(curated_store: Store) -> None:
    assert _labels(curated_store, "Kaganovich")[0] == "Lazar Kaganovich"
    assert _labels(curated_store, "kaganovich")[0] == "Lazar Kaganovich"


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("Bednyi", "Demyan Bedny"),
        ("Bedny", "Demyan Bedny"),
        ("Dem\u2019ian Bednyi", "Demyan Bedny"),
        ("demian", "Demyan Bedny"),
        ("Izvestiia", "Izvestia"),
        ("izvestia", "Izvestia"),
        ("Shenyang", "Mukden"),
        ("OGPU", "OGPU"),
        ("Joint State Political", "OGPU"),
        ("litvin", "Maksim Litvinov"),
    ],
)
def test_search_is_spelling_insensitive_over_labels_and_alternatives(
    curated_store: Store, query: str, label: str
) -> None:
    assert _labels(curated_store, query)[0] == label


def test_prefixes_find_names_for_autocomplete(curated_store: Store) -> None:
    assert "Mukden Incident" in _labels(curated_store, "Mukd")[:3]
    assert _labels(curated_store, "vorosh")[0] == "Kliment Voroshilov"


def test_search_narrowed_to_a_kind(curated_store: Store) -> None:
    people = _labels(curated_store, "", kind="person")
    assert "Lazar Kaganovich" in people
    assert "Pravda" not in people
    documents = _labels(curated_store, "Stalin", kind="document")
    assert documents[0] == "Stalin\u2019s writing of 23 September 1931"
    assert _labels(curated_store, "") == []  # no query, no kind: nothing


def test_unknown_names_find_nothing(curated_store: Store) -> None:
    assert _labels(curated_store, "Napoleon") == []


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("Kaganovitch", "Lazar Kaganovich"),
        ("Stalinn", "Joseph Stalin"),
        ("Iosif Stalin", "Joseph Stalin"),
        ("Voroshilow", "Kliment Voroshilov"),
    ],
)
def test_a_typo_finds_the_names_close_to_it(curated_store: Store, query: str, label: str) -> None:
    hits = read_model(curated_store).search_index(BASE).search(query)
    assert hits[0].entry.label == label
    assert all(hit.match is not None and hit.match.kind is MatchKind.CLOSE for hit in hits)


def test_close_names_are_offered_only_when_nothing_matches_as_typed(
    curated_store: Store,
) -> None:
    hits = read_model(curated_store).search_index(BASE).search("Kaganovich")
    assert hits
    assert all(hit.match is not None and hit.match.kind is not MatchKind.CLOSE for hit in hits)


# ------------------------------------------------------------------ over HTTP


def test_search_page_lists_results_as_links(pages: httpx.Client) -> None:
    response = pages.get("/search", params={"q": "Kaganovich"}, headers={"Accept": "text/html"})
    assert response.status_code == 200
    html = BeautifulSoup(response.text, "html.parser")
    first = html.select("ol.results > li a.result-title")[0]
    assert first.get_text() == "Lazar Kaganovich"
    assert first["href"] == "/id/person/lazar-kaganovich"
    assert html.select_one("#page-q")["value"] == "Kaganovich"  # type: ignore[index]
    assert html.select_one("p.result-count").get_text(strip=True).endswith("results")  # type: ignore[union-attr]


def test_search_json_answers_with_results(pages: httpx.Client) -> None:
    response = pages.get("/search.json", params={"q": "Bedny", "limit": 3})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "Bedny"
    assert len(body["results"]) == 3
    assert body["results"][0] == {
        "iri": BASE + "person/demian-bednyi",
        "url": "/id/person/demian-bednyi",
        "label": "Demyan Bedny",
        "matched": "Bedny",
        "match": "exact",
        "types": "person",
        "when": "",
        "description": "Poet the page calls the Kremlin\u2019s \u201ccourt poet\u201d; "
        "Stalin attacked him over a poem in Izvestiia.",
    }
    assert body["next"] is not None
    assert "page=2" in body["next"]


def test_search_negotiates_json(pages: httpx.Client) -> None:
    response = pages.get(
        "/search", params={"q": "Izvestiia"}, headers={"Accept": "application/json"}
    )
    assert response.headers["content-type"] == "application/json"
    assert response.json()["results"][0]["label"] == "Izvestia"


def test_search_escapes_what_it_echoes(pages: httpx.Client) -> None:
    query = '<script>alert("x")</script>'
    response = pages.get("/search", params={"q": query}, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    html = BeautifulSoup(response.text, "html.parser")
    assert html.select_one("h1").get_text() == f"Search: \u201c{query}\u201d"  # type: ignore[union-attr]


def test_search_rejects_overlong_queries_in_the_json_error_format(pages: httpx.Client) -> None:
    response = pages.get("/search.json", params={"q": "x" * 201})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_input"


def test_the_index_keeps_every_name_language_kind_and_type() -> None:
    """The columns of the index give back what a reader sees: the English label over others,
    an alternative label when there is nothing else, names in any script or with a line break,
    the first kind in ``KINDS`` order, type labels; IRIs outside the namespace are left out."""
    rdf, rdfs = (
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "http://www.w3.org/2000/01/rdf-schema#",
    )
    skos, crm = "http://www.w3.org/2004/02/skos/core#", "http://www.cidoc-crm.org/cidoc-crm/"

    def triple(s: str, p: str, o: NamedNode | Literal) -> Triple:
        return Triple(NamedNode(s if "://" in s else BASE + s), NamedNode(p), o)

    anna = "person/anna"
    statements = [
        triple(anna, rdf + "type", NamedNode(crm + "E74_Group")),
        triple(anna, rdf + "type", NamedNode(crm + "E21_Person")),
        triple(anna, rdfs + "label", Literal("Анна Иванова", language="ru")),
        triple(anna, rdfs + "label", Literal("Anna Ivanova", language="en")),
        triple(anna, rdfs + "label", Literal("Anna Ivanovna")),
        triple(anna, skos + "altLabel", Literal("Anya")),
        triple(anna, crm + "P2_has_type", NamedNode(BASE + "type/poet")),
        triple("type/poet", rdfs + "label", Literal("poet", language="en")),
        triple("place/tsaritsyn", skos + "altLabel", Literal("Tsaritsyn")),
        triple("event/meeting", rdfs + "label", Literal("Anna\nIvanova meeting")),
        triple("http://example.org/anna", rdfs + "label", Literal("Anna Outside")),
    ]
    with Store("memory") as store:
        store.replace_graph(BASE + "graph/test", statements)
        index = read_model(store).search_index(BASE)
        [hit] = index.search("Иванова")
        assert hit.entry.iri == BASE + anna
        assert hit.entry.label == "Anna Ivanova"
        assert hit.name == "Анна Иванова"
        assert hit.entry.names[0] == "Anna Ivanova"  # the label first, then the others
        assert set(hit.entry.names) == {"Anna Ivanova", "Анна Иванова", "Anna Ivanovna", "Anya"}
        assert hit.entry.kind.key == "person"
        assert hit.entry.types == ("poet",)
        assert index.search("anya")[0].name == "Anya"
        assert _labels(store, "Tsaritsyn") == ["Tsaritsyn"]
        assert _labels(store, "ivanova meeting") == ["Anna\nIvanova meeting"]
        # outside the namespace, not indexed: only close names (sharing "Anna") answer
        assert "Anna Outside" not in _labels(store, "Anna Outside")
        assert _labels(store, "Outside") == []
        assert _labels(store, "", kind="person") == ["Anna Ivanova"]
        assert {"person", "entity"} <= set(index.kinds())


def test_results_show_kind_date_and_description(pages: httpx.Client) -> None:
    response = pages.get(
        "/search", params={"q": "Mukden Incident"}, headers={"Accept": "text/html"}
    )
    html = BeautifulSoup(response.text, "html.parser")
    first = html.select("ol.results > li")[0]
    assert first.select_one("a.result-title").get_text() == "Mukden Incident"  # type: ignore[union-attr]
    assert "incident" in first.select_one(".kind-tag").get_text()  # type: ignore[union-attr]
    assert "18 September 1931" in first.select_one(".when").get_text()  # type: ignore[union-attr]
    assert first.select_one("p.result-description").get_text(strip=True)  # type: ignore[union-attr]


def test_a_close_search_says_so(pages: httpx.Client) -> None:
    response = pages.get("/search", params={"q": "Kaganovitch"}, headers={"Accept": "text/html"})
    html = BeautifulSoup(response.text, "html.parser")
    assert "close to it" in html.select_one("p.close-note").get_text()  # type: ignore[union-attr]
    assert html.select("ol.results a[href='/id/person/lazar-kaganovich']")


def test_the_404_page_links_its_suggestions_and_fills_the_search_box(
    pages: httpx.Client,
) -> None:
    response = pages.get("/id/person/stalinn", headers={"Accept": "text/html"})
    assert response.status_code == 404
    html = BeautifulSoup(response.text, "html.parser")
    assert html.select("ul.suggestions a[href='/id/person/joseph-stalin']")
    box = html.select_one("form.big-search input[name=q]")
    assert box is not None
    assert box["value"] == "stalinn"
