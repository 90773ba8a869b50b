"""``bench/soak``: many clients for a while against a real ``histkg serve``; errors and memory.

A bounded soak test on loopback that stops by itself: ``--clients`` threads (default 50) for
``--seconds`` (default 60) mix entity pages, searches (``/search`` as HTML, ``/search.json``)
and the SPARQL queries of ``bench/run``, while one more thread sends a runaway query (a
cartesian product) every ``--runaway-every`` seconds, which must be stopped at the server's
``HISTKG_QUERY_TIMEOUT`` and answered 503 ``query_timeout``. The server is ``python -m app
serve`` in a subprocess, as a user runs it, over a synthetic graph (``--size small`` or ``1m``,
made by ``histkg synth``), a given N-Quads file (``--data``) or a prepared store (``--store``,
served as it is).

Hostile clients run alongside (``bench.hostile``, issue 14): ``--slow-senders`` slow POST
bodies, ``--idle-sockets`` connections that send nothing or half a line, ``--reconcile-floods``
threads of costly reconciliation batches, and a ``/health`` probe every 50 ms whose p50/p99
are reported apart; their intended answers (408, closed sockets, 503 at the deadline) are not
errors, anything else is. The server's body- and header-read timeouts are made short
(``--read-timeout``) so that each slow client is cycled several times.

Reported: requests by kind, their outcomes (every answer that is not a 200 is an error, except
the runaways' 503 ``query_timeout``, counted apart), p50/p99 latency by kind, and the resident
memory of the server's process tree (server and query workers) before the load, every
``--sample-every`` seconds and at the end, with the slope of a least-squares line through the
second half of the samples (MB per minute: near 0 when memory is flat). A table on stdout and
JSON in ``--out`` (``soak-<stamp>-<size>.json``). Exit 0 when there were no unintended errors
and at least one runaway got its 503, 1 otherwise, 2 when the soak could not run.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from app.tools.synth import Sizes, write_synthetic
from bench import hostile, servers
from bench.load import JSON, Tally, mixed, outcome, query_mix
from bench.report import write_results

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"small": 300, "1m": 22000}
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
INTENDED = "503 query_timeout"
SPARQL_WEIGHTS = {"point": 5.0, "inbound": 2.0, "join": 2.0, "aggregate": 0.5, "range": 0.5}
"""Relative frequency of each query kind of ``bench.load.query_mix`` among SPARQL requests.

Lookups dominate, as on a public endpoint. The whole-graph kinds (an aggregate or a range scan
over every time-span: 0.15 to 0.3 s of CPU each on 1 million triples) are one SPARQL request
in ten: at one in five (40 clients' worth of SPARQL on 2 cores) the three query workers stayed
busy with them, and lookups queued behind them past the 10 s deadline (503 after waiting for
a worker), which is overload shedding, not what this soak is after.
"""
SEARCH_WORDS = ["Ivanov", "Tanaka", "Letter", "Incident", "Place 3", "Group", "kag", "Conference"]

Sender = Callable[[httpx.Client, random.Random], httpx.Response]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/soak", description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--size",
        choices=sorted(SIZES),
        default="small",
        help="synthetic graph to make (small: 300 events; 1m: 22,000, about 1.1 M triples); "
        "with --data or --store, the number of events that data was made with",
    )
    parser.add_argument("--data", type=Path, help="load this N-Quads file instead of making one")
    parser.add_argument("--store", type=Path, help="serve this prepared store as it is")
    parser.add_argument(
        "--query-timeout", type=float, default=10.0, help="HISTKG_QUERY_TIMEOUT (runaways hit it)"
    )
    parser.add_argument(
        "--query-workers", type=int, help="HISTKG_QUERY_WORKERS (default: the server's, 3)"
    )
    parser.add_argument("--runaway-every", type=float, default=5.0, help="seconds between runaways")
    parser.add_argument(
        "--sample-every", type=float, default=2.0, help="seconds between RSS samples"
    )
    parser.add_argument("--slow-senders", type=int, default=6, help="slow POST bodies at once")
    parser.add_argument("--idle-sockets", type=int, default=100, help="idle connections held")
    parser.add_argument(
        "--reconcile-floods", type=int, default=1, help="threads sending costly batches"
    )
    parser.add_argument(
        "--read-timeout",
        type=float,
        default=2.0,
        help="HISTKG_BODY_TIMEOUT and HISTKG_HEADER_TIMEOUT of the server",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    return parser.parse_args(argv)


def _senders(base: str, events: int) -> dict[str, tuple[float, Sender]]:
    """The request mix: kind -> (weight, send). About 35 % pages, 25 % searches, 40 % SPARQL."""
    sizes = Sizes.for_events(events)
    pools = {
        "event": sizes.events,
        "person": sizes.persons,
        "place": sizes.places,
        "group": sizes.groups,
    }
    kinds = list(pools)

    def page(client: httpx.Client, rng: random.Random) -> httpx.Response:
        kind = rng.choice(kinds)
        return client.get(f"{base}/id/{kind}/synth-{rng.randrange(pools[kind])}")

    def search_html(client: httpx.Client, rng: random.Random) -> httpx.Response:
        return client.get(f"{base}/search", params={"q": rng.choice(SEARCH_WORDS)})

    def search_json(client: httpx.Client, rng: random.Random) -> httpx.Response:
        return client.get(f"{base}/search.json", params={"q": rng.choice(SEARCH_WORDS)})

    found: dict[str, tuple[float, Sender]] = {
        "page": (35.0, page),
        "search": (12.5, search_html),
        "search.json": (12.5, search_json),
    }
    mix = query_mix(sizes.events, sizes.persons)
    total = sum(SPARQL_WEIGHTS.values())
    for kind, weight in SPARQL_WEIGHTS.items():
        make = mix[kind]

        def query(client: httpx.Client, rng: random.Random, make: Any = make) -> httpx.Response:
            return client.get(
                f"{base}/sparql", params={"query": make(rng)}, headers={"Accept": JSON}
            )

        found[f"sparql:{kind}"] = (40.0 * weight / total, query)
    return found


def _runaways(base: str, every: float, seconds: float, timeout: float) -> Tally:
    """Send the runaway query every ``every`` seconds (one at a time) until ``seconds`` pass."""
    tally = Tally(ok=INTENDED)
    deadline = time.monotonic() + seconds
    with httpx.Client(timeout=timeout + 60) as client:
        while time.monotonic() < deadline:
            began = time.perf_counter()
            try:
                response = client.get(
                    f"{base}/sparql", params={"query": RUNAWAY}, headers={"Accept": JSON}
                )
                result = outcome(response)
            except httpx.HTTPError as error:
                result = type(error).__name__
            took = time.perf_counter() - began
            tally.add(result, took, f"{base}/sparql?query={RUNAWAY}")
            time.sleep(max(0.0, min(every - took, deadline - time.monotonic())))
    return tally


def _rss(pid: int) -> tuple[int, int] | None:
    """Resident bytes of process ``pid`` with its descendants (the query workers), and alone."""
    if not servers.HAVE_PSUTIL:
        return None
    import psutil

    try:
        root = psutil.Process(pid)
        own = int(root.memory_info().rss)
        return own + sum(int(p.memory_info().rss) for p in root.children(recursive=True)), own
    except psutil.Error:
        return None


class _Sampler:
    """RSS of the server's process tree every ``every`` seconds, in a thread, until stopped.

    The server process is also sampled alone: what it holds (caches, the search index) is what
    could grow, while the query workers come and go (a runaway's worker is killed and replaced,
    and its memory with it), which makes the tree's figure jump.
    """

    def __init__(self, pid: int, every: float) -> None:
        self.pid = pid
        self.every = every
        self.samples: list[tuple[float, float]] = []  # (seconds since start, MB): the tree
        self.server: list[tuple[float, float]] = []  # the same for the server process alone
        self._stop = threading.Event()
        self._began = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def take(self) -> float | None:
        rss = _rss(self.pid)
        if rss is None:
            return None
        at = round(time.monotonic() - self._began, 1)
        mb = round(rss[0] / 2**20, 1)
        self.samples.append((at, mb))
        self.server.append((at, round(rss[1] / 2**20, 1)))
        return mb

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.take()

    def __enter__(self) -> "_Sampler":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def slope_per_minute(samples: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, MB) samples, in MB per minute; None for < 3 samples."""
    if len(samples) < 3:
        return None
    xs = [t for t, _ in samples]
    ys = [mb for _, mb in samples]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return round(slope * 60, 2)


def _prepare(args: argparse.Namespace, work: Path) -> tuple[Path, dict[str, Any]]:
    """The store to serve and how it was made (a given store is used as it is)."""
    if args.store is not None:
        return args.store, {"store": str(args.store)}
    data = args.data
    info: dict[str, Any] = {}
    if data is None:
        data = work / "data.nq"
        began = time.perf_counter()
        info["triples"] = write_synthetic(data, events=SIZES[args.size], seed=1)
        info["generate_s"] = round(time.perf_counter() - began, 2)
    info["data"] = str(data)
    store = work / "store"
    env = {**os.environ, "HISTKG_STORE": str(store), "HISTKG_PROJECT_DIR": str(ROOT)}
    began = time.perf_counter()
    for extra in ([], [str(data)]):  # the curated graph, then the data
        subprocess.run(  # noqa: S603 (our own fixed command)
            servers.histkg_command("load", *extra), env=env, check=True, capture_output=True
        )
    info["load_s"] = round(time.perf_counter() - began, 2)
    return store, info


def _soak(args: argparse.Namespace, store: Path) -> dict[str, Any]:
    port = servers.free_port()
    command = servers.histkg_command("serve", "--port", str(port))
    if args.store is not None:
        command.append("--no-load")
    env = {
        "HISTKG_STORE": str(store),
        "HISTKG_PROJECT_DIR": str(ROOT),
        "HISTKG_QUERY_TIMEOUT": f"{args.query_timeout:g}",
        # room for every client's query: the soak measures answers, not refusals
        "HISTKG_MAX_QUEUED_QUERIES": str(args.clients + 10),
        "HISTKG_BODY_TIMEOUT": f"{args.read_timeout:g}",
        "HISTKG_HEADER_TIMEOUT": f"{args.read_timeout:g}",
    }
    if args.query_workers is not None:
        env["HISTKG_QUERY_WORKERS"] = str(args.query_workers)
    events = SIZES[args.size]
    with servers.started("histkg", command, "/sparql", env, port, timeout=300) as server:
        warm_s = servers.wait_warm(server, timeout=900)  # the home page and the search index
        with httpx.Client(timeout=120) as client:  # warm the caches the first requests fill
            client.get(f"{server.base}/search.json", params={"q": "a"})
            client.get(f"{server.base}/id/event/synth-0")
            client.get(  # the reconciliation index, which the flood would build otherwise
                f"{server.base}/reconcile", params={"queries": '{"q0": {"query": "Ivanov"}}'}
            )
        sampler = _Sampler(server.process.pid, args.sample_every)
        start_mb = sampler.take()
        with sampler:
            runaway: dict[str, Tally] = {}
            thread = threading.Thread(
                target=lambda: runaway.setdefault(
                    "runaway",
                    _runaways(server.base, args.runaway_every, args.seconds, args.query_timeout),
                )
            )
            began = time.monotonic()
            thread.start()
            attacks, attackers = hostile.start(
                server.base,
                args.seconds,
                slow=args.slow_senders,
                idle=args.idle_sockets,
                floods=args.reconcile_floods,
                query_timeout=args.query_timeout,
            )
            tallies = mixed(
                _senders(server.base, events),
                clients=args.clients,
                seconds=args.seconds,
                timeout=args.query_timeout + 60,
            )
            thread.join()
            for attacker in attackers:
                attacker.join(timeout=args.query_timeout + 60)
            elapsed = time.monotonic() - began
            end_mb = sampler.take()
        alive = server.process.poll() is None
    report = _report(args, tallies, runaway["runaway"], elapsed, sampler, start_mb, end_mb, alive)
    report["hostile"] = {name: attack.summary() for name, attack in attacks.items()}
    hostile_errors = {
        f"{name}: {result}": count
        for name, attack in attacks.items()
        for result, count in attack.errors().items()
    }
    report["errors"].update(hostile_errors)
    report["unintended_errors"] += sum(hostile_errors.values())
    report["warm_s"] = round(warm_s, 1)  # from start until the warm-up was done (not soaked)
    return report


def _report(
    args: argparse.Namespace,
    tallies: dict[str, Tally],
    runaway: Tally,
    elapsed: float,
    sampler: _Sampler,
    start_mb: float | None,
    end_mb: float | None,
    alive: bool,
) -> dict[str, Any]:
    kinds: dict[str, dict[str, Any]] = {k: t.run(elapsed).summary() for k, t in tallies.items()}
    for kind, tally in tallies.items():
        kinds[kind]["outcomes"] = dict(tally.outcomes)
        kinds[kind]["examples"] = tally.examples
    served = sum(t.outcomes["200"] for t in tallies.values())
    errors = {
        f"{kind}: {result}": count
        for kind, tally in tallies.items()
        for result, count in tally.outcomes.items()
        if result != "200"
    }
    errors.update({f"runaway: {r}": n for r, n in runaway.outcomes.items() if r != INTENDED})
    if not alive:
        errors["server: exited during the soak"] = 1
    half = (
        [s for s in sampler.samples if s[0] >= sampler.samples[-1][0] / 2]
        if sampler.samples
        else []
    )
    every = sorted(latency for t in tallies.values() for latency in t.latencies)
    return {
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "requests": served + sum(errors.values()) - (0 if alive else 1),
        "served": served,
        "throughput_rps": round(served / elapsed, 1) if elapsed else None,
        "p50_ms": round(every[len(every) // 2] * 1000, 1) if every else None,
        "p99_ms": round(every[min(len(every) - 1, int(0.99 * len(every)))] * 1000, 1)
        if every
        else None,
        "unintended_errors": sum(errors.values()),
        "errors": errors,
        "runaways": {
            "sent": sum(runaway.outcomes.values()),
            "timed_out_503": runaway.outcomes[INTENDED],
            "seconds_to_503": runaway.run(elapsed).summary(),
        },
        "by_kind": kinds,
        "memory_mb": {
            "start": start_mb,
            "end": end_mb,
            "peak": max((mb for _, mb in sampler.samples), default=None),
            "slope_second_half_mb_per_min": slope_per_minute(half),
            "samples": sampler.samples,
            "server_process": _series(sampler.server),
        },
    }


def _series(samples: list[tuple[float, float]]) -> dict[str, Any]:
    """Start, end, peak and second-half slope of one series of (seconds, MB) samples."""
    if not samples:
        return {"start": None, "end": None, "peak": None, "slope_second_half_mb_per_min": None}
    half = [sample for sample in samples if sample[0] >= samples[-1][0] / 2]
    return {
        "start": samples[0][1],
        "end": samples[-1][1],
        "peak": max(mb for _, mb in samples),
        "slope_second_half_mb_per_min": slope_per_minute(half),
        "samples": samples,
    }


def _table(results: dict[str, Any]) -> str:
    soak = results["soak"]
    lines = [
        f"{soak['clients']} clients for {soak['seconds']} s against {results['size']} data: "
        f"{soak['served']:,} requests served ({soak['throughput_rps']}/s), "
        f"{soak['unintended_errors']} unintended errors; p50 {soak['p50_ms']} ms, "
        f"p99 {soak['p99_ms']} ms",
        "",
        "| kind | requests | errors | p50 ms | p99 ms | other outcomes |",
        "|---|---|---|---|---|---|",
    ]
    for kind, row in soak["by_kind"].items():
        other = ", ".join(f"{k}: {v}" for k, v in row["outcomes"].items() if k != "200")
        lines.append(
            f"| {kind} | {row['requests']} | {row['errors']} | {row['p50_ms']} | "
            f"{row['p99_ms']} | {other} |"
        )
    runaway = soak["runaways"]
    memory = soak["memory_mb"]
    own = memory["server_process"]
    lines += [
        "",
        f"runaways: {runaway['sent']} sent, {runaway['timed_out_503']} stopped with 503 "
        f"(p50 {runaway['seconds_to_503']['p50_ms']} ms after sending)",
        f"RSS of the server tree (MB): start {memory['start']}, end {memory['end']}, peak "
        f"{memory['peak']}; slope over the second half {memory['slope_second_half_mb_per_min']} "
        "MB/min",
        f"RSS of the server process alone (MB): start {own['start']}, end {own['end']}, peak "
        f"{own['peak']}; slope over the second half {own['slope_second_half_mb_per_min']} MB/min",
    ]
    health = soak["hostile"]["health"]
    lines.append(
        f"/health under attack: {health['requests']} probes, p50 {health['p50_ms']} ms, "
        f"p99 {health['p99_ms']} ms"
    )
    for name in ("slow_senders", "idle_sockets", "reconcile_flood"):
        row = soak["hostile"][name]
        lines.append(f"{name}: " + ", ".join(f"{k}: {v}" for k, v in row["outcomes"].items()))
    if soak["errors"]:
        lines.append("unintended errors: " + json.dumps(soak["errors"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    with tempfile.TemporaryDirectory(prefix="histkg-soak-") as scratch:
        try:
            store, prepared = _prepare(args, Path(scratch))
            soak = _soak(args, store)
        except (subprocess.CalledProcessError, RuntimeError) as error:
            detail = getattr(error, "stderr", b"") or b""
            print(f"error: the soak could not run: {error}", file=sys.stderr)
            if detail:
                print(detail.decode(errors="replace")[-2000:], file=sys.stderr)
            return 2
    results = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "size": args.size,
        "events": SIZES[args.size],
        "prepared": prepared,
        "server": {
            "command": "python -m app serve",
            "query_timeout_s": args.query_timeout,
            "max_queued_queries": args.clients + 10,
            "query_workers": args.query_workers
            if args.query_workers is not None
            else int(os.environ.get("HISTKG_QUERY_WORKERS", "3")),
            "runaway_every_s": args.runaway_every,
        },
        "soak": soak,
    }
    target = write_results(results, args.out, args.size, prefix="soak-")
    print(_table(results))
    print(f"\nwrote {target}")
    failed = soak["unintended_errors"] > 0 or soak["runaways"]["timed_out_503"] == 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
