"""Authenticated writes over HTTP: SPARQL 1.1 Update at ``/update``, Graph Store at ``/store``.

Thin: check the bearer token, read the body, call ``app.writes`` off the event loop.

* Every request needs ``Authorization: Bearer <token>`` whose SHA-256 digest is one of
  ``HISTKG_WRITE_TOKENS``: no header or not of that form is a 401 (with ``WWW-Authenticate``), a
  well-formed token that is not configured a 403. A signed-in curator's session cookie may
  stand in for the header, with the session's CSRF token in ``X-CSRF-Token`` (else 403).
  Tokens are compared by digest, in constant time, and never logged or echoed.
* ``POST /update``: ``application/sparql-update`` body, or form-encoded ``update=``.
* ``/store?graph=IRI`` (or ``?default`` for GET): ``GET`` the graph, ``PUT`` replaces it, ``POST``
  merges into it, ``DELETE`` drops it; bodies are Turtle, N-Triples or RDF/XML.
* A write that would break a shape is a 422 with the SHACL report; a refused graph a 403.
"""

import hashlib
import hmac
import re
from typing import Annotated, Final
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app import writes
from app.errors import (
    Forbidden,
    InputError,
    NotAcceptable,
    QueryError,
    Unauthorized,
    UnsupportedMediaType,
)
from app.negotiation import choose
from app.routes import session
from app.routes.deps import SettingsDep, StoreDep
from app.routes.responses import COMMON, content, errors

router = APIRouter(responses={**COMMON, **errors(401, 403, 412, 415, 422)})

_BEARER: Final = re.compile(r"Bearer ([A-Za-z0-9\-._~+/]+=*)")
SPARQL_UPDATE: Final = "application/sparql-update"
FORM: Final = "application/x-www-form-urlencoded"
_DATASET_PARAMETERS: Final = {"using-graph-uri", "using-named-graph-uri"}

# What the handlers read by hand (so FastAPI cannot see it), declared for /openapi.json.
_TEXT: Final = {"schema": {"type": "string"}}
_GRAPH: Final = {
    "name": "graph",
    "in": "query",
    "required": True,
    "schema": {"type": "string", "format": "uri"},
    "description": "IRI of the named graph.",
}
_UPDATE_BODY: Final = {
    "requestBody": {
        "required": True,
        "content": {
            SPARQL_UPDATE: _TEXT,
            FORM: {
                "schema": {
                    "type": "object",
                    "properties": {"update": {"type": "string"}},
                    "required": ["update"],
                }
            },
        },
    }
}
_GRAPH_BODY: Final = {
    "parameters": [_GRAPH],
    "requestBody": {"required": True, "content": dict.fromkeys(writes.GRAPH_FORMATS, _TEXT)},
}
_READ_GRAPH: Final = {
    "parameters": [
        {**_GRAPH, "required": False, "description": "IRI of the named graph (or `default`)."},
        {
            "name": "default",
            "in": "query",
            "required": False,
            "allowEmptyValue": True,
            "schema": {"type": "string"},
            "description": "Read the default graph instead of a named one.",
        },
    ]
}


def _writer(request: Request, settings: SettingsDep) -> str:
    """The name of the request's configured bearer token (401 / 403 without one).

    The name is the agent of the revision the write makes (``HISTKG_WRITE_TOKENS``). Without an
    ``Authorization`` header, a signed-in curator writes under their account's name, given the
    session's CSRF token in ``X-CSRF-Token`` (``app.routes.session``).
    """
    if "authorization" not in request.headers:
        user = session.curator(request)
        if user is not None:
            session.check_csrf(request, request.headers.get(session.CSRF_HEADER))
            return user.name
    header = request.headers.get("authorization", "")
    match = _BEARER.fullmatch(header.strip())
    if match is None:
        raise Unauthorized(
            "Writing needs a bearer token: send `Authorization: Bearer <token>`.",
            hint="Ask the operator of this server for a token.",
        )
    digest = hashlib.sha256(match.group(1).encode()).hexdigest()
    for known, name in settings.write_token_names.items():
        if hmac.compare_digest(digest, known):
            return name
    raise Forbidden(
        "This token may not write here.",
        hint="Check the token; the server accepts the ones in HISTKG_WRITE_TOKENS.",
    )


Writer = Annotated[str, Depends(_writer)]

_ETAG: Final = re.compile(r'\s*(?:W/)?"r?([0-9]{1,18})"\s*')


def _author(request: Request, name: str) -> writes.Author:
    """The revision's agent and message (``?message=`` or ``X-Histkg-Message``)."""
    message = request.query_params.get("message") or request.headers.get("x-histkg-message", "")
    return writes.Author(name, message.strip())


def _if_match(request: Request) -> set[int] | None:
    """The revisions an ``If-Match`` header accepts; None without one (or ``*``).

    An entity tag that is not one of ours matches nothing, so the write gets its 412.
    """
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return None
    found: set[int] = set()
    for tag in header.split(","):
        match = _ETAG.fullmatch(tag)
        if match:
            found.add(int(match.group(1)))
    return found


def etag(revision: int) -> str:
    """The entity tag of a state: the last revision that changed it (0: none did)."""
    return f'"{revision}"'


def _written(result: writes.WriteResult) -> Response:
    response = JSONResponse(result.to_json())
    if result.revision is not None:
        response.headers["ETag"] = etag(result.revision)
    return response


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _text(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"The {what} is not valid UTF-8.") from None


@router.post(
    "/update",
    summary="SPARQL 1.1 Update (bearer token; SHACL-checked)",
    openapi_extra=_UPDATE_BODY,
)
async def sparql_update(
    request: Request, store: StoreDep, settings: SettingsDep, name: Writer
) -> Response:
    media_type = _media_type(request)
    body = await request.body()
    params = list(request.query_params.multi_items())
    if media_type == SPARQL_UPDATE:
        text = _text(body, "update")
    elif media_type == FORM:
        params += parse_qsl(_text(body, "form"), keep_blank_values=True)
        values = [v for k, v in params if k == "update"]
        if len(values) != 1:
            raise QueryError("Send exactly one `update` parameter.")
        text = values[0]
    else:
        raise UnsupportedMediaType(
            f"/update reads {SPARQL_UPDATE} or {FORM}, not {media_type or 'no content type'}."
        )
    if _DATASET_PARAMETERS & {name for name, _ in params}:
        # Refused rather than ignored: the update would have run on another dataset than asked.
        raise QueryError(
            "using-graph-uri and using-named-graph-uri are not supported.",
            hint="Name the graphs in the update itself (USING, USING NAMED, WITH or GRAPH).",
        )
    author, expected = _author(request, name), _if_match(request)
    result = await run_in_threadpool(
        lambda: writes.update(store, text, settings.project_dir, author=author, if_match=expected)
    )
    return _written(result)


def _graph_param(request: Request, *, allow_default: bool) -> str | None:
    params = request.query_params
    graphs = params.getlist("graph")
    if "default" in params and not graphs:
        if not allow_default:
            raise InputError(
                "Writes go to named graphs, not the default graph.", hint="Use ?graph=IRI."
            )
        return None
    if len(graphs) != 1 or "default" in params:
        raise InputError("Name exactly one graph: ?graph=IRI (or ?default to read).")
    return graphs[0]


@router.get(
    "/store",
    summary="Graph Store Protocol: read a graph (bearer token)",
    responses={200: content(*writes.GRAPH_FORMATS), **errors(404, 406)},
    openapi_extra=_READ_GRAPH,
)
async def store_get(request: Request, store: StoreDep, _: Writer) -> Response:
    graph = _graph_param(request, allow_default=True)
    media_type = choose(request.headers.get("accept", "*/*"), list(writes.GRAPH_FORMATS))
    if media_type is None:
        raise NotAcceptable(f"/store answers in {', '.join(writes.GRAPH_FORMATS)}.")
    body = await run_in_threadpool(writes.read_graph, store, graph, media_type)
    response = Response(body, media_type=media_type)
    if graph is not None:
        revision = await run_in_threadpool(writes.graph_revision, store, graph)
        response.headers["ETag"] = etag(revision)
    return response


async def _store_write(
    request: Request, store: StoreDep, settings: SettingsDep, name: str, *, replace: bool
) -> Response:
    graph = _graph_param(request, allow_default=False)
    assert graph is not None  # noqa: S101 - allow_default=False
    media_type = _media_type(request)
    if media_type not in writes.GRAPH_FORMATS:
        raise UnsupportedMediaType(
            f"/store reads {', '.join(writes.GRAPH_FORMATS)}, not {media_type or 'no type'}.",
            hint="JSON-LD is not read here: its @context could point to a remote document.",
        )
    body = await request.body()
    author, expected = _author(request, name), _if_match(request)
    result = await run_in_threadpool(
        lambda: writes.write_graph(
            store,
            graph,
            body,
            media_type,
            settings.project_dir,
            replace=replace,
            author=author,
            if_match=expected,
        )
    )
    return _written(result)


@router.put(
    "/store",
    summary="Graph Store Protocol: replace a graph (bearer token)",
    openapi_extra=_GRAPH_BODY,
)
async def store_put(
    request: Request, store: StoreDep, settings: SettingsDep, name: Writer
) -> Response:
    return await _store_write(request, store, settings, name, replace=True)


@router.post(
    "/store",
    summary="Graph Store Protocol: add to a graph (bearer token)",
    openapi_extra=_GRAPH_BODY,
)
async def store_post(
    request: Request, store: StoreDep, settings: SettingsDep, name: Writer
) -> Response:
    return await _store_write(request, store, settings, name, replace=False)


@router.delete(
    "/store",
    summary="Graph Store Protocol: drop a graph (bearer token)",
    responses=errors(404),
    openapi_extra={"parameters": [_GRAPH]},
)
async def store_delete(
    request: Request, store: StoreDep, settings: SettingsDep, name: Writer
) -> Response:
    graph = _graph_param(request, allow_default=False)
    assert graph is not None  # noqa: S101 - allow_default=False
    author, expected = _author(request, name), _if_match(request)
    result = await run_in_threadpool(
        lambda: writes.delete_graph(
            store, graph, settings.project_dir, author=author, if_match=expected
        )
    )
    return _written(result)
