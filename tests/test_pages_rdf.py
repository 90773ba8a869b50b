"""The RDF answers of entity URIs, parsed and compared as graphs, and the dumps with their VoID.

The expected description is computed here from the data files themselves (parsed with
pyoxigraph, not through the app's store): the entity's own triples, every claim graph that
states something of it, whole, and the provenance of those claims.
"""

import gzip
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from bs4 import BeautifulSoup
from rdflib.compare import isomorphic

from app.store import Store

REPO = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/histkg/id/"
HK = "https://w3id.org/histkg/ontology#"
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
ENTITY = BASE + "person/lazar-kaganovich"
PATH = "/id/person/lazar-kaganovich"
FORMATS = {
    ".ttl": ("text/turtle", ox.RdfFormat.TURTLE),
    ".nt": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ".rdf": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ".jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
    ".trig": ("application/trig", ox.RdfFormat.TRIG),
    ".nq": ("application/n-quads", ox.RdfFormat.N_QUADS),
}
DATASETS = (".jsonld", ".trig", ".nq")


@pytest.fixture(scope="module")
def data() -> ox.Store:
    """The data files, parsed straight into a pyoxigraph store (each TriG graph kept)."""
    store = ox.Store()
    for path in sorted((REPO / "data").glob("*")):
        if path.suffix in (".ttl", ".trig"):
            store.load(path=str(path), format=ox.RdfFormat.from_extension(path.suffix[1:]))
    for path in sorted((REPO / "ontology").glob("*.ttl")):
        if not path.name.startswith("shapes"):
            store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


def answer(pages: httpx.Client, suffix: str) -> set[ox.Quad]:
    response = pages.get(PATH + suffix)
    assert response.status_code == 200
    media_type, fmt = FORMATS[suffix]
    assert response.headers["content-type"].split(";")[0] == media_type
    parsed = ox.parse(response.content, format=fmt)
    if suffix in DATASETS:
        return set(parsed)
    return {ox.Quad(t.subject, t.predicate, t.object) for t in parsed}


def claims_about(data: ox.Store, iri: str) -> set[ox.NamedNode]:
    entity = ox.NamedNode(iri)
    found = set()
    for graph in data.named_graphs():
        if isinstance(graph, ox.NamedNode) and (
            next(data.quads_for_pattern(entity, None, None, graph), None)
            or next(data.quads_for_pattern(None, None, entity, graph), None)
        ):
            found.add(graph)
    return found


def test_the_dataset_answer_holds_every_claim_graph_about_the_entity_whole(
    pages: httpx.Client, data: ox.Store
) -> None:
    quads = answer(pages, ".trig")
    named = {q.graph_name for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)}
    expected = claims_about(data, ENTITY)
    assert named == expected
    assert len(expected) == 2
    for graph in expected:
        served = {q for q in quads if q.graph_name == graph}
        assert served == set(data.quads_for_pattern(None, None, None, graph))


def test_the_answer_holds_the_entitys_own_triples_and_the_claims_provenance(
    pages: httpx.Client, data: ox.Store
) -> None:
    quads = answer(pages, ".trig")
    default = {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in quads
        if isinstance(q.graph_name, ox.DefaultGraph)
    }
    entity = ox.NamedNode(ENTITY)
    own = {q.triple for q in data.quads_for_pattern(entity, None, None, ox.DefaultGraph())}
    assert own  # label, alternative labels, Wikidata link, mention ...
    assert own <= default
    for claim in claims_about(data, ENTITY):
        for prop in ("mode", "footnote"):
            predicate = ox.NamedNode(HK + prop)
            expected = {
                q.triple for q in data.quads_for_pattern(claim, predicate, None, ox.DefaultGraph())
            }
            assert expected
            assert expected <= default
        note = next(
            data.quads_for_pattern(claim, ox.NamedNode(HK + "footnote"), None, ox.DefaultGraph())
        ).object
        assert isinstance(note, ox.NamedNode)
        number = ox.Triple(
            note,
            ox.NamedNode("http://purl.org/ontology/bibo/number"),
            ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        )
        assert number in default
    # the passage that names him, with its offsets
    mention = next(data.quads_for_pattern(entity, ox.NamedNode(HK + "mention"), None, None)).object
    selectors = {
        t.object
        for t in default
        if t.subject == mention and t.predicate.value.endswith("hasSelector")
    }
    starts = {
        t.object for t in default if t.subject in selectors and t.predicate.value.endswith("#start")
    }
    assert starts == {
        ox.Literal("577", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    }


def test_the_answer_labels_everything_it_links_to(pages: httpx.Client, data: ox.Store) -> None:
    quads = answer(pages, ".trig")
    labelled = {q.subject for q in quads if q.predicate == RDFS_LABEL}
    linked = {
        q.object
        for q in quads
        if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(BASE)
    }
    for node in linked:
        has_label = next(data.quads_for_pattern(node, RDFS_LABEL, None, None), None) is not None
        if has_label:
            assert node in labelled, node


@pytest.mark.parametrize("suffix", [".ttl", ".nt", ".rdf"])
def test_triple_formats_give_the_union_of_the_dataset(pages: httpx.Client, suffix: str) -> None:
    union = {ox.Quad(q.subject, q.predicate, q.object) for q in answer(pages, ".trig")}
    assert answer(pages, suffix) == union


@pytest.mark.parametrize("suffix", [".jsonld", ".nq"])
def test_dataset_formats_agree(pages: httpx.Client, suffix: str) -> None:
    assert answer(pages, suffix) == answer(pages, ".trig")


def test_json_ld_is_compacted_with_our_context(pages: httpx.Client) -> None:
    document = pages.get(PATH + ".jsonld").json()
    assert document["@context"]["@vocab"] == HK
    nodes = {node["@id"]: node for node in document["@graph"] if "@graph" not in node}
    person = nodes[ENTITY]
    assert person["label"] == {"en": "Lazar Kaganovich"}
    assert person["type"] == "Person"
    claims = [node["@id"] for node in document["@graph"] if "@graph" in node]
    assert BASE + "claim/stalin-letter-to-kaganovich-1931-09-14" in claims


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/trig", "application/trig"),
        ("text/turtle;q=0.5, application/rdf+xml;q=0.9", "application/rdf+xml"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "text/html"),
        ("*/*", "text/html"),
    ],
)
def test_the_entity_uri_negotiates_its_format(
    pages: httpx.Client, accept: str, media_type: str
) -> None:
    response = pages.get(PATH, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "Accept" in response.headers["vary"]
    if media_type != "text/html":
        suffix = next(s for s, (m, _) in FORMATS.items() if m == media_type)
        assert response.headers["content-location"] == PATH + suffix
        assert response.content == pages.get(PATH + suffix).content
    assert f'<{PATH}.ttl>; rel="alternate"; type="text/turtle"' in response.headers["link"]


def test_an_unacceptable_format_is_a_406_in_the_json_error_format(pages: httpx.Client) -> None:
    response = pages.get(PATH, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.json()["error"]["code"] == "not_acceptable"


def test_unknown_entities_have_no_rdf(pages: httpx.Client) -> None:
    assert pages.get("/id/person/nobody.ttl").status_code == 404


@pytest.mark.parametrize(
    "path", ["/id/claim/radek-stalin-feared-japanese-polish-attack", "/id/note/p129-fn3"]
)
def test_claims_and_footnotes_are_described_too(pages: httpx.Client, path: str) -> None:
    response = pages.get(path + ".trig")
    assert response.status_code == 200
    quads = set(ox.parse(response.content, format=ox.RdfFormat.TRIG))
    assert quads


# ------------------------------------------------------------------ dumps


@pytest.fixture(scope="module")
def stored(curated_store: Store) -> set[ox.Quad]:
    meta = ox.NamedNode("https://w3id.org/histkg/graph/meta")
    return {q for q in curated_store.quads() if q.graph_name != meta}


@pytest.mark.parametrize(
    ("name", "fmt"), [("histkg.trig.gz", ox.RdfFormat.TRIG), ("histkg.nq.gz", ox.RdfFormat.N_QUADS)]
)
def test_dumps_hold_the_whole_dataset(
    pages: httpx.Client, stored: set[ox.Quad], name: str, fmt: ox.RdfFormat
) -> None:
    response = pages.get(f"/dump/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/gzip"
    assert set(ox.parse(gzip.decompress(response.content), format=fmt)) == stored
    etag = response.headers["etag"]
    assert pages.get(f"/dump/{name}", headers={"If-None-Match": etag}).status_code == 304


def test_the_dumps_void_gives_the_data_licence_and_the_code_licence_apart(
    pages: httpx.Client, pages_url: str
) -> None:
    """CC BY 4.0 on the dataset (the data); Apache-2.0 on the software that publishes it."""
    graph = rdflib.Graph().parse(data=pages.get("/dump/void.ttl").text, format="turtle")
    dataset = rdflib.URIRef(pages_url + "/.well-known/void#histkg")
    software = rdflib.URIRef(pages_url + "/.well-known/void#software")
    schema = rdflib.Namespace("https://schema.org/")
    assert set(graph.subject_objects(rdflib.DCTERMS.license)) == {
        (dataset, rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/"))
    }
    assert set(graph.subjects(schema.license, None)) == {software}
    assert graph.value(software, schema.license) == rdflib.URIRef(
        "https://www.apache.org/licenses/LICENSE-2.0"
    )
    assert (software, rdflib.RDF.type, schema.SoftwareSourceCode) in graph
    assert (None, rdflib.FOAF.topic, software) in graph


def test_the_void_description_counts_the_dump_and_links_it(
    pages: httpx.Client, curated_store: Store, pages_url: str
) -> None:
    response = pages.get("/dump/void.ttl")
    assert response.status_code == 200
    void = "http://rdfs.org/ns/void#"
    triples = list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))
    dataset = ox.NamedNode(pages_url + "/.well-known/void#histkg")
    values = {(t.predicate.value, t.object) for t in triples if t.subject == dataset}
    integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    assert (void + "triples", ox.Literal(str(len(curated_store)), datatype=integer)) in values
    assert (void + "dataDump", ox.NamedNode(pages_url + "/dump/histkg.nq.gz")) in values
    assert (void + "uriSpace", ox.Literal(BASE)) in values
    assert (void + "exampleResource", ox.NamedNode(BASE + "person/demian-bednyi")) in values
    # One VoID description: the dump's is the one at /.well-known/void.
    well_known = pages.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert isomorphic(
        rdflib.Graph().parse(data=response.text, format="turtle"),
        rdflib.Graph().parse(data=well_known.text, format="turtle"),
    )
    listing = pages.get("/dump/").json()
    assert {f["url"].rsplit("/", 1)[-1] for f in listing["files"]} == {
        "histkg.trig.gz",
        "histkg.nq.gz",
        "void.ttl",
    }
    assert pages.get("/dump/secrets.txt").status_code == 404


def test_dump_index_is_a_page_for_browsers_and_json_for_the_rest(pages: httpx.Client) -> None:
    html = pages.get("/dump/", headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html")
    links = BeautifulSoup(html.text, "html.parser").select("table.dump-files a[href]")
    assert [str(a["href"]).rsplit("/", 1)[-1] for a in links] == [
        "histkg.trig.gz",
        "histkg.nq.gz",
        "void.ttl",
    ]
    data = pages.get("/dump/", headers={"Accept": "application/json"}).json()
    assert [f["url"] for f in data["files"]] == [str(a["href"]) for a in links]
    assert pages.get("/dump/").headers["content-type"] == "application/json"
