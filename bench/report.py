"""Where ``bench/run`` and ``bench/soak`` put their results: one JSON file a run."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def write_results(results: dict[str, Any], out: Path, size: str, *, prefix: str = "") -> Path:
    """Write ``results`` as ``out/<prefix><UTC stamp>-<size>.json`` (``out`` made if missing)."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = out / f"{prefix}{stamp}-{size}.json"
    target.write_text(json.dumps(results, indent=2) + "\n")
    return target
