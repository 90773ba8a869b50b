"""The HTTP layer: a ``create_app(settings)`` factory and thin routes over ``app.store``.

Routes only translate HTTP into store calls and results back into responses; all query logic
lives in the data layer. ``/sparql`` is a plain Starlette route that hands each query to a thread
pool of its own (``app.routes.sparql``), and the other endpoints that read the store are plain
``def`` functions FastAPI runs in its threadpool, so a slow query never blocks the event loop.
Every error, ours or the framework's, leaves in the one format of ``HistkgError.to_dict()``;
unexpected ones are logged and answered with a generic 500 so no internals reach the client.
CORS lets browser tools on other origins GET and POST (the data is public and read-only; no
credentials are involved).
"""

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import __version__
from app.errors import (
    HistkgError,
    HttpError,
    InputError,
    InternalError,
)
from app.routes import books as books_routes
from app.routes import dump as dump_routes
from app.routes import history as history_routes
from app.routes import pages as pages_routes
from app.routes import reconcile as reconcile_routes
from app.routes import search as search_routes
from app.routes import sparql as sparql_routes
from app.routes import workbench as workbench_routes
from app.routes import writes as writes_routes
from app.routes.lean import LeanSparql, PageAnswers
from app.routes.session import Sessions
from app.security import (
    CLOSE,
    PublicAddress,
    QueryAdmission,
    RateLimiter,
    RequestLimits,
    SecurityHeaders,
    is_reconciliation,
    trusted_host_names,
)
from app.settings import Settings
from app.store import Store

log = logging.getLogger("histkg.web")
_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")

ROUTERS = (
    sparql_routes,
    reconcile_routes,
    workbench_routes,  # before pages_routes: its reading view takes /id/ingest/NAME/page
    books_routes,
    pages_routes,
    search_routes,
    dump_routes,
    writes_routes,
    history_routes,
)
"""Route modules, each with a module-level ``router``; a new feature adds its module here."""


class HistkgApp(FastAPI):
    """FastAPI with the lean paths (``app.routes.lean``: SPARQL point lookups, kept entity
    pages) in front of everything.

    In front of FastAPI's own layers too: its body limit and telemetry wrappers, Starlette's
    error middleware and the middlewares of ``create_app`` each cost a point lookup more than
    the lookup itself, profiled under load.
    """

    lean: LeanSparql | None = None
    pages: PageAnswers | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self.lean is not None and await self.lean.answered(scope, send):
                return
            if self.pages is not None:
                unanswered = await self.pages.answered(scope, send)
                if unanswered is None:
                    return
                send = unanswered
        await super().__call__(scope, receive, send)


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    """Build the web app; the store is opened from ``settings`` unless one is given."""
    app = HistkgApp(title="histkg", version=__version__)
    app.state.settings = settings
    app.state.store = store if store is not None else Store.from_settings(settings)
    for module in ROUTERS:
        app.include_router(module.router)
    _add_error_handlers(app)
    app.add_middleware(Sessions, settings=settings)  # curators' signed cookies (app.routes.session)
    app.add_middleware(  # a bounded, first-come-first-served line of SPARQL queries
        QueryAdmission,
        limit=max(settings.query_workers, 1) + settings.max_queued_queries,
        # Only the embedded store's worker pool has a fixed number of places to wait for. Twice
        # as many queries as workers are handed over, so a worker finds the next query waiting
        # while the last answer travels back to the client (the pool's own, unordered wait then
        # holds at most a few queries).
        running=2 * settings.query_workers if app.state.store.backend != "remote" else None,
        wait=settings.query_timeout,
    )
    app.add_middleware(  # the same for reconciliation batches, which run in this process
        QueryAdmission,
        limit=1 + settings.max_queued_queries,
        # One batch at a time: fuzzy matching is Python holding the GIL, and more than one at
        # once took the event loop's turns (/health took a second).
        running=1,
        wait=settings.query_timeout,
        matches=is_reconciliation,
        what="reconciliation requests",
    )
    limiter = RateLimiter(settings.rate_limit)
    app.add_middleware(
        RequestLimits,
        max_bytes=settings.max_request_bytes,
        per_minute=settings.rate_limit,
        body_timeout=settings.body_timeout,
        limiter=limiter,
    )
    app.add_middleware(
        PublicAddress, base_url=settings.base_url, trusted_hosts=_trusted_hosts(settings)
    )
    app.add_middleware(SecurityHeaders)  # CSP and companions (app.security)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST"],
        allow_headers=["Accept", "Content-Type"],
        expose_headers=sparql_routes.EXPOSED_HEADERS,
        max_age=3600,
    )
    app.add_middleware(HeadAsGet)
    app.lean = LeanSparql(  # bounded SPARQL GETs, answered ahead of all of the above
        store=app.state.store,
        settings=settings,
        hosts=trusted_host_names(settings.base_url, _trusted_hosts(settings)),
        limiter=limiter,
    )
    app.pages = PageAnswers(  # entity pages kept whole, answered ahead of everything too
        store=app.state.store, limiter=limiter, max_bytes=settings.page_cache_mb << 20
    )
    return app


def _trusted_hosts(settings: Settings) -> list[str]:
    """``HISTKG_TRUSTED_HOSTS``, and ``HISTKG_HOST`` when it names one interface."""
    hosts = [host.strip() for host in settings.trusted_hosts.split(",")]
    if settings.host not in ("0.0.0.0", "::", ""):  # noqa: S104 - comparing, not binding
        hosts.append(settings.host)
    return hosts


class HeadAsGet:
    """``HEAD`` on every ``GET`` route: answered as the ``GET``, without its body.

    FastAPI routes answer only the methods they declare, so ``HEAD /health`` was a 405 (and
    405s did not list ``HEAD``); RFC 9110 asks every server that serves GET to serve HEAD.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def _error_response(
    error: HistkgError, headers: Mapping[str, str] | None = None, request: Request | None = None
) -> Response:
    # Browsers get an error page (app.routes.pages.html_error); API clients the JSON format.
    page = pages_routes.html_error(request, error, headers) if request is not None else None
    if page is not None:
        page.headers["Vary"] = "Accept"
        return page
    varied = {**(headers or {}), "Vary": "Accept"}  # the page or JSON, by Accept
    return JSONResponse(error.to_dict(), status_code=error.http_status, headers=varied)


def _allowed(request: Request) -> str:
    """Every method served at the request's path.

    Starlette's 405 names only the methods of the first route matching the path, so
    ``OPTIONS /store`` said ``Allow: GET`` although PUT, POST and DELETE are served there too.
    Each method is tried against the app's own routing, so included routers count too.
    """
    routes = request.app.router.routes
    allowed = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]
    if "GET" in allowed and "HEAD" not in allowed:  # served by HeadAsGet
        allowed.insert(allowed.index("GET") + 1, "HEAD")
    return ", ".join(allowed)


def _add_error_handlers(app: FastAPI) -> None:
    async def histkg_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HistkgError)  # noqa: S101 - registered for this type only
        # A 401 names the scheme it wants (RFC 6750); the token itself is never echoed.
        challenge = {"WWW-Authenticate": 'Bearer realm="histkg"'}
        headers = challenge if error.http_status == 401 else None
        if error.http_status in (408, 413):  # part of the body is unread: do not reuse
            headers = CLOSE
        return _error_response(error, headers, request)

    async def invalid_request(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)  # noqa: S101
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        return _error_response(InputError(f"Invalid request: {problems}"), request=request)

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)  # noqa: S101
        # Keep the framework's headers, e.g. `Allow` on a 405 (made complete: see _allowed).
        http = HttpError(error.status_code, str(error.detail))
        headers = error.headers
        if error.status_code == 405:
            headers = {**(headers or {}), "Allow": _allowed(request)}
        return _error_response(http, headers, request)

    async def unexpected(request: Request, error: Exception) -> Response:
        log.error("Unhandled error on %s", request.url.path, exc_info=error)
        return _error_response(InternalError(), request=request)

    app.add_exception_handler(HistkgError, histkg_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
