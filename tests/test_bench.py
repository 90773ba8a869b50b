"""``bench/run``: a small run through the native load generator, and how its numbers are read."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.__main__ import READ_ONLY, _cell, _ratio, _ratio_text, _targets
from bench.wrk import CLIENT_BOUND_SHARE, client_bound

ROOT = Path(__file__).parent.parent


@pytest.mark.bench
@pytest.mark.needs("wrk")
def test_small_benchmark_records_the_generator_its_ceiling_and_client_bound_cells(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "PYTHON": sys.executable}
    done = subprocess.run(
        [
            str(ROOT / "bench" / "run"),
            *("--size", "small", "--connections", "8", "--seconds", "1"),
            *("--shacl-limit", "0", "--out", str(tmp_path)),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (written,) = tmp_path.glob("*.json")
    results = json.loads(written.read_text())
    assert results["sizes"]["triples"] > 10_000
    generator = results["generator"]
    assert generator["name"] == "wrk"
    assert generator["version"].startswith("wrk")
    assert (generator["connections"], generator["seconds"]) == ([8], 1)
    assert generator["threads"]["8"] >= 1
    ceiling = generator["ceiling"]["throughput_rps"]["8"]
    runs = [run["8"]["throughput_rps"] for run in generator["ceiling"]["runs"]]
    assert len(runs) == 2
    assert ceiling == max(runs) > 0
    servers = results["servers"]
    assert {"histkg", "oxigraph", "rdflib-endpoint"} <= set(servers)
    measured = {name: s for name, s in servers.items() if "sparql" in s}
    assert {"histkg", READ_ONLY, "oxigraph"} <= set(measured)
    # every server gave the same answers, and every cell was answered and judged
    assert len({json.dumps(s["rows"], sort_keys=True) for s in measured.values()}) == 1
    assert None not in measured["histkg"]["rows"].values()
    for server in measured.values():
        for cell in server["sparql"].values():
            assert cell["throughput_rps"] > 0
            assert cell["client_bound"] == (cell["throughput_rps"] >= CLIENT_BOUND_SHARE * ceiling)
    assert set(measured["histkg"]["pages"]) == {"event page@8", "person page@8", "search@8"}
    assert f"{ceiling:,.0f} req/s @8" in done.stdout
    assert "| point@8 | " in done.stdout


def test_a_peer_near_the_ceiling_gets_a_bound_not_a_ratio() -> None:
    ceiling = 40_000.0
    assert client_bound(CLIENT_BOUND_SHARE * ceiling, ceiling)
    assert not client_bound(CLIENT_BOUND_SHARE * ceiling - 1, ceiling)
    assert not client_bound(None, ceiling)
    peer_bound = _ratio({"throughput_rps": 1_000.0}, {"throughput_rps": 30_000.0}, ceiling)
    assert peer_bound["ratio"] is None
    assert peer_bound["at_most"] == pytest.approx(0.033)
    assert _ratio_text(peer_bound) == "<= 0.033 (peer client-bound)"
    both_measured = _ratio({"throughput_rps": 1_000.0}, {"throughput_rps": 4_000.0}, ceiling)
    assert both_measured["ratio"] == 0.25
    assert _ratio_text(both_measured) == "0.25"
    ours_bound = _ratio({"throughput_rps": 25_000.0}, {"throughput_rps": 5_000.0}, ceiling)
    assert _ratio_text(ours_bound) == ">= 5.0 (histkg client-bound)"


def test_a_client_bound_cell_says_so_in_the_table() -> None:
    cell: dict[str, Any] = {
        "requests": 30_000,
        "errors": 0,
        "error_kinds": {},
        "p50_ms": 0.2,
        "p99_ms": 1.5,
        "throughput_rps": 30_000.0,
        "client_bound": True,
    }
    assert _cell(cell) == "0.2 / 1.5, 30,000.0 **client-bound**"
    assert _cell({**cell, "client_bound": False}) == "0.2 / 1.5, 30,000.0"
    assert _cell({"requests": 0, "seconds": 1}) == "no answer in 1 s"


def test_the_targets_say_which_are_met_and_what_the_engine_alone_reaches() -> None:
    """Issue 19's targets, read off one run: a point-lookup ratio under 0.5x is not met, and
    the line says how far the engine alone comes (the measured reason); client-bound cells
    give no verdict."""
    ceiling = 70_000.0

    def servers(**rps: float) -> dict[str, Any]:
        return {name: {"sparql": {"point@8": {"throughput_rps": v}}} for name, v in rps.items()}

    results: dict[str, Any] = {
        "servers": servers(
            histkg=3_000.0,
            oxigraph=12_000.0,
            engine=3_300.0,
            **{"engine-x2": 6_000.0, READ_ONLY: 6_600.0},
        ),
        "generator": {"ceiling": {"throughput_rps": {"8": ceiling}}},
        "ratios": {
            "oxigraph": {
                "point@8": _ratio(
                    {"throughput_rps": 3_000.0}, {"throughput_rps": 12_000.0}, ceiling
                ),
                "join@8": _ratio({"throughput_rps": 90.0}, {"throughput_rps": 60.0}, ceiling),
                "range@8": _ratio({"throughput_rps": 5.0}, {"throughput_rps": 40_000.0}, ceiling),
            },
            "rdflib-endpoint": {
                "point@8": _ratio({"throughput_rps": 3_000.0}, {"throughput_rps": 300.0}, ceiling),
                "join@8": _ratio({"throughput_rps": 90.0}, {"throughput_rps": 40.0}, ceiling),
            },
        },
    }
    point, join, range_, rdflib = _targets(results)
    assert point == (
        "point@8: histkg/oxigraph 0.25 (target >= 0.5x: NOT met); "
        "read-only, 2 processes: 0.55 (met); "
        "the engine alone against oxigraph: engine 0.28x, engine-x2 0.50x"
    )
    assert join.endswith("(target >= 0.7x: met)")
    assert range_.endswith("(target >= 0.9x: n/a)")  # oxigraph at the client's ceiling
    assert (
        rdflib
        == "histkg/rdflib-endpoint: lowest 2.25x of 2 cells (target >= 3.0x on every kind: NOT met)"
    )
