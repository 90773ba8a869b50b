"""A/B runs of the read path (issue 19): the code before a change and this checkout, in turn.

``python -m bench.ab --store DIR --before DIR --label 1m`` serves a store (``histkg synth`` +
``histkg load``; use a copy: ``histkg serve`` keeps its derived views beside it) with
``histkg serve --no-load`` from the checkout ``--before`` (``git archive REV | tar -x -C DIR``)
and then from this one, on one loopback port at a time, waits for each start's warm-up
(``/health`` says ``warm``), and measures with wrk (8 connections, ``--seconds`` a cell):

* ``point``: SPARQL point lookups by GET (``bench.load``'s ``point`` kind), also against
  ``oxigraph serve-read-only`` on the same store, the peer of the same run;
* ``event``: 300 event pages, each asked once before the cell (what a kept page costs);
* ``hub``: the page of one hub person (``synth-5``), asked once before the cell;
* ``facets``: the seconds ``ReadModel.facets`` takes to build in a process of its own, the
  derived views kept beside the store removed first, so both checkouts build from the store.

Why in turn, in one run: on a shared machine the spread between runs is larger than many of
the differences measured, so only numbers of one run are compared. Results go to
``bench/results/ab-<timestamp>-<label>.json`` and a table is printed.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench import servers, wrk
from bench.load import query_mix
from bench.report import write_results

RESULTS = Path(__file__).parent / "results"
THIS = Path(__file__).resolve().parent.parent
KINDS = ("point", "event", "hub")
SERVE = (
    "import runpy, sys; sys.path.insert(0, {tree!r}); sys.argv = {argv!r}; "
    "runpy.run_module('app', run_name='__main__')"
)
FACETS = """
import sys, time
sys.path.insert(0, sys.argv[1])  # the checkout's app, not the one in the working directory
from app.read import read_model
from app.settings import Settings
from app.store import Store
settings = Settings()
with Store.from_settings(settings) as store:
    started = time.perf_counter()
    read_model(store).facets(settings.base_iri)
    print(time.perf_counter() - started)
"""


def _paths(kind: str, query_url: str, rng: random.Random, events: int, persons: int) -> list[str]:
    if kind == "event":
        return [f"/id/event/synth-{rng.randrange(events)}" for _ in range(300)]
    if kind == "hub":
        return ["/id/person/synth-5"]
    point = query_mix(events, persons)["point"]
    return wrk.query_paths(query_url, [point(rng) for _ in range(2000)])


def _env(tree: Path, store: Path) -> dict[str, str]:
    return {"HISTKG_STORE": str(store), "HISTKG_PROJECT_DIR": str(tree), "PYTHONPATH": str(tree)}


def _cells(args: argparse.Namespace, tree: Path, generator: wrk.Generator) -> dict[str, Any]:
    """The cells of one checkout: one start, its warm-up, then each kind in turn."""
    port = servers.free_port()
    # ``python -m app`` would import the app of the working directory, whatever PYTHONPATH says
    argv = ["histkg", "serve", "--no-load", "--port", str(port)]
    command = [sys.executable, "-c", SERVE.format(tree=str(tree), argv=argv)]
    found: dict[str, Any] = {}
    with servers.started(str(tree), command, "/sparql", _env(tree, args.store), port, 900) as s:
        found["warm_seconds"] = round(servers.wait_warm(s, 900), 1)
        for kind in KINDS:
            rng = random.Random(1)  # noqa: S311 (the same requests for both checkouts)
            paths = _paths(kind, s.query_url, rng, args.events, args.persons)
            accept = wrk.SPARQL_JSON if kind == "point" else "text/html"
            if kind != "point":  # kept pages: each asked once first
                for path in paths:
                    httpx.get(s.base + path, headers={"Accept": accept}, timeout=120)
            servers.wait_idle(s)
            found[kind] = _cell(generator, s.base, paths, accept, args.seconds)
    return found


def _cell(
    generator: wrk.Generator, base: str, paths: list[str], accept: str, seconds: int
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-ab-") as work:
        return wrk.run(
            generator,
            base,
            paths,
            connections=8,
            seconds=seconds,
            workdir=Path(work),
            accept=accept,
        )


def _oxigraph(args: argparse.Namespace, generator: wrk.Generator) -> dict[str, Any]:
    port = servers.free_port()
    command = servers.oxigraph_command(
        "serve-read-only", "--location", str(args.store), "--bind", f"127.0.0.1:{port}"
    )
    command.append("--union-default-graph")
    with servers.started("oxigraph", command, "/query", {}, port, 900) as s:
        paths = _paths("point", s.query_url, random.Random(1), args.events, args.persons)  # noqa: S311
        return {"point": _cell(generator, s.base, paths, wrk.SPARQL_JSON, args.seconds)}


def _facets(tree: Path, store: Path) -> float:
    """Seconds to build the facets in a fresh process, with no derived views kept."""
    for views in store.parent.glob(f".{store.name}.histkg-views"):
        shutil.rmtree(views)
    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", FACETS, str(tree)],
        env={**os.environ, **_env(tree, store)},
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    return round(float(done.stdout.split()[-1]), 1)


def table(report: dict[str, Any]) -> str:
    rows = [
        "| checkout | warm s | point req/s (p99 ms) | event | hub | facets s |",
        "|---|---|---|---|---|---|",
    ]
    for name, found in report["trees"].items():
        cells = [
            f"{found[k]['throughput_rps']} ({found[k]['p99_ms']})" if k in found else ""
            for k in KINDS
        ]
        warm, facets = found.get("warm_seconds", ""), found.get("facets", "")
        rows.append(f"| {name} | {warm} | {' | '.join(cells)} | {facets} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--label", default="1m")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--events", type=int, default=22000)
    parser.add_argument("--persons", type=int, default=4400)
    parser.add_argument("--no-facets", action="store_true")
    args = parser.parse_args()
    generator = wrk.ensure(install=False)
    trees = {"before": args.before.resolve(), "after": THIS}
    report: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "store": str(args.store),
        "before": str(trees["before"]),
        "generator": generator.describe(),
        "load_average": os.getloadavg(),
        "trees": {},
    }
    for name, tree in trees.items():
        report["trees"][name] = _cells(args, tree, generator)
        print(name, report["trees"][name], flush=True)
    report["trees"]["oxigraph"] = _oxigraph(args, generator)
    if not args.no_facets:
        for name, tree in trees.items():
            report["trees"][name]["facets"] = _facets(tree, args.store)
    report["load_average_after"] = os.getloadavg()
    print(table(report))
    print("wrote", write_results(report, RESULTS, args.label, prefix="ab-"))


if __name__ == "__main__":
    main()
