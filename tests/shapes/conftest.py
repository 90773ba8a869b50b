"""Fixture shared by the shape tests: the parsed shapes graph.

Test modules do not import from here (a conftest is not importable as ``tests.shapes...`` when
pytest runs without the checkout on ``sys.path``); they use the fixture.
"""

from pathlib import Path

import pytest
import rdflib

from app.validate import shapes_path

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def shapes_graph() -> rdflib.Graph:
    """``ontology/shapes.ttl``, parsed once per session (read-only: do not modify)."""
    return rdflib.Graph().parse(shapes_path(REPO), format="turtle")
