"""Shared fixtures: real pyoxigraph stores in temporary directories and one real HTTP server.

Nothing here is mocked. Each test that changes data gets its own store and its own copy of the
small fixture project; the HTTP tests share one session-wide uvicorn server on a free loopback
port, whose store they only read.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fixtures.sparql.servers import serve_app
from fixtures.system import PACKAGES, in_ci, missing

from app.settings import Settings
from app.store import Store
from app.web import create_app

PROJECT = Path(__file__).parent / "fixtures" / "project"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """``@pytest.mark.needs(package)``: before any fixture starts, skip a test whose Debian
    package is missing, with one line saying how to install it; under ``CI=true``, fail it."""
    for marker in item.iter_markers("needs"):
        (package,) = marker.args
        assert package in PACKAGES, f"needs({package!r}): not one of {sorted(PACKAGES)}"
        reason = missing(package)
        if reason is None:
            continue
        if in_ci():
            pytest.fail(f"{reason} (CI=true: a missing package fails)", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer HISTKG_* variable leaks in, and no default store lands in a real home."""
    for name in list(os.environ):
        if name.startswith("HISTKG_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A private, editable copy of the small fixture project (ontology/ and data/)."""
    return shutil.copytree(PROJECT, tmp_path / "project")


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def store(store_dir: Path) -> Store:
    """A fresh persistent store on disk."""
    return Store(str(store_dir))


@pytest.fixture(scope="session")
def server_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("server")
    return Settings(
        store=str(root / "store"),
        project_dir=shutil.copytree(PROJECT, root / "project"),
        max_rows=5,  # small, so truncation shows over HTTP
        query_timeout=5.0,
    )


@pytest.fixture(scope="session")
def served_store(server_settings: Settings) -> Iterator[Store]:
    store = Store.from_settings(server_settings)
    store.load_curated(server_settings.project_dir)
    yield store
    store.close()  # stops its query worker processes


def _raise_unexpected() -> None:
    raise RuntimeError("secret internal detail")


@pytest.fixture(scope="session")
def server_url(server_settings: Settings, served_store: Store) -> Iterator[str]:
    """Base URL of a real uvicorn server running ``create_app`` in a background thread."""
    app = create_app(server_settings, served_store)
    # A route that fails unexpectedly, to check what a client sees of a 500.
    app.add_api_route("/_test/unexpected", _raise_unexpected)
    with serve_app(app) as base:
        yield base


@pytest.fixture(scope="session")
def client(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url, timeout=10) as http:
        yield http


# ------------------------------------------------------------ the real curated graph (pages)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def curated_settings() -> Settings:
    """Settings for the curated graph of this checkout, in memory (pages, search, browser)."""
    return Settings(store="memory", project_dir=REPO)


@pytest.fixture(scope="session")
def curated_store(curated_settings: Settings) -> Iterator[Store]:
    """The real curated graph (ontology/ and data/ of this checkout), loaded once, read-only."""
    with Store.from_settings(curated_settings) as store:
        store.load_curated(REPO)
        yield store


@pytest.fixture(scope="session")
def pages_url(curated_settings: Settings, curated_store: Store) -> Iterator[str]:
    """Base URL of a real uvicorn server over the curated graph."""
    with serve_app(create_app(curated_settings, curated_store)) as base:
        yield base


@pytest.fixture(scope="session")
def pages(pages_url: str) -> Iterator[httpx.Client]:
    """An HTTP client of the curated-graph server."""
    with httpx.Client(base_url=pages_url, timeout=30) as http:
        yield http
