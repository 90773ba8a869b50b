"""Incremental validation (``validate_against_store``) gives the verdict of a full validation.

One store for the module: the ontology, five synthetic events and three small files (a person,
its text anchor, the anchor's selectors; the curated data is left out to keep the full
validations the cases are compared with fast). Each case validates a batch against it and
compares, result by result, with a full validation of what ``histkg load BATCH`` would leave in
the store. Several batches conform on their own and break only with what is stored: a link to a
stored node of the wrong class, a second value next to a stored one, a stored node that loses
the type or the offsets its shapes need.
"""

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import SH
from typer.testing import CliRunner

from app.cli import cli
from app.sources import curated_sources, parse_source, user_source
from app.store import Store
from app.tools.synth import write_synthetic
from app.validate import (
    ValidationReport,
    before_change,
    targets,
    validate_against_store,
    validate_change,
    validate_paths,
    validate_quads,
)
from app.validate.access import _Trie
from app.validate.incremental import _HUB, _reach, _shapes_cached

REPO = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/histkg/id/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

PREFIXES = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix crm:  <http://www.cidoc-crm.org/cidoc-crm/> .
@prefix hk:   <https://w3id.org/histkg/ontology#> .
@prefix oa:   <http://www.w3.org/ns/oa#> .
@prefix event: <https://w3id.org/histkg/id/event/> .
@prefix timespan: <https://w3id.org/histkg/id/timespan/> .
@prefix claim: <https://w3id.org/histkg/id/claim/> .
@prefix person: <https://w3id.org/histkg/id/person/> .
@prefix anchor: <https://w3id.org/histkg/id/anchor/t/> .
"""
PERSON = 'person:stalin a crm:E21_Person ; rdfs:label "Joseph Stalin"@en ; hk:mention anchor:a .'
ANCHOR = """anchor:a a oa:SpecificResource .
anchor:a oa:hasSource <https://w3id.org/histkg/id/text/t> ; oa:hasSelector anchor:q , anchor:p ."""
SELECTORS = """anchor:q a oa:TextQuoteSelector ; oa:exact "Stalin" .
anchor:p a oa:TextPositionSelector ; oa:start 0 ; oa:end {end} ."""


def write(path: Path, text: str) -> Path:
    path.write_text(PREFIXES + text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Path]]:
    """The store and the directory of the files loaded into it."""
    root = tmp_path_factory.mktemp("incremental")
    write_synthetic(root / "base.nq", events=5, seed=1)
    ontology = [s.path for s in curated_sources(REPO) if s.path.parent.name == "ontology"]
    files = [
        *ontology,
        root / "base.nq",
        write(root / "people.ttl", PERSON),
        write(root / "anchors.ttl", ANCHOR),
        write(root / "selectors.ttl", SELECTORS.format(end=6)),
    ]
    with Store("memory") as store:
        store.load_files(files)
        yield store, root


def full(store: Store, paths: list[Path]) -> ValidationReport:
    """A full validation of the store as loading ``paths`` would leave it."""
    parsed = [parse_source(user_source(path), base_iri=store.base_iri) for path in paths]
    replaced = {graph for item in parsed for graph in item.graphs}
    kept = [quad for quad in store.quads() if quad.graph_name not in replaced]
    return validate_quads(kept + [quad for item in parsed for quad in item.quads], REPO)


def compared(store: Store, paths: list[Path]) -> ValidationReport:
    """The incremental report, after checking it has exactly the full validation's results."""
    incremental = validate_against_store(paths, store, REPO)
    reference = full(store, paths)

    def keys(report: ValidationReport) -> set[tuple[str, ...]]:
        return {
            (r.focus_node, r.path, r.shape, r.component, r.value, r.severity, r.message)
            for r in report.results
        }

    assert keys(incremental) == keys(reference)
    assert incremental.conforms == reference.conforms
    return incremental


def focus_nodes(report: ValidationReport) -> set[str]:
    return {r.focus_node for r in report.results if r.severity == "Violation"}


def synthetic_page(root: Path, *, fresh: bool) -> Path:
    """Three synthetic events; ``fresh`` gives their events, claims, anchors... new IRIs, so
    they only link to the stored persons, places and books, as a new page would."""
    path = root / f"page-{fresh}.nq"
    write_synthetic(path, events=3, seed=99)
    if fresh:
        kinds = "anchor|claim|event|timespan|note|quotation|document|attribution"
        text = re.sub(rf"/id/({kinds})/synth", r"/id/\1/page2", path.read_text("utf-8"))
        path.write_text(text, encoding="utf-8")
    return path


def test_a_new_page_linking_to_stored_entities_conforms(stored: tuple[Store, Path]) -> None:
    store, root = stored
    assert compared(store, [synthetic_page(root, fresh=True)]).conforms


def test_a_page_reusing_stored_iris_breaks_only_with_the_store(stored: tuple[Store, Path]) -> None:
    """The same page with the store's IRIs: fine alone, but events get second time-spans and
    anchors second offsets once it joins the stored graph."""
    store, root = stored
    page = synthetic_page(root, fresh=False)
    assert validate_paths([page], REPO).conforms
    assert not compared(store, [page]).conforms


@pytest.mark.parametrize(
    ("name", "text", "focus"),
    [
        (  # the place is a stored person (the event's shape and P7's generated range shape)
            "place.ttl",
            "event:synth-1 crm:P7_took_place_at person:stalin .",
            {f"{ID}event/synth-1", f"{ID}person/stalin"},
        ),
        (  # the stored event already has one
            "span.ttl",
            "event:synth-1 crm:P4_has_time-span timespan:synth-2 .",
            {f"{ID}event/synth-1"},
        ),
        (  # a second English label next to the stored one
            "label.ttl",
            'person:stalin rdfs:label "Stalin"@en .',
            {f"{ID}person/stalin"},
        ),
        (  # a claim graph nobody describes: a check over all graphs, on the claim namespace
            "claim.trig",
            "claim:nobody { person:stalin rdfs:comment 'x' . }",
            {f"{ID}claim/"},
        ),
    ],
)
def test_a_batch_breaks_a_shape_together_with_stored_triples(
    stored: tuple[Store, Path], name: str, text: str, focus: set[str]
) -> None:
    store, root = stored
    report = compared(store, [write(root / name, text)])
    assert focus_nodes(report) == focus


def test_a_stored_node_that_loses_a_type_it_links_to_is_found(
    stored: tuple[Store, Path],
) -> None:
    """Reloading the anchors without the anchor's type breaks the stored person's mention,
    a node the batch does not name."""
    store, root = stored
    batch = write(root / "anchors.ttl", ANCHOR.replace("anchor:a a oa:SpecificResource .", ""))
    try:
        report = compared(store, [batch])
    finally:
        write(root / "anchors.ttl", ANCHOR)
    assert focus_nodes(report) == {f"{ID}person/stalin"}


def test_changed_offsets_break_the_stored_anchor_two_steps_away(
    stored: tuple[Store, Path],
) -> None:
    store, root = stored
    batch = write(root / "selectors.ttl", SELECTORS.format(end=7))
    try:
        report = compared(store, [batch])
    finally:
        write(root / "selectors.ttl", SELECTORS.format(end=6))
    assert focus_nodes(report) == {f"{ID}anchor/t/a"}


def test_reloading_a_stored_file_unchanged_conforms(stored: tuple[Store, Path]) -> None:
    store, root = stored
    report = compared(store, [root / "base.nq", root / "people.ttl"])
    assert report.conforms
    assert report.files == [str(root / "base.nq"), str(root / "people.ttl")]


def test_blank_nodes_are_warned_about_as_in_a_full_validation(
    stored: tuple[Store, Path],
) -> None:
    store, root = stored
    report = compared(
        store,
        [write(root / "blank.ttl", "[] a crm:E89_Propositional_Object ; rdfs:label 'p'@en .")],
    )
    assert report.conforms
    assert [r.severity for r in report.results] == ["Warning"]
    assert report.results[0].file == str(root / "blank.ttl")


def test_cli_against_store_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"HISTKG_STORE": str(tmp_path / "store"), "HISTKG_PROJECT_DIR": str(REPO)}
    page = write(tmp_path / "page.ttl", PERSON + ANCHOR + SELECTORS.format(end=6))
    unloaded = runner.invoke(cli, ["validate", "--against-store", str(page)], env=env)
    assert unloaded.exit_code == 2, unloaded.output
    assert "histkg load" in unloaded.output  # the hint says what to do
    assert runner.invoke(cli, ["load"], env=env).exit_code == 0
    result = runner.invoke(cli, ["validate", "--against-store", str(page)], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("conforms: 0 violations")
    # The curated data has Stalin, with another English label: one too many once loaded.
    renamed = PERSON.replace("person:stalin", "<person/joseph-stalin>").replace("Joseph", "Iosif")
    stalin = write(tmp_path / "stalin.ttl", renamed + ANCHOR + SELECTORS.format(end=6))
    result = runner.invoke(cli, ["validate", "--against-store", str(stalin)], env=env)
    assert result.exit_code == 1, result.output
    missing = tmp_path / "nope.ttl"
    assert runner.invoke(cli, ["validate", "--against-store", str(missing)], env=env).exit_code == 2
    assert runner.invoke(cli, ["validate", "--against-store"], env=env).exit_code == 2


def test_validate_change_on_a_staging_copy_as_writes_use_it(tmp_path: Path) -> None:
    """``app.writes`` validates a write on a pyoxigraph copy, and the state before without one."""
    paths = [
        *(s.path for s in curated_sources(REPO) if s.path.parent.name == "ontology"),
        write(tmp_path / "page.ttl", PERSON + ANCHOR + SELECTORS.format(end=6)),
    ]
    staging = ox.Store()
    staging.extend(q for p in paths for q in parse_source(user_source(p), base_iri=ID).quads)
    anchor_type = next(
        q for q in staging.quads_for_pattern(ox.NamedNode(f"{ID}anchor/t/a"), RDF_TYPE, None)
    )
    staging.remove(anchor_type)
    after = staging.quads_for_pattern
    report = validate_change(after, [], [anchor_type], REPO)
    assert focus_nodes(report) == {f"{ID}person/stalin"}
    before = before_change(after, [], [anchor_type])
    assert validate_change(before, [anchor_type], [], REPO, also=[f"{ID}person/stalin"]).conforms


def test_shapes_whose_reach_is_unbounded_are_validated_in_full(tmp_path: Path) -> None:
    """A ``sh:zeroOrMorePath`` can reach any distance: the whole state is validated instead."""
    project = tmp_path / "project"
    shutil.copytree(REPO / "ontology", project / "ontology")
    with (project / "ontology" / "shapes.ttl").open("a", encoding="utf-8") as shapes:
        shapes.write(
            "hks:KnowsShape a sh:NodeShape ; sh:targetClass crm:E21_Person ;\n"
            "    sh:property [ sh:path [ sh:zeroOrMorePath hk:knows ] ; sh:maxCount 2 ] .\n"
        )
    ontology = [s.path for s in curated_sources(project) if s.path.parent.name == "ontology"]
    chain = "person:stalin hk:knows person:b . person:b hk:knows person:c ."
    with Store("memory") as store:
        store.load_files([*ontology, write(tmp_path / "people.ttl", PERSON + ANCHOR)])
        batch = write(tmp_path / "chain.ttl", chain)
        report = validate_against_store([batch], store, project)
    assert not report.conforms
    assert {r.focus_node for r in report.results if "KnowsShape" in r.shape} == {
        f"{ID}person/stalin"
    }


def test_an_untyped_event_of_a_shared_type_is_refused_as_in_a_full_validation(
    stored: tuple[Store, Path],
) -> None:
    """The event type is shared with stored events, reached through it in the excerpt
    pySHACL sees; the new event still gets its own domain violation, and they get none."""
    store, root = stored
    text = "event:new crm:P2_has_type <https://w3id.org/histkg/id/concept/letter-writing> ."
    report = compared(store, [write(root / "untyped.ttl", text)])
    assert focus_nodes(report) == {f"{ID}event/new"}


def test_neighbours_of_a_hub_reached_by_the_excerpt_are_not_focus_nodes(tmp_path: Path) -> None:
    """A hub's 200 events, seen without their types in the excerpt, are targeted by the
    subjects-of shape of crm:P2_has_type: only the candidates, the nodes the change affects,
    are marked as focus nodes; the shapes' own sh:targetNode stays, the others are replaced."""
    shapes, _access, found = _shapes_cached(str(REPO / "ontology" / "shapes.ttl"), 0.0)
    assert found is not None
    hub = ox.NamedNode(f"{ID}concept/hub")
    has_type = ox.NamedNode("http://www.cidoc-crm.org/cidoc-crm/P2_has_type")
    excerpt = ox.Store()
    excerpt.extend(
        ox.Quad(ox.NamedNode(f"{ID}event/n{n}"), has_type, hub, ox.DefaultGraph())
        for n in range(200)
    )
    new = ox.NamedNode(f"{ID}event/n0")
    chosen = targets.focus(found, excerpt, [new, hub])
    assert set().union(*chosen.values()) == {new, hub}
    targets.marked(found, excerpt, chosen)
    marks = {q.object for q in excerpt if q.predicate in found.marks.values()}
    assert marks == {new, hub}
    assert (None, SH.targetNode, rdflib.URIRef(f"{ID}claim/")) in found.stripped
    assert not any(True for _ in found.stripped.triples((None, SH.targetClass, None)))
    assert any(True for _ in shapes.triples((None, SH.targetClass, None)))  # the cache's own


def test_a_property_of_a_hoisted_shape_is_reported_as_in_a_full_validation(
    stored: tuple[Store, Path],
) -> None:
    """``hks:ShownTextShape``'s property shapes are targeted directly in the incremental run
    (``targets._hoist``): an over-long label still breaks it, with the same result."""
    store, root = stored
    _shapes, _access, found = _shapes_cached(str(REPO / "ontology" / "shapes.ttl"), 0.0)
    assert found is not None
    assert found.hoisted
    long = "x" * 501
    report = compared(store, [write(root / "long.ttl", f'event:long rdfs:label "{long}"@en .')])
    assert {(r.focus_node, r.path) for r in report.results if "length" in r.shape} == {
        (f"{ID}event/long", "rdfs:label")
    }


def test_sparse_property_shapes_run_only_where_their_values_are_and_still_refuse(
    stored: tuple[Store, Path],
) -> None:
    """A hoisted property shape that can only report on values of its predicate (a length
    bound) is validated only on the nodes that have such values (``targets._sparse``); one
    that can fail without values (the English label's qualified minimum) is not narrowed. An
    over-long title, and an event without its English label, are refused as before."""
    store, root = stored
    _shapes, _access, found = _shapes_cached(str(REPO / "ontology" / "shapes.ttl"), 0.0)
    assert found is not None
    sparse = {predicate.value for pairs in found.sparse.values() for _, predicate in pairs}
    title = "http://purl.org/dc/terms/title"
    assert {title, "http://www.w3.org/2000/01/rdf-schema#label"} <= sparse
    counted = [  # minimum counts fail on no values: never narrowed
        prop
        for props in found.hoisted.values()
        for prop in props
        if {SH.minCount, SH.qualifiedMinCount} & set(_shapes.predicates(prop))
    ]
    assert counted
    assert all(targets._sparse(_shapes, prop) is None for prop in counted)
    labelled, titled = ox.NamedNode(f"{ID}event/a"), ox.NamedNode(f"{ID}event/b")
    excerpt = ox.Store()
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    excerpt.add(ox.Quad(labelled, label, ox.Literal("a", language="en"), ox.DefaultGraph()))
    excerpt.add(ox.Quad(titled, ox.NamedNode(title), ox.Literal("b"), ox.DefaultGraph()))
    chosen = targets.focus(found, excerpt, [labelled, titled])
    targets.marked(found, excerpt, chosen)
    title_marks = {mark for pairs in found.sparse.values() for mark, p in pairs if p.value == title}
    marked = {q.object for q in excerpt if q.predicate in title_marks}
    assert marked == {titled}
    long = "x" * 501
    text = f'event:t rdfs:label "t"@en ; <{title}> "{long}" .'
    report = compared(store, [write(root / "title.ttl", text)])
    assert (f"{ID}event/t", "dcterms:title") in {
        (r.focus_node, r.path) for r in report.results if "length" in r.shape
    }
    report = compared(store, [write(root / "unlabelled.ttl", "event:u a crm:E5_Event .")])
    assert (f"{ID}event/u", "rdfs:label") in {(r.focus_node, r.path) for r in report.results}


def test_the_links_into_a_hub_are_read_one_predicate_at_a_time_and_all_reached() -> None:
    """Links into a node are read in one lookup and grouped, except past ``_HUB`` of them,
    where only the predicate a step asks for is read: either way every link is reached."""
    hub, other = ox.NamedNode(f"{ID}place/hub"), ox.NamedNode(f"{ID}place/small")
    took_place = ox.NamedNode("http://www.cidoc-crm.org/cidoc-crm/P7_took_place_at")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    state = ox.Store()
    for n in range(_HUB + 50):
        event = ox.NamedNode(f"{ID}event/e{n}")
        state.add(ox.Quad(event, took_place, hub if n else other, ox.NamedNode(f"{ID}g")))
        state.add(ox.Quad(event, label, ox.Literal(f"e{n}"), ox.NamedNode(f"{ID}g")))
    trie = _Trie()
    trie.add([("in", took_place.value), ("out", label.value)])
    incoming: dict[object, object] = {}
    reached = _reach(state.quads_for_pattern, trie, [hub, other], {}, incoming)  # type: ignore[arg-type]
    assert len(reached) == 2 * (_HUB + 50)
    assert incoming[hub] is None
    assert incoming[other] is not None
