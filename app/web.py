"""The HTTP layer: a ``create_app(settings)`` factory and thin routes over ``app.store``.

Routes only translate HTTP into store calls and results back into responses; all query logic
lives in the data layer. Query endpoints are plain ``def`` functions, so FastAPI runs them in its
threadpool and a slow query never blocks the event loop. Every error, ours or the framework's,
leaves in the one format of ``HistkgError.to_dict()``; unexpected ones are logged and answered
with a generic 500 so no internals reach the client. The full SPARQL 1.1 Protocol (POST,
content negotiation) is a later step.
"""

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import __version__
from app.errors import (
    HistkgError,
    HttpError,
    InputError,
    InternalError,
)
from app.routes import sparql as sparql_routes
from app.settings import Settings
from app.store import Store

log = logging.getLogger("histkg.web")

ROUTERS = (sparql_routes,)
"""Route modules, each with a module-level ``router``; a new feature adds its module here."""


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    """Build the web app; the store is opened from ``settings`` unless one is given."""
    app = FastAPI(title="histkg", version=__version__)
    app.state.settings = settings
    app.state.store = store if store is not None else Store.from_settings(settings)
    for module in ROUTERS:
        app.include_router(module.router)
    _add_error_handlers(app)
    return app


def _error_response(error: HistkgError, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error.to_dict(), status_code=error.http_status, headers=headers)


def _add_error_handlers(app: FastAPI) -> None:
    async def histkg_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HistkgError)  # noqa: S101 - registered for this type only
        return _error_response(error)

    async def invalid_request(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)  # noqa: S101
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        return _error_response(InputError(f"Invalid request: {problems}"))

    async def http_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)  # noqa: S101
        # Keep the framework's headers, e.g. `Allow` on a 405.
        return _error_response(HttpError(error.status_code, str(error.detail)), error.headers)

    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.error("Unhandled error on %s", request.url.path, exc_info=error)
        return _error_response(InternalError())

    app.add_exception_handler(HistkgError, histkg_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
