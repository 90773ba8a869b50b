"""Write latency over HTTP, and what a continuous writer does to readers (issue 12).

``python -m bench.writes --store DIR --label 1m`` serves an existing store (``histkg load`` of
``histkg synth`` output; it is written to, so use a copy) with ``histkg serve --no-load`` on a
loopback port, waits for its start-up warm-up to finish (``/health`` says ``warm``, and the
browser's facets, counted after it, are ready), and
measures, end to end over HTTP:

* ``write50``: sequential SPARQL ``INSERT DATA`` writes of 50 quads (10 new entities, 5 triples
  each, into a graph of their own), p50 and p99;
* ``write5000``: a few writes of 5,000 quads, and ``write5000_cpu``, the server process's CPU
  time for each (user + system, from ``/proc``): on a machine shared with other work the wall
  time measures the load as much as the write, the CPU time does not;
* ``read``: point lookups (``bench.load``'s ``point`` kind) from 8 clients for a fixed time,
  without writes and then while one client writes 50 quads continuously; p99 of each.

``--source DIR`` runs the server from another checkout (the code before a change). Results go
to ``bench/results/writes-<timestamp>-<label>.json`` and a table is printed. Every phase is
bounded by a count and by seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench import wrk
from bench.load import Run, query_mix
from bench.report import write_results
from bench.servers import free_port, histkg_command, started

TOKEN = "bench-token"  # noqa: S105 - a loopback-only benchmark token
EX = "https://example.org/bench#"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RESULTS = Path(__file__).parent / "results"


def insert(tag: str, quads: int) -> str:
    """An ``INSERT DATA`` of ``quads`` quads (5 per entity) into a graph named by ``tag``."""
    entities = []
    for n in range(quads // 5):
        node = f"<{EX}{tag}-{n}>"
        entities.append(
            f'{node} a <{EX}Thing> ; <{LABEL}> "{tag} {n}" ; <{EX}n> {n} ; '
            f'<{EX}note> "bench" ; <{EX}next> <{EX}{tag}-{n + 1}> .'
        )
    return f"INSERT DATA {{ GRAPH <{EX}graph/{tag}> {{ {' '.join(entities)} }} }}"


def _cpu(pid: int) -> float:
    """Seconds of CPU (user + system) the process ``pid`` has used, all its threads; 0 where
    ``/proc`` cannot tell."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _write(client: httpx.Client, base: str, tag: str, quads: int) -> float:
    began = time.perf_counter()
    response = client.post(
        base + "/update",
        content=insert(tag, quads).encode(),
        headers={"Content-Type": "application/sparql-update"},
    )
    took = time.perf_counter() - began
    if response.status_code != 200:
        raise RuntimeError(f"write failed: {response.status_code} {response.text[:300]}")
    print(f"write {tag} ({quads} quads): {took * 1000:.1f} ms", flush=True)
    return took


def _wait_warm(client: httpx.Client, base: str, seconds: float) -> float | None:
    """Wait until the server's start-up warm-up (home page, search index, then the browser's
    facets and the reconciliation index) is done.

    It scans the whole store in threads of the server for tens of seconds at a million quads;
    writes measured meanwhile measure that scan. ``/health`` says ``warm`` once the home page
    and the search index are built, but the facets are counted after that, in a thread of
    their own (``app.routes.pages.warm_up``): ``/browse.json`` answers 503 until they are, and
    then the reconciliation index (minutes at 10 M quads): ``/reconcile`` answers 503 until it is.
    Returns the seconds waited (None: not warm in ``seconds``, measured anyway, and the JSON
    says so).
    """
    began = time.perf_counter()
    while time.perf_counter() - began < seconds:
        if client.get(base + "/health").json().get("warm", True):
            break
        time.sleep(0.5)
    for path in ("/browse.json", '/reconcile?queries={"q0":{"query":"x"}}'):
        while client.get(base + path).status_code == 503:
            if time.perf_counter() - began >= seconds:
                return None
            time.sleep(0.5)
    return round(time.perf_counter() - began, 1)


def _summary(latencies: list[float]) -> dict[str, Any]:
    return Run(len(latencies), 0, sum(latencies), latencies).summary()


def measure(args: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    env = {
        "HISTKG_STORE": str(args.store),
        # named (bench:digest) here; the code before revisions reads a bare digest only
        "HISTKG_WRITE_TOKENS": ("" if args.source else "bench:")
        + hashlib.sha256(TOKEN.encode()).hexdigest(),
        "HISTKG_PORT": str(port),
        "HISTKG_QUERY_WORKERS": str(args.workers),
    }
    if args.source:
        env["PYTHONPATH"] = str(args.source)
        env["HISTKG_PROJECT_DIR"] = str(args.source)
        # ``python -m`` puts the working directory (this checkout) before PYTHONPATH, so
        # without this the server ran this checkout's code, not the source's
        env["PYTHONSAFEPATH"] = "1"
    command = histkg_command("serve", "--no-load", "--port", str(port))
    results: dict[str, Any] = {}
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with (
        started("histkg", command, "/sparql", env, port, 300) as server,
        httpx.Client(timeout=600, headers=headers) as client,
    ):
        results["quads"] = client.get(server.base + "/health").json().get("quads")
        results["warm_seconds"] = _wait_warm(client, server.base, args.warm_timeout)
        lat = [_write(client, server.base, f"w{stamp}-{i}", 50) for i in range(args.writes)]
        results["write50"] = _summary(lat[1:] if len(lat) > 1 else lat)
        big, cpu = [], []
        for i in range(args.big):
            used = _cpu(server.process.pid)
            big.append(_write(client, server.base, f"b{stamp}-{i}", 5000))
            cpu.append(_cpu(server.process.pid) - used)
        results["write5000"] = _summary(big)
        results["write5000_cpu"] = _summary(cpu)
        if args.read_seconds > 0:
            # the readers are wrk (native, 8 connections): a Python client would saturate before
            # the server and hide what the writer costs the readers (bench/wrk.py)
            generator = wrk.ensure()
            rng = random.Random(0)  # noqa: S311 (reproducible query parameters, not secrets)
            point = query_mix(args.events, args.events // 2)["point"]
            paths = wrk.query_paths(server.query_url, [point(rng) for _ in range(2000)])
            workdir = Path(tempfile.mkdtemp(prefix="histkg-writes-"))

            def readers() -> dict[str, Any]:
                return wrk.run(
                    generator,
                    server.base,
                    paths,
                    connections=8,
                    seconds=int(args.read_seconds),
                    workdir=workdir,
                )

            results["generator"] = generator.describe()
            results["read_quiet"] = readers()
            stop = threading.Event()
            writes: list[float] = []

            def writer() -> None:
                with httpx.Client(timeout=600, headers=headers) as own:
                    n = 0
                    while not stop.is_set():
                        writes.append(_write(own, server.base, f"c{stamp}-{n}", 50))
                        n += 1
                        stop.wait(args.writer_pause)

            thread = threading.Thread(target=writer)
            thread.start()
            try:
                results["read_writing"] = readers()
            finally:
                stop.set()
                thread.join()
                shutil.rmtree(workdir, ignore_errors=True)
            results["writes_during_reads"] = _summary(writes)
            results["writer_pause_s"] = args.writer_pause
    return {
        "label": args.label,
        "time": stamp,
        "source": str(args.source or "this checkout"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "method": (
            "histkg serve --no-load on loopback, measured once its start-up warm-up (home page, "
            "search index, browser facets) is done; 50-quad SPARQL INSERT DATA writes one after "
            "another (first dropped as warm-up); 5,000-quad writes (wall time, and the server "
            "process's CPU time for each); 8 clients of point "
            "lookups for a fixed time without and with one client writing 50 quads nonstop"
        ),
        "results": results,
    }


def table(report: dict[str, Any]) -> str:
    rows = ["| measure | requests | p50 ms | p99 ms |", "| --- | --- | --- | --- |"]
    for name, value in report["results"].items():
        if isinstance(value, dict) and "requests" in value:  # not the generator's description
            rows.append(f"| {name} | {value['requests']} | {value['p50_ms']} | {value['p99_ms']} |")
    return "\n".join(rows)


def main() -> None:
    # A SIGTERM (from `timeout`, say) ends the run through the context managers, so the server
    # it started is stopped too instead of being left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--label", default="1m")
    parser.add_argument("--source", type=Path, default=None)
    parser.add_argument("--writes", type=int, default=101)
    parser.add_argument("--big", type=int, default=3)
    parser.add_argument("--events", type=int, default=22000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--read-seconds", type=float, default=20.0)
    parser.add_argument("--warm-timeout", type=float, default=300.0)
    parser.add_argument(
        "--writer-pause",
        type=float,
        default=0.0,
        help="seconds the continuous writer waits between writes (0: none, the target's case)",
    )
    args = parser.parse_args()
    report = measure(args)
    out = write_results(report, RESULTS, args.label, prefix="writes-", stamp=report["time"])
    print(table(report))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
