"""The workbench's books: the list of books with pages in the workbench, and each book's review
queue (``app.workbench.books``). Thin: a signed-in curator, then the context off the event loop."""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from app.errors import InputError, NotFound
from app.pages.render import render
from app.routes import session
from app.routes.deps import SettingsDep, StoreDep
from app.routes.pages import site
from app.routes.responses import COMMON
from app.routes.workbench import to_sign_in
from app.workbench.books import book_queue, workbench_books

router = APIRouter(responses=COMMON, include_in_schema=False)

_NO_STORE = {"Cache-Control": "no-store"}


@router.get("/workbench/books", response_class=HTMLResponse)
async def books(
    request: Request, store: StoreDep, settings: SettingsDep, book: str = ""
) -> Response:
    """Without ``book``: the books with pages in the workbench; with it: that book's queue."""
    if session.curator(request) is None:
        return to_sign_in(request)
    if not book:
        listing = await run_in_threadpool(workbench_books, store, settings.base_iri, site(settings))
        return HTMLResponse(render(listing), headers=_NO_STORE)
    try:
        node = ox.NamedNode(book)
    except ValueError:
        raise InputError(
            f"{book[:80]!r} is not an IRI.", hint="Open a book from /workbench/books."
        ) from None
    queue = await run_in_threadpool(book_queue, store, node, settings.base_iri, site(settings))
    if queue is None:
        raise NotFound(
            "That book has no pages in the workbench.",
            hint="Ingest it with histkg ingest BOOK --into-store, or upload it on Add a page.",
        )
    return HTMLResponse(render(queue), headers=_NO_STORE)
