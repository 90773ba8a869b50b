"""``histkg link --verify`` and the Wikidata facts graph it writes into the store.

Verification reads the links of the curated files (or of a project copy with deliberately
wrong links) and checks each against the fixture extract or the API stand-in. The facts graph
goes straight into the store's graph ``https://w3id.org/histkg/graph/wikidata`` (a TriG copy
only on request) and is read back with ``wikidata_facts``, apart from the claims; a curated
reload keeps it, and ``histkg load`` refuses the copy.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fixtures.graphs import data_quads
from fixtures.linking.servers import WikidataStandIn, serve
from rdfterms import value
from typer.testing import CliRunner, Result

from app import history
from app.cli import cli
from app.linking import WIKIDATA_GRAPH, WikidataFacts, wikidata_facts
from app.store import Store

REPO = Path(__file__).resolve().parent.parent
EXTRACT = Path(__file__).parent / "fixtures" / "linking" / "extract.json"
ID = "https://w3id.org/histkg/id/"
runner = CliRunner()


def environment(project: Path, tmp_path: Path, **env: str) -> dict[str, str]:
    return {
        "HISTKG_PROJECT_DIR": str(project),
        "HISTKG_STORE": str(tmp_path / "store"),
        "HISTKG_WIKIDATA_CACHE": str(tmp_path / "cache"),
        "HISTKG_WIKIDATA_MIN_INTERVAL": "0",
        **env,
    }


def verify(project: Path, tmp_path: Path, *source: str, **env: str) -> Result:
    """``histkg link --verify`` into the store ``tmp_path/store``, with a TriG copy."""
    facts = str(tmp_path / "facts.trig")
    settings = environment(project, tmp_path, **env)
    return runner.invoke(cli, ["link", "--verify", *source, "--facts", facts], env=settings)


def load(project: Path, tmp_path: Path, *files: str) -> Result:
    return runner.invoke(cli, ["load", *files], env=environment(project, tmp_path))


def facts_graph(store: Store) -> set[ox.Quad]:
    return {q for q in store.quads() if q.graph_name == ox.NamedNode(WIKIDATA_GRAPH)}


def stored(tmp_path: Path) -> tuple[set[ox.Quad], WikidataFacts | None, list[str]]:
    """Every quad of the store ``tmp_path/store``, Voroshilov's facts, its named graphs.

    The store is opened here and let go on return, so that the next command can open it.
    """
    with Store(str(tmp_path / "store")) as store:
        facts = wikidata_facts(store, ID + "person/kliment-voroshilov")
        return set(store.quads()), facts, store.named_graphs()


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
    # 43 facts, and 7 labels in other languages and aliases (HISTKG_WIKIDATA_LANGUAGES)
    assert f"Wrote 50 quads about 6 items into the graph <{WIKIDATA_GRAPH}>" in result.stdout


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


def test_verify_puts_the_facts_into_the_store_in_one_step(tmp_path: Path) -> None:
    """Against the API stand-in, with no --facts file: the store has the facts afterwards."""
    assert load(REPO, tmp_path).exit_code == 0
    curated, before, _ = stored(tmp_path)
    assert before is None
    with serve(WikidataStandIn(EXTRACT).app) as url:
        env = environment(REPO, tmp_path, HISTKG_WIKIDATA_API=f"{url}/w/api.php")
        result = runner.invoke(cli, ["link", "--verify", "--api"], env=env)
    assert result.exit_code == 1, result.output  # links the stand-in lacks count as deleted
    assert "20 links: 14 deleted, 6 ok" in result.stdout
    # 43 facts, and 7 labels in other languages and aliases (HISTKG_WIKIDATA_LANGUAGES)
    assert f"Wrote 50 quads about 6 items into the graph <{WIKIDATA_GRAPH}>" in result.stdout
    assert not list(tmp_path.glob("*.trig"))  # no file to load by hand
    after, voroshilov, _ = stored(tmp_path)
    assert data_quads(curated) <= after  # nothing of the curated graphs changed (the head did)
    # the facts graph, and the revision that records it (compared apart: data_quads)
    assert {value(q.graph_name) for q in data_quads(after) - curated} == {WIKIDATA_GRAPH}
    with Store(str(tmp_path / "store")) as store:
        revision = history.revision(store.match, 2)  # 1 is the curated load
    assert (revision.agent, revision.added, revision.removed) == ("histkg-link", 50, 0)
    assert revision.graphs == [WIKIDATA_GRAPH]
    assert voroshilov is not None
    assert voroshilov.dates == [("born", "1881-02-04"), ("died", "1969-12-02")]
    assert voroshilov.retrieved  # when the stand-in answered


def test_verify_reports_a_store_in_use_before_fetching(tmp_path: Path) -> None:
    with Store(str(tmp_path / "store")):  # as `histkg serve` would hold it
        fake = WikidataStandIn(EXTRACT)
        with serve(fake.app) as url:
            result = verify(REPO, tmp_path, "--api", HISTKG_WIKIDATA_API=f"{url}/w/api.php")
    assert result.exit_code == 2
    assert "stop it first" in result.stderr
    assert fake.seen == []


@pytest.fixture(scope="module")
def facts_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Path]]:
    """The curated graph, then ``--verify`` against the extract, in one store on disk."""
    root = tmp_path_factory.mktemp("facts")
    assert load(REPO, root).exit_code == 0
    assert verify(REPO, root, "--extract", str(EXTRACT)).exit_code == 0
    with Store(str(root / "store")) as store:
        yield store, root / "facts.trig"


def test_the_facts_have_their_own_graph_apart_from_the_claims(
    facts_store: tuple[Store, Path],
) -> None:
    store, copy = facts_store
    added = facts_graph(store)
    assert len(added) == 50  # 43 facts, 7 other-language labels and aliases
    subjects = {q.subject.value for q in added if isinstance(q.subject, ox.NamedNode)}
    assert subjects - {WIKIDATA_GRAPH}
    assert all(
        s.startswith("http://www.wikidata.org/entity/Q") for s in subjects - {WIKIDATA_GRAPH}
    )
    labels = store.query(
        "SELECT ?label { <https://w3id.org/histkg/id/person/kliment-voroshilov> "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    )
    assert [value(row[0]) for row in labels.rows if row[0] is not None] == ["Kliment Voroshilov"]
    provenance = store.query(
        f"SELECT ?p ?o {{ GRAPH <{WIKIDATA_GRAPH}> {{ <{WIKIDATA_GRAPH}> ?p ?o }} }}"
    )
    predicates = {value(row[0]) for row in provenance.rows if row[0] is not None}
    assert "http://www.w3.org/ns/prov#generatedAtTime" in predicates
    assert "http://www.w3.org/ns/prov#wasDerivedFrom" in predicates
    copied = set(ox.parse(path=str(copy), format=ox.RdfFormat.TRIG))
    assert copied == added  # the --facts copy holds exactly what the store got


def test_pages_read_the_facts_of_a_linked_entity(facts_store: tuple[Store, Path]) -> None:
    store, _ = facts_store
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


def test_histkg_load_refuses_the_facts_copy(
    facts_store: tuple[Store, Path], tmp_path: Path
) -> None:
    _, copy = facts_store
    result = load(REPO, tmp_path, str(copy))
    assert result.exit_code == 1
    assert f"writes {WIKIDATA_GRAPH}" in result.stderr
    assert "reserved" in result.stderr


def test_a_curated_reload_keeps_the_facts_graph(project: Path, tmp_path: Path) -> None:
    assert load(project, tmp_path).exit_code == 0
    assert verify(project, tmp_path, "--extract", str(EXTRACT)).exit_code == 0
    quads, _, _ = stored(tmp_path)
    facts = {q for q in quads if q.graph_name == ox.NamedNode(WIKIDATA_GRAPH)}
    assert len(facts) == 50  # 43 facts, 7 other-language labels and aliases
    extra = project / "data" / "extra.ttl"
    extra.write_text("<https://example.org/x> <https://example.org/y> <https://example.org/z> .\n")
    assert load(project, tmp_path).exit_code == 0
    extra.unlink()  # the next reload drops that file's graph, and only graphs it loaded
    assert load(project, tmp_path).exit_code == 0
    quads, voroshilov, graphs = stored(tmp_path)
    assert {q for q in quads if q.graph_name == ox.NamedNode(WIKIDATA_GRAPH)} == facts
    assert "https://w3id.org/histkg/graph/data/extra" not in graphs
    assert voroshilov is not None
