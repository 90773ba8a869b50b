"""``histkg load page.trig`` into a big store: a small load as a delta, against the staged way.

``python -m bench.load_delta --store DIR --label 1m [--source DIR]`` copies the store (never
written: the copy is deleted at the end), runs the curated load on the copy when it has none
(so the page is validated against the ontology, as on a real store), and times whole
``histkg load PAGE`` commands, a few runs each:

* ``changed``: the page alternates between two versions that differ in a few statements, so
  every load replaces the page's graphs with a small change and records a revision;
* ``same``: the same file loaded again (no change, no revision).

The page is ``histkg synth`` TriG (a few events: some hundred quads) with its IRIs renamed so
they are new to the store. ``--source DIR`` also times the code of another checkout (the code
before the change: a staged load, which copies or checkpoints the store and swaps it in).
Results go to ``bench/results/load-delta-<timestamp>-<label>.json`` and a table is printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from app import store as store_module
from app.store import Store
from app.tools.synth import write_synthetic
from app.writes import load_check
from bench.report import write_results
from bench.servers import histkg_command

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"


def page(directory: Path, events: int, tag: str = "pagex") -> tuple[Path, str, str]:
    """The page's path and its two versions' text (the second with a few labels changed); its
    IRIs carry ``tag`` instead of ``synth``, so they are new to a store of synth output (five
    letters too: the texts name some IRIs, and the anchors' offsets must stay right)."""
    raw = directory / "raw.trig"
    write_synthetic(raw, events=events, seed=7)
    first = re.sub(r"(?<=[/-])synth", tag, raw.read_text(encoding="utf-8"))
    second = first.replace('"Synthetic book 0"@en', '"Synthetic book 0, revised"@en', 1)
    return directory / f"{tag}.trig", first, second


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time of the whole command, and the load's own time as it reports it (``in X s``:
    parsing, validating and writing, without the process start and the store's opening)."""
    began = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip()}")
    reported = re.search(r" in ([0-9.]+) s$", done.stdout.strip())
    return wall, float(reported.group(1)) if reported else wall


def _summary(runs: list[tuple[float, float]]) -> dict[str, Any]:
    walls, loads = [wall for wall, _ in runs], [load for _, load in runs]
    return {
        "runs": len(runs),
        "median_s": round(statistics.median(walls), 3),
        "min_s": round(min(walls), 3),
        "max_s": round(max(walls), 3),
        "load_median_s": round(statistics.median(loads), 3),
        "load_max_s": round(max(loads), 3),
    }


def measure(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="histkg-load-delta-", dir=args.work))
    try:
        store = work / "store"
        shutil.copytree(args.store, store, symlinks=True)
        path, first, second = page(work, args.events)
        path.write_text(first, encoding="utf-8")
        quads = len(list(ox.parse(first.encode(), format=ox.RdfFormat.TRIG)))
        env = {**os.environ, "HISTKG_STORE": str(store), "HISTKG_PROJECT_DIR": str(ROOT)}
        env["HISTKG_QUERY_WORKERS"] = "0"
        timed(histkg_command("load"), env)  # the curated load (the ontology), not measured
        codes: dict[str, dict[str, str]] = {"delta": env}
        if args.source:
            # ``python -m`` puts the working directory first: PYTHONSAFEPATH leaves it out
            codes["staged"] = {**env, "PYTHONPATH": str(args.source), "PYTHONSAFEPATH": "1"}
        results: dict[str, Any] = {}
        for name, code_env in codes.items():
            changed: list[tuple[float, float]] = []
            for run in range(args.runs):
                path.write_text(second if run % 2 == 0 else first, encoding="utf-8")
                changed.append(timed(histkg_command("load", str(path)), code_env))
            same = [timed(histkg_command("load", str(path)), code_env) for _ in range(args.runs)]
            results[name] = {"changed": _summary(changed), "same": _summary(same)}
        if args.sizes:
            results["sizes"] = sizes(store, work, args.sizes)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "label": args.label,
        "time": dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ"),
        "source": str(args.source or ""),
        "page_quads": quads,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "method": (
            "a copy of the store with the curated load; wall time of whole `histkg load "
            "page.trig` commands (process start included), and the load's own time as the "
            "command reports it (load_*: without start-up), the page alternating between two "
            "versions a few statements apart (changed), then loaded again unchanged (same); "
            "delta: this checkout, staged: --source"
        ),
        "results": results,
    }


def sizes(location: Path, work: Path, events: list[int]) -> list[dict[str, Any]]:
    """In this process, a new chapter of ``n`` events loaded as a delta (validated), one as a
    delta without validation, and one staged (``SMALL_LOAD_QUADS`` set out of the way each
    time): where writing a delta stops paying, and what validating it adds."""
    rows: list[dict[str, Any]] = []
    with Store(str(location), query_timeout=600) as store:
        check = load_check(store, ROOT)
        for n in events:
            row: dict[str, Any] = {"events": n}
            ways = (("delta", 10**9, check), ("unchecked", 10**9, None), ("staged", 0, None))
            for way, bound, checked in ways:
                path, text, _ = page(work, n, tag=f"{way[0]}{n:04d}")
                path.write_text(text, encoding="utf-8")
                row["quads"] = len(list(ox.parse(text.encode(), format=ox.RdfFormat.TRIG)))
                original, store_module.SMALL_LOAD_QUADS = store_module.SMALL_LOAD_QUADS, bound
                try:
                    began = time.perf_counter()
                    store.load_files([path], check=checked)
                    row[f"{way}_s"] = round(time.perf_counter() - began, 3)
                finally:
                    store_module.SMALL_LOAD_QUADS = original
            rows.append(row)
            print(row, flush=True)
    return rows


def table(report: dict[str, Any]) -> str:
    rows = [
        "| code | load | runs | median s | min s | max s | load median s | load max s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for code, value in report["results"].items():
        if not isinstance(value, dict):
            continue
        for load, run in value.items():
            rows.append(
                f"| {code} | {load} | {run['runs']} | {run['median_s']} | {run['min_s']} "
                f"| {run['max_s']} | {run['load_median_s']} | {run['load_max_s']} |"
            )
    return "\n".join(rows)


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # the copy is deleted on the way out
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--label", default="1m")
    parser.add_argument("--source", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--events", type=int, default=4)
    parser.add_argument(
        "--sizes", type=int, nargs="*", default=[], help="chapters of N events, in process"
    )
    parser.add_argument("--work", type=Path, default=None, help="where to copy the store")
    args = parser.parse_args()
    report = measure(args)
    out = write_results(report, RESULTS, args.label, prefix="load-delta-", stamp=report["time"])
    print(table(report))
    for row in report["results"].get("sizes", []):
        print(row)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
