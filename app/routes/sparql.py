"""SPARQL over HTTP: ``/sparql`` and ``/health``. Thin: parse the request, call the store,
serialize the result; the query logic is in ``app.sparql``."""

from fastapi import APIRouter, Response

from app.errors import QueryError, UpdateNotAllowed
from app.routes.deps import StoreDep
from app.sparql import to_sparql_json, to_turtle

SPARQL_JSON = "application/sparql-results+json"
TURTLE = "text/turtle"

router = APIRouter()


@router.get("/health")
def health(store: StoreDep) -> dict[str, object]:
    """Liveness plus the size of the store, for container health checks."""
    return {"status": "ok", "quads": len(store)}


@router.get("/sparql")
def sparql(store: StoreDep, query: str | None = None, update: str | None = None) -> Response:
    """Answer a SPARQL query: JSON results for SELECT/ASK, Turtle for CONSTRUCT/DESCRIBE."""
    if update is not None:
        raise UpdateNotAllowed(
            "This endpoint is read-only; SPARQL Update is not accepted.",
            hint="Change the data in ontology/ or data/ and run `histkg load`.",
        )
    if not query:
        raise QueryError(
            "Missing the `query` parameter.", hint="Send GET /sparql?query=SELECT ... ."
        )
    result = store.query(query)
    headers = {"X-Histkg-Truncated": "true"} if result.truncated else None
    if result.kind == "graph":
        return Response(to_turtle(result), media_type=TURTLE, headers=headers)
    return Response(to_sparql_json(result), media_type=SPARQL_JSON, headers=headers)
