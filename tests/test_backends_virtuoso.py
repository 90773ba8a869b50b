"""Portability: the conformance suite and the competency questions against Virtuoso.

Marked ``slow``: it needs Debian's ``virtuoso-opensource`` (``virtuoso-t``, ``isql-vt``) and
skips where it is not installed (fails in CI: ``needs`` in ``tests/conftest.py``). A fresh
Virtuoso database is created in a temporary directory with its SQL and HTTP ports on free
loopback ports; histkg loads the curated graph
into it through the Graph Store Protocol (Virtuoso cannot take a large SPARQL Update, and
refuses ``xsd:duration`` literals in one), then queries it through the same ``Store`` API.

Known differences of Virtuoso 7.2, each checked rather than hidden:

* its default graph is the union of all graphs *as a bag*: a triple stored in two graphs
  matches twice (SPARQL's RDF merge matches it once); and Virtuoso's own system graphs are
  part of that union;
* it stores ``xsd:duration`` literals as a number of seconds (``"P5D"`` becomes ``432000.0``).

Competency questions whose answers these change are listed in ``VIRTUOSO_DIFFERS`` with the
reason; they are run and must still differ (``xfail(strict=True)``), so a fix in Virtuoso or
in the data shows up.
"""

import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from competency.run import compare, questions
from fixtures.sparql.servers import (
    PROTOCOL_DATASET,
    REPO,
    free_port,
    run_conformance,
    serve_app,
    stop,
    wait_for,
)
from fixtures.system import which

from app.settings import Settings
from app.store import Store
from app.web import create_app

VIRTUOSO = which("virtuoso-t")
ISQL = which("isql-vt")
DEFAULT_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")

pytestmark = [pytest.mark.slow, pytest.mark.needs("virtuoso-opensource")]

VIRTUOSO_DIFFERS = {
    "09-relative-dates": "Virtuoso stores xsd:duration offsets as seconds (P5D -> 432000.0)",
    "11-month-after-mukden": "Virtuoso types a comparison's result xsd:integer 1/0, not boolean",
}
"""Competency questions Virtuoso answers differently, with the reason (see the docstring)."""
DURATION = "http://www.w3.org/2001/XMLSchema#duration"


def _ini(directory: Path, sql_port: int, http_port: int) -> str:
    text = DEFAULT_INI.read_text()
    text = text.replace("/var/lib/virtuoso-opensource-7/db/", f"{directory}/")
    text = re.sub(r"(?m)^ServerPort\s*=\s*1111\b.*$", f"ServerPort = 127.0.0.1:{sql_port}", text)
    text = re.sub(r"(?m)^ServerPort\s*=\s*8890\b.*$", f"ServerPort = 127.0.0.1:{http_port}", text)
    return re.sub(r"(?m)^(Load\d+\s*=.*)$", r";\1", text)  # no hosting plugins


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh Virtuoso; yields its base URL (``/sparql``, ``/sparql-graph-crud``)."""
    directory = tmp_path_factory.mktemp("virtuoso")
    sql_port, http_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(_ini(directory, sql_port, http_port))
    process = subprocess.Popen(
        [str(VIRTUOSO), "+foreground", "+configfile", str(ini)],
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{http_port}"
    try:
        wait_for(f"{url}/sparql?query=ASK%7B%7D", process, seconds=120)
        grants = directory / "grants.sql"
        grants.write_text(
            "GRANT SPARQL_UPDATE TO \"SPARQL\";\nDB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);\n"
        )
        subprocess.run(
            [str(ISQL), f"127.0.0.1:{sql_port}", "dba", "dba", str(grants)],
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="module")
def settings(virtuoso: str) -> Settings:
    return Settings(
        store=f"{virtuoso}/sparql",
        store_graph_store_url=f"{virtuoso}/sparql-graph-crud",
        project_dir=REPO,
    )


@pytest.fixture(scope="module")
def loaded(settings: Settings) -> Iterator[Store]:
    with Store.from_settings(settings) as store:
        store.load_curated(REPO)
        store.load_files([PROTOCOL_DATASET])
        yield store


def test_histkg_loads_and_knows_the_virtuoso_store_is_fresh(loaded: Store) -> None:
    assert not loaded.is_stale(REPO)
    assert "https://w3id.org/histkg/graph/data/claims" in loaded.named_graphs()


def test_the_w3c_protocol_suite_passes_through_the_app_over_virtuoso(
    settings: Settings, loaded: Store
) -> None:
    with serve_app(create_app(settings, loaded)) as url:
        output, _, failed = run_conformance(f"{url}/sparql")
    assert failed == 0, output


def _question_params() -> list[object]:
    marks: list[object] = []
    for path in questions():
        reason = VIRTUOSO_DIFFERS.get(path.stem)
        xfail = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        marks.append(pytest.param(path, id=path.stem, marks=xfail))
    return marks


@pytest.mark.parametrize("question", _question_params())
def test_competency_questions_are_portable_to_virtuoso(question: Path, loaded: Store) -> None:
    difference = compare(question, loaded)
    assert not difference, difference


def _page_queries() -> dict[str, str]:
    """The page queries (``app.read.queries``): every module-level query text, by name."""
    module = pytest.importorskip("app.read.queries")
    return {
        name: value
        for name, value in vars(module).items()
        if isinstance(value, str) and name.isupper() and "SELECT" in value
    }


def _bag(store: Store, query: str, entity: ox.NamedNode | None) -> Counter[tuple[str, ...]]:
    bindings = {"entity": entity} if entity is not None and "?entity" in query else None
    rows = store.query(query, bindings=bindings).rows
    # xsd:duration values are a known Virtuoso difference (see the module docstring).
    return Counter(
        tuple(str(term) for term in row)
        for row in rows
        if not any(isinstance(t, ox.Literal) and t.datatype.value == DURATION for t in row)
    )


def test_the_page_queries_answer_on_virtuoso_as_on_the_embedded_store(loaded: Store) -> None:
    """Every page query, for an entity of each class of the curated graph, gives the same rows.

    A query about no entity (the vocabulary labels) may find more on Virtuoso, whose own
    system graphs (its copy of OWL, among others) are part of its union default graph: there
    every row of the embedded answer must be found, and nothing more is required.
    """
    queries = _page_queries()
    assert queries, "app.read.queries has no query texts"
    with Store("memory", max_rows=100_000) as embedded:
        embedded.load_curated(REPO)
        entities = [
            row[0]
            for row in embedded.query(
                "SELECT (MIN(?s) AS ?example) WHERE { ?s a ?class "
                'FILTER(STRSTARTS(STR(?s), "https://w3id.org/histkg/id/")) } GROUP BY ?class'
            ).rows
            if isinstance(row[0], ox.NamedNode)
        ]
        assert len(entities) > 10
        remote = Store(loaded.location, max_rows=100_000)
        try:
            for name, query in sorted(queries.items()):
                if "?entity" not in query:
                    want, got = _bag(embedded, query, None), _bag(remote, query, None)
                    assert set(want) <= set(got), (name, set(want) - set(got))
                    continue
                for entity in entities:
                    want, got = _bag(embedded, query, entity), _bag(remote, query, entity)
                    assert got == want, (name, entity, want - got, got - want)
        finally:
            remote.close()


def test_virtuoso_is_reachable_only_on_loopback(virtuoso: str) -> None:
    assert virtuoso.startswith("http://127.0.0.1:")
    assert httpx.get(f"{virtuoso}/sparql", params={"query": "ASK {}"}, timeout=10).is_success
