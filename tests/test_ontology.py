"""The ontology treated as code: every term documented, every term the data uses declared,
the vocabulary module in step with the files, the JSON-LD context faithful, the README's
examples true of the data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, Graph, URIRef
from rdflib import namespace as rdflib_ns
from rdflib.compare import to_isomorphic
from rdflib.namespace import OWL, RDFS, SKOS, DefinedNamespace
from rdfterms import triple

from app import vocab
from app.vocab import CRM, HK, HKC, PREFIXES, HKMeta, uri

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology"
DATA = ROOT / "data"
HK_NS = HK.NS
CRM_NS = CRM.NS
CONCEPT_NS = PREFIXES["hkc"]


def load(*paths: Path) -> Graph:
    """Parse Turtle/TriG files into one rdflib graph (the union), through pyoxigraph."""
    graph = Graph()
    for path in paths:
        for quad in ox.parse(path=path):
            graph.add(triple(quad))
    return graph


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load(*(p for p in sorted(ONTOLOGY.glob("*.ttl")) if p.name != "shapes.ttl"))


@pytest.fixture(scope="module")
def data() -> Graph:
    return load(*sorted(DATA.glob("*.t*")))


def declared(graph: Graph, namespace: str) -> set[str]:
    return {
        str(s)[len(namespace) :]
        for s in graph.subjects(RDF.type, None)
        if str(s).startswith(namespace) and str(s) != namespace
    }


def test_every_own_and_crm_term_has_an_english_label_and_comment() -> None:
    for name in ("histkg.ttl", "crm.ttl"):
        graph = load(ONTOLOGY / name)
        for s in set(graph.subjects(RDF.type, None)):
            if (s, RDF.type, OWL.Ontology) in graph:
                continue
            for prop in (RDFS.label, RDFS.comment):
                values = [v for v in graph.objects(s, prop) if getattr(v, "language", None) == "en"]
                assert values, f"{name}: {s} has no English {prop}"


def test_vocabulary_module_matches_the_ontology_files() -> None:
    hk_terms = declared(load(ONTOLOGY / "histkg.ttl"), HK_NS)
    assert hk_terms == set(HK.terms())
    crm_terms = declared(load(ONTOLOGY / "crm.ttl"), CRM_NS)
    assert crm_terms == set(CRM.terms())
    assert all(HK.terms()[name] == ox.NamedNode(HK_NS + name) for name in hk_terms)
    assert CRM.P4_has_time_span == ox.NamedNode(CRM_NS + "P4_has_time-span")


def test_the_concepts_code_names_exist_and_the_bookkeeping_terms_are_not_published(
    ontology: Graph,
) -> None:
    for name, term in HKC.terms().items():
        assert (uri(term), RDF.type, SKOS.Concept) in ontology, f"hkc:{name} is not a concept"
    for name in HKMeta.terms():
        assert (URIRef(HK_NS + name), None, None) not in ontology, name


RDF_1_2_TERMS = {"dirLangString"}
"""Terms of RDF 1.2, which rdflib's namespaces do not list yet."""


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (vocab.RDF, rdflib_ns.RDF),
        (vocab.RDFS, rdflib_ns.RDFS),
        (vocab.OWL, rdflib_ns.OWL),
        (vocab.XSD, rdflib_ns.XSD),
        (vocab.SKOS, rdflib_ns.SKOS),
        (vocab.DCTERMS, rdflib_ns.DCTERMS),
        (vocab.DCMITYPE, rdflib_ns.DCMITYPE),
        (vocab.PROV, rdflib_ns.PROV),
        (vocab.VOID, rdflib_ns.VOID),
        (vocab.FOAF, rdflib_ns.FOAF),
        (vocab.SCHEMA, rdflib_ns.SDO),
    ],
)
def test_every_w3c_term_the_code_names_exists_in_rdflibs_closed_namespace(
    ours: type[vocab.Vocabulary], theirs: type[DefinedNamespace]
) -> None:
    assert str(theirs._NS) == ours.NS
    for name in set(ours.terms()) - RDF_1_2_TERMS:
        assert name in theirs, f"{ours.__name__}: no term {name!r} in {theirs._NS}"


def test_a_mistyped_term_fails_instead_of_minting_an_iri() -> None:
    with pytest.raises(AttributeError):
        _ = HK.heldby  # type: ignore[attr-defined]


def test_every_class_and_property_the_data_uses_is_declared(ontology: Graph, data: Graph) -> None:
    known = set(ontology.subjects(RDF.type, None)) | {RDF.type}
    builtin = (str(RDF), str(RDFS), str(OWL))
    used = set(data.predicates()) | set(data.objects(None, RDF.type))
    undeclared = sorted(str(u) for u in used if u not in known and not str(u).startswith(builtin))
    assert not undeclared, f"declare these terms in ontology/: {undeclared}"


def test_every_concept_the_data_uses_exists_in_its_scheme(ontology: Graph, data: Graph) -> None:
    schemes = {
        URIRef(HK_NS + "mode"): "claim-modes",
        URIRef("http://www.w3.org/ns/prov#hadRole"): "roles",
    }
    for concept in ontology.subjects(RDF.type, SKOS.Concept):
        assert ontology.value(concept, SKOS.prefLabel) is not None, concept
        assert ontology.value(concept, SKOS.definition) is not None, concept
    for prop, scheme in schemes.items():
        for value in data.objects(None, prop):
            assert (value, SKOS.inScheme, URIRef(CONCEPT_NS + scheme)) in ontology, value
    for value in data.objects(None, uri(CRM.P2_has_type)):
        assert (value, RDF.type, SKOS.Concept) in ontology, f"{value} is not a concept"


def test_alignments_state_only_sound_entailments() -> None:
    graph = load(ONTOLOGY / "alignments.ttl")
    allowed = {RDFS.subClassOf, RDFS.subPropertyOf, RDFS.seeAlso}
    assert set(graph.predicates()) <= allowed
    for target in graph.objects(None, RDFS.subPropertyOf):
        assert not str(target).startswith("http://www.wikidata.org/entity/")


def test_concepts_have_no_wikidata_match_outside_the_checked_table(ontology: Graph) -> None:
    assert not list(ontology.triples((None, SKOS.exactMatch, None)))


def test_json_ld_context_round_trips_the_data() -> None:
    """Compacting with our context and expanding again gives back the same graph."""
    context = json.loads((ONTOLOGY / "context.jsonld").read_text(encoding="utf-8"))
    graph = load(DATA / "entities.ttl", DATA / "sources.ttl")
    compacted = graph.serialize(format="json-ld", context=context["@context"], auto_compact=True)
    assert '"label"' in compacted
    assert '"sameAs"' in compacted
    back = Graph()
    for quad in ox.parse(compacted, format=ox.RdfFormat.JSON_LD):
        back.add(triple(quad))
    assert to_isomorphic(back) == to_isomorphic(graph)


def test_json_ld_context_terms_name_declared_iris(ontology: Graph) -> None:
    context = json.loads((ONTOLOGY / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    prefixes = {k: v for k, v in context.items() if isinstance(v, str) and v.endswith(("#", "/"))}
    known = {str(s) for s in ontology.subjects(RDF.type, None)}
    builtin = (
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "http://www.w3.org/2000/01/rdf-schema#",
    )
    for name, value in context.items():
        if name.startswith("@") or name in prefixes or value == "@type":
            continue
        curie = value if isinstance(value, str) else value["@id"]
        prefix, local = curie.split(":", 1)
        iri = prefixes[prefix] + local
        assert iri in known or iri.startswith(builtin), f"context term {name} -> {iri} undeclared"


def test_readme_examples_are_true_of_the_data(data: Graph) -> None:
    readme = (ONTOLOGY / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```trig\n(.*?)```", readme, flags=re.S)
    assert len(blocks) == 3
    prologue = "".join(f"@prefix {name}: <{iri}> .\n" for name, iri in example_prefixes().items())
    for block in blocks:
        quads = list(ox.parse(prologue + block, format=ox.RdfFormat.TRIG))
        for quad in quads:
            stated = triple(quad)
            assert stated in data, f"README example states {stated}, which data/ does not"


def example_prefixes() -> dict[str, str]:
    """The prefixes data/ files declare, which the README examples use without declaring."""
    found: dict[str, str] = {}
    for path in sorted(DATA.glob("*.t*")):
        for name, iri in re.findall(r"@prefix (\w*):\s*<([^>]+)>", path.read_text("utf-8")):
            found[name] = iri
    return found


def test_json_ld_context_defines_each_term_once() -> None:
    """JSON silently keeps the last of two equal keys; a term defined twice is a bug."""

    def no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), (
            f"defined twice: {sorted({k for k in keys if keys.count(k) > 1})}"
        )
        return dict(pairs)

    json.loads(
        (ONTOLOGY / "context.jsonld").read_text(encoding="utf-8"), object_pairs_hook=no_duplicates
    )


def test_every_class_in_use_has_a_shape(ontology: Graph, data: Graph) -> None:
    """A class the data uses must be the target of a shape, directly or through a superclass."""
    shapes = load(ONTOLOGY / "shapes.ttl")
    targets = set(shapes.objects(None, URIRef("http://www.w3.org/ns/shacl#targetClass")))
    assert targets
    uncovered = []
    for cls in set(data.objects(None, RDF.type)):
        lineage = set(ontology.transitive_objects(cls, RDFS.subClassOf))
        if not lineage & targets:
            uncovered.append(str(cls))
    assert not uncovered, f"no shape targets {sorted(uncovered)}"
