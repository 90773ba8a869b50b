"""``bench/run``: one synthetic graph, three servers, one table and one JSON file.

Measures, on the same generated N-Quads file and in one run: load time (``histkg load`` against
``oxigraph load``), full SHACL validation and the validation of a ~1,000-triple batch, SPARQL
latency and throughput for a query mix with 1 and 8 connections against histkg (as ``histkg
serve`` runs it), ``oxigraph serve-read-only`` and rdflib-endpoint (rdflib's default store),
entity pages and search on histkg, and the peak resident memory of each server's process tree.
The load comes from wrk (``bench/wrk.py``), whose own ceiling is measured in the same run so
that a number the client limited is marked as such instead of being read as the server's.
"""

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from app.tools.synth import Sizes, write_synthetic
from app.validate import validate_paths
from bench import engine, servers, wrk
from bench.load import ID, person, query_mix
from bench.report import write_results

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"small": 300, "medium": 5000, "1m": 22000, "10m": 220000}
# seconds of each wrk cell (one query kind, page or search at one connection count) per size
SECONDS = {"small": 1, "medium": 3, "1m": 10, "10m": 10}
KINDS = ["point", "join", "aggregate", "range", "inbound"]
PEERS = ("oxigraph", "engine", "engine-x2", "rdflib-endpoint")
"""What histkg's throughput is divided by, in this order in the table: ``engine`` is pyoxigraph
under uvicorn with nothing else (``bench/engine.py``), in one process and in two
(``engine-x2``): on point lookups, the floor of a Python server on the engine and what a
second process adds; on the other kinds it runs queries one at a time on its event loop where
histkg uses worker processes (docs/benchmarks.md)."""
READ_ONLY = "histkg-read-only-x2"
"""``histkg serve --read-only --processes 2`` on the same store: what several processes give
where the store takes no writes, as ``oxigraph serve-read-only`` takes none (the writable
server is one process: ``app.serve_process`` says why)."""
PAGE_KINDS = ["event page", "person page", "search"]
DISTINCT = 2000  # distinct requests drawn for each kind; wrk picks one at random per request


@dataclass(frozen=True)
class Plan:
    """What every server is measured with: the generator, the cells' connections and length."""

    generator: wrk.Generator
    connections: list[int]
    seconds: int
    scratch: Path
    queries: dict[str, list[str]]
    pages: dict[str, list[str]]

    def cells(self, kinds: list[str]) -> list[tuple[str, int]]:
        return [(kind, clients) for kind in kinds for clients in self.connections]

    def measure(
        self, base: str, paths: list[str], connections: int, accept: str = wrk.SPARQL_JSON
    ) -> dict[str, Any]:
        return wrk.run(
            self.generator,
            base,
            paths,
            connections=connections,
            seconds=self.seconds,
            workdir=self.scratch,
            accept=accept,
        )


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--events", type=int, help="override the number of events of --size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--workdir", type=Path, help="keep the data and stores here")
    parser.add_argument(
        "--shacl-limit",
        type=int,
        default=300_000,
        help="skip full SHACL validation above this many triples (pyshacl is slow)",
    )
    parser.add_argument(
        "--connections",
        default="1,8",
        help="comma-separated connection counts of the load generator (wrk), one cell each",
    )
    parser.add_argument(
        "--seconds", type=int, help="seconds of each load cell (default by --size: 1 to 10)"
    )
    parser.add_argument(
        "--peers",
        default=f"histkg,{READ_ONLY},oxigraph,engine,engine-x2,rdflib-endpoint",
        help="comma-separated servers to run",
    )
    return parser.parse_args(argv)


def _timed(command: list[str], env: dict[str, str] | None = None) -> float:
    began = time.perf_counter()
    subprocess.run(  # noqa: S603 (our own fixed commands)
        command, env={**os.environ, **(env or {})}, check=True, capture_output=True
    )
    return time.perf_counter() - began


def _versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in ("histkg", "pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "pyshacl"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def _machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


def _matrix(server: servers.Server, plan: Plan, kinds: list[str]) -> dict[str, Any]:
    """Each query kind at each connection count, every request a random one of its kind's,
    each cell started once the server has finished what the previous one left in flight."""
    out: dict[str, Any] = {}
    for kind, clients in plan.cells(kinds):
        paths = wrk.query_paths(server.query_url, plan.queries[kind])
        settled = servers.wait_idle(server)
        out[f"{kind}@{clients}"] = {
            **plan.measure(server.base, paths, clients),
            "settled_s": round(settled, 2),
        }
    return out


def _pages(server: servers.Server, plan: Plan) -> dict[str, Any]:
    """Each page kind at each connection count, measured cached (the target's terms): every
    distinct page is asked for once first, so the cells measure answers, not first builds
    (which the read model's cost is, measured by ``bench.ab``)."""
    accepts = {"event page": "text/html", "person page": "text/html", "search": "application/json"}
    out: dict[str, Any] = {}
    visited: set[str] = set()
    for kind, clients in plan.cells(PAGE_KINDS):
        if kind not in visited:
            visited.add(kind)
            _visit(server.base, plan.pages[kind], accepts[kind])
        settled = servers.wait_idle(server)
        out[f"{kind}@{clients}"] = {
            **plan.measure(server.base, plan.pages[kind], clients, accepts[kind]),
            "settled_s": round(settled, 2),
        }
    return out


def _visit(base: str, paths: list[str], accept: str) -> None:
    """Ask for every distinct path once, from four clients."""
    distinct = sorted(set(paths))
    with httpx.Client(base_url=base, timeout=600, headers={"Accept": accept}) as client:

        def visit(start: int) -> None:
            for path in distinct[start::4]:
                client.get(path)

        threads = [threading.Thread(target=visit, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def _ceiling_cells(plan: Plan, timeout: float) -> dict[str, Any]:
    """The generator against ``bench/static.py`` with the same request paths, per connections."""
    port = servers.free_port()
    queries = [q for kind in KINDS for q in plan.queries[kind]]
    with servers.started("static", servers.static_command(port), "/query", {}, port, timeout) as s:
        return {
            str(clients): plan.measure(s.base, wrk.query_paths(s.query_url, queries), clients)
            for clients in plan.connections
        }


def _ceiling(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The generator's ceiling: the best of its runs before and after the servers.

    Other work on the machine only lowers a run, and a lower ceiling would let a cell that the
    client limited pass for server-bound; the best run is the cautious choice.
    """
    return {
        "server": "bench/static.py (a fixed answer on uvloop), with every SPARQL request path",
        "throughput_rps": {c: max(run[c]["throughput_rps"] for run in runs) for c in runs[0]},
        "runs": runs,
        "client_bound_share": wrk.CLIENT_BOUND_SHARE,
    }


def _run_server(name: str, work: Path, data: Path, plan: Plan, timeout: float) -> dict[str, Any]:
    port = servers.free_port()
    env: dict[str, str] = {}
    if name == "histkg":
        command = servers.histkg_command("serve", "--port", str(port))
        env = {"HISTKG_STORE": str(work / "histkg-store"), "HISTKG_PROJECT_DIR": str(ROOT)}
        path = "/sparql"
    elif name == READ_ONLY:
        command = servers.histkg_command(
            "serve", "--read-only", "--processes", "2", "--port", str(port)
        )
        env = {"HISTKG_STORE": str(work / "histkg-store"), "HISTKG_PROJECT_DIR": str(ROOT)}
        path = "/sparql"
    elif name == "oxigraph":
        command = servers.oxigraph_command(
            "serve-read-only",
            "--location",
            str(work / "oxigraph-store"),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        )
        path = "/query"
    elif name in ("engine", "engine-x2"):
        command = engine.command(port, 2 if name == "engine-x2" else 1)
        env = {engine.STORE_VARIABLE: str(work / "oxigraph-store")}  # what oxigraph serves
        path = "/query"
    else:
        found = servers.rdflib_endpoint_command(
            "serve", "--host", "127.0.0.1", "--port", str(port), str(data)
        )
        if found is None:
            return {"skipped": "rdflib-endpoint is not installed (pip install -e '.[bench]')"}
        command, path = found, "/"
    with servers.started(name, command, path, env, port, timeout) as server:
        result: dict[str, Any] = {"ready_s": round(server.started_in, 3)}
        if name in ("histkg", READ_ONLY):  # the server, not its warm-up of the home page
            # each process warms up on its own: enough answers in a row, each on a connection
            # of its own (the kernel gives it to either process), say both are done
            in_a_row = 1 if name == "histkg" else 20
            result["warm_s"] = round(servers.wait_warm(server, timeout, in_a_row=in_a_row), 3)
        result["rows"] = _rows(server.query_url, {k: plan.queries[k][0] for k in KINDS})
        result["sparql"] = _matrix(server, plan, KINDS)
        if name == "histkg":
            result["pages"] = _pages(server, plan)
        for key, value in (
            ("peak_rss_mb", server.peak_rss),
            ("peak_rss_main_mb", server.peak_main),
        ):
            result[key] = round(value / 2**20, 1) if servers.HAVE_PSUTIL else None
    return result


def _rows(url: str, first: dict[str, str]) -> dict[str, int | None]:
    """Result rows of the first query of each kind (the same on every server): a sanity check."""
    rows: dict[str, int | None] = {}
    for kind, query in first.items():
        answer = httpx.get(
            url, params={"query": query}, headers={"Accept": wrk.SPARQL_JSON}, timeout=600
        )
        rows[kind] = (
            len(answer.json()["results"]["bindings"]) if answer.status_code == 200 else None
        )
    return rows


def _mark(results: dict[str, Any]) -> None:
    """Give every measured cell its ``client_bound`` flag against the ceiling of its connections."""
    ceilings = results["generator"]["ceiling"]["throughput_rps"]
    for server in results["servers"].values():
        for cells in (server.get("sparql", {}), server.get("pages", {})):
            for cell, summary in cells.items():
                ceiling = ceilings.get(cell.split("@")[1])
                summary["client_bound"] = wrk.client_bound(summary["throughput_rps"], ceiling)


def _ratio(ours: dict[str, Any], theirs: dict[str, Any], ceiling: float | None) -> dict[str, Any]:
    """histkg's throughput over a peer's, or why there is none (a side that is client-bound).

    Where only the peer reached the ceiling, its real throughput is higher than measured and the
    quotient an upper bound (``at_most``); where only histkg did, a lower bound (``at_least``).
    """
    mine, peer = ours.get("throughput_rps"), theirs.get("throughput_rps")
    bound = [
        name for name, rps in (("histkg", mine), ("peer", peer)) if wrk.client_bound(rps, ceiling)
    ]
    quotient = round(mine / peer, 3) if mine and peer else None
    return {
        "ratio": None if bound else quotient,
        "client_bound": bound,
        "at_most": quotient if bound == ["peer"] else None,
        "at_least": quotient if bound == ["histkg"] else None,
    }


def _ratios(results: dict[str, Any]) -> dict[str, Any]:
    ours = results["servers"].get("histkg", {}).get("sparql", {})
    ceilings = results["generator"]["ceiling"]["throughput_rps"]
    out: dict[str, Any] = {}
    for peer in PEERS:
        theirs = results["servers"].get(peer, {}).get("sparql")
        if not theirs or not ours:
            continue
        out[peer] = {
            cell: _ratio(ours.get(cell, {}), theirs[cell], ceilings.get(cell.split("@")[1]))
            for cell in theirs
        }
    load = results["load"]
    out["load_vs_oxigraph_load"] = round(load["histkg_s"] / load["oxigraph_s"], 2)
    out["load_vs_oxigraph_load_graph"] = round(load["histkg_s"] / load["oxigraph_graph_s"], 2)
    return out


def _cell(s: dict[str, Any]) -> str:
    if not s.get("requests"):
        return f"no answer in {s.get('seconds')} s"
    text = f"{s['p50_ms']} / {s['p99_ms']}, {s['throughput_rps']:,}"
    if s["errors"]:
        text += f" ({s['errors']} err: {', '.join(s['error_kinds'])})"
    return text + (" **client-bound**" if s["client_bound"] else "")


def _ratio_text(ratio: dict[str, Any] | None) -> str:
    if not ratio:
        return "n/a"
    if ratio["ratio"] is not None:
        return str(ratio["ratio"])
    if ratio["at_most"] is not None:
        return f"<= {ratio['at_most']} (peer client-bound)"
    if ratio["at_least"] is not None:
        return f">= {ratio['at_least']} (histkg client-bound)"
    return "client-bound" if ratio["client_bound"] else "n/a"


def _head(results: dict[str, Any]) -> list[str]:
    gen = results["generator"]
    ceiling = gen["ceiling"]
    return [
        f"triples: {results['sizes']['triples']:,}  events: {results['sizes']['events']:,}  "
        f"generated in {results['generate_s']} s",
        f"load: histkg {results['load']['histkg_s']} s, "
        f"oxigraph load {results['load']['oxigraph_s']} s "
        f"(ratio {results['ratios']['load_vs_oxigraph_load']}), into the file's graph like "
        f"histkg {results['load']['oxigraph_graph_s']} s "
        f"(ratio {results['ratios']['load_vs_oxigraph_load_graph']})",
        f"SHACL: full {results['shacl']['full_s']} s; batch of {results['shacl']['batch_triples']} "
        f"triples alone {results['shacl']['batch_s']} s, against the stored graph "
        f"{results['shacl'].get('incremental_s')} s (first run "
        f"{results['shacl'].get('incremental_first_s')} s), as a new page "
        f"{results['shacl'].get('incremental_new_page_s')} s",
        f"load generator: {gen['version']}, {gen['seconds']} s a cell, "
        f"threads min(connections, {gen['cpus']} CPUs); its ceiling (best of a run "
        f"before and after the servers) against {ceiling['server']}: "
        + ", ".join(f"{rps:,.0f} req/s @{c}" for c, rps in ceiling["throughput_rps"].items())
        + f"; a cell at {ceiling['client_bound_share']:.0%} of it or more is client-bound "
        "(no ratio drawn from it)",
    ]


TARGETS = {"point": 0.5, "join": 0.7, "inbound": 0.7, "aggregate": 0.9, "range": 0.9}
"""Issue 19's targets: histkg's throughput over the oxigraph server's, at 8 connections."""
RDFLIB_TARGET = 3.0
"""...and over rdflib-endpoint's, on every kind."""
EVENT_PAGES_RPS = 3000
PAGE_P99_MS = 25.0
"""...and for entity pages, cached, at 8 connections: event pages' throughput, every kind's p99."""


def _targets(results: dict[str, Any]) -> list[str]:
    """One line per target at 8 connections: histkg's ratio, met or not, and for point lookups
    what the engine alone reaches (the measured reason when the target is not met)."""
    ratios = results["ratios"]
    lines = []
    for kind, target in TARGETS.items():
        ratio = ratios.get("oxigraph", {}).get(f"{kind}@8")
        if ratio is None:
            continue
        verdict = _verdict(ratio["ratio"], target)
        line = f"{kind}@8: histkg/oxigraph {_ratio_text(ratio)} (target >= {target}x: {verdict})"
        mine, theirs = _rps(results, READ_ONLY, f"{kind}@8"), _rps(results, "oxigraph", f"{kind}@8")
        if mine and theirs:
            ceiling = results["generator"]["ceiling"]["throughput_rps"].get("8")
            read_only = _ratio({"throughput_rps": mine}, {"throughput_rps": theirs}, ceiling)
            verdict = _verdict(read_only["ratio"], target)
            line += f"; read-only, 2 processes: {_ratio_text(read_only)} ({verdict})"
        if kind == "point":
            floors = [
                f"{peer} {rps / theirs:.2f}x"
                for peer in ("engine", "engine-x2")
                if (rps := _rps(results, peer, "point@8"))
                and (theirs := _rps(results, "oxigraph", "point@8"))
            ]
            if floors:
                line += "; the engine alone against oxigraph: " + ", ".join(floors)
        lines.append(line)
    pages = results["servers"].get("histkg", {}).get("pages", {})
    for kind in ("event page", "person page"):
        cell = pages.get(f"{kind}@8")
        if not cell or not cell.get("requests"):
            continue
        rps, p99 = cell["throughput_rps"], cell["p99_ms"]
        line = f"{kind}@8 (cached): p99 {p99} ms (target < {PAGE_P99_MS} ms: "
        line += ("met" if p99 < PAGE_P99_MS else "NOT met") + ")"
        if kind == "event page":
            line += f", {rps:,.0f} req/s (target >= {EVENT_PAGES_RPS:,}: "
            line += ("met" if rps >= EVENT_PAGES_RPS else "NOT met") + ")"
        lines.append(line)
    theirs = ratios.get("rdflib-endpoint", {})
    measured = [r["ratio"] for r in theirs.values() if r.get("ratio") is not None]
    if measured:
        verdict = "met" if min(measured) >= RDFLIB_TARGET else "NOT met"
        lines.append(
            f"histkg/rdflib-endpoint: lowest {min(measured)}x of {len(measured)} cells "
            f"(target >= {RDFLIB_TARGET}x on every kind: {verdict})"
        )
    return lines


def _verdict(ratio: float | None, target: float) -> str:
    """Whether a ratio meets its target ("n/a": there is none, a side was client-bound)."""
    return "n/a" if ratio is None else ("met" if ratio >= target else "NOT met")


def _rps(results: dict[str, Any], server: str, cell: str) -> float | None:
    found = results["servers"].get(server, {}).get("sparql", {}).get(cell, {})
    return found.get("throughput_rps") or None


def _table(results: dict[str, Any]) -> str:
    names = [n for n, r in results["servers"].items() if "sparql" in r]
    peers = [peer for peer in PEERS if peer in results["ratios"]]
    ceilings = results["generator"]["ceiling"]["throughput_rps"]
    lines = [
        *_head(results),
        "",
        "| query@connections | ceiling req/s | "
        + " | ".join(f"{n} p50 / p99 ms, req/s" for n in names)
        + "".join(f" | histkg/{peer}" for peer in peers)
        + " |",
        "|---" * (len(names) + len(peers) + 2) + "|",
    ]
    for cell in results["servers"][names[0]]["sparql"] if names else []:
        ceiling = ceilings.get(cell.split("@")[1])
        row = [cell, f"{ceiling:,.0f}" if ceiling else "n/a"]
        row += [_cell(results["servers"][n]["sparql"][cell]) for n in names]
        row += [_ratio_text(results["ratios"][peer].get(cell)) for peer in peers]
        lines.append("| " + " | ".join(row) + " |")
    targets = _targets(results)
    if targets:
        lines += ["", "Targets (issue 19), at 8 connections:", *(f"- {t}" for t in targets)]
    pages = results["servers"].get("histkg", {}).get("pages", {})
    if pages:
        lines += [
            "",
            "| histkg page@connections | ceiling req/s | p50 / p99 ms, req/s |",
            "|---|---|---|",
        ]
        for cell, s in pages.items():
            ceiling = ceilings.get(cell.split("@")[1])
            lines.append(f"| {cell} | {ceiling:,.0f} | {_cell(s)} |")
    lines.append(
        "peak RSS (MB), process tree / main process: "
        + ", ".join(
            f"{n} {r.get('peak_rss_mb')} / {r.get('peak_rss_main_mb')}"
            for n, r in results["servers"].items()
            if "sparql" in r
        )
    )
    answers = {n: r["rows"] for n, r in results["servers"].items() if "rows" in r}
    if len({json.dumps(rows, sort_keys=True) for rows in answers.values()}) > 1:
        lines.append(f"WARNING: the servers' answers differ in rows: {answers}")
    for name, result in results["servers"].items():
        if "skipped" in result:
            lines.append(f"{name}: skipped: {result['skipped']}")
    return "\n".join(lines)


def _load(data: Path, work: Path, triples: int) -> dict[str, Any]:
    """``histkg load`` (after the curated load) against ``oxigraph load``, as whole commands."""
    env = {"HISTKG_STORE": str(work / "histkg-store"), "HISTKG_PROJECT_DIR": str(ROOT)}
    curated = _timed(servers.histkg_command("load"), env)
    out = {
        "histkg_curated_s": round(curated, 3),
        "histkg_s": round(_timed(servers.histkg_command("load", str(data)), env), 3),
        "oxigraph_s": round(
            _timed(
                servers.oxigraph_command(
                    "load", "--location", str(work / "oxigraph-store"), "--file", str(data)
                )
            ),
            3,
        ),
        # The same layout as histkg's: the file's triples in a graph named after the file
        # (a named graph costs six indexes where the default graph has three).
        "oxigraph_graph_s": round(
            _timed(
                servers.oxigraph_command(
                    "load",
                    "--location",
                    str(work / "oxigraph-store-graph"),
                    "--file",
                    str(data),
                    "--graph",
                    data.resolve().as_uri(),
                )
            ),
            3,
        ),
    }
    for key in ("histkg", "oxigraph", "oxigraph_graph"):
        out[f"{key}_triples_per_s"] = round(triples / out[f"{key}_s"])
    return out


def _plan(args: argparse.Namespace, generator: wrk.Generator, events: int, scratch: Path) -> Plan:
    """The requests of every cell, drawn once from seeded generators: the same on every server."""
    sizes = Sizes.for_events(events)
    mix = query_mix(sizes.events, sizes.persons)
    rng = random.Random(args.seed)  # noqa: S311 (query parameters, not secrets)
    words = ["Ivanov", "Tanaka", "Letter", "Incident", "Place 3", "Group"]
    pages = {
        "event page": [f"/id/event/synth-{rng.randrange(events)}" for _ in range(DISTINCT)],
        "person page": [
            # half from the head of the participation distribution: the hubs are all in it
            "/id/" + person(rng, sizes.persons).removeprefix(ID)
            for _ in range(DISTINCT)
        ],
        "search": [f"/search.json?{urlencode({'q': rng.choice(words)})}" for _ in range(DISTINCT)],
    }
    return Plan(
        generator=generator,
        connections=sorted({int(c) for c in args.connections.split(",") if c.strip()}),
        seconds=args.seconds or SECONDS[args.size],
        scratch=scratch,
        queries={kind: [mix[kind](rng) for _ in range(DISTINCT)] for kind in KINDS},
        pages=pages,
    )


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    events = args.events or SIZES[args.size]
    try:
        generator = wrk.ensure()
    except wrk.WrkMissing as missing:
        print(f"bench/run: {missing}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="histkg-bench-") as scratch:
        work = args.workdir or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        plan = _plan(args, generator, events, Path(scratch))
        data = work / "data.nq"
        began = time.perf_counter()
        triples = write_synthetic(data, events=events, seed=args.seed)
        results: dict[str, Any] = {
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "size": args.size,
            "machine": _machine(),
            "versions": _versions(),
            "sizes": {"events": events, "triples": triples, "bytes": data.stat().st_size},
            "generate_s": round(time.perf_counter() - began, 3),
        }
        results["load"] = _load(data, work, triples)
        results["shacl"] = _shacl(data, triples, args.shacl_limit, work)
        timeout = 60 + triples / 5000  # rdflib parses the whole file before it answers
        results["generator"] = {
            **generator.describe(),
            "connections": plan.connections,
            "threads": {str(c): wrk.threads_for(c) for c in plan.connections},
            "cpus": os.cpu_count(),
            "seconds": plan.seconds,
            "distinct_requests_per_kind": DISTINCT,
        }
        before = _ceiling_cells(plan, timeout)
        peers = [p.strip() for p in args.peers.split(",") if p.strip()]
        results["servers"] = {name: _run_server(name, work, data, plan, timeout) for name in peers}
        results["generator"]["ceiling"] = _ceiling([before, _ceiling_cells(plan, timeout)])
        _mark(results)
        results["ratios"] = _ratios(results)
    target = write_results(results, args.out, args.size if args.events is None else f"{events}ev")
    print(_table(results))
    print(f"\nwrote {target}")
    return 0


def _shacl(data: Path, triples: int, limit: int, work: Path) -> dict[str, Any]:
    """Full validation, and a ~1,000-triple batch validated alone and against the loaded store.

    Against the store (``validate_against_store``, as ``histkg validate --against-store``) the
    batch is checked with what its nodes link to in the store, so it costs what the batch
    touches. Two batches: the synthetic batch as written (seed 99: it reuses the store's IRIs,
    so at every size its events get second time-spans and its anchors second offsets), and the
    same page with new IRIs for its events, claims, anchors and notes, linking to the stored
    persons, places and books as a new page would. First run (which also reads the shapes'
    paths) and the median of three more.
    """
    import re
    import statistics

    from app.store import Store
    from app.validate import validate_against_store

    out: dict[str, Any] = {}
    if triples <= limit:
        report = validate_paths([data], ROOT)
        out["full_s"], out["full_conforms"] = round(report.elapsed, 3), report.conforms
    else:
        out["full_s"], out["full_skipped"] = None, f"more than --shacl-limit {limit} triples"
    batch = work / "batch.nq"
    out["batch_triples"] = write_synthetic(batch, events=20, seed=99)
    report = validate_paths([batch], ROOT)
    out["batch_s"], out["batch_conforms"] = round(report.elapsed, 3), report.conforms
    page = work / "page.nq"
    kinds = "anchor|claim|event|timespan|note|quotation|document|attribution"
    page.write_text(
        re.sub(rf"/id/({kinds})/synth", r"/id/\1/page", batch.read_text("utf-8")), "utf-8"
    )
    with Store(str(work / "histkg-store")) as store:
        out["store_quads"] = len(store)
        for name, path in (("incremental", batch), ("incremental_new_page", page)):
            runs = [validate_against_store([path], store, ROOT) for _ in range(4)]
            out[f"{name}_first_s"] = round(runs[0].elapsed, 3)
            out[f"{name}_s"] = round(statistics.median(r.elapsed for r in runs[1:]), 3)
            out[f"{name}_conforms"] = runs[-1].conforms
            out[f"{name}_results"] = len(runs[-1].results)
    out["batch_note"] = (
        "batch_s: the batch validated on its own with the ontology (validate_paths); "
        "incremental_s: against the loaded store (validate_against_store); "
        "incremental_new_page_s: the same page with new IRIs for its events and claims"
    )
    return out


if __name__ == "__main__":
    sys.exit(main())
