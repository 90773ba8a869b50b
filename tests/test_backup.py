"""``histkg dump`` / ``histkg restore``: a round trip is an isomorphic dataset, blank nodes too."""

import gc
import gzip
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from app.backup import dump_store, restore_store
from app.cli import cli
from app.errors import RdfParseError
from app.store import Store
from app.writes import update

EX = "https://example.org/test#"


Dataset = dict[str, rdflib.Graph]
"""A dataset for comparison: each named graph by name, plus ``"*"``, the union of all."""


def _dataset(store: Store) -> Dataset:
    """The store's graphs as rdflib graphs (blank nodes stay blank, labels shared in ``*``)."""
    lines: dict[str, list[str]] = {"*": []}
    for quad in store.quads():
        line = f"{quad.triple} .\n"
        lines.setdefault(str(quad.graph_name), []).append(line)
        lines["*"].append(line)
    return {
        name: rdflib.Graph().parse(data="".join(text), format="nt") for name, text in lines.items()
    }


def _assert_isomorphic(a: Dataset, b: Dataset) -> None:
    """Same graph names, and each graph and the union isomorphic (blank nodes included)."""
    assert sorted(a) == sorted(b)
    for name in a:
        assert isomorphic(a[name], b[name]), name


def _fill(location: Path, project_dir: Path) -> Store:
    store = Store(str(location))
    store.load_curated(project_dir)
    # Real blank nodes (a write keeps them blank), one of them in two graphs.
    update(
        store,
        f"INSERT DATA {{ GRAPH <{EX}g1> {{ _:a <{EX}p> _:b . _:b <{EX}q> 'x' }} "
        f"GRAPH <{EX}g2> {{ _:a <{EX}r> 2 }} }}",
        project_dir,
    )
    return store


@pytest.fixture
def filled(tmp_path: Path, project_dir: Path) -> Store:
    return _fill(tmp_path / "source", project_dir)


@pytest.mark.parametrize("name", ["backup.trig", "backup.trig.gz", "backup.nq", "backup.nq.gz"])
def test_round_trip_is_isomorphic(
    filled: Store, tmp_path: Path, project_dir: Path, name: str
) -> None:
    path = tmp_path / name
    report = dump_store(filled, path)
    assert report.quads == len(filled)
    if name.endswith(".gz"):
        assert gzip.decompress(path.read_bytes())
    target = Store(str(tmp_path / "target"))
    target.load_files([Path(__file__).parent / "fixtures" / "project" / "data" / "events.ttl"])
    restore_store(target, path, project_dir=project_dir)  # replaces what was there
    _assert_isomorphic(_dataset(filled), _dataset(target))
    assert target.recorded_digest() == filled.recorded_digest()


def test_a_bad_backup_restores_nothing(filled: Store, tmp_path: Path, project_dir: Path) -> None:
    path = tmp_path / "bad.trig"
    path.write_text(f"<{EX}a> <{EX}b> <{EX}c> .\nGRAPH <{EX}g> {{ <{EX}a> <{EX}b> ")
    before = set(filled.quads())
    with pytest.raises(RdfParseError, match=r"bad\.trig"):
        restore_store(filled, path, project_dir=project_dir)
    assert set(filled.quads()) == before


def test_cli_dump_and_restore(tmp_path: Path, project_dir: Path) -> None:
    source = tmp_path / "cli-source"
    with _fill(source, project_dir) as store:
        expected = _dataset(store)
    del store
    gc.collect()  # frees the store's directory lock for the command
    runner = CliRunner()
    path = tmp_path / "cli.nq.gz"
    result = runner.invoke(cli, ["dump", str(path)], env={"HISTKG_STORE": str(source)})
    assert result.exit_code == 0, result.output
    target = tmp_path / "cli-target"
    result = runner.invoke(  # checked against the project the backup's store was loaded from
        cli,
        ["restore", str(path)],
        env={"HISTKG_STORE": str(target), "HISTKG_PROJECT_DIR": str(project_dir)},
    )
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output
    with Store(str(target)) as store:
        _assert_isomorphic(expected, _dataset(store))
    wrong = runner.invoke(cli, ["dump", str(tmp_path / "x.ttl")], env={"HISTKG_STORE": "memory"})
    assert wrong.exit_code == 1
    assert ".trig or .nq" in wrong.output


def test_a_forged_curated_graph_claim_in_a_backup_cannot_make_a_load_delete_that_graph(
    filled: Store, tmp_path: Path, project_dir: Path
) -> None:
    path = tmp_path / "forged.nq"
    dump_store(filled, path)
    forged = (
        "<https://w3id.org/histkg/graph/meta> <https://w3id.org/histkg/ontology#curatedGraph> "
        f"<{EX}g1> <https://w3id.org/histkg/graph/meta> .\n"
    )
    path.write_text(path.read_text() + forged)
    target = Store(str(tmp_path / "target"))
    report = restore_store(target, path, project_dir=project_dir)
    assert report.distrusted == (f"{EX}g1",)
    target.load_curated(project_dir)  # drops what the meta graph calls curated
    assert any(str(q.graph_name) == f"<{EX}g1>" for q in target.quads())  # before: deleted


def test_restoring_a_file_of_repeated_lines_takes_no_more_memory_than_its_dataset(
    tmp_path: Path, project_dir: Path
) -> None:
    line = f'<{EX}a> <{EX}b> "the same line" <{EX}g> .\n'.encode()
    path = tmp_path / "repeated.nq.gz"
    with gzip.open(path, "wb") as out:
        for _ in range(5):
            out.write(line * 100_000)  # 500,000 copies of one quad
    measure = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from app.backup import restore_store\n"
        "from app.store import Store\n"
        "store = Store(sys.argv[1])\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "restore_store(store, Path(sys.argv[2]), project_dir=Path(sys.argv[3]))\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", measure, str(tmp_path / "store"), str(path), str(project_dir)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    grown_mb = int(done.stdout.split()[-1]) / 1024  # ru_maxrss is in KiB on Linux
    assert grown_mb < 50, grown_mb  # before: about 200 MB (2 GB for 5 million lines)
