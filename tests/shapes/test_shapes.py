"""Every shape of ``ontology/shapes.ttl`` has a conforming and a failing example, and fails for
the stated reason.

Layout (data-driven, one folder per named ``sh:NodeShape``)::

    tests/shapes/examples/context.trig            shared context, conforms on its own
    tests/shapes/examples/<Shape>/valid.trig      conforms: no result at all, not even a warning
    tests/shapes/examples/<Shape>/invalid.trig    fails ...
    tests/shapes/examples/<Shape>/expected.toml   ... with exactly these results

Each example is validated with ``context.trig`` through ``app.validate.validate_paths``, so with
the ontology (subclass targets, concept schemes) and the same engine as ``histkg validate``.
A result is compared by focus node, source shape, constraint component, path and severity; the
expected list must match the report exactly (as a multiset), so an example cannot pass by
failing for another reason, and every expected result must come from the shape under test.
A new shape without examples fails ``test_every_shape_has_examples``.
"""

import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDF, RDFS, SH

from app.errors import ValidationRunError
from app.validate import ValidationReport, validate_paths

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = Path(__file__).resolve().parent / "examples"
HKS = rdflib.Namespace("https://w3id.org/histkg/shapes#")

CONTEXT = EXAMPLES / "context.trig"
ID = "https://w3id.org/histkg/id/"

PREFIX = re.compile(r"^@prefix\s+([\w-]*):\s+<([^>]*)>", re.MULTILINE)

Key = tuple[str, str, str, str, str]


def named_node_shapes(graph: rdflib.Graph) -> list[str]:
    """Local names of the IRI-named node shapes (inline helper shapes are exercised by these)."""
    return sorted(
        str(shape)[len(str(HKS)) :]
        for shape in graph.subjects(RDF.type, SH.NodeShape)
        if isinstance(shape, rdflib.URIRef) and str(shape).startswith(str(HKS))
    )


SHAPES = named_node_shapes(rdflib.Graph().parse(REPO / "ontology" / "shapes.ttl"))


def validate_example(path: Path) -> ValidationReport:
    return validate_paths([CONTEXT, path], REPO)


def expand(name: str, prefixes: dict[str, str]) -> str:
    """``person:x`` to a full IRI with the example's own prefixes (plus ``id:``)."""
    if name == "_:":
        return name
    prefix, _, local = name.partition(":")
    return prefixes[prefix] + local


def result_key(result: object, *, blank: bool = True) -> Key:
    focus = getattr(result, "focus_node")  # noqa: B009 - one helper for results and dicts
    if blank and focus.startswith("_:"):
        focus = "_:"
    return (
        focus,
        getattr(result, "shape"),  # noqa: B009
        getattr(result, "component"),  # noqa: B009
        getattr(result, "path"),  # noqa: B009
        getattr(result, "severity"),  # noqa: B009
    )


def expected_keys(shape: str) -> Counter[Key]:
    folder = EXAMPLES / shape
    invalid = (folder / "invalid.trig").read_text(encoding="utf-8")
    prefixes = {"id": ID} | dict(PREFIX.findall(invalid))
    expected = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))
    return Counter(
        (
            expand(item["focus"], prefixes),
            item["shape"],
            item["component"],
            item["path"],
            item.get("severity", "Violation"),
        )
        for item in expected["result"]
    )


def test_shapes_are_found() -> None:
    assert len(SHAPES) >= 20
    assert "EventShape" in SHAPES


def test_context_conforms() -> None:
    report = validate_paths([CONTEXT], REPO)
    assert report.results == []


@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape_has_examples(shape: str) -> None:
    folder = EXAMPLES / shape
    for name in ("valid.trig", "invalid.trig", "expected.toml"):
        assert (folder / name).is_file(), f"{shape} needs tests/shapes/examples/{shape}/{name}"


def test_every_example_names_a_shape() -> None:
    """No stale example folder for a renamed or removed shape."""
    folders = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())
    assert folders == SHAPES


@pytest.mark.parametrize("shape", SHAPES)
def test_valid_example_conforms(shape: str) -> None:
    report = validate_example(EXAMPLES / shape / "valid.trig")
    assert [r.to_line() for r in report.results] == []
    assert report.conforms


@pytest.mark.parametrize("shape", SHAPES)
def test_invalid_example_fails_for_the_stated_reason(shape: str) -> None:
    expected = expected_keys(shape)
    assert expected, f"{shape}/expected.toml lists no result"
    for _, source_shape, _, _, _ in expected:
        assert source_shape == f"hks:{shape}" or source_shape.startswith(f"hks:{shape}/")
    report = validate_example(EXAMPLES / shape / "invalid.trig")
    # The generated CRM domain and range shapes (hksc:, ontology/shapes-crm.ttl) catch some of
    # these wrong links too; they have examples of their own in test_crm_shapes.py.
    own = [r for r in report.results if not r.shape.startswith("hksc:")]
    found = Counter(result_key(r) for r in own)
    assert found == expected, "\n".join(r.to_line() for r in own)
    for result in own:
        assert result.message, result.to_line()
        assert result.file.endswith("invalid.trig"), result.to_line()
    violations = expected.total() - sum(1 for k in expected if k[4] != "Violation")
    generated = any(r.severity == "Violation" for r in report.results if r not in own)
    assert report.conforms == (violations == 0 and not generated)


def test_meta_shapes(shapes_graph: rdflib.Graph) -> None:
    """The shapes graph conforms to SHACL's own shapes (shacl-shacl), as pyshacl checks it."""
    import warnings

    from pyshacl.entrypoints import meta_validate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        conforms, _graph, text = meta_validate(shapes_graph)
    assert conforms, text


def test_meta_shapes_catch_a_broken_shape() -> None:
    """The meta check is not vacuous: an sh:maxCount that is not an integer is refused."""
    import warnings

    from pyshacl.entrypoints import meta_validate

    broken = rdflib.Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:x:S> a sh:NodeShape ; sh:property [ sh:path <urn:x:p> ; sh:maxCount "two" ] .
        """,
        format="turtle",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert not meta_validate(broken)[0]


def test_shapes_document_themselves(shapes_graph: rdflib.Graph) -> None:
    """Named shapes have a label and a comment; property shapes a name and one message;
    SPARQL constraints a message; a node shape's own message covers its node-level checks."""
    node_level = (SH.pattern, SH["or"], SH.nodeKind, SH["class"], SH["not"], SH.hasValue)
    problems = []
    for name in SHAPES:
        shape = HKS[name]
        for predicate in (RDFS.label, RDFS.comment):
            if shapes_graph.value(shape, predicate) is None:
                problems.append(f"{name}: no {shapes_graph.qname(predicate)}")
        has_node_check = any(shapes_graph.value(shape, p) is not None for p in node_level)
        messages = list(shapes_graph.objects(shape, SH.message))
        if has_node_check != (len(messages) == 1):
            problems.append(f"{name}: node-level checks need exactly one sh:message, else none")
        for prop in shapes_graph.objects(shape, SH.property):
            label = shapes_graph.value(prop, SH.name)
            if label is None or len(list(shapes_graph.objects(prop, SH.message))) != 1:
                problems.append(f"{name}/{label}: needs sh:name and exactly one sh:message")
        for sparql in shapes_graph.objects(shape, SH.sparql):
            if shapes_graph.value(sparql, SH.message) is None:
                problems.append(f"{name}: SPARQL constraint without sh:message")
    assert problems == []


def test_subclass_targets_need_the_ontology(tmp_path: Path) -> None:
    """Why the validator adds the ontology: without CRM's subclass axioms E65 is not an E5."""
    project = tmp_path / "project"
    (project / "ontology").mkdir(parents=True)
    (project / "ontology" / "shapes.ttl").write_bytes((REPO / "ontology/shapes.ttl").read_bytes())
    data = tmp_path / "creation.ttl"
    data.write_text(
        "<https://w3id.org/histkg/id/event/x> a <http://www.cidoc-crm.org/cidoc-crm/E65_Creation> ;"
        ' <http://www.w3.org/2000/01/rdf-schema#label> "x"@en .\n',
        encoding="utf-8",
    )
    without = validate_paths([data], project)
    assert without.results == []  # silently skipped: the pitfall
    with_ontology = validate_paths([data], REPO)
    assert {r.shape for r in with_ontology.results} >= {"hks:EventShape/mention"}


def test_examples_do_not_hide_run_errors() -> None:
    """A broken example is a could-not-run error, not an empty report."""
    with pytest.raises(ValidationRunError):
        validate_paths([EXAMPLES / "no-such-example.trig"], REPO)
