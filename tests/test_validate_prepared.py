"""The incremental validator's own pySHACL run (``app.validate.prepared``: shapes built once,
only the shapes with focus nodes asked) reports what ``pyshacl.validate`` reports on the same
narrowed shapes and the same excerpt, for every failing example of every shape."""

from pathlib import Path

import pyoxigraph as ox
import pytest

from app.settings import Settings
from app.validate import targets
from app.validate.full import (
    _build_store,
    _FileIndex,
    _load_shapes,
    _parse,
    _results,
    _run_pyshacl,
    _sources,
    shapes_path,
)
from app.validate.incremental import _prepared, _shapes_cached
from app.validate.prepared import prepare, run

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "tests" / "shapes" / "examples"
BASE = str(Settings.model_fields["base_iri"].default)
FAILING = sorted(EXAMPLES.glob("*/invalid.trig"))


def _excerpt(example: Path) -> ox.Store:
    """The example with its context and the ontology, every node in it marked as affected."""
    parsed = [_parse(s, BASE) for s in _sources([EXAMPLES / "context.trig", example], REPO)]
    store, _index = _build_store(parsed)
    _shapes, _access, found = _shapes_cached(str(shapes_path(REPO)), 0.0)
    assert found is not None
    nodes = {
        term for q in store for term in (q.subject, q.object) if not isinstance(term, ox.Literal)
    }
    targets.marked(found, store, targets.focus(found, store, nodes))
    return store


def _keys(report_graph: object) -> set[tuple[str, ...]]:
    shapes = _load_shapes(shapes_path(REPO))
    return {
        (r.focus_node, r.path, r.shape, r.value, r.message, r.severity)
        for r in _results(report_graph, shapes, _FileIndex())  # type: ignore[arg-type]
    }


@pytest.mark.parametrize("example", FAILING, ids=lambda p: p.parent.name)
def test_the_prepared_run_reports_what_pyshacl_reports(example: Path) -> None:
    _shapes, _access, found = _shapes_cached(str(shapes_path(REPO)), 0.0)
    assert found is not None
    expected = _keys(_run_pyshacl(_excerpt(example), found.stripped, shapes_path(REPO)))
    assert expected, "a failing example fails"  # so the comparison below can tell
    excerpt = _excerpt(example)
    assert _keys(run(_prepared(str(shapes_path(REPO)), 0.0), excerpt)) == (expected)


def test_shapes_without_targets_are_not_asked_and_marked_ones_only_where_marked() -> None:
    """Nested shapes (reached by sh:node...) have no targets of their own; a shape targeted by
    marks is validated only on an excerpt that states one of its marks."""
    _shapes, _access, found = _shapes_cached(str(shapes_path(REPO)), 0.0)
    assert found is not None
    ready = prepare(found.stripped)
    asked = {id(shape) for shape in ready.always} | {id(shape) for shape, _ in ready.marked}
    everything = list(ready.shapes.shapes)
    assert 0 < len(asked) < len(everything)
    empty = ox.Store()
    assert len(run(ready, empty)) == 0
