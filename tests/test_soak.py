"""``bench/soak`` at a small size: it completes, and the server gave no unintended error.

The real script runs as a user runs it (a subprocess that starts ``python -m app serve`` in
turn) with 10 clients for 4 seconds, a 2-second query timeout and a runaway query every second,
over the small synthetic graph. It must exit 0 (no answer but 200, apart from the runaways'
503 ``query_timeout``) and write JSON with every reported figure. The full-size figures (50
clients, 60 s, 1 million triples) are in docs/benchmarks.md; timing is not asserted here.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.bench
def test_a_small_soak_completes_without_unintended_errors(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            str(ROOT / "bench" / "soak"),
            *("--clients", "10", "--seconds", "4", "--size", "small"),
            *("--query-timeout", "2", "--runaway-every", "1", "--sample-every", "0.5"),
            *("--out", str(tmp_path)),
        ],
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (written,) = tmp_path.glob("soak-*-small.json")
    soak = json.loads(written.read_text())["soak"]
    assert soak["unintended_errors"] == 0, soak["errors"]
    assert soak["errors"] == {}
    assert soak["served"] > 0
    assert soak["served"] == sum(kind["requests"] for kind in soak["by_kind"].values())
    assert {"page", "search", "search.json", "sparql:point", "sparql:aggregate"} <= set(
        soak["by_kind"]
    )
    for row in soak["by_kind"].values():
        assert {"requests", "errors", "p50_ms", "p99_ms", "outcomes"} <= set(row)
    assert soak["runaways"]["timed_out_503"] >= 1
    assert soak["p99_ms"] >= soak["p50_ms"] > 0
    memory = soak["memory_mb"]
    assert memory["start"] > 0
    assert memory["end"] > 0
    assert len(memory["samples"]) >= 3
    assert "slope_second_half_mb_per_min" in memory
    assert memory["server_process"]["end"] > 0
    assert "unintended errors" in done.stdout
