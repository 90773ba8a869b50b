"""Where the benchmarks put their results: one JSON file a run, in ``bench/results``."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def write_results(
    results: dict[str, Any], out: Path, size: str, *, prefix: str = "", stamp: str | None = None
) -> Path:
    """Write ``results`` as ``out/<prefix><UTC stamp>-<size>.json`` (``out`` made if missing).

    ``stamp`` is the run's own (the ``time`` a results dict records), so that the name and the
    contents agree; by default, the time of writing."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = stamp or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = out / f"{prefix}{stamp}-{size}.json"
    target.write_text(json.dumps(results, indent=2) + "\n")
    return target
