"""``app.validate``: report fields, JSON and text forms, and the could-not-run errors.

Shape-by-shape behaviour is tested in ``tests/shapes/``; this module tests the data layer
around pyshacl: which files are read, how results are mapped back to files and named, and
which failures are errors rather than reports.
"""

import inspect
import json
import shutil
from pathlib import Path

import pytest
from pyshacl.constraints import constraint_component
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper

from app.errors import HistkgError, ValidationRunError
from app.validate import ValidationReport, ValidationResult, validate_paths

REPO = Path(__file__).resolve().parent.parent

PREFIXES = """\
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix crm:  <http://www.cidoc-crm.org/cidoc-crm/> .
@prefix hk:   <https://w3id.org/histkg/ontology#> .
@prefix hkc:  <https://w3id.org/histkg/id/concept/> .
@prefix edtf: <http://id.loc.gov/datatypes/edtf/> .
@prefix oa:   <http://www.w3.org/ns/oa#> .
@prefix person: <https://w3id.org/histkg/id/person/> .
@prefix event:  <https://w3id.org/histkg/id/event/> .
@prefix anchor: <https://w3id.org/histkg/id/anchor/t/> .
"""

ANCHOR = """
anchor:a a oa:SpecificResource ;
    oa:hasSource <https://w3id.org/histkg/id/text/t> ;
    oa:hasSelector anchor:q , anchor:p .
anchor:q a oa:TextQuoteSelector ; oa:exact "Stalin" .
anchor:p a oa:TextPositionSelector ; oa:start 0 ; oa:end 6 .
"""

BAD_PERSON = """
person:stalin a crm:E21_Person ;
    rdfs:label "Joseph Stalin"@en ;
    owl:sameAs <https://www.wikidata.org/wiki/Q855> ;
    hk:mention anchor:a .
"""


def write(path: Path, text: str) -> Path:
    path.write_text(PREFIXES + text, encoding="utf-8")
    return path


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    return write(tmp_path / "people.ttl", ANCHOR + BAD_PERSON)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the real ontology (shapes included) with a small data folder."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "ontology", root / "ontology")
    (root / "data").mkdir()
    write(root / "data" / "anchors.ttl", ANCHOR)
    write(root / "data" / "people.ttl", BAD_PERSON)
    return root


def only(report: ValidationReport) -> ValidationResult:
    assert len(report.results) == 1, report.to_text()
    return report.results[0]


def test_result_fields_on_a_bad_file(bad_file: Path) -> None:
    report = validate_paths([bad_file], REPO)
    assert not report.conforms
    result = only(report)
    assert result.file == str(bad_file)
    assert result.focus_node == "https://w3id.org/histkg/id/person/stalin"
    assert result.path == "owl:sameAs"
    assert result.severity == "Violation"
    assert result.shape == "hks:WikidataLinkShape"
    assert result.component == "sh:SPARQLConstraintComponent"
    assert result.value == "https://www.wikidata.org/wiki/Q855"
    assert "http://www.wikidata.org/entity/Q" in result.message  # says which form to use


def test_ontology_is_added_to_given_files(bad_file: Path) -> None:
    report = validate_paths([bad_file], REPO)
    assert report.files[-1] == str(bad_file)
    assert "ontology/crm.ttl" in report.files
    assert "ontology/shapes.ttl" not in report.files


def test_curated_files_and_file_mapping(project: Path) -> None:
    """Curated labels are project-relative; a node is placed in the file that types it."""
    report = validate_paths(None, project)
    assert report.files[-2:] == ["data/anchors.ttl", "data/people.ttl"]
    assert only(report).file == "data/people.ttl"


def test_file_is_where_the_node_is_typed(project: Path) -> None:
    write(
        project / "data" / "claims.trig",
        "<https://w3id.org/histkg/id/claim/x> { person:stalin rdfs:comment 'x' . }",
    )
    report = validate_paths(None, project)
    files = {r.focus_node: r.file for r in report.results}
    assert files["https://w3id.org/histkg/id/person/stalin"] == "data/people.ttl"
    # The undescribed claim graph is reported on the claim namespace; its file is the graph's.
    assert files["https://w3id.org/histkg/id/claim/"] == "data/claims.trig"


def test_report_json(bad_file: Path) -> None:
    data = validate_paths([bad_file], REPO).to_json()
    assert set(data) == {"conforms", "violations", "warnings", "elapsed", "files", "results"}
    assert data["conforms"] is False
    assert data["violations"] == 1
    assert data["warnings"] == 0
    assert set(data["results"][0]) == {
        "file",
        "focus_node",
        "path",
        "message",
        "severity",
        "shape",
        "component",
        "value",
    }
    assert json.loads(json.dumps(data)) == data


def test_report_text(bad_file: Path) -> None:
    lines = validate_paths([bad_file], REPO).to_text().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(
        f"{bad_file}: <https://w3id.org/histkg/id/person/stalin> owl:sameAs: "
    )
    assert lines[0].endswith("[value: https://www.wikidata.org/wiki/Q855]")
    assert lines[1].startswith("does not conform: 1 violation, 0 warnings in ")


def test_conforming_file(tmp_path: Path) -> None:
    good = write(
        tmp_path / "good.ttl",
        ANCHOR + "person:stalin a crm:E21_Person ; rdfs:label 'Stalin'@en ; hk:mention anchor:a .",
    )
    report = validate_paths([good], REPO)
    assert report.conforms
    assert report.results == []
    assert report.to_text().startswith("conforms: 0 violations, 0 warnings")


def test_warnings_do_not_break_conformance(tmp_path: Path) -> None:
    data = write(tmp_path / "blank.ttl", "[] a crm:E89_Propositional_Object ; rdfs:label 'p'@en .")
    report = validate_paths([data], REPO)
    assert report.conforms
    result = only(report)
    assert result.severity == "Warning"
    assert result.focus_node.startswith("_:")
    assert result.file == str(data)  # blank nodes are mapped to their file too
    assert ": warning: " in result.to_line()


def test_missing_file_cannot_run(tmp_path: Path) -> None:
    missing = tmp_path / "nope.ttl"
    with pytest.raises(ValidationRunError) as caught:
        validate_paths([missing], REPO)
    assert str(missing) in caught.value.message
    assert caught.value.hint


def test_unparsable_data_cannot_run(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ex: <urn:x:> .\nex:a ex:b .\n", encoding="utf-8")
    with pytest.raises(ValidationRunError) as caught:
        validate_paths([broken], REPO)
    error = caught.value
    assert str(broken) in error.message
    assert ":2" in error.message  # the line of the error
    assert error.hint
    assert "validate again" in error.hint
    assert isinstance(error, HistkgError)
    assert error.to_dict()["error"]["code"] == "validation_run_error"


def test_unparsable_curated_data_cannot_run(project: Path) -> None:
    (project / "data" / "broken.trig").write_text("<urn:x:g> { <urn:x:a> ", encoding="utf-8")
    with pytest.raises(ValidationRunError, match=r"data/broken\.trig"):
        validate_paths(None, project)


def test_unparsable_shapes_cannot_run(project: Path) -> None:
    (project / "ontology" / "shapes.ttl").write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(ValidationRunError, match=r"shapes\.ttl") as caught:
        validate_paths(None, project)
    assert caught.value.hint


def test_missing_shapes_cannot_run(tmp_path: Path) -> None:
    with pytest.raises(ValidationRunError, match="shapes file not found"):
        validate_paths(None, tmp_path)


def test_broken_sparql_in_shapes_cannot_run(project: Path) -> None:
    shapes = project / "ontology" / "shapes.ttl"
    text = shapes.read_text(encoding="utf-8")
    shapes.write_text(
        text.replace("FILTER NOT EXISTS { GRAPH $this", "FILTER NOT EXISTS { GRAPH $this {{"),
        encoding="utf-8",
    )
    write(
        project / "data" / "claim.trig",
        "<https://w3id.org/histkg/id/claim/x> a hk:Claim . "
        "<https://w3id.org/histkg/id/claim/x> { person:stalin rdfs:comment 'x' . }",
    )
    with pytest.raises(ValidationRunError, match="shapes"):
        validate_paths(None, project)


def test_unknown_extension_cannot_run(tmp_path: Path) -> None:
    odd = tmp_path / "data.txt"
    odd.write_text("x", encoding="utf-8")
    with pytest.raises(ValidationRunError, match="extension"):
        validate_paths([odd], REPO)


def test_curated_graph_validates_in_seconds() -> None:
    """The curated data (a few thousand triples) validates well within the few-second budget."""
    report = validate_paths(None, REPO)
    assert report.elapsed < 5, report.elapsed
    assert all(r.file for r in report.results), report.to_text()


def test_the_pinned_pyshacl_still_has_what_the_validation_works_around() -> None:
    """``app/validate/full.py`` patches one pyshacl method and wraps the data graph; both were
    written for pyshacl 0.40.1 (pinned in ``pyproject.toml``). A pyshacl that changes either
    fails here, before the patch silently stops working or the wrapper outlives its reason."""
    check = SPARQLQueryHelper.check_invalid_sparql
    assert getattr(check, "histkg_cached", False), "the check_invalid_sparql patch is not applied"
    original = inspect.signature(check.__wrapped__)  # type: ignore[attr-defined]
    assert list(original.parameters) == ["self", "sparql_text", "valuenode", "extravars"]
    # pyshacl tests the data graph for truth (a count of the whole store): _StoreGraph is needed
    assert "datagraph or sg" in inspect.getsource(constraint_component)
