"""The whole dataset as files: ``/dump/histkg.trig.gz``, ``/dump/histkg.nq.gz`` and their VoID
description ``/dump/void.ttl`` (``/dump/`` lists them). Built from the store on first request and
kept by the read model until the store changes (``app.read.model``). The VoID description is
the one ``/.well-known/void`` answers (``app.service_description``), in Turtle."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from pyoxigraph import RdfFormat, Triple, serialize

from app.errors import NotFound
from app.pages.context import DumpFile, DumpPage
from app.pages.render import render
from app.read import read_model
from app.read.rdf import Dump
from app.routes.deps import SettingsDep, StoreDep
from app.routes.pages import site, wants_html
from app.routes.responses import COMMON, NOT_MODIFIED, content, errors
from app.service_description import PREFIXES, void_description
from app.settings import Settings
from app.store import Store

router = APIRouter(responses=COMMON)

FILES = {  # name: (media type of the content, in words)
    "histkg.trig.gz": ("application/trig", "TriG, gzip"),
    "histkg.nq.gz": ("application/n-quads", "N-Quads, gzip"),
    "void.ttl": ("text/turtle", "VoID description (Turtle)"),
}


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def void_triples(request: Request, store: Store, settings: Settings) -> list[Triple]:
    """The VoID description of the dataset and its dumps, as this server publishes it."""
    dumps = [f"{_base_url(request)}/dump/{name}" for name in FILES if name.endswith(".gz")]
    return void_description(
        str(request.url_for("void")),
        str(request.url_for("sparql")),
        settings.base_iri,
        statistics=read_model(store).void_statistics(),
        dumps=dumps,
    )


@router.get("/dump/", responses={200: content("text/html", json=("application/json",))})
async def dump_index(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """The dump files, their formats and sizes: a page for browsers, JSON for the rest."""
    data: Dump = await run_in_threadpool(read_model(store).dump)
    base = _base_url(request)
    sizes = {"histkg.trig.gz": len(data.trig_gz), "histkg.nq.gz": len(data.nquads_gz)}
    if wants_html(request):
        page = DumpPage(
            template="dump.html",
            site=site(settings),
            title="Data dumps \u2013 histkg",
            files=tuple(
                DumpFile(
                    name=name,
                    label=words,
                    href=f"{base}/dump/{name}",
                    media_type=media,
                    size=f"{sizes[name] / 1000:,.1f} kB" if name in sizes else "",
                )
                for name, (media, words) in FILES.items()
            ),
            quads=f"{data.quads:,}",
            graphs=data.graphs,
        )
        return HTMLResponse(render(page), headers={"Vary": "Accept"})
    return JSONResponse(
        headers={"Vary": "Accept"},
        content={
            "files": [
                {"url": f"{base}/dump/{name}", "content_type": media, "format": words}
                | ({"bytes": sizes[name]} if name in sizes else {})
                for name, (media, words) in FILES.items()
            ],
            "quads": data.quads,
            "triples": data.triples,
            "graphs": data.graphs,
        },
    )


@router.get(
    "/dump/{name}",
    response_model=None,
    responses={200: content("application/gzip", "text/turtle"), **NOT_MODIFIED, **errors(404)},
)
async def dump_file(
    name: str, request: Request, store: StoreDep, settings: SettingsDep
) -> Response:
    """One dump file (gzip-compressed RDF, served as a download), or the VoID description."""
    if name not in FILES:
        raise NotFound(f"No dump file {name}.", hint="GET /dump/ lists the files.")
    media_type = FILES[name][0]
    if name == "void.ttl":
        triples = await run_in_threadpool(void_triples, request, store, settings)
        body = serialize(triples, format=RdfFormat.TURTLE, prefixes=PREFIXES) or b""
        return Response(body, media_type=media_type)
    data: Dump = await run_in_threadpool(read_model(store).dump)
    if request.headers.get("if-none-match") == f'"{data.etag}"':
        return Response(status_code=304, headers={"ETag": f'"{data.etag}"'})
    body = data.trig_gz if name.endswith(".trig.gz") else data.nquads_gz
    return Response(
        body,
        media_type="application/gzip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "ETag": f'"{data.etag}"',
            "Cache-Control": "no-cache",
        },
    )
