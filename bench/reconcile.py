"""The reconciliation index on a large store: its build, and ``/reconcile`` over HTTP.

``python -m bench.reconcile --store DIR --label 1m`` measures, on an existing store (the
curated data and ``histkg synth`` output, loaded; served for reads only, but use a copy, as
``histkg serve`` takes the store's lock):

1. the build of the entity index, in a child process each (its peak RSS is the child's), by
   the streamed scans (``load_records``) and by the paged queries they replaced
   (``load_records_by_query``), each bounded by ``--timeout`` seconds of query time (the
   queries' own limit, ``HISTKG_QUERY_TIMEOUT``'s default) and ``--bound`` seconds of wall time;
2. ``histkg serve --no-load`` on loopback: a ``/reconcile`` query sent as the server starts
   (answered, or 503 ``not_ready`` once the query timeout has passed: how long it waited),
   the time until the warm-up (home page, search index, reconciliation index) is done, then
   ``--rounds`` rounds of a few queries one after another, timed request to 200.

Results go to ``bench/results/reconcile-<timestamp>-<label>.json`` and a table is printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.load import Run
from bench.report import write_results
from bench.servers import free_port, histkg_command, started, wait_warm
from bench.workbench import RESULTS

#: A few queries as OpenRefine sends them: a name alone, typed, dated, and a suggestion.
QUERIES: dict[str, dict[str, Any]] = {
    "name": {"query": "Joseph Stalin"},
    "typed": {"query": "Anna Ivanova", "type": "Q5"},
    "dated": {"query": "Voroshilov", "properties": [{"pid": "date", "v": "1932"}]},
    "place": {"query": "Moscow", "type": "crm:E53_Place"},
}


def build(store: str, way: str, timeout: float) -> dict[str, Any]:
    """One build of the index (in this process): seconds, records, peak RSS, or the error."""
    from app.errors import HistkgError
    from app.linking.reconcile import EntityIndex
    from app.linking.records import load_records, load_records_by_query
    from app.store import Store

    opened = Store(store, read_only=True, query_timeout=timeout, query_workers=0)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began = time.perf_counter()
    try:
        records = (load_records if way == "scans" else load_records_by_query)(opened)
        index = EntityIndex.build(records)
    except HistkgError as error:
        return {"way": way, "ok": False, "error": error.code, "seconds": _since(began)}
    return {
        "way": way,
        "ok": True,
        "seconds": _since(began),
        "records": len(index.records),
        "words": len(index.words),
        "rss_before_mib": round(before / 1024, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _since(began: float) -> float:
    return round(time.perf_counter() - began, 2)


def _child(store: Path, way: str, timeout: float, bound: float) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.reconcile", "--child", way, "--store", str(store)]
    command += ["--timeout", str(timeout)]
    try:
        done = subprocess.run(  # noqa: S603 - our own command
            command, capture_output=True, text=True, timeout=bound, check=True
        )
    except subprocess.TimeoutExpired:
        return {"way": way, "ok": False, "error": f"over the {bound:g} s bound", "seconds": bound}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _post(client: httpx.Client, query: dict[str, Any]) -> httpx.Response:
    return client.post("/reconcile", data={"queries": json.dumps({"q": query})})


def serve(args: argparse.Namespace) -> dict[str, Any]:
    """``histkg serve`` over the store: the first query, the warm-up, then timed queries."""
    port = free_port()
    env = {"HISTKG_STORE": str(args.store), "HISTKG_PORT": str(port), "HISTKG_QUERY_WORKERS": "1"}
    command = histkg_command("serve", "--no-load", "--port", str(port))
    runs: dict[str, list[float]] = {name: [] for name in (*QUERIES, "suggest")}
    errors = 0
    with (
        started("histkg", command, "/sparql", env, port, 300) as server,
        httpx.Client(base_url=server.base, timeout=120) as client,
    ):
        began = time.perf_counter()
        first = _post(client, QUERIES["name"])
        first_run = {
            "status": first.status_code,
            "code": first.json().get("error", {}).get("code") if first.status_code != 200 else "",
            "seconds": _since(began),
        }
        warm = wait_warm(server, args.bound)
        quads = client.get("/health").json().get("quads")
        for _ in range(args.rounds):
            for name, query in QUERIES.items():
                began = time.perf_counter()
                answer = _post(client, query)
                runs[name].append(time.perf_counter() - began)
                errors += answer.status_code != 200
            began = time.perf_counter()
            answer = client.get("/reconcile/suggest/entity", params={"prefix": "Stal"})
            runs["suggest"].append(time.perf_counter() - began)
            errors += answer.status_code != 200
        peak = server.peak_main
    return {
        "quads": quads,
        "first_query_at_start": first_run,
        "warm_up_s": round(warm, 2),
        "server_peak_rss_mib": round(peak / 2**20, 1),
        "errors": errors,
        "queries": {
            name: Run(len(times), 0, sum(times), times).summary() for name, times in runs.items()
        },
    }


def measure(args: argparse.Namespace) -> dict[str, Any]:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    builds = [_child(args.store, way, args.timeout, args.bound) for way in ("scans", "queries")]
    return {
        "label": args.label,
        "time": stamp,
        "machine": {
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg()[0],
            "python": platform.python_version(),
        },
        "method": (
            "index build (records + EntityIndex) in a child process per way, store opened "
            f"read-only, query timeout {args.timeout:g} s, wall bound {args.bound:g} s, peak "
            "RSS = the child's ru_maxrss; then histkg serve --no-load on loopback "
            "(HISTKG_QUERY_WORKERS=1): one query at start, the warm-up's end from /health, "
            f"then {args.rounds} rounds of 4 /reconcile POSTs (one query each) and one "
            "suggest/entity GET, one after another, timed request to answer"
        ),
        "build": builds,
        "serve": serve(args),
    }


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--label", default="1m")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--bound", type=float, default=300.0)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--child", choices=("scans", "queries"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(build(str(args.store), args.child, args.timeout)))
        return
    report = measure(args)
    path = write_results(report, RESULTS, args.label, prefix="reconcile-", stamp=report["time"])
    print("| build | ok | seconds | records | peak RSS MiB |\n| --- | --- | --- | --- | --- |")
    for done in report["build"]:
        cells = (done.get("error", "yes"), done["seconds"], done.get("records", ""))
        print(f"| {done['way']} | {cells[0]} | {cells[1]} | {cells[2]} | ", end="")
        print(f"{done.get('peak_rss_mib', '')} |")
    served = report["serve"]
    print(
        f"first query at start: {served['first_query_at_start']}; warm-up {served['warm_up_s']} s"
    )
    print("| query | requests | p50 ms | p99 ms |\n| --- | --- | --- | --- |")
    for name, run in served["queries"].items():
        print(f"| {name} | {run['requests']} | {run['p50_ms']} | {run['p99_ms']} |")
    print(f"quads: {served['quads']}; errors: {served['errors']}; to {path}")


if __name__ == "__main__":
    main()
