"""``histkg link --verify`` and the Wikidata facts graph it writes.

Verification reads the links of the curated files (or of a project copy with deliberately
wrong links) and checks each against the fixture extract or the API stand-in. The facts graph
is loaded into a store and read back with ``wikidata_facts``, apart from the claims.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from fixtures.linking.servers import WikidataStandIn, serve
from typer.testing import CliRunner, Result

from app.cli import cli
from app.linking import WIKIDATA_GRAPH, wikidata_facts
from app.store import Store

REPO = Path(__file__).resolve().parent.parent
EXTRACT = Path(__file__).parent / "fixtures" / "linking" / "extract.json"
ID = "https://w3id.org/histkg/id/"
runner = CliRunner()


def verify(project: Path, tmp_path: Path, *source: str, **env: str) -> Result:
    settings = {
        "HISTKG_PROJECT_DIR": str(project),
        "HISTKG_WIKIDATA_CACHE": str(tmp_path / "cache"),
        "HISTKG_WIKIDATA_MIN_INTERVAL": "0",
        **env,
    }
    facts = str(tmp_path / "facts.trig")
    return runner.invoke(cli, ["link", "--verify", *source, "--facts", facts], env=settings)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for folder in ("ontology", "data"):
        shutil.copytree(REPO / folder, root / folder)
    return root


def relink(project: Path, changes: dict[str, str]) -> None:
    """Replace the links of entities in the project copy (``person:x``: ``wd:Q…``)."""
    path = project / "data" / "entities.ttl"
    lines = path.read_text(encoding="utf-8").splitlines()
    for subject, link in changes.items():
        start = lines.index(next(line for line in lines if line.startswith(subject + " a ")))
        end = next(n for n in range(start, len(lines)) if lines[n].rstrip().endswith(" ."))
        block = [line for line in lines[start:end] if "owl:sameAs" not in line]
        lines[start:end] = [block[0], f"    owl:sameAs {link} ;", *block[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_curated_links_agree_with_the_extract(tmp_path: Path) -> None:
    result = verify(REPO, tmp_path, "--extract", str(EXTRACT))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    ok = sorted(line.split()[1] for line in lines if line.startswith("ok "))
    assert ok == ["Q183644", "Q186185", "Q215705", "Q242099", "Q649", "Q855"]
    assert "20 links: 6 ok, 14 unverified" in result.stdout
    assert "Wrote 43 quads about 6 items to" in result.stdout


def test_links_that_look_wrong_are_reported_with_exit_1(project: Path, tmp_path: Path) -> None:
    relink(
        project,
        {"person:kliment-voroshilov": "wd:Q990000010", "person:lazar-kaganovich": "wd:Q990000004"},
    )
    result = verify(project, tmp_path, "--extract", str(EXTRACT))
    assert result.exit_code == 1, result.output
    voroshilov = next(line for line in result.stdout.splitlines() if "Q990000010" in line)
    assert voroshilov.startswith("suspect ")
    assert "dates clash" in voroshilov
    assert "ours 1932 outside 1781-1840" in voroshilov
    kaganovich = next(line for line in result.stdout.splitlines() if "Q990000004" in line)
    assert kaganovich.startswith("suspect ")
    assert "label: ours “Lazar Kaganovich”, Wikidata's “Louis Fischer”" in kaganovich
    assert "2 suspect" in result.stdout


def test_the_api_reports_deleted_and_redirected_items(project: Path, tmp_path: Path) -> None:
    relink(project, {"person:karl-radek": "wd:Q990000020", "person:louis-fischer": "wd:Q999999998"})
    fake = WikidataStandIn(EXTRACT, redirects={"Q990000020": "Q990000001"})
    with serve(fake.app) as url:
        result = verify(project, tmp_path, "--api", HISTKG_WIKIDATA_API=f"{url}/w/api.php")
    assert result.exit_code == 1, result.output
    lines = {
        line.split()[1]: line
        for line in result.stdout.splitlines()
        if line[:1].isalpha() and " Q" in line
    }
    assert lines["Q990000020"].startswith("redirected ")
    assert "Q990000020 now redirects to Q990000001: link Q990000001 instead" in lines["Q990000020"]
    assert lines["Q999999998"].startswith("deleted ")
    assert lines["Q855"].startswith("ok ")
    assert lines["Q1490"].startswith("deleted ")  # not in the stand-in: for the API, gone
    requests = [seen.params["action"] for seen in fake.seen]
    assert requests == ["wbgetentities"]  # 22 links, one batch


@pytest.fixture(scope="module")
def facts_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Path]:
    root = tmp_path_factory.mktemp("facts")
    assert verify(REPO, root, "--extract", str(EXTRACT)).exit_code == 0
    store = Store("memory")
    store.load_curated(REPO)
    return store, root / "facts.trig"


def test_facts_load_into_their_own_graph_apart_from_the_claims(
    facts_store: tuple[Store, Path],
) -> None:
    store, facts = facts_store
    before = set(store.quads())
    report = store.load_files([facts])
    after = set(store.quads())
    added = after - before
    assert before <= after  # nothing of the curated graph changed
    assert {str(q.graph_name.value) for q in added} == {WIKIDATA_GRAPH}
    subjects = {q.subject.value for q in added if isinstance(q.subject, ox.NamedNode)}
    assert subjects - {WIKIDATA_GRAPH}
    assert all(
        s.startswith("http://www.wikidata.org/entity/Q") for s in subjects - {WIKIDATA_GRAPH}
    )
    assert report.quads == 43
    labels = store.query(
        "SELECT ?label { <https://w3id.org/histkg/id/person/kliment-voroshilov> "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    )
    assert [row[0].value for row in labels.rows if row[0] is not None] == ["Kliment Voroshilov"]
    provenance = store.query(
        f"SELECT ?p ?o {{ GRAPH <{WIKIDATA_GRAPH}> {{ <{WIKIDATA_GRAPH}> ?p ?o }} }}"
    )
    predicates = {row[0].value for row in provenance.rows if row[0] is not None}
    assert "http://www.w3.org/ns/prov#generatedAtTime" in predicates
    assert "http://www.w3.org/ns/prov#wasDerivedFrom" in predicates


def test_pages_read_the_facts_of_a_linked_entity(facts_store: tuple[Store, Path]) -> None:
    store, facts = facts_store
    store.load_files([facts])
    voroshilov = wikidata_facts(store, ID + "person/kliment-voroshilov")
    assert voroshilov is not None
    assert (voroshilov.qid, voroshilov.label) == ("Q186185", "Kliment Voroshilov")
    assert voroshilov.dates == [("born", "1881-02-04"), ("died", "1969-12-02")]
    assert voroshilov.retrieved
    assert voroshilov.modified == "2024-05-01T12:00:00Z"
    assert voroshilov.url == "https://www.wikidata.org/wiki/Q186185"
    moscow = wikidata_facts(store, ID + "place/moscow")
    assert moscow is not None
    assert moscow.coordinates == "Point(37.6173 55.7558)"
    assert wikidata_facts(store, ID + "person/karl-radek") is None  # not linked
    assert wikidata_facts(store, ID + "place/tokyo") is None  # linked, not in the extract


def test_histkg_load_takes_the_facts_file(facts_store: tuple[Store, Path], tmp_path: Path) -> None:
    _, facts = facts_store
    env = {"HISTKG_PROJECT_DIR": str(REPO), "HISTKG_STORE": str(tmp_path / "store")}
    result = runner.invoke(cli, ["load", str(facts)], env=env)
    assert result.exit_code == 0, result.output
    assert "Loaded 1 file(s): 43 quads" in result.stdout
