"""The W3C SPARQL 1.1 Protocol tests, run by the vendored runner against a real uvicorn.

``tests/conformance/sparql-protocol/run_protocol.py`` replays the W3C manifest's HTTP
requests byte for byte, plus content-negotiation checks of its own, against the app serving an
embedded on-disk store (with query worker processes) that holds the fixture project and the
three graphs of ``protocol-dataset.nq``. The same runner against a remote Oxigraph server is in
``test_backends.py``.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.sparql.servers import PROTOCOL_DATASET, run_conformance, serve_app

from app.settings import Settings
from app.store import Store
from app.web import create_app

PROJECT = Path(__file__).parent / "fixtures" / "project"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("conformance")
    settings = Settings(store=str(root / "store"), project_dir=PROJECT, query_workers=2)
    with Store.from_settings(settings) as store:
        store.load_curated(PROJECT)
        store.load_files([PROTOCOL_DATASET])
        with serve_app(create_app(settings, store)) as url:
            yield f"{url}/sparql"


def test_the_w3c_protocol_suite_passes_with_0_failed(endpoint: str) -> None:
    output, passed, failed = run_conformance(endpoint)
    assert failed == 0, output
    # 27 W3C query and bad-request tests (the 7 update tests need a writable endpoint) and 17
    # content-negotiation checks of the runner's own.
    assert "W3C protocol tests: 27 passed, 0 failed, 7 skipped" in output, output
    assert passed == 44, output
