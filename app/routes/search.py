"""Search over labels and alternative labels: ``/search`` (HTML, or JSON by ``Accept``) and
``/search.json``. The matching rules are in ``app.names``, the index in ``app.read.search``."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from app.negotiation import choose
from app.pages.context import SearchPage
from app.pages.render import render
from app.pages.searchpage import PAGE_SIZE, search_page
from app.read import read_model
from app.routes.deps import SettingsDep, StoreDep
from app.routes.pages import HTML, JSON, page_settings
from app.routes.responses import COMMON, content

router = APIRouter(responses=COMMON)

QueryText = Query("", max_length=200, description="Words to look for (any spelling).")
Kind = Query("", max_length=40, pattern=r"^[a-z]*$", description="Narrow to a kind: person ...")
PageNumber = Query(1, ge=1, le=10_000, description="Page of results, from 1.")
Limit = Query(PAGE_SIZE, ge=1, le=100, description="Results per page.")


@router.get(
    "/search",
    response_model=None,
    responses={200: content("text/html", json=("application/json",))},
)
def search(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    q: str = QueryText,
    kind: str = Kind,
    page: int = PageNumber,
    limit: int = Limit,
) -> Response:
    """Search results as a page, or as JSON for clients that prefer it."""
    result = search_page(
        read_model(store), page_settings(settings, q), q, kind=kind, page=page, limit=limit
    )
    vary = {"Vary": "Accept"}  # HTML or JSON, by Accept
    if choose(request.headers.get("accept"), [HTML, JSON]) == JSON:
        return JSONResponse(as_json(result), headers=vary)
    return HTMLResponse(render(result), headers=vary)


@router.get("/search.json")
def search_json(
    store: StoreDep,
    settings: SettingsDep,
    q: str = QueryText,
    kind: str = Kind,
    page: int = PageNumber,
    limit: int = Limit,
) -> JSONResponse:
    """Search results as JSON (also what the search box's suggestions read)."""
    result = search_page(
        read_model(store), page_settings(settings, q), q, kind=kind, page=page, limit=limit
    )
    return JSONResponse(as_json(result))


def as_json(result: SearchPage) -> dict[str, Any]:
    """The JSON answer: the query, the total and one page of results."""
    return {
        "query": result.query,
        "kind": result.kind,
        "total": result.total,
        "page": result.pager.page,
        "next": result.pager.next_href,
        "results": [
            {
                "iri": hit.link.iri,
                "url": hit.link.href,
                "label": hit.link.label,
                "matched": hit.matched,
                "match": hit.match,
                "types": hit.types,
                "when": hit.when,
                "description": hit.description,
            }
            for hit in result.hits
        ],
        "kinds": [dataclasses.asdict(option) for option in result.kinds],
    }
