"""Editing a claim and opening the proposals view in the workbench, over HTTP, on a large store.

``python -m bench.workbench_edit --store DIR --label 1m`` serves an existing store (the curated
data and ``histkg synth`` output, loaded; it is written to, so use a copy) as
``bench.workbench`` does, signs in, adds a source and the test page and one claim, then
``--edits`` times edits of that claim (the edit form's GET for its token and revision, then the
POST that saves one changed label, timed request to 303) and ``--views`` times the proposals
view (reconciliation of the page's names, the page's entities read by IRI). The first of each
is dropped as warm-up (the first view's time is kept apart: on a large store it is the entity
index's build running out of time). Results go to
``bench/results/workbench-edit-<timestamp>-<label>.json`` and a table is printed; every phase is
bounded by a count.
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
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bench.load import Run
from bench.report import write_results
from bench.servers import free_port, histkg_command, started
from bench.workbench import INCIDENT, PAGE_FILE, PASSWORD, RESULTS, _csrf, _post

_FIELD = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


def _timed(runs: list[float], call: Callable[[], httpx.Response]) -> httpx.Response:
    began = time.perf_counter()
    answer = call()
    runs.append(time.perf_counter() - began)
    return answer


def measure(args: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    env = {"HISTKG_STORE": str(args.store), "HISTKG_PORT": str(port), "HISTKG_QUERY_WORKERS": "1"}
    user = f"bench{int(time.time())}"
    subprocess.run(  # noqa: S603 - our own command
        histkg_command("user", "add", user, "--password-stdin"),
        input=PASSWORD + "\n",
        text=True,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    command = histkg_command("serve", "--no-load", "--port", str(port))
    edits: list[float] = []
    views: list[float] = []
    with (
        started("histkg", command, "/sparql", env, port, 300) as server,
        httpx.Client(base_url=server.base, timeout=600) as client,
    ):
        quads = client.get("/health").json().get("quads")
        _post(
            client,
            "/signin",
            data={"csrf": _csrf(client, "/signin"), "name": user, "password": PASSWORD},
        )
        title = f"Bench Edits {stamp}"
        source = {"csrf": _csrf(client, "/workbench/sources/new"), "title": title}
        _post(client, "/workbench/sources", data={**source, "author": "Bench Author"})
        fields = {
            "csrf": _csrf(client, "/workbench/pages/new"),
            "source": f"{title} (Bench Author)",
        }
        files = {"file": ("p57.txt", PAGE_FILE.read_bytes(), "text/plain")}
        page_url = _post(client, "/workbench/pages", data=fields, files=files).headers["location"]
        page = "https://w3id.org/histkg/id" + page_url.removeprefix("/id")
        claim = {
            "csrf": _csrf(client, f"/workbench/claims/new?page={page}"),
            "page": page,
            "action": "save",
            "passage": "the Grand Duke Sergei was killed in Moscow on 17 February",
            "label": "The Grand Duke Sergei is killed",
            "event_type": INCIDENT,
            "who": "Russian Empire",
            "when": "17 February",
            "edtf": "1905-02-17",
            "footnote": "28",
        }
        _post(client, "/workbench/claims", data=claim)
        home = client.get("/workbench").text
        iri = re.findall(r'name="claim" value="([^"]+)"', home)[0]
        for n in range(args.edits):
            form = client.get(f"/workbench/claims/edit?claim={quote(iri, safe='')}").text
            values = dict(_FIELD.findall(form)) | {k: v for k, v in claim.items() if k != "csrf"}
            values |= {"label": f"The Grand Duke Sergei is killed (edit {n})", "action": "save"}
            _timed(edits, partial(_post, client, "/workbench/claims", data=values))
            print(f"edit {n}: {edits[-1] * 1000:.1f} ms", flush=True)
        for n in range(args.views):
            answer = _timed(
                views, lambda: client.get(f"/workbench/proposals?page={quote(page, safe='')}")
            )
            answer.raise_for_status()
            print(f"proposals view {n}: {views[-1] * 1000:.1f} ms", flush=True)
    first_view = views[0] if views else 0.0  # on a large store, the index build that fails
    edits, views = edits[1:] or edits, views[1:] or views
    return {
        "label": args.label,
        "time": stamp,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "method": (
            "histkg serve --no-load on loopback over the given store; one signed-in curator; "
            "one claim, then edit-form POSTs changing its label one after another (timed "
            "request to 303) and proposals-view GETs (timed request to 200); first of each "
            "dropped"
        ),
        "results": {
            "quads": quads,
            "edit_claim": Run(len(edits), 0, sum(edits), edits).summary(),
            "proposals_view_first_ms": round(first_view * 1000, 1),
            "proposals_view": Run(len(views), 0, sum(views), views).summary(),
        },
    }


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--label", default="1m")
    parser.add_argument("--edits", type=int, default=11)
    parser.add_argument("--views", type=int, default=4)
    args = parser.parse_args()
    report = measure(args)
    path = write_results(
        report, RESULTS, args.label, prefix="workbench-edit-", stamp=report["time"]
    )
    print("| measure | requests | p50 ms | p99 ms |\n| --- | --- | --- | --- |")
    for name, key in (("edit a claim", "edit_claim"), ("proposals view", "proposals_view")):
        run = report["results"][key]
        print(f"| {name} | {run['requests']} | {run['p50_ms']} | {run['p99_ms']} |")
    first = report["results"]["proposals_view_first_ms"]
    print(f"first proposals view: {first} ms; quads: {report['results']['quads']}; to {path}")


if __name__ == "__main__":
    main()
