"""SPARQL over HTTP: the SPARQL 1.1 Protocol at ``/sparql``, its editor and descriptions.

Thin: read the request, pick a format, call the store off the event loop, stream the bytes.

* ``GET /sparql?query=``, ``POST`` form-encoded, ``POST application/sparql-query``, with
  ``default-graph-uri``/``named-graph-uri`` (they replace the union default graph),
  ``format=`` (overrides ``Accept``) and ``timeout=`` (seconds, at most HISTKG_QUERY_TIMEOUT).
* Formats by ``Accept`` with q-values (``app.negotiation``) among those of ``app.results``:
  406 when none fits, 415 for a body type or charset we do not read, 403 for SPARQL Update.
* ``GET /sparql`` with no query: the query editor for browsers, the service description for
  RDF clients (``app.service_description``); ``GET /.well-known/void``: the VoID description.
* Every answer says whether it was cut at the row cap: ``X-Histkg-Truncated: true|false``.
"""

import asyncio
import contextlib
import json
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from app.errors import (
    HttpError,
    NotAcceptable,
    QueryError,
    StoreError,
    UnsupportedMediaType,
    UpdateNotAllowed,
)
from app.negotiation import choose, shown
from app.read import read_model
from app.results import (
    ABBREVIATED,
    Kind,
    ResultFormat,
    SerializedResult,
    Spool,
    format_named,
    offers,
    to_jsonld,
    write_graph,
)
from app.routes.deps import SettingsDep, StoreDep
from app.routes.dump import void_triples
from app.routes.responses import COMMON, content, errors
from app.service_description import (
    CONTEXT,
    service_description,
)
from app.service_description import PREFIXES as DESCRIPTION_PREFIXES
from app.settings import Settings
from app.sparql import Dataset, query_kind
from app.store import Store
from app.vocab import PREFIXES

router = APIRouter()

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
HTML = ("text/html", "application/xhtml+xml")
EDITOR = Path(__file__).resolve().parent.parent / "static" / "sparql"
EDITOR_FILES = {
    "editor.js": ("editor.js", "text/javascript"),
    "editor.css": ("editor.css", "text/css"),
    "examples.json": ("examples.json", "application/json"),
    "yasgui.min.js": ("vendor/yasgui.min.js", "text/javascript"),
    "yasgui.min.css": ("vendor/yasgui.min.css", "text/css"),
}
EXPOSED_HEADERS = ["X-Histkg-Truncated", "X-Histkg-Rows", "X-Histkg-Max-Rows", "X-Histkg-Timeout"]
"""Headers a browser script on another origin may read (see the CORS set-up in ``app.web``)."""
_UPDATE_PARAMETERS = {"update", "using-graph-uri", "using-named-graph-uri"}
_CACHED_HEADER = 512
"""``Accept`` headers up to this length have their negotiated format cached."""
_QUERY_THREADS = ThreadPoolExecutor(max_workers=40, thread_name_prefix="histkg-sparql")
"""Threads that wait for the store's answer to a query (as many as anyio's default pool).

Handing a call to a thread with asyncio's ``run_in_executor`` costs about a third of the CPU of
Starlette's ``run_in_threadpool`` (anyio's cancel scopes and capacity limiter): some 15 against
40 microseconds a call, measured, which shows at hundreds of queries a second."""


@router.get("/health", responses=COMMON)
async def health(request: Request, store: StoreDep) -> dict[str, object]:
    """Liveness, the size of the store (a remote store is asked), and whether ``histkg serve``
    has finished warming the home page and search index (``warm``; absent without a warm-up),
    for health checks and for benchmarks that should not measure the warm-up.

    Answered on the event loop when the quad count is known (one ``stat`` and a cached number):
    a health check must not wait for a thread behind the pages being built, nor for a query.
    Only a count (after a write, or of a remote store) goes to a thread.
    """
    _check_readable(store)
    quads = store.counted()
    if quads is None:
        quads = await asyncio.get_running_loop().run_in_executor(None, len, store)
    answer: dict[str, object] = {"status": "ok", "quads": quads}
    warming = getattr(request.app.state, "warm", None)
    if warming is not None:
        answer["warm"] = not warming.is_alive()
    return answer


def _check_readable(store: Store) -> None:
    """Raise ``StoreError`` when an on-disk store's directory is gone or no longer a store.

    The quad count is cached until the next write and queries read snapshots, so neither
    notices a deleted store directory: /health said ``ok`` while every write and every new
    query worker failed. RocksDB keeps a ``CURRENT`` file in every store directory.
    """
    if store.backend == "embedded" and not (Path(store.location) / "CURRENT").is_file():
        raise StoreError(
            f"The store at {store.location} is gone or damaged.",
            hint="Restart histkg serve (it loads the store again), or `histkg restore` a dump.",
        )


async def sparql(request: Request) -> Response:
    """``/sparql``: a query by GET or POST; a GET without one, the editor or the description.

    A plain Starlette endpoint, not a FastAPI route: FastAPI's dependency solving and request
    wrapping cost more CPU than everything else this process does for a point lookup (profiled
    under load with py-spy), and the endpoint reads its parameters by hand anyway.
    """
    app = request.app
    store: Store = app.state.store
    settings: Settings = app.state.settings
    params = parse_qsl(request.scope["query_string"].decode("latin-1"), keep_blank_values=True)
    if request.method == "POST":
        return await _post(request, store, settings, params)
    if all(name == "format" for name, _ in params):
        return await _describe(request, store, settings, last_param(params, "format"))
    return await _answer(request, store, settings, params)


router.add_route("/sparql", sparql, methods=["GET", "POST"], name="sparql", include_in_schema=False)


async def _post(
    request: Request, store: Store, settings: Settings, params: list[tuple[str, str]]
) -> Response:
    """A query in a form-encoded body or as a direct ``application/sparql-query`` body."""
    media_type, charset = _content_type(request.headers.get("content-type"))
    if media_type == SPARQL_UPDATE:
        raise _read_only()
    if media_type not in (FORM, SPARQL_QUERY):
        raise UnsupportedMediaType(
            f"A SPARQL query cannot be sent as {media_type or 'a body without a Content-Type'}.",
            hint=f"POST it as {FORM} (query=...) or as {SPARQL_QUERY}.",
        )
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(
            f"The body is declared as {charset}; SPARQL requests must be UTF-8.",
            hint="Send the body in UTF-8 (charset=utf-8 or no charset).",
        )
    text = _body_text(await request.body())
    if media_type == FORM:
        return await _answer(request, store, settings, params + parse_qsl(text, True))
    if any(name == "query" for name, _ in params):
        raise QueryError(
            "The request holds a query in its body and another in its URL.",
            hint="Send exactly one query.",
        )
    return await _answer(request, store, settings, [*params, ("query", text)])


@router.get("/sparql/editor/{name}", include_in_schema=False)
def editor_file(name: str) -> FileResponse:
    """The query editor's scripts, styles and examples (no CDN: everything is served here)."""
    entry = EDITOR_FILES.get(name)
    if entry is None:
        raise HttpError(404, "Not Found")
    path, media_type = entry
    return FileResponse(
        EDITOR / path, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get(
    "/.well-known/void",
    name="void",
    response_model=None,
    responses={
        200: content(
            *(m for m, _ in offers("graph") if m != "application/ld+json"),
            json=("application/ld+json",),
        ),
        **COMMON,
        **errors(406),
    },
)
async def void(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """The VoID description of the dataset (Turtle by default)."""
    fmt, media_type = _rdf_format(
        request, last_param(list(request.query_params.multi_items()), "format")
    )
    triples = await run_in_threadpool(void_triples, request, store, settings)
    return _graph_response(triples, fmt, media_type)


# --------------------------------------------------------------------------- queries


async def _answer(
    request: Request, store: Store, settings: Settings, params: list[tuple[str, str]]
) -> Response:
    if _UPDATE_PARAMETERS & {name for name, _ in params}:
        raise _read_only()
    queries = [value for name, value in params if name == "query"]
    if len(queries) > 1:
        raise QueryError("The request holds more than one query.", hint="Send exactly one query.")
    if not queries or not queries[0].strip():
        raise QueryError(
            "Missing the `query` parameter.",
            hint="Send GET /sparql?query=SELECT ... , or POST the query (see GET /sparql).",
        )
    sparql = queries[0]
    kind = query_kind(sparql)
    fmt, media_type = result_format(
        kind, request.headers.get("accept"), last_param(params, "format")
    )
    timeout = timeout_for(params, settings)
    dataset = _dataset(params)
    # Prefixes and the JSON-LD context go to the query worker only for the formats that use
    # them: pickling the context for every query cost more than the query itself.
    result = await _in_thread(
        partial(
            store.query_serialized,
            sparql,
            fmt.name,
            media_type=media_type,
            timeout=timeout,
            dataset=dataset,
            prefixes=PREFIXES if fmt.name in ABBREVIATED else None,
            context=_context(str(settings.ontology_dir / "context.jsonld"))
            if fmt.name == "jsonld"
            else None,
        )
    )
    headers = {
        "Vary": "Accept",
        "X-Histkg-Truncated": "true" if result.truncated else "false",
        "X-Histkg-Rows": str(result.count),
        "X-Histkg-Max-Rows": str(store.max_rows),
        "X-Histkg-Timeout": f"{timeout:g}",
    }
    return _stream(result, headers)


async def _in_thread(work: Callable[[], SerializedResult]) -> SerializedResult:
    """Run ``work`` in ``_QUERY_THREADS``; a result nobody waits for any more is discarded."""
    future = _QUERY_THREADS.submit(work)
    try:
        return await asyncio.wrap_future(future)
    except asyncio.CancelledError:
        future.add_done_callback(_discard)
        raise


def _discard(future: "Future[SerializedResult]") -> None:
    if not future.cancelled() and future.exception() is None:
        future.result().discard()  # its spooled file, if any


def _stream(result: SerializedResult, headers: dict[str, str]) -> Response:
    if result.path is None:
        return Response(result.body, media_type=result.media_type, headers=headers)
    return SpooledResponse(result, headers)


class SpooledResponse(StreamingResponse):
    """A spooled result, streamed; its file is closed and deleted however the answer ends.

    A client that leaves mid-download stops Starlette's streaming without closing the
    iterator, and the file (hundreds of megabytes) stayed until the garbage collector ran.
    """

    def __init__(self, result: SerializedResult, headers: dict[str, str]) -> None:
        self._chunks = result.chunks()
        self._result = result
        super().__init__(self._chunks, media_type=result.media_type, headers=headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            close = getattr(self._chunks, "close", None)  # a generator: closes its file
            with contextlib.suppress(ValueError):  # still running in a thread: it ends soon
                if close is not None:
                    close()
            self._result.discard()


def result_format(kind: Kind, accept: str | None, name: str | None) -> tuple[ResultFormat, str]:
    """The format and media type to answer in (cached: clients send the same few headers)."""
    if len(accept or "") + len(name or "") <= _CACHED_HEADER:
        return _cached_result_format(kind, accept, name)
    return _negotiate(kind, accept, name)


def _negotiate(kind: Kind, accept: str | None, name: str | None) -> tuple[ResultFormat, str]:
    what = {"select": "SELECT", "ask": "ASK", "graph": "CONSTRUCT/DESCRIBE"}[kind]
    available = offers(kind)
    if name is not None:
        fmt = format_named(kind, name)
        if fmt is None:
            names = ", ".join(dict.fromkeys(f.names[0] for _, f in available))
            raise NotAcceptable(
                f"format={name} is not a format for {what} results.", hint=f"Use one of: {names}."
            )
        return fmt, fmt.media_type
    chosen = choose(accept, [media_type for media_type, _ in available])
    if chosen is None:
        types = ", ".join(dict.fromkeys(media_type for media_type, _ in available))
        raise NotAcceptable(
            f"No format the request accepts ({shown(accept)}) can hold {what} results.",
            hint=f"Accept one of: {types}.",
        )
    return dict(available)[chosen], chosen


_cached_result_format = lru_cache(maxsize=256)(_negotiate)


def timeout_for(params: list[tuple[str, str]], settings: Settings) -> float:
    asked = last_param(params, "timeout")
    if asked is None:
        return settings.query_timeout
    try:
        seconds = float(asked)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise QueryError(f"timeout={asked} is not a number of seconds above 0.")
    return min(seconds, settings.query_timeout)


def _dataset(params: list[tuple[str, str]]) -> Dataset | None:
    defaults = tuple(value for name, value in params if name == "default-graph-uri")
    named = tuple(value for name, value in params if name == "named-graph-uri")
    return Dataset(defaults, named) if defaults or named else None


def last_param(params: list[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in params if key == name]
    return values[-1] if values else None


def _content_type(header: str | None) -> tuple[str, str]:
    media_type, *parameters = (part.strip() for part in (header or "").split(";"))
    charset = "utf-8"
    for parameter in parameters:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media_type.lower(), charset


def _body_text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise QueryError("The request body is not valid UTF-8.") from None


def _read_only() -> UpdateNotAllowed:
    return UpdateNotAllowed(
        "This endpoint is read-only; SPARQL Update is not accepted.",
        hint="Change the data in ontology/ or data/ and run `histkg load`.",
    )


@lru_cache(maxsize=4)
def _context(path: str) -> dict[str, Any] | None:
    """The ``@context`` of ``ontology/context.jsonld``, which JSON-LD answers are compacted with."""
    try:
        context = json.loads(Path(path).read_text(encoding="utf-8"))["@context"]
    except (OSError, ValueError, KeyError):
        return None
    return context if isinstance(context, dict) else None


# --------------------------------------------------------------------------- descriptions


async def _describe(
    request: Request, store: Store, settings: Settings, name: str | None
) -> Response:
    if name == "html" or (
        name is None and choose(request.headers.get("accept"), _description_offers()) in HTML
    ):
        return FileResponse(
            EDITOR / "editor.html", media_type="text/html", headers={"Vary": "Accept"}
        )
    fmt, media_type = _rdf_format(request, name)
    statistics = await run_in_threadpool(read_model(store).void_statistics)
    triples = service_description(
        _endpoint(request),
        str(request.url_for("void")),
        federated=bool(settings.service_hosts),
        statistics=statistics,
    )
    return _graph_response(triples, fmt, media_type)


def _description_offers() -> list[str]:
    return [media_type for media_type, _ in offers("graph")] + list(HTML)


def _rdf_format(request: Request, name: str | None) -> tuple[ResultFormat, str]:
    return result_format("graph", request.headers.get("accept"), name)


def _endpoint(request: Request) -> str:
    return str(request.url_for("sparql"))


def _graph_response(triples: list[Any], fmt: ResultFormat, media_type: str) -> Response:
    if fmt.name == "jsonld":
        body = to_jsonld(triples, CONTEXT)
    else:
        sink = Spool(None, limit=1 << 62)
        write_graph(fmt, triples, sink, prefixes=DESCRIPTION_PREFIXES)
        body = sink.finish()[0]
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})
