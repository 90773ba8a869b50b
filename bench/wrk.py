"""The load generator of ``bench/run``: wrk, a native client, driven by one Lua script.

A Python client (threads with httpx) saturated near a thousand requests a second here, so every
fast server looked alike at that ceiling. wrk (Debian's ``wrk``) keeps its connections on an
event loop in C, and ``bench/lua/paths.lua`` draws each request at random from a file of
request paths that Python writes from the same query mix as before, so the mix is defined once.

Its own ceiling is measured in the same run against ``bench/static.py`` (a server that answers
every request with a fixed body) at the same connection count, and a server reaching
``CLIENT_BOUND_SHARE`` of that ceiling is marked client-bound: there, the client and the loopback
interface, not the server, set the pace, and no ratio is drawn from the number.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

SCRIPT = Path(__file__).with_name("lua") / "paths.lua"
CLIENT_BOUND_SHARE = 0.5
"""A server at or above this share of the generator's ceiling is marked client-bound.

On two cores the client and the server share the CPU: at the ceiling the client alone takes
about half of the machine, so only below half of the ceiling does the server, not the client,
leave CPU unused.
"""
MARK = "BENCH-JSON "
SPARQL_JSON = "application/sparql-results+json"


class WrkMissing(RuntimeError):
    """wrk is not installed and could not be installed here."""


@dataclass(frozen=True)
class Generator:
    """The wrk binary to run and its version line (``wrk -v``)."""

    binary: str
    version: str

    def describe(self) -> dict[str, str]:
        return {"name": "wrk", "version": self.version, "binary": self.binary}


def _version(binary: str) -> str:
    # `wrk -v` prints its version line and the usage, and exits with 1
    done = subprocess.run(  # noqa: S603 (the wrk binary found on PATH)
        [binary, "-v"], capture_output=True, text=True, check=False, timeout=10
    )
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0].split(" Copyright")[0] if first else "unknown"


def _install() -> bool:
    """``apt-get install wrk`` where that is possible (root on Debian/Ubuntu), as the README's
    set-up installs chromium; False where it is not."""
    apt = shutil.which("apt-get")
    if apt is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return False
    print("bench/run: wrk is missing; installing Debian's wrk with apt-get", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in ([apt, "update", "-q"], [apt, "install", "-yq", "wrk"]):
        if subprocess.run(command, env=env, check=False).returncode:  # noqa: S603
            return False
    return True


def ensure(*, install: bool = True) -> Generator:
    """The installed wrk, installed first where missing and possible; else ``WrkMissing``."""
    binary = shutil.which("wrk")
    if binary is None and install and _install():
        binary = shutil.which("wrk")
    if binary is None:
        raise WrkMissing(
            "bench/run needs wrk, the native HTTP load generator: install it with "
            "`apt-get install wrk` (Debian, Ubuntu; run bench/run as root to have it installed "
            "for you) or `brew install wrk`, then run bench/run again"
        )
    return Generator(binary, _version(binary))


def query_paths(query_url: str, queries: list[str]) -> list[str]:
    """Request paths (with query strings) that send each SPARQL query by GET to ``query_url``."""
    path = urlsplit(query_url).path or "/"
    return [f"{path}?{urlencode({'query': query})}" for query in queries]


def _summary(raw: dict[str, Any], seconds: float) -> dict[str, Any]:
    lat = raw["latency_us"]
    answered = raw["requests"]
    errors = sum(raw["errors"].values())

    def ms(value: float) -> float | None:
        return round(value / 1000, 2) if answered else None

    elapsed = raw["duration_us"] / 1e6 or seconds
    return {
        "requests": answered,
        "errors": errors,
        "error_kinds": {k: v for k, v in raw["errors"].items() if v},
        "p50_ms": ms(lat["p50"]),
        "p90_ms": ms(lat["p90"]),
        "p99_ms": ms(lat["p99"]),
        "max_ms": ms(lat["max"]),
        "mean_ms": ms(lat["mean"]),
        # wrk counts a non-2xx answer as a request and as a "status" error: count only successes
        "throughput_rps": round((answered - raw["errors"]["status"]) / elapsed, 1),
    }


def threads_for(connections: int) -> int:
    """wrk's threads: one a CPU, and never more than connections (each needs one)."""
    return max(1, min(connections, os.cpu_count() or 1))


def run(
    generator: Generator,
    base: str,
    paths: list[str],
    *,
    connections: int,
    seconds: int,
    workdir: Path,
    accept: str = "application/sparql-results+json",
    seed: int = 0,
    timeout_s: int = 60,
) -> dict[str, Any]:
    """``connections`` keep-alive connections for ``seconds`` against ``base``, each request a
    random one of ``paths``; the summary of what wrk counted, with its settings."""
    threads = threads_for(connections)
    handle, name = tempfile.mkstemp(prefix="wrk-paths-", suffix=".txt", dir=workdir)
    listing = Path(name)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write("\n".join(paths) + "\n")
    try:
        done = subprocess.run(  # noqa: S603 (wrk with our own arguments)
            [
                generator.binary,
                f"--threads={threads}",
                f"--connections={connections}",
                f"--duration={seconds}s",
                f"--timeout={timeout_s}s",
                f"--header=Accept: {accept}",
                f"--script={SCRIPT}",
                base,
                "--",
                str(listing),
                str(seed),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=seconds + timeout_s + 30,
        )
    finally:
        listing.unlink(missing_ok=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    if done.returncode or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr[-500:]}")
    summary = _summary(json.loads(lines[-1][len(MARK) :]), seconds)
    summary.update(connections=connections, threads=threads, seconds=seconds)
    return summary


def client_bound(throughput: float | None, ceiling: float | None) -> bool:
    """Whether a throughput is too near the generator's ceiling to say anything of the server."""
    return bool(throughput and ceiling and throughput >= CLIENT_BOUND_SHARE * ceiling)
