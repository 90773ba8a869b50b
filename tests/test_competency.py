"""The competency questions: what a historian asks of the seed page, answered by the graph.

Each question in ``tests/competency/`` is a SPARQL query with its expected answer written from
a reading of the page; the graph is loaded exactly as ``histkg load`` loads it and queried
through the app's own store (default graph = union of all graphs).
"""

from pathlib import Path

import pytest
from competency.run import build_store, compare, questions

from app.store import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def curated() -> Store:
    return build_store(ROOT)


def test_there_are_at_least_thirty_questions() -> None:
    assert len(questions()) >= 30


@pytest.mark.parametrize("query_file", questions(), ids=lambda p: p.stem)
def test_competency_question(query_file: Path, curated: Store) -> None:
    diff = compare(query_file, curated)
    assert not diff, diff
