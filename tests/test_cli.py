"""The ``histkg`` command line: what users see and the documented exit codes.

Most commands run in-process through typer's CliRunner; ``serve`` runs as a real subprocess
because it blocks in uvicorn.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from app.cli import cli
from app.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
SYNTAXES = FIXTURES / "syntaxes"
runner = CliRunner()


@pytest.fixture
def env(store_dir: Path, project_dir: Path) -> dict[str, str]:
    return {"HISTKG_STORE": str(store_dir), "HISTKG_PROJECT_DIR": str(project_dir)}


def invoke(env: dict[str, str], *args: str) -> Result:
    return runner.invoke(cli, list(args), env=env)


def test_load_without_files_loads_the_curated_project(env: dict[str, str]) -> None:
    result = invoke(env, "load")
    assert result.exit_code == 0, result.output
    for name in ("ontology/core.ttl", "data/claims.trig", "data/events.ttl"):
        assert name in result.stdout
    assert "Loaded 3 file(s): 24 quads in 4 graph(s)" in result.stdout


def test_load_files_reports_what_it_loaded(env: dict[str, str]) -> None:
    result = invoke(env, "load", str(SYNTAXES / "people.ttl"), str(SYNTAXES / "people.trig"))
    assert result.exit_code == 0, result.output
    assert "Loaded 2 file(s): 15 quads in 4 graph(s)" in result.stdout


def test_load_of_a_corrupt_file_exits_1_with_position_and_leaves_the_store(
    env: dict[str, str], store_dir: Path
) -> None:
    assert invoke(env, "load").exit_code == 0
    before = set(Store(str(store_dir)).quads())
    corrupt = FIXTURES / "corrupt.ttl"
    result = invoke(env, "load", str(SYNTAXES / "people.nt"), str(corrupt))
    assert result.exit_code == 1
    assert f"error: {corrupt}:6:12: A dot is expected" in result.stderr
    assert "store was left unchanged" in result.stderr
    assert "Traceback" not in result.output
    assert set(Store(str(store_dir)).quads()) == before


def test_load_of_a_missing_file_exits_1(env: dict[str, str]) -> None:
    result = invoke(env, "load", "no-such-file.ttl")
    assert result.exit_code == 1
    assert "no-such-file.ttl: no such file" in result.stderr


def test_load_exits_2_when_the_store_cannot_be_opened(env: dict[str, str]) -> None:
    # A remote store nobody answers at (port 9 on loopback refuses connections).
    result = invoke({**env, "HISTKG_STORE": "http://127.0.0.1:9/query"}, "load")
    assert result.exit_code == 2
    assert "Cannot reach the SPARQL server at http://127.0.0.1:9/query" in result.stderr
    assert "check HISTKG_STORE" in result.stderr


def test_load_exits_2_while_another_process_holds_the_store(
    env: dict[str, str], store: Store
) -> None:
    result = invoke(env, "load")
    assert result.exit_code == 2
    assert "Another histkg process" in result.stderr


def test_info_reads_a_store_another_process_holds(
    env: dict[str, str], store: Store, project_dir: Path
) -> None:
    """While ``histkg serve`` holds the store, ``histkg info`` opens it read-only."""
    store.load_curated(project_dir)
    result = invoke(env, "info")
    assert result.exit_code == 0, result.output
    assert f"quads:        {len(store)}" in result.stdout
    assert "curated data: fresh" in result.stdout
    assert "read-only view" in result.stdout


def test_load_while_another_process_holds_the_store_says_what_to_do(
    env: dict[str, str], store: Store
) -> None:
    """``histkg load`` beside a running ``histkg serve`` (which holds the store's lock) is a
    clear refusal that says to stop the server, not a traceback, and changes nothing."""
    before = len(store)
    result = invoke(env, "load")
    assert result.exit_code == 2, result.output
    assert "another process holds it" in result.stderr
    assert "stop it first" in result.stderr
    assert "Traceback" not in result.output
    assert len(store) == before


def test_invalid_settings_exit_2_naming_the_variable(env: dict[str, str]) -> None:
    result = invoke({**env, "HISTKG_MAX_ROWS": "many"}, "info")
    assert result.exit_code == 2
    assert "HISTKG_MAX_ROWS" in result.stderr


def test_info_shows_store_size_and_freshness(env: dict[str, str], project_dir: Path) -> None:
    result = invoke(env, "info")
    assert result.exit_code == 0, result.output
    assert "never loaded" in result.stdout
    invoke(env, "load")
    result = invoke(env, "info")
    # 29 of data (24 curated, the digest, 4 curated graphs) and 27 of the load's revision (its
    # activity, exact patch, graphs and touched nodes, and the head): graph/history/1 and /
    assert "quads:        56" in result.stdout
    assert "named graphs: 7" in result.stdout
    assert "curated data: fresh" in result.stdout
    (project_dir / "data" / "events.ttl").write_text("")
    assert "curated data: stale" in invoke(env, "info").stdout


class TestValidate:
    """Exit codes: 0 conforms, 1 does not conform, 2 could not run."""

    def test_missing_file_exits_2(self, env: dict[str, str]) -> None:
        result = invoke(env, "validate", "no-such-file.ttl")
        assert result.exit_code == 2
        assert "no-such-file.ttl: no such file" in result.stderr

    def test_conforming_data_exits_0(self, env: dict[str, str]) -> None:
        result = invoke(env, "validate", str(FIXTURES / "project" / "data" / "events.ttl"))
        assert result.exit_code == 0, result.output
        assert "conforms" in result.stdout

    def test_non_conforming_data_exits_1_with_one_line_per_result(
        self, env: dict[str, str]
    ) -> None:
        invalid = FIXTURES / "invalid_event.ttl"
        result = invoke(env, "validate", str(invalid))
        assert result.exit_code == 1, result.output
        line = f"{invalid}: <https://example.org/test#stamford-bridge> rdfs:label: An event needs"
        assert line in result.stdout  # printed as-is: `:label:` is no emoji code here
        assert "does not conform" in result.stdout

    def test_json_format(self, env: dict[str, str]) -> None:
        result = invoke(env, "validate", "--format", "json", str(FIXTURES / "invalid_event.ttl"))
        assert result.exit_code == 1, result.output
        assert '"conforms": false' in result.stdout


# --- serve: a real process -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _histkg(*args: str) -> list[str]:
    return [sys.executable, "-m", "app", *args]


@pytest.fixture
def serve_process(env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = _free_port()
    process = subprocess.Popen(
        _histkg("serve", "--port", str(port)),
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process, f"http://127.0.0.1:{port}"
    if process.poll() is None:
        process.kill()
    process.communicate(timeout=10)  # reaps the process and closes its pipe


def _wait_for_health(process: subprocess.Popen[str], url: str) -> httpx.Response:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "histkg serve exited early"
        try:
            return httpx.get(f"{url}/health", timeout=1)
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("histkg serve did not answer /health")


def test_serve_loads_an_empty_store_then_serves_and_stops_cleanly(
    serve_process: tuple[subprocess.Popen[str], str],
) -> None:
    process, url = serve_process
    response = _wait_for_health(process, url)
    assert {k: v for k, v in response.json().items() if k != "warm"} == {
        "status": "ok",
        "quads": 56,  # 29 of data and 27 of the load's revision (test_info_shows_store_size...)
    }
    deadline = time.monotonic() + 20  # the warm-up of the home page and search index ends
    while not httpx.get(f"{url}/health", timeout=5).json()["warm"]:
        assert time.monotonic() < deadline, "the warm-up did not finish"
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=20)
    assert process.returncode == 0
    assert "The store is empty; loading" in output
    assert "Loaded 3 file(s)" in output


def test_serve_stopped_by_sigterm_leaves_no_snapshot_or_results_directory(
    serve_process: tuple[subprocess.Popen[str], str], store_dir: Path
) -> None:
    process, url = serve_process
    _wait_for_health(process, url)
    assert httpx.get(f"{url}/sparql", params={"query": "ASK {}"}, timeout=10).is_success
    snapshots = f".histkg-snapshot-{process.pid}-*"
    results = f"histkg-results-{process.pid}-*"
    temporary = Path(tempfile.gettempdir())
    assert list(store_dir.parent.glob(snapshots))
    assert list(temporary.glob(results))
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=20)
    # before: uvicorn re-raised SIGTERM after its shutdown, ending the process before the
    # store was closed, and a 68 MB snapshot and the results directory stayed behind
    assert not list(store_dir.parent.glob(snapshots))
    assert not list(temporary.glob(results))


def test_serve_with_broken_curated_data_exits_1(env: dict[str, str], project_dir: Path) -> None:
    (project_dir / "data" / "broken.ttl").write_bytes((FIXTURES / "corrupt.ttl").read_bytes())
    done = subprocess.run(
        _histkg("serve", "--port", str(_free_port())),
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "data/broken.ttl:6:12:" in done.stderr


def test_serve_exits_2_when_the_store_cannot_be_opened(env: dict[str, str]) -> None:
    done = subprocess.run(
        _histkg("serve", "--no-load"),
        env={**os.environ, **env, "HISTKG_STORE": "http://127.0.0.1:9/query"},  # nobody there
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Cannot reach the SPARQL server" in done.stderr
    assert "Traceback" not in done.stderr
