"""Staged bulk loads into an on-disk store (``app.backends.staging``), and small loads.

Each test runs staged and with the bound of ``app.store.SMALL_LOAD_QUADS`` as it is (these
batches are small: a delta, in one transaction). Both must give exactly what the one-update
way gives an in-memory store (blank nodes skolemized alike), whichever way the staged store is
completed, and refuse bad batches without touching the store or leaving a staging directory
behind.
"""

import gzip
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fixtures.graphs import data_quads
from rdfterms import value

from app import history
from app import store as store_module
from app.errors import InputError, RdfParseError
from app.store import Store

SYNTAXES = Path(__file__).parent / "fixtures" / "syntaxes"
EX = "http://ex.org/"


def _triples(path: Path, count: int, tag: str) -> Path:
    path.write_text("".join(f'<{EX}{tag}/s{i}> <{EX}p> "{tag} {i}" .\n' for i in range(count)))
    return path


def _leftovers(store_dir: Path) -> list[Path]:
    return sorted(store_dir.parent.glob(".histkg-*"))


@pytest.fixture(autouse=True, params=["staged", "delta"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test staged (the bound for a delta load lowered to nothing), and again with the
    bound as it is, where these small batches load as a delta: the two ways give the same."""
    if request.param == "staged":
        monkeypatch.setattr(store_module, "SMALL_LOAD_QUADS", 0)
    return str(request.param)


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Store]:
    store = Store(str(tmp_path / "store"))
    yield store
    store.close()


@pytest.mark.parametrize("name", sorted(p.name for p in SYNTAXES.iterdir()))
def test_each_syntax_gives_what_the_one_update_way_gives(disk: Store, name: str) -> None:
    """Bulk-loaded (no blank node) or skolemized in Python (a file that may hold one)."""
    memory = Store("memory")
    disk.load_files([SYNTAXES / name])
    memory.load_files([SYNTAXES / name])
    # each load is a revision: the data alike, and the same patch recorded (only the times differ)
    assert data_quads(disk.quads()) == data_quads(memory.quads())
    assert history.patch(disk.match, 1) == history.patch(memory.match, 1)
    assert disk.named_graphs() == memory.named_graphs()


def test_gzip_and_a_file_without_blank_nodes_take_the_bulk_loader(
    disk: Store, tmp_path: Path
) -> None:
    plain = _triples(tmp_path / "plain.nt", 500, "a")
    packed = tmp_path / "packed.nt.gz"
    packed.write_bytes(gzip.compress(_triples(tmp_path / "b.nt", 300, "b").read_bytes()))
    report = disk.load_files([plain, packed])
    assert report.quads == 800 == len(data_quads(disk.quads()))
    files = [plain.resolve().as_uri(), packed.resolve().as_uri()]
    assert disk.named_graphs() == sorted([*files, history.HISTORY_BASE, f"{history.HISTORY_BASE}1"])
    assert not _leftovers(tmp_path / "store")


def test_both_ways_of_completing_the_store_keep_the_other_graphs(
    disk: Store, tmp_path: Path
) -> None:
    """Replacing a small graph of a big store (a checkpoint drops it) and a big graph of a
    small one (what stays is copied) leave every other graph as it was."""
    big = _triples(tmp_path / "big.nt", 5_000, "big")
    small = _triples(tmp_path / "small.nt", 50, "small")
    disk.load_files([big, small])
    before = data_quads(disk.quads())  # each load adds a revision: compare the data graphs
    for path, count, tag in ((small, 60, "small2"), (big, 4_000, "big2")):
        _triples(path, count, tag)
        disk.load_files([path])
        graph = ox.NamedNode(path.resolve().as_uri())
        mine = {q for q in disk.quads() if q.graph_name == graph}
        assert len(mine) == count
        assert {value(q.subject).split("/")[3] for q in mine} == {tag}
        others = {q for q in data_quads(disk.quads()) if q.graph_name != graph}
        assert others == {q for q in before if q.graph_name != graph}
        before = data_quads(disk.quads())


def test_a_reload_replaces_the_named_graphs_a_quads_file_writes(
    disk: Store, tmp_path: Path
) -> None:
    """The batch's graphs are only known once it is staged; they are replaced, not added to."""
    data = tmp_path / "claims.nq"
    data.write_text(f'<{EX}s> <{EX}p> "old" <{EX}g1> .\n<{EX}t> <{EX}p> "kept" <{EX}g2> .\n')
    disk.load_files([data])
    data.write_text(f'<{EX}s> <{EX}p> "new" <{EX}g1> .\n')
    report = disk.load_files([data])
    in_g1 = {value(q.object) for q in disk.quads() if q.graph_name == ox.NamedNode(f"{EX}g1")}
    assert in_g1 == {"new"}
    assert report.graphs == 2  # g1 and the file's own graph (empty: every quad names a graph)


def test_a_syntax_error_late_in_a_big_file_names_the_line_and_writes_nothing(
    disk: Store, tmp_path: Path
) -> None:
    disk.load_files([_triples(tmp_path / "keep.nt", 100, "keep")])
    before = set(disk.quads())
    bad = _triples(tmp_path / "bad.nt", 20_000, "bad")
    with bad.open("a") as out:
        out.write(f"<{EX}s> <{EX}p> oops .\n")
    with pytest.raises(RdfParseError) as error:
        disk.load_files([bad])
    assert error.value.line == 20_001
    assert set(disk.quads()) == before
    assert not _leftovers(tmp_path / "store")


def test_a_damaged_gzip_file_is_a_parse_error(disk: Store, tmp_path: Path) -> None:
    packed = tmp_path / "cut.nt.gz"
    packed.write_bytes(gzip.compress(_triples(tmp_path / "x.nt", 2_000, "x").read_bytes())[:500])
    with pytest.raises(RdfParseError, match="gzip"):
        disk.load_files([packed])
    assert len(disk) == 0


def test_a_reserved_graph_is_refused_after_staging_and_nothing_is_written(
    disk: Store, tmp_path: Path
) -> None:
    data = tmp_path / "sneaky.nq"
    data.write_text(f'<{EX}s> <{EX}p> "x" <https://w3id.org/histkg/graph/data/events> .\n')
    with pytest.raises(InputError, match="graph of the curated load"):
        disk.load_files([data])
    assert len(disk) == 0
    assert not _leftovers(tmp_path / "store")


def test_the_staging_directory_of_a_dead_process_is_swept_at_open(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    left = tmp_path / f".histkg-load-{dead.stdout.strip()}-abc"
    (left / "new").mkdir(parents=True)
    mine = tmp_path / f".histkg-load-{os.getpid()}-abc"  # a live process's: left alone
    mine.mkdir()
    Store(str(tmp_path / "store")).close()
    assert not left.exists()
    assert mine.exists()
