"""The Reconciliation Service API 0.2 over HTTP: ``/reconcile`` and its sub-services.

Thin: decode the request, call ``app.linking.reconcile.ReconService``, encode the answer.
Every answer, errors included, carries ``Access-Control-Allow-Origin: *`` (the spec requires
CORS so that browser clients can call the service), and ``OPTIONS`` preflights are answered.
Queries may come as ``GET ?queries=`` or as a POST form (``queries=``, ``extend=``), which
is parsed here with the standard library. A ``callback`` parameter (JSONP, which older clients
use) wraps the JSON in a call of that function name.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Callable, Coroutine
from html import escape
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from app.dates import DateFacts, date_in_words
from app.errors import HistkgError, HttpError, InputError, NotFound, UnsupportedMediaType
from app.linking.reconcile import ReconService
from app.routes.deps import SettingsDep, StoreDep
from app.routes.responses import COMMON, content, errors
from app.settings import Settings
from app.store import Store

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept",
    "Access-Control-Max-Age": "86400",
}
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$")
MAX_BODY = 4 << 20


class CorsRoute(APIRoute):
    """A route whose every answer, error or not, carries the CORS headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_cors(request: Request) -> Response:
            try:
                response = await handler(request)
            except HistkgError as error:
                response = JSONResponse(error.to_dict(), status_code=error.http_status)
            except RequestValidationError as error:
                problems = "; ".join(
                    f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()
                )
                failure = InputError(f"Invalid request: {problems}")
                response = JSONResponse(failure.to_dict(), status_code=failure.http_status)
            response.headers.update(CORS)
            return response

        return with_cors


# Answers are JSON, or JSONP (application/javascript) when a `callback` is given.
ANSWERS = {200: content("application/javascript", json=("application/json",)), **COMMON}
router = APIRouter(
    prefix="/reconcile", route_class=CorsRoute, tags=["reconciliation"], responses=ANSWERS
)


_CREATING = threading.Lock()


def app_service(app: FastAPI, store: Store, settings: Settings) -> ReconService:
    """One service per app, created on first use (it holds the entity index); a request waits
    for the index's build at most ``HISTKG_QUERY_TIMEOUT`` seconds, then gets 503 ``not_ready``."""
    with _CREATING:
        service: ReconService | None = getattr(app.state, "reconcile", None)
        if service is None or service.store is not store:
            service = ReconService(store, base_iri=settings.base_iri, wait=settings.query_timeout)
            app.state.reconcile = service
        return service


def _service(request: Request, store: StoreDep, settings: SettingsDep) -> ReconService:
    return app_service(request.app, store, settings)


def recon_service(request: Request, store: StoreDep, settings: SettingsDep) -> ReconService:
    """The app's reconciliation service, which the workbench also calls, in process."""
    return _service(request, store, settings)


def _endpoint(request: Request) -> str:
    return str(request.url_for("reconcile_get")).split("?", 1)[0].rstrip("/")


def _json(data: Any, callback: str | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False)
    if callback is None:
        return Response(body, media_type="application/json")
    if not _CALLBACK.match(callback) or len(callback) > 100:
        raise InputError("`callback` must be a JavaScript function name")
    return Response(f"/**/{callback}({body});", media_type="application/javascript")


def _decode(name: str, text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_not_json)
    except RecursionError:
        raise InputError(f"`{name}` is nested too deeply.") from None
    except ValueError as error:
        raise InputError(f"`{name}` is not valid JSON: {error}") from None


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON number")


async def _stoppable(request: Request, work: Callable[[threading.Event], Any]) -> Any:
    """Run ``work(stop)`` in a thread; ``stop`` is set when the client disconnects."""
    stop = threading.Event()

    async def watch() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
        stop.set()

    watcher = asyncio.create_task(watch())
    try:
        return await run_in_threadpool(work, stop)
    finally:
        stop.set()  # a cancelled request stops its work too
        watcher.cancel()


async def _answer(request: Request, service: ReconService, params: dict[str, str]) -> Response:
    callback = params.get("callback")
    if "queries" in params:
        batch = _decode("queries", params["queries"])
        timeout = request.app.state.settings.query_timeout
        answer = await _stoppable(
            request, lambda stop: service.reconcile(batch, timeout=timeout, stop=stop)
        )
        return _json(answer, callback)
    if "extend" in params:
        query = _decode("extend", params["extend"])
        return _json(await run_in_threadpool(service.extend, query), callback)
    return _json(service.manifest(_endpoint(request)), callback)


@router.get("", name="reconcile_get")
async def reconcile_get(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """The manifest, or answers to ``?queries=`` / ``?extend=``."""
    return await _answer(request, _service(request, store, settings), dict(request.query_params))


@router.post("", responses=errors(415))
async def reconcile_post(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """Answers to a form-encoded ``queries=`` or ``extend=`` (the spec's POST)."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HttpError(413, "The request body is larger than 4 MiB.")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    params = dict(request.query_params)
    if content_type not in ("application/x-www-form-urlencoded", ""):
        raise UnsupportedMediaType(
            f"Send the form as application/x-www-form-urlencoded, not {content_type!r}."
        )
    form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    params.update({key: values[-1] for key, values in form.items()})
    return await _answer(request, _service(request, store, settings), params)


@router.options("", status_code=204, response_class=Response)
# The catch-all preflight is CORS plumbing, not an operation: OpenAPI cannot describe a path
# parameter the handler does not take, so it stays out of the schema.
@router.options("/{path:path}", status_code=204, response_class=Response, include_in_schema=False)
def preflight() -> Response:
    """CORS preflight: the headers say everything."""
    return Response(status_code=204)


@router.get("/suggest/entity")
def suggest_entity(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    prefix: str = "",
    type: str | None = None,
    cursor: int = 0,
) -> Response:
    """Entities whose names start with ``prefix``, for autocompletion."""
    service = _service(request, store, settings)
    return _json(service.suggest_entity(prefix, type_id=type, cursor=cursor))


@router.get("/suggest/type")
def suggest_type(
    request: Request, store: StoreDep, settings: SettingsDep, prefix: str = ""
) -> Response:
    """Our types whose names start with ``prefix``."""
    return _json(_service(request, store, settings).suggest_type(prefix))


@router.get("/suggest/property")
def suggest_property(
    request: Request, store: StoreDep, settings: SettingsDep, prefix: str = ""
) -> Response:
    """Properties whose names start with ``prefix``."""
    return _json(_service(request, store, settings).suggest_property(prefix))


@router.get("/properties")
def properties(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    type: str | None = None,
    limit: int | None = None,
) -> Response:
    """Data extension: the properties worth fetching for a type."""
    return _json(_service(request, store, settings).propose_properties(type, limit))


@router.get("/preview", responses={200: content("text/html"), **errors(404)})
def preview(request: Request, store: StoreDep, settings: SettingsDep, id: str) -> Response:
    """A small HTML card of one entity, for OpenRefine's preview pane."""
    service = _service(request, store, settings)
    record = service.record(id)
    if record is None:
        raise NotFound(f"No entity {id!r} in this graph.", hint="Use an id a candidate gave.")
    facts = []
    if record.span:
        facts.append(f"<dt>Dates</dt><dd>{escape(_in_words(record.span.text))}</dd>")
    if record.qid:
        facts.append(
            f'<dt>Wikidata</dt><dd><a href="https://www.wikidata.org/wiki/{record.qid}" '
            f'target="_blank" rel="noopener">{record.qid}</a></dd>'
        )
    alt = ", ".join(record.alt_labels)
    html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(record.label)}</title>"
        "<style>body{font:14px/1.4 system-ui,sans-serif;margin:8px;color:#111}"
        "h1{font-size:16px;margin:0 0 4px}dl{margin:4px 0}dt{font-weight:bold;float:left;"
        "margin-right:6px}p{margin:4px 0}.alt{color:#444}</style></head><body>"
        f'<h1><a href="{escape(_page_url(request, settings.base_iri, record.iri))}" '
        'target="_blank" rel="noopener">'
        f"{escape(record.label)}</a></h1>"
        + (f'<p class="alt">{escape(alt)}</p>' if alt else "")
        + (f"<p>{escape(record.description)}</p>" if record.description else "")
        + (f"<dl>{''.join(facts)}</dl>" if facts else "")
        + "</body></html>"
    )
    return HTMLResponse(html)


def _page_url(request: Request, base_iri: str, iri: str) -> str:
    """The entity's page on this server (OpenRefine's preview links there, not to w3id.org)."""
    if not iri.startswith(base_iri):
        return iri
    return str(request.base_url).rstrip("/") + "/id/" + iri[len(base_iri) :]


def _in_words(edtf: str) -> str:
    """A date the records give as EDTF ("1931-09-18"), in words ("18 September 1931")."""
    try:
        return date_in_words(DateFacts(edtf=edtf))
    except ValueError:
        return edtf
