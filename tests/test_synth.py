"""``histkg synth``: a deterministic synthetic graph that conforms to our shapes."""

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdfterms import value
from typer.testing import CliRunner

from app.cli import cli
from app.tools.synth import write_synthetic
from app.validate import validate_paths

ROOT = Path(__file__).parent.parent
HK = "https://w3id.org/histkg/ontology#"


def test_same_seed_same_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a.nq", tmp_path / "b.nq", tmp_path / "c.nq"
    write_synthetic(first, events=300, seed=7)
    write_synthetic(second, events=300, seed=7)
    write_synthetic(other, events=300, seed=8)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_size_scales_with_the_number_of_events(tmp_path: Path) -> None:
    small = write_synthetic(tmp_path / "s.nq", events=1000, seed=1)
    large = write_synthetic(tmp_path / "l.nq", events=4000, seed=1)
    assert 3.5 < large / small < 4.5
    with (tmp_path / "l.nq").open() as lines:
        assert sum(1 for _ in lines) == large


@pytest.mark.parametrize("suffix", [".nq", ".trig"])
def test_small_output_conforms_to_the_shapes(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"synth{suffix}"
    write_synthetic(path, events=150, seed=3)
    report = validate_paths([path], ROOT)
    assert report.conforms, report.to_text()


def test_nquads_and_trig_hold_the_same_dataset(tmp_path: Path) -> None:
    write_synthetic(tmp_path / "g.nq", events=100, seed=2)
    write_synthetic(tmp_path / "g.trig", events=100, seed=2)
    a, b = ox.Store(), ox.Store()
    a.load(path=str(tmp_path / "g.nq"), format=ox.RdfFormat.N_QUADS)
    b.load(path=str(tmp_path / "g.trig"), format=ox.RdfFormat.TRIG)
    assert set(a) == set(b)


def column(store: ox.Store, query: str, variable: str) -> list[str]:
    """The values ``variable`` takes in the solutions of a SELECT query, in order."""
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    return [value(solution[variable]) for solution in solutions]


def test_every_date_precision_and_heavy_tailed_participation(tmp_path: Path) -> None:
    path = tmp_path / "g.nq"
    write_synthetic(path, events=2000, seed=5)
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.N_QUADS)
    values = column(store, f"SELECT ?v WHERE {{ GRAPH ?g {{ ?t <{HK}edtf> ?v }} }}", "v")
    assert any(len(v) == 10 for v in values)  # day
    assert any(len(v) == 7 and int(v[5:]) <= 12 for v in values)  # month
    assert any(len(v) == 7 and int(v[5:]) >= 21 for v in values)  # season
    assert any(len(v) == 4 for v in values)  # year
    assert any("/" in v and len(v) == 9 for v in values)  # range of years
    assert any("/" in v and len(v) == 21 for v in values)  # range of days
    counts = [
        int(n)
        for n in column(
            store,
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?e "
            "<http://www.cidoc-crm.org/cidoc-crm/P14_carried_out_by> ?p } } "
            "GROUP BY ?p ORDER BY DESC(?n)",
            "n",
        )
    ]
    assert counts[0] > 20 * counts[len(counts) // 2]
    letters = store.query(
        f"ASK {{ GRAPH ?g {{ ?e <{HK}addressee> ?r ; "
        "<http://www.cidoc-crm.org/cidoc-crm/P14_carried_out_by> ?s } }"
    )
    assert bool(letters)


def test_cli_writes_the_file_and_refuses_an_unknown_extension(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["synth", "--events", "20", "--seed", "1", str(tmp_path / "x.nq")])
    assert result.exit_code == 0, result.output
    assert "quads" in result.output
    result = runner.invoke(cli, ["synth", str(tmp_path / "x.csv")])
    assert result.exit_code == 1
