"""Saving a claim from the workbench, over HTTP, on a large store (issue 15).

``python -m bench.workbench --store DIR --label 1m`` serves an existing store (``histkg load``
of the curated data and of ``histkg synth`` output; it is written to, so use a copy) with
``histkg serve --no-load`` on a loopback port, adds a curator account, and does what the
browser does: signs in, adds a source and a page (``tests/fixtures/ingest/last-autocrat-p57.txt``)
and then saves ``--claims`` claims one after another with the same form POST the claim form
sends (``/workbench/claims``, session cookie and CSRF token), each on a passage of that page
with a date and a participant, once the server's start-up warm-up is done (``/health`` says
``warm``). Each save is timed from the request to the answer (a 303 to the reading view), the
first dropped as warm-up. Results go to ``bench/results/workbench-<timestamp>-<label>.json``
and a table is printed; every phase is bounded by a count. ``--source DIR`` runs the server
from another checkout (the code before a change), as ``bench.writes`` does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.load import Run
from bench.report import write_results
from bench.servers import free_port, histkg_command, started
from bench.writes import _wait_warm

RESULTS = Path(__file__).parent / "results"
PAGE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "ingest"
PAGE_FILE = PAGE / "last-autocrat-p57.txt"
PASSWORD = "bench password"  # noqa: S105 - a loopback-only benchmark account
INCIDENT = "https://w3id.org/histkg/id/concept/incident"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _csrf(client: httpx.Client, path: str) -> str:
    found = _CSRF.search(client.get(path).text)
    if found is None:
        raise RuntimeError(f"no CSRF token on {path}")
    return found.group(1)


def _post(client: httpx.Client, path: str, **kwargs: Any) -> httpx.Response:
    answer = client.post(path, **kwargs)
    if answer.status_code != 303:
        raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:300]}")
    return answer


def measure(args: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    env = {"HISTKG_STORE": str(args.store), "HISTKG_PORT": str(port), "HISTKG_QUERY_WORKERS": "1"}
    if args.source:  # the server (and its account command) from another checkout
        env["PYTHONPATH"] = str(args.source)
        env["HISTKG_PROJECT_DIR"] = str(args.source)
        # ``python -m`` puts the working directory (this checkout) before PYTHONPATH, so
        # without this the server ran this checkout's code, not the source's
        env["PYTHONSAFEPATH"] = "1"
    user = f"bench{int(time.time())}"
    subprocess.run(  # noqa: S603 - our own command
        histkg_command("user", "add", user, "--password-stdin"),
        input=PASSWORD + "\n",
        text=True,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    command = histkg_command("serve", "--no-load", "--port", str(port))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    with (
        started("histkg", command, "/sparql", env, port, 300) as server,
        httpx.Client(base_url=server.base, timeout=600) as client,
    ):
        quads = client.get("/health").json().get("quads")
        # the start-up warm-up scans the store in the server for tens of seconds at a million
        # quads, sharing its GIL with the saves measured meanwhile (as in bench/writes.py)
        warm = _wait_warm(client, "", args.warm_timeout)
        signin = {"csrf": _csrf(client, "/signin"), "name": user, "password": PASSWORD}
        _post(client, "/signin", data=signin)
        title = f"Bench Autocrat {stamp}"
        source = {"csrf": _csrf(client, "/workbench/sources/new"), "title": title}
        _post(client, "/workbench/sources", data={**source, "author": "Bench Author"})
        fields = {
            "csrf": _csrf(client, "/workbench/pages/new"),
            "source": f"{title} (Bench Author)",
        }
        files = {"file": ("p57.txt", PAGE_FILE.read_bytes(), "text/plain")}
        began = time.perf_counter()
        page_url = _post(client, "/workbench/pages", data=fields, files=files).headers["location"]
        add_page = time.perf_counter() - began
        page = "https://w3id.org/histkg/id" + page_url.removeprefix("/id")
        csrf = _csrf(client, f"/workbench/claims/new?page={page}")
        latencies = []
        for n in range(args.claims):
            form = {
                "csrf": csrf,
                "page": page,
                "action": "save",
                "passage": "the Grand Duke Sergei was killed in Moscow on 17 February",
                "label": f"The Grand Duke Sergei is killed ({n})",
                "event_type": INCIDENT,
                "who": "Russian Empire",
                "when": "17 February",
                "edtf": "1905-02-17",
                "note": "No footnote of the test page covers this sentence.",
            }
            began = time.perf_counter()
            _post(client, "/workbench/claims", data=form)
            latencies.append(time.perf_counter() - began)
            print(f"claim {n}: {latencies[-1] * 1000:.1f} ms", flush=True)
    kept = latencies[1:] if len(latencies) > 1 else latencies
    return {
        "label": args.label,
        "time": stamp,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "method": (
            "histkg serve --no-load on loopback over the given store, measured once its "
            "start-up warm-up is done; one signed-in curator; "
            "claim-form POSTs (session cookie, CSRF token) one after another, each a new claim "
            "with a passage, a date and a participant, timed request to 303; first dropped"
        ),
        "results": {
            "quads": quads,
            "warm_seconds": warm,
            "add_page_ms": round(add_page * 1000, 1),
            "save_claim": Run(len(kept), 0, sum(kept), kept).summary(),
        },
    }


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--label", default="1m")
    parser.add_argument("--claims", type=int, default=31)
    parser.add_argument("--warm-timeout", type=float, default=300.0)
    parser.add_argument("--source", type=Path, default=None)
    args = parser.parse_args()
    report = measure(args)
    path = write_results(report, RESULTS, args.label, prefix="workbench-", stamp=report["time"])
    save = report["results"]["save_claim"]
    print("| measure | requests | p50 ms | p99 ms |\n| --- | --- | --- | --- |")
    print(f"| save a claim | {save['requests']} | {save['p50_ms']} | {save['p99_ms']} |")
    print(f"quads: {report['results']['quads']}; add a page: {report['results']['add_page_ms']} ms")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
