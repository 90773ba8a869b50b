"""The engine with nothing around it: pyoxigraph answering SPARQL GETs under uvicorn.

``bench/run`` measures it beside histkg and ``oxigraph serve-read-only`` as the floor of any
Python server built on pyoxigraph: each request is parsed by uvicorn (httptools, uvloop), its
``query`` handed to ``Store.query`` on the union of the graphs, and the answer serialized to
SPARQL JSON by pyoxigraph, with no checks, limits, headers or logging. What histkg reaches
against it is what its own layers cost; what it reaches against oxigraph says how far a ratio
to oxigraph can go in one Python process (``--processes 1``), or in several (uvicorn's
``--workers``, each process with its own read-only handle on the store, which nothing writes
while the bench runs). It is a measuring instrument, not a server to run: it answers every
query it is sent, without bounds.
"""

import argparse
import os
import sys
from urllib.parse import parse_qsl

from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, Store
from starlette.types import Receive, Scope, Send

STORE_VARIABLE = "BENCH_ENGINE_STORE"
_store: Store | None = None


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """One ASGI app: ``GET ...?query=`` answered from the store, nothing else."""
    global _store
    if scope["type"] != "http":
        return
    if _store is None:
        _store = Store.read_only(os.environ[STORE_VARIABLE])
    params = dict(parse_qsl(scope["query_string"].decode("latin-1")))
    try:
        found = _store.query(params["query"], use_default_graph_as_union=True)
        if not isinstance(found, QuerySolutions | QueryBoolean):
            raise ValueError("only SELECT and ASK are measured here")
        body = found.serialize(format=QueryResultsFormat.JSON)
        status, media_type = 200, b"application/sparql-results+json"
    except (KeyError, SyntaxError, OSError, ValueError) as error:
        body, status, media_type = str(error).encode(), 400, b"text/plain"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", media_type)],
        }
    )
    await send({"type": "http.response.body", "body": body})


def command(port: int, processes: int) -> list[str]:
    """The uvicorn command that serves ``app`` on loopback with ``processes`` processes."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.engine:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(processes),
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__)
    parser.add_argument("--store", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--processes", type=int, default=1)
    args = parser.parse_args(argv)
    os.execvpe(  # noqa: S606 - our own fixed command
        sys.executable,
        command(args.port, args.processes),
        {**os.environ, STORE_VARIABLE: args.store},
    )


if __name__ == "__main__":
    main()
