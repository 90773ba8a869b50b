"""Entity pages and the home page: ``/``, ``/id/...`` with content negotiation, ``/static/...``.

Thin: read the request, ask the data layer (``app.pages``) for a page context or an RDF
description, then answer HTML, JSON or RDF. ``/id/<kind>/<slug>`` is the entity
``<HISTKG_BASE_IRI><kind>/<slug>``; the same URL answers HTML to browsers and RDF to RDF clients
(``Vary: Accept``), and suffixes name a format explicitly (``.ttl .jsonld .nt .rdf .trig .nq``,
and ``.json`` for the page's own data). Errors for browsers are pages (``error.html``,
``404.html``); other clients keep the JSON error format (see :func:`html_error`).
"""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote_plus, urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from pyoxigraph import NamedNode

from app import __version__, history
from app.errors import HistkgError, HttpError, InputError, NotAcceptable, NotFound
from app.negotiation import choose
from app.pages import history as history_pages
from app.pages.browse import browse_page
from app.pages.build import PageSettings
from app.pages.context import BrowsePage, EntityPage, ErrorPage, ExportButton, Link, Site
from app.pages.entity import entity_page
from app.pages.home import home_page
from app.pages.mapview import map_page
from app.pages.network import network_page
from app.pages.render import STATIC, page_data, render
from app.pages.worldmap import land_svg
from app.read import read_model
from app.read.rdf import BY_MEDIA_TYPE, BY_SUFFIX, FORMATS, serialize_quads
from app.renames import renamed_to
from app.routes import session
from app.routes.deps import SettingsDep, StoreDep
from app.routes.responses import COMMON, content, errors
from app.service_description import CODE_LICENSE, LICENSE
from app.settings import Settings
from app.store import Store

router = APIRouter(responses=COMMON)
log = logging.getLogger("histkg.pages")

HTML = "text/html"
JSON = "application/json"
ENTITY_OFFERS = [HTML, "application/xhtml+xml", *(f.media_type for f in FORMATS), JSON]
STATIC_FILES = {
    "histkg.css": "text/css",
    "search.js": "text/javascript",
    "selection.js": "text/javascript",
    "favicon.svg": "image/svg+xml",
}
_STATIC_CACHE = {"Cache-Control": "public, max-age=3600"}


def site(settings: Settings, query: str = "") -> Site:
    """Site-wide names and links for the page contexts."""
    return Site(
        name="histkg",
        version=__version__,
        query=query,
        css_href=f"/static/histkg.css?v={__version__}",
        js_href=f"/static/search.js?v={__version__}",
        icon_href="/static/favicon.svg",
        data_licence_href=LICENSE.value,
        code_licence_href=CODE_LICENSE.value,
    )


def page_settings(settings: Settings, query: str = "") -> PageSettings:
    """What the page builders need from the settings."""
    return PageSettings(
        base_iri=settings.base_iri, project_dir=settings.project_dir, site=site(settings, query)
    )


def warm_up(store: Store, settings: Settings, *more: Callable[[], object]) -> threading.Thread:
    """Build the home page's parts and the search index in a background thread (the thread
    returned: ``/health`` says ``warm`` once it ends), then, in another thread named
    ``histkg-warm-later``, the browser's facets and ``more`` (the reconciliation index:
    ``ReconService.warm``), which take longer on a big store and have their own bounded waits.

    Both are cached per store state and cost seconds to build at a million triples, which the
    first visitor would otherwise wait for; the server answers meanwhile (a request that needs
    one of them waits for that build rather than repeating it, for the search index, or
    builds it too, for the home page). A failure is logged, never fatal: the next request
    builds what it needs as it would have without the warm-up. ``histkg serve`` calls this
    (not ``create_app``, which tests call many times).
    """

    def run() -> None:
        started = time.perf_counter()
        try:
            model = read_model(store)
            home_page(model, page_settings(settings))
            model.search_index(settings.base_iri)
        except Exception:  # logged: a failed warm-up only loses its head start
            log.exception("Warming up the home page and the search index failed")
            return
        # What was just built lives until the next write: keep it (and everything loaded at
        # start) out of the cyclic collector's full passes, which otherwise cost tens of ms
        # at a million triples in the middle of a page request. Reference counting still
        # frees it when a write replaces it.
        gc.freeze()
        log.info("Home page and search index ready in %.1f s", time.perf_counter() - started)
        # Then the browser's facets and the other indexes, in their own thread so that `warm`
        # (/health) still says when the home page and search are ready; a request meanwhile
        # waits for them a bounded time (routes.pages._facets_ready, ReconService's wait).
        threading.Thread(target=later, name="histkg-warm-later", daemon=True).start()

    def later() -> None:
        started = time.perf_counter()
        try:
            read_model(store).facets(settings.base_iri)
        except Exception:  # logged: the first /browse request builds them instead
            log.exception("Counting the browser's facets failed")
        else:
            log.info("Browser facets ready in %.1f s", time.perf_counter() - started)
        for build in more:
            started = time.perf_counter()
            try:
                build()
            except Exception:  # logged: the first request that needs it builds it instead
                log.exception("Warming up %r failed", build)
                continue
            log.info("%r ready in %.1f s", build, time.perf_counter() - started)

    thread = threading.Thread(target=run, name="histkg-warm-up", daemon=True)
    thread.start()
    return thread


def wants_html(request: Request) -> bool:
    """True when the client prefers HTML to JSON (a browser), not for ``*/*`` alone."""
    return choose(request.headers.get("accept"), [JSON, HTML]) == HTML


# What the range form's year fields accept, stated in the OpenAPI schema (a blank field leaves
# that end open; ``_timeline_year`` says what is wrong with anything else, with a hint).
_YEAR_FIELD: dict[str, Any] = {"pattern": "^ *(0*[1-9][0-9]{0,3})? *$"}


@router.get("/", response_class=HTMLResponse, responses={200: content(json=("application/json",))})
def home(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    year: int | None = Query(
        None, ge=1, le=9999, description="A year of a timeline summarized by year."
    ),
    year_from: str = Query(
        "",
        alias="from",
        max_length=6,
        description="First year the timeline keeps (empty: open).",
        json_schema_extra=_YEAR_FIELD,
    ),
    to: str = Query(
        "",
        max_length=6,
        description="Last year the timeline keeps (empty: open).",
        json_schema_extra=_YEAR_FIELD,
    ),
) -> Response:
    """The home page: what the graph is, counts, entities by kind, a timeline."""
    low, high = _timeline_year("from", year_from), _timeline_year("to", to)
    page = home_page(read_model(store), page_settings(settings), year, low, high)
    vary = {"Vary": "Accept"}  # HTML or JSON, by Accept
    if choose(request.headers.get("accept"), [HTML, JSON]) == JSON:
        return JSONResponse(page_data(page), headers=vary)
    return HTMLResponse(render(page), headers=vary)


def _timeline_year(name: str, text: str) -> int | None:
    """A year of the timeline's range form: empty (a field left blank) keeps that end open."""
    if not text.strip():
        return None
    if not text.strip().isdigit() or not 1 <= int(text) <= 9999:
        raise InputError(
            f"{name}={text!r} is not a year.", hint=f"Write {name}= as a year such as 1931."
        )
    return int(text)


@router.get("/index.json")
def home_json(store: StoreDep, settings: SettingsDep) -> JSONResponse:
    """The home page's data as JSON."""
    return JSONResponse(page_data(home_page(read_model(store), page_settings(settings))))


@router.get(
    "/id/{path:path}",
    response_model=None,
    responses={
        200: content(
            HTML,
            *(f.media_type for f in FORMATS if f.media_type != "application/ld+json"),
            json=(JSON, "application/ld+json"),
        ),
        301: {"description": "A renamed entity: Location gives its new address."},
        **errors(404, 406),
    },
)
def entity(
    path: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    inbound: int = Query(1, ge=1, le=100_000, description="Page of the links into the entity."),
    rev: int | None = Query(
        None, ge=1, le=10**18, description="Show it as it was right after this revision."
    ),
) -> Response:
    """An entity of the graph, as a page (HTML or .json) or as RDF."""
    suffix = next((s for s in (*BY_SUFFIX, ".json") if path.endswith(s)), "")
    iri = settings.base_iri + (path[: -len(suffix)] if suffix else path)
    try:
        NamedNode(iri)
    except ValueError:  # `<`, spaces, quotes...: no entity can have this address
        raise NotFound(f"There is no entity at /id/{path}.") from None
    renamed = renamed_to(store, iri, settings.base_iri)
    if renamed is not None:  # an old name: the same entity, at its new address, for good
        query = f"?{request.url.query}" if request.url.query else ""
        location = f"/id/{renamed[len(settings.base_iri) :]}{suffix}{query}"
        return RedirectResponse(location, status_code=301, headers={"Vary": "Accept"})
    headers = {"Vary": "Accept", "Link": _alternates(request, path, suffix)}
    if suffix:
        media_type = JSON if suffix == ".json" else BY_SUFFIX[suffix].media_type
    else:
        chosen = choose(request.headers.get("accept"), ENTITY_OFFERS)
        if chosen is None:
            raise NotAcceptable(
                "This entity is available as HTML, JSON and RDF, none of which the request "
                "accepts.",
                hint="Accept text/html, text/turtle, application/ld+json, application/n-triples, "
                "application/rdf+xml, application/trig or application/n-quads.",
            )
        media_type = HTML if chosen == "application/xhtml+xml" else chosen
        if media_type != HTML:
            extension = ".json" if media_type == JSON else BY_MEDIA_TYPE[media_type].suffix
            headers["Content-Location"] = request.url.path + extension
    if rev is not None:
        return _entity_at(store, settings, iri, rev, media_type, headers)
    last = history.last_touching(store.match, NamedNode(iri), as_graph=False)
    headers[REVISION_HEADER] = str(last or 0)
    if media_type in (HTML, JSON):
        page = entity_page(read_model(store), iri, page_settings(settings), inbound_page=inbound)
        if page is None:
            raise _not_found(request, store, settings, iri)
        if media_type == JSON:
            return _tagged(JSONResponse(page_data(page), headers=headers))
        if page.claim is not None:
            page = _with_export_button(request, page, headers)
        if page.place and page.map is None:
            page = _with_coordinates_link(request, page, headers)
        return _tagged(HTMLResponse(render(page), headers=headers))
    fmt = BY_MEDIA_TYPE[media_type]
    quads = read_model(store).describe(iri)
    if not quads:
        raise _not_found(request, store, settings, iri)
    body = serialize_quads(quads, fmt, settings.project_dir)
    return _tagged(Response(body, media_type=fmt.media_type, headers=headers))


REVISION_HEADER = "X-Histkg-Revision"
"""The last revision that changed a statement about the entity (0: none did); the page's
``ETag`` is another thing (``_tagged``)."""


def _tagged(response: Response) -> Response:
    """``response`` with an ``ETag`` made from the entity's last revision and the answer's
    bytes: it names the revision (issue 12) and validates ``If-None-Match`` (a 304 only while
    the page is byte for byte the same).

    Not the revision: a ``histkg load`` makes none, and a neighbour's new label or a new
    template changes the page without touching the entity's statements, so a revision tag
    would let a client keep a stale copy. A private answer (a curator's form) gets none.
    """
    if "private" not in response.headers.get("cache-control", ""):
        digest = hashlib.blake2b(bytes(response.body), digest_size=16).hexdigest()
        revision = response.headers.get(REVISION_HEADER, "0")
        response.headers["ETag"] = f'"r{revision}-{digest}"'
    return response


def _with_export_button(request: Request, page: EntityPage, headers: dict[str, str]) -> EntityPage:
    """A claim's page for a signed-in curator: with the "Export to Wikidata" form, and
    neither cached nor validated (it carries the session's CSRF token)."""
    headers["Vary"] = "Accept, Cookie"
    if page.claim is None or session.curator(request) is None:
        return page
    headers["Cache-Control"] = "private, no-store"
    button = ExportButton(
        action="/workbench/wikidata/export", csrf=session.csrf_token(request), claim=page.iri
    )
    return replace(page, claim=replace(page.claim, export=button))


def _with_coordinates_link(
    request: Request, page: EntityPage, headers: dict[str, str]
) -> EntityPage:
    """A place without coordinates, for a signed-in curator: with the "Set coordinates" link
    (``app.routes.workbench``'s coordinates form), and neither cached nor validated."""
    headers["Vary"] = "Accept, Cookie"
    if session.curator(request) is None:
        return page
    headers.pop("ETag", None)
    headers["Cache-Control"] = "private, no-store"
    href = "/workbench/places/coordinates?" + urlencode({"place": page.iri})
    return replace(page, set_coordinates_href=href)


def _entity_at(
    store: Store, settings: Settings, iri: str, rev: int, media_type: str, headers: dict[str, str]
) -> Response:
    """``?rev=N``: the entity as it was right after revision N (``app.pages.history``)."""
    page, quads = history_pages.entity_at(
        read_model(store).history(), settings.base_iri, site(settings), iri, rev
    )
    if media_type == HTML:
        return HTMLResponse(render(page), headers=headers)
    if media_type == JSON:
        return JSONResponse(page_data(page), headers=headers)
    fmt = BY_MEDIA_TYPE[media_type]
    body = serialize_quads(quads, fmt, settings.project_dir)
    return Response(body, media_type=fmt.media_type, headers=headers)


def _alternates(request: Request, path: str, suffix: str) -> str:
    base = request.url.path[: -len(suffix)] if suffix else request.url.path
    links = [f'<{base}>; rel="canonical"']
    links += [f'<{base}{f.suffix}>; rel="alternate"; type="{f.media_type}"' for f in FORMATS]
    return ", ".join(links)


class EntityNotFound(NotFound):
    """An IRI of our namespace the graph knows nothing about, with entities of similar names
    (looked up only for browsers, which see them on the 404 page)."""

    def __init__(self, iri: str, suggestions: tuple[Link, ...] = ()) -> None:
        super().__init__(
            f"The graph has nothing about {iri}.",
            hint="Check the address, or search the graph: /search?q=" + quote_plus(_words(iri)),
        )
        self.iri = iri
        self.suggestions = suggestions


def _words(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].replace("-", " ")


def _not_found(request: Request, store: Store, settings: Settings, iri: str) -> EntityNotFound:
    if not wants_html(request):
        return EntityNotFound(iri)
    return EntityNotFound(iri, _suggestions(store, settings, iri))


def _suggestions(store: Store, settings: Settings, iri: str) -> tuple[Link, ...]:
    index = read_model(store).search_index(settings.base_iri)
    words = _words(iri)
    hits = index.search(words)
    for word in sorted(words.split(), key=len, reverse=True):
        if len(hits) >= 5:
            break
        if len(word) > 2:
            hits += [h for h in index.search(word) if h not in hits]
    links = []
    for hit in hits[:8]:
        path = "/id/" + hit.entry.iri[len(settings.base_iri) :]
        links.append(
            Link(label=hit.entry.label, href=path, iri=hit.entry.iri, kind=hit.entry.kind.singular)
        )
    return tuple(links)


@router.get("/map/land.svg", include_in_schema=False)
def map_outline() -> Response:
    """The world outline the place maps are drawn on (from the vendored world-atlas data)."""
    return Response(
        land_svg(),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )


def _facet_param() -> Any:
    """A facet's query parameter (a new one each: FastAPI names a parameter on its object)."""
    return Query("", max_length=2000, description="A value of the facet (an IRI, a year, a word).")


def _chosen(
    kind: str = _facet_param(),
    year: str = _facet_param(),
    place: str = _facet_param(),
    person: str = _facet_param(),
    source: str = _facet_param(),
    mode: str = _facet_param(),
    year_from: str = Query("", alias="from", max_length=6, description="First year kept."),
    to: str = Query("", max_length=6, description="Last year kept."),
) -> dict[str, str]:
    """The facet values a browser request chose (one dependency for the page and its JSON)."""
    chosen = {"kind": kind, "year": year, "place": place, "person": person, "source": source}
    return chosen | {"mode": mode, "from": year_from, "to": to}


Chosen = Annotated[dict[str, str], Depends(_chosen)]


def _facets_ready(store: Store, settings: Settings) -> None:
    """Wait for the facets at most ``HISTKG_QUERY_TIMEOUT`` (503 ``not_ready`` past it): their
    build takes tens of seconds on a big graph, begun by the warm-up or the first request."""
    read_model(store).facets_within(settings.base_iri, settings.query_timeout)


def _browse(store: Store, settings: Settings, chosen: dict[str, str]) -> tuple[BrowsePage, Any]:
    _facets_ready(store, settings)
    page = browse_page(read_model(store), page_settings(settings), chosen)
    return page, page_data(page)


@router.get(
    "/browse",
    response_model=None,
    responses={200: content("text/html", json=("application/json",))},
)
def browse(request: Request, store: StoreDep, settings: SettingsDep, chosen: Chosen) -> Response:
    """The faceted browser of the events: a page, or JSON for clients that prefer it."""
    page, data = _browse(store, settings, chosen)
    if not wants_html(request):
        return JSONResponse(data)
    return HTMLResponse(render(page))


@router.get("/browse.json")
def browse_json(store: StoreDep, settings: SettingsDep, chosen: Chosen) -> JSONResponse:
    """The faceted browser's context as JSON."""
    return JSONResponse(_browse(store, settings, chosen)[1])


def html_error(
    request: Request, error: HistkgError, headers: Mapping[str, str] | None = None
) -> HTMLResponse | None:
    """The error as a page when the client is a browser; None for API clients (JSON)."""
    if not wants_html(request):
        return None
    settings: Settings = request.app.state.settings
    suggestions: tuple[Link, ...] = ()
    iri = ""
    if isinstance(error, EntityNotFound):
        iri, suggestions = error.iri, error.suggestions
    elif error.http_status == 404 and request.url.path.startswith("/id/"):
        iri = settings.base_iri + request.url.path.removeprefix("/id/")
    page = ErrorPage(
        template="404.html" if error.http_status == 404 else "error.html",
        site=site(settings, _words(iri) if iri else ""),
        title=f"{_status_title(error.http_status)} \u2013 histkg",
        status=error.http_status,
        code=error.code,
        message=error.message,
        hint=error.hint or "",
        iri=iri,
        suggestions=suggestions,
    )
    return HTMLResponse(render(page), status_code=error.http_status, headers=dict(headers or {}))


def _status_title(status: int) -> str:
    return {
        400: "Bad request",
        404: "Not found",
        405: "Method not allowed",
        406: "Not acceptable",
        503: "Unavailable",
    }.get(status, "Error" if status < 500 else "Server error")


@router.get("/static/{name}", include_in_schema=False)
def static_file(name: str) -> FileResponse:
    """The site's style sheet, script and icon (served here: pages make no outside request)."""
    media_type = STATIC_FILES.get(name)
    if media_type is None:
        raise HttpError(404, "Not Found")
    return FileResponse(Path(STATIC) / name, media_type=media_type, headers=_STATIC_CACHE)


NETWORK_FILES = {"cytoscape.min.js": "text/javascript", "network.js": "text/javascript"}


@router.get("/static/network/{name}", include_in_schema=False)
def network_file(name: str) -> FileResponse:
    """The network view's script and the vendored Cytoscape.js (no CDN)."""
    media_type = NETWORK_FILES.get(name)
    if media_type is None:
        raise HttpError(404, "Not Found")
    return FileResponse(
        Path(STATIC) / "network" / name, media_type=media_type, headers=_STATIC_CACHE
    )


@router.get(
    "/network",
    response_model=None,
    responses={200: content("text/html", json=("application/json",))},
)
def network(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """Who took part in what: a table the script draws as a network; JSON for the rest."""
    _facets_ready(store, settings)
    page = network_page(read_model(store), page_settings(settings))
    if not wants_html(request):
        return JSONResponse(page_data(page))
    return HTMLResponse(render(page))


@router.get("/network.json")
def network_json(store: StoreDep, settings: SettingsDep) -> JSONResponse:
    """The network view's data: nodes, edges and the table rows."""
    _facets_ready(store, settings)
    return JSONResponse(page_data(network_page(read_model(store), page_settings(settings))))


@router.get(
    "/map",
    response_model=None,
    responses={200: content("text/html", json=("application/json",))},
)
def events_map(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """The events on the offline world map, placed by their place, with the same as a table;
    JSON for clients that prefer it."""
    _facets_ready(store, settings)
    page = map_page(read_model(store), page_settings(settings))
    if not wants_html(request):
        return JSONResponse(page_data(page))
    return HTMLResponse(render(page))


@router.get("/map.json")
def events_map_json(store: StoreDep, settings: SettingsDep) -> JSONResponse:
    """The map of events' data: the places with coordinates and their events, and the rest."""
    _facets_ready(store, settings)
    return JSONResponse(page_data(map_page(read_model(store), page_settings(settings))))


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    """The site icon, for clients that ask for it at the conventional address."""
    return FileResponse(
        Path(STATIC) / "favicon.svg", media_type="image/svg+xml", headers=_STATIC_CACHE
    )
