"""The revision history over HTTP: ``/history`` (HTML, JSON, Atom), ``/history/N``, revert.

Thin: read the parameters, ask ``app.pages.history`` for the page context, answer in the format
asked for: a ``.json`` or ``.atom`` suffix, ``?format=html|json|atom``, or ``Accept``.
``POST /history/N/revert`` needs a write token, like ``/update``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from app import history, writes
from app.errors import InputError, NotAcceptable
from app.negotiation import choose
from app.pages import history as history_pages
from app.pages.render import render
from app.read import read_model
from app.routes.deps import SettingsDep, StoreDep
from app.routes.pages import site
from app.routes.responses import COMMON, content, errors
from app.routes.writes import Writer, etag

router = APIRouter(responses=COMMON)

HTML = "text/html"
JSON = "application/json"
ATOM = "application/atom+xml"
_BY_NAME = {"html": HTML, "json": JSON, "atom": ATOM}
_SINCE = Query(
    None,
    description="Only revisions from this day on (YYYY-MM-DD).",
    json_schema_extra={"format": "date"},
)


def _format(request: Request, suffix: str | None, asked: str | None) -> str:
    if suffix:
        return _BY_NAME[suffix]
    if asked:
        if asked not in _BY_NAME:
            raise InputError(f"format={asked!r}: use html, json or atom.")
        return _BY_NAME[asked]
    chosen = choose(request.headers.get("accept"), [HTML, JSON, ATOM])
    if chosen is None:
        raise NotAcceptable("/history answers in HTML, JSON or Atom.")
    return chosen


def _since(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"since={text!r} is not a date.", hint="Write it as YYYY-MM-DD.") from None
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


async def _history(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    suffix: str | None,
    entity: str | None,
    graph: str | None,
    since: str | None,
    limit: int,
    format: str | None,
) -> Response:
    media_type = _format(request, suffix, format)
    start = _since(since)
    page, revisions = await run_in_threadpool(
        lambda: history_pages.history_page(
            read_model(store).history(),
            settings.base_iri,
            site(settings),
            entity=entity,
            graph=graph,
            since=start,
            limit=limit,
        )
    )
    if media_type == JSON:
        return JSONResponse({"revisions": [r.to_json() for r in revisions]})
    if media_type == ATOM:
        body = history_pages.atom_feed(page, str(request.base_url))
        return Response(body, media_type=ATOM)
    return HTMLResponse(render(page))


_LIST_RESPONSES = {200: content(HTML, ATOM, json=(JSON,)), **errors(406)}


@router.get("/history", response_class=HTMLResponse, responses=_LIST_RESPONSES)
async def history_list(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    entity: str | None = Query(None, description="Only revisions about this IRI."),
    graph: str | None = Query(None, description="Only revisions that changed this graph."),
    since: str | None = _SINCE,
    limit: int = Query(100, ge=1, le=1000, description="At most this many revisions."),
    format: Literal["html", "json", "atom"] | None = Query(
        None, description="html, json or atom (instead of Accept)."
    ),
) -> Response:
    """Who changed what and when, newest first: HTML, JSON or Atom."""
    return await _history(request, store, settings, None, entity, graph, since, limit, format)


@router.get("/history.{suffix}", responses=_LIST_RESPONSES)
async def history_list_as(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    suffix: Literal["json", "atom"],
    entity: str | None = Query(None, description="Only revisions about this IRI."),
    graph: str | None = Query(None, description="Only revisions that changed this graph."),
    since: str | None = _SINCE,
    limit: int = Query(100, ge=1, le=1000, description="At most this many revisions."),
) -> Response:
    """The history as ``.json`` or ``.atom``."""
    return await _history(request, store, settings, suffix, entity, graph, since, limit, None)


@router.get(
    "/history/{number}",
    response_class=HTMLResponse,
    responses={200: content(HTML, json=(JSON,)), **errors(404)},
)
async def revision_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    number: str = Path(pattern=r"^[1-9][0-9]{0,17}(\.json)?$", description="N or N.json."),
) -> Response:
    """One revision: what it added and removed, in words (``.json``: with the exact patch)."""
    as_json = number.endswith(".json")
    n = history.parse_number(number.removesuffix(".json"))
    if as_json or choose(request.headers.get("accept"), [HTML, JSON]) == JSON:
        body = await run_in_threadpool(read_model(store).history().revision_json, n)
        return JSONResponse(body)
    page = await run_in_threadpool(
        history_pages.diff_page, read_model(store).history(), settings.base_iri, site(settings), n
    )
    return HTMLResponse(render(page), headers={"ETag": etag(n)})


@router.post(
    "/history/{number}/revert",
    summary="Revert a revision (bearer token); a new revision",
    responses=errors(401, 403, 404, 409, 422),
)
async def revert_revision(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    name: Writer,
    number: int = Path(ge=1, le=10**18, description="The revision to revert."),
) -> Response:
    n = number
    chain = request.query_params.get("chain", "").lower() in ("1", "true", "yes")
    message = request.query_params.get("message", "")
    result = await run_in_threadpool(
        lambda: writes.revert(
            store, n, settings.project_dir, chain=chain, author=writes.Author(name, message)
        )
    )
    return JSONResponse(dataclasses.asdict(result))
