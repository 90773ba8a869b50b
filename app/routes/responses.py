"""What the routers declare in ``/openapi.json``: the one error body, statuses, media types.

The schema must say what each operation really answers, status codes, content types and JSON
shapes, because clients generate code from it and ``tests/test_openapi_fuzz.py`` runs
schemathesis against it (which fails on anything undeclared). FastAPI only knows what a
handler's signature tells it, so the routers add, through these helpers:

* the error answers each operation can give, in the one error body (``HistkgError.to_dict``)
  or, for a browser, as the HTML error page;
* the media types of a 200 that is not plain JSON (RDF, SPARQL results, HTML, gzip).

``COMMON`` are the errors any operation can give whatever it does: 400 for a malformed
request (bad parameters, a bad ``Content-Length``), 413 for a body over
``HISTKG_MAX_REQUEST_BYTES``, 429 past ``HISTKG_RATE_LIMIT``, and 503 when the store fails or
a query runs out of time.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.results import FORMATS, offers


class ErrorDetail(BaseModel):
    """What went wrong, in words that are safe to show."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="Stable machine-readable code, such as `query_error`.")
    message: str = Field(description="What is wrong.")
    hint: str | None = Field(description="How to fix it, when there is a way.")
    report: dict[str, Any] | None = Field(
        default=None, description="For `shacl_violation`: the SHACL validation report."
    )


class ErrorBody(BaseModel):
    """The one error format of every histkg answer."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


_WHY = {
    304: "Not modified: the client's copy (`If-None-Match`) is current.",
    400: "Bad request: malformed parameters, query or body.",
    401: "No usable bearer token (`WWW-Authenticate` says which scheme).",
    403: "Refused: a token that may not write, or SPARQL Update on the read-only endpoint.",
    404: "Nothing at this address.",
    406: "None of the formats the request accepts can hold the answer.",
    409: "The change conflicts with later revisions (the message says which).",
    412: "`If-Match` names a revision that is no longer current; nothing was written.",
    413: "The request body is larger than HISTKG_MAX_REQUEST_BYTES.",
    415: "A body of a type or charset this operation does not read.",
    422: "The write would break a SHACL shape; nothing was written (the report says why).",
    429: "Too many requests from this client (see `Retry-After`).",
    503: "A query ran out of time, the server is busy (see `Retry-After`), or the store failed.",
}

TEXT: dict[str, Any] = {"schema": {"type": "string"}}
"""The schema of a body OpenAPI can only call a string (HTML, RDF, CSV...)."""


ERROR_SCHEMA: dict[str, Any] = {
    "title": "ErrorBody",
    "description": ErrorBody.__doc__,
    "type": "object",
    "properties": {"error": ErrorDetail.model_json_schema()},
    "required": ["error"],
    "additionalProperties": False,
}
"""``ErrorBody`` as an inline JSON schema. Not declared with FastAPI's ``model``, which files
the schema under the route's own media type: on an HTML page's route that is ``text/html``."""


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Declare error answers: the JSON error body, or an HTML error page for browsers."""
    body = {"application/json": {"schema": ERROR_SCHEMA}, "text/html": TEXT}
    return {status: {"description": _WHY[status], "content": body} for status in statuses}


COMMON = errors(400, 413, 429, 503)
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {304: {"description": _WHY[304]}}
"""A 304 has no body, so it has no media type either."""


def content(*media_types: str, json: tuple[str, ...] = ()) -> dict[str, Any]:
    """A 200 answer in ``media_types`` (strings to OpenAPI) and ``json`` (JSON objects)."""
    body = dict.fromkeys(media_types, TEXT)
    body.update({media_type: {"schema": {"type": "object"}} for media_type in json})
    return {"description": "Successful Response", "content": body}


def sparql_media_types() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Every media type a SPARQL answer can have: (text ones, JSON ones)."""
    found = {media_type for kind in ("select", "ask", "graph") for media_type, _ in offers(kind)}
    found |= {fmt.media_type for fmt in FORMATS}
    as_json = tuple(sorted(m for m in found if m == "application/json" or m.endswith("+json")))
    return tuple(sorted(found - set(as_json))), as_json
