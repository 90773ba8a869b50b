"""``bench/run``: one synthetic graph, three servers, one table and one JSON file.

Measures, on the same generated N-Quads file and in one run: load time (``histkg load`` against
``oxigraph load``), full SHACL validation and the validation of a ~1,000-triple batch, SPARQL
latency and throughput for a query mix with 1 and 8 clients against histkg (as ``histkg serve``
runs it), ``oxigraph serve-read-only`` and rdflib-endpoint (rdflib's default store), entity page
and search latency on histkg, and the peak resident memory of each server's process tree.
"""

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx

from app.tools.synth import Sizes, write_synthetic
from app.validate import validate_paths
from bench import servers
from bench.load import hammer, query_mix, sparql_sender
from bench.report import write_results

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"small": 300, "medium": 5000, "1m": 22000, "10m": 220000}
# per size: (most requests, most seconds) for each cell of the SPARQL matrix, page/search samples
BUDGETS = {
    "small": (20, 0.15, 20),
    "medium": (500, 4.0, 200),
    "1m": (2000, 10.0, 500),
    "10m": (1000, 10.0, 300),  # run it with --peers histkg,oxigraph: rdflib needs ~20 GB here
}
KINDS = ["point", "join", "aggregate", "range", "inbound"]


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
        "--peers",
        default="histkg,oxigraph,rdflib-endpoint",
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


def _matrix(
    url: str, mix: dict[str, Callable[..., str]], budget: tuple[int, float, int]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in KINDS:
        for clients in (1, 8):
            run = hammer(
                sparql_sender(url, mix[kind]),
                clients=clients,
                max_requests=budget[0],
                max_seconds=budget[1],
            )
            out[f"{kind}@{clients}"] = run.summary()
    return out


def _get_sampler(
    base: str, path: Callable[..., str]
) -> Callable[[httpx.Client, Any], httpx.Response]:
    return lambda client, rng: client.get(base + path(rng))


def _run_server(
    name: str, work: Path, data: Path, sizes: Sizes, budget: tuple[int, float, int], timeout: float
) -> dict[str, Any]:
    port = servers.free_port()
    env: dict[str, str] = {}
    if name == "histkg":
        command = servers.histkg_command("serve", "--port", str(port))
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
    else:
        found = servers.rdflib_endpoint_command(
            "serve", "--host", "127.0.0.1", "--port", str(port), str(data)
        )
        if found is None:
            return {"skipped": "rdflib-endpoint is not installed (pip install -e '.[bench]')"}
        command, path = found, "/"
    mix = query_mix(sizes.events, sizes.persons)
    with servers.started(name, command, path, env, port, timeout) as server:
        result: dict[str, Any] = {"ready_s": round(server.started_in, 3)}
        if name == "histkg":  # measure the server, not its warm-up of the home page and search
            result["warm_s"] = round(servers.wait_warm(server, timeout), 3)
        result["rows"] = _rows(server.query_url, mix)
        result["sparql"] = _matrix(server.query_url, mix, budget)
        if name == "histkg":
            samples = budget[2]
            result["page"] = hammer(
                _get_sampler(server.base, lambda r: f"/id/event/synth-{r.randrange(sizes.events)}"),
                clients=1,
                max_requests=samples,
                max_seconds=budget[1] * 5,
            ).summary()
            words = ["Ivanov", "Tanaka", "Letter", "Incident", "Place 3", "Group"]
            result["search"] = hammer(
                _get_sampler(server.base, lambda r: f"/search.json?q={r.choice(words)}"),
                clients=1,
                max_requests=samples,
                max_seconds=budget[1] * 5,
            ).summary()
        for key, value in (
            ("peak_rss_mb", server.peak_rss),
            ("peak_rss_main_mb", server.peak_main),
        ):
            result[key] = round(value / 2**20, 1) if servers.HAVE_PSUTIL else None
    return result


def _rows(url: str, mix: dict[str, Callable[..., str]]) -> dict[str, int | None]:
    """Result rows of one query of each kind (same parameters on every server): a sanity check."""
    import random

    rows: dict[str, int | None] = {}
    for kind in KINDS:
        answer = httpx.get(
            url,
            params={"query": mix[kind](random.Random(7))},  # noqa: S311
            headers={"Accept": "application/sparql-results+json"},
            timeout=600,
        )
        rows[kind] = (
            len(answer.json()["results"]["bindings"]) if answer.status_code == 200 else None
        )
    return rows


def _ratios(results: dict[str, Any]) -> dict[str, Any]:
    ours = results["servers"].get("histkg", {}).get("sparql", {})
    out: dict[str, Any] = {}
    for peer in ("oxigraph", "rdflib-endpoint"):
        theirs = results["servers"].get(peer, {}).get("sparql")
        if not theirs:
            continue
        out[peer] = {
            cell: round(ours[cell]["throughput_rps"] / theirs[cell]["throughput_rps"], 3)
            if ours.get(cell, {}).get("throughput_rps") and theirs[cell].get("throughput_rps")
            else None
            for cell in theirs
        }
    load = results["load"]
    out["load_vs_oxigraph_load"] = round(load["histkg_s"] / load["oxigraph_s"], 2)
    out["load_vs_oxigraph_load_graph"] = round(load["histkg_s"] / load["oxigraph_graph_s"], 2)
    return out


def _table(results: dict[str, Any]) -> str:
    names = [n for n, r in results["servers"].items() if "sparql" in r]
    lines = [
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
        "",
        "| query@clients | "
        + " | ".join(f"{n} p50 / p99 ms, req/s" for n in names)
        + " | histkg/oxigraph | histkg/rdflib |",
        "|---" * (len(names) + 3) + "|",
    ]
    for cell in (f"{k}@{c}" for k in KINDS for c in (1, 8)):
        row = [cell]
        for name in names:
            s = results["servers"][name]["sparql"][cell]
            row.append(
                f"{s['p50_ms']} / {s['p99_ms']}, {s['throughput_rps']}"
                + (f" ({s['errors']} err)" if s["errors"] else "")
            )
        for peer in ("oxigraph", "rdflib-endpoint"):
            row.append(str(results["ratios"].get(peer, {}).get(cell, "n/a")))
        lines.append("| " + " | ".join(row) + " |")
    ours = results["servers"].get("histkg", {})
    if "page" in ours:
        lines += [
            "",
            f"entity page p50 {ours['page']['p50_ms']} ms, p99 {ours['page']['p99_ms']} ms; "
            f"search p50 {ours['search']['p50_ms']} ms",
        ]
    lines.append(
        "peak RSS (MB), process tree / main process: "
        + ", ".join(
            f"{n} {r.get('peak_rss_mb')} / {r.get('peak_rss_main_mb')}"
            for n, r in results["servers"].items()
            if "sparql" in r
        )
    )
    for name, result in results["servers"].items():
        if "skipped" in result:
            lines.append(f"{name}: skipped: {result['skipped']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    events = args.events or SIZES[args.size]
    budget = BUDGETS[args.size]
    with tempfile.TemporaryDirectory(prefix="histkg-bench-") as scratch:
        work = args.workdir or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
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
        env = {"HISTKG_STORE": str(work / "histkg-store"), "HISTKG_PROJECT_DIR": str(ROOT)}
        curated = _timed(servers.histkg_command("load"), env)
        results["load"] = {
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
            results["load"][f"{key}_triples_per_s"] = round(triples / results["load"][f"{key}_s"])
        results["shacl"] = _shacl(data, triples, args.shacl_limit, work)
        peers = [p.strip() for p in args.peers.split(",") if p.strip()]
        timeout = 60 + triples / 5000  # rdflib parses the whole file before it answers
        results["servers"] = {
            name: _run_server(name, work, data, Sizes.for_events(events), budget, timeout)
            for name in peers
        }
        results["ratios"] = _ratios(results)
    target = write_results(results, args.out, args.size)
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
