"""``bench/run --size small``: a smoke run that only checks it completes and writes valid JSON."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.bench
def test_small_benchmark_completes_and_writes_json(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHON": sys.executable}
    done = subprocess.run(
        [str(ROOT / "bench" / "run"), "--size", "small", "--out", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (written,) = tmp_path.glob("*.json")
    results = json.loads(written.read_text())
    assert results["sizes"]["triples"] > 10_000
    assert {"histkg", "oxigraph", "rdflib-endpoint"} <= set(results["servers"])
    assert "histkg" in done.stdout
