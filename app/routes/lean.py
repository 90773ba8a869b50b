"""The lean paths: bounded SPARQL GETs and kept entity pages, answered ahead of the middlewares.

A point lookup (``SELECT ?p ?o WHERE { <s> ?p ?o }``, ``app.sparql.is_point_lookup``) costs
the engine a fraction of a millisecond, and the layers around it cost several times that: seven
middlewares each wrapping ``send``, FastAPI's routing and exception handling, and the hand-off
to a thread and back. ``LeanSparql`` sits outside all of them and answers such a query itself,
on the live store, on the event loop (its work is bounded: at most ``LEAN_ROWS`` rows, the
deadline checked between rows), with the protections of the full path:

* the host check of ``PublicAddress`` and the rate limit of ``RequestLimits`` (the same
  ``RateLimiter``, so the budget is shared);
* read-only, the SERVICE allowlist, ``FROM`` and the row cap: the store's own query job
  (``Store.query_serialized``), as on the full path;
* the security headers and Content-Security-Policy of ``SecurityHeaders`` and the CORS headers
  of the app's CORS set-up, for a request with an ``Origin``;
* uvicorn's access log, which is written by the server for every answer.

It answers only the plain case and hands everything else to the full stack untouched: another
method, a body, a cookie (the session middleware may renew it), protocol parameters other than
``query``, ``format`` and ``timeout``, a query that is not a point lookup, an untrusted host, a
client over its rate, an ``Accept`` nothing fits, and every error. The full stack then answers
as it always did, in the one error format, so there is one place that words each error; a
bounded query run twice on a failure costs less than a second error path to keep in step.
"""

from collections.abc import Hashable
from typing import cast
from urllib.parse import parse_qsl

from starlette.types import Message, Scope, Send

from app.errors import HistkgError
from app.read import read_model
from app.read.model import Sized
from app.routes.sparql import EXPOSED_HEADERS, last_param, result_format, timeout_for
from app.security import EDITOR_POLICY, HEADERS, RateLimiter, is_trusted
from app.settings import Settings
from app.sparql import query_kind
from app.store import Store

LEAN_ROWS = 1000
"""Most rows the lean path reads on the event loop; a subject with more is answered by the full
path, in a thread (rows, not time, bound a point lookup's work)."""
_PARAMETERS = frozenset({"query", "format", "timeout"})
_SECURITY = [
    *((name.encode(), value.encode()) for name, value in HEADERS.items()),
    (b"content-security-policy", EDITOR_POLICY.encode()),  # what SecurityHeaders sets on /sparql
]
_CORS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", ", ".join(EXPOSED_HEADERS).encode()),
]


class LeanSparql:
    """Answer bounded SPARQL GETs before the middleware stack (see the module docstring)."""

    def __init__(
        self, *, store: Store, settings: Settings, hosts: frozenset[str], limiter: RateLimiter
    ) -> None:
        self.store = store
        self.settings = settings
        self.hosts = hosts
        self.limiter = limiter
        self.answers = 0
        """How many requests this path answered itself (its answers look like the full
        stack's on purpose; this is how tests tell them apart)."""

    async def answered(self, scope: Scope, send: Send) -> bool:
        """Answer the request if it is one for the lean path; False to hand it on."""
        if scope["method"] != "GET" or scope["path"] != "/sparql":
            return False
        answer = self._answer(scope)
        if answer is None:
            return False
        self.answers += 1
        headers, body = answer
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return True

    def _answer(self, scope: Scope) -> tuple[list[tuple[bytes, bytes]], bytes] | None:
        """The answer's headers and body, or None when the full stack should answer."""
        request = _plain_headers(scope["headers"])
        if request is None or not is_trusted(request.get(b"host", ""), self.hosts):
            return None
        params = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        names = [name for name, _ in params]
        if names.count("query") != 1 or not _PARAMETERS.issuperset(names):
            return None
        sparql = next(value for name, value in params if name == "query")
        if not self.store.answers_in_process(sparql):
            return None
        if self.limiter.take(scope) > 0:
            return None  # the full stack takes its own token and answers 429
        try:
            fmt, media_type = result_format(
                query_kind(sparql), request.get(b"accept"), last_param(params, "format")
            )
            timeout = timeout_for(params, self.settings)
            result = self.store.query_serialized(
                sparql, fmt.name, media_type=media_type, timeout=timeout, max_rows=LEAN_ROWS
            )
        except HistkgError:
            return None
        if result.path is not None or (result.truncated and self.store.max_rows > LEAN_ROWS):
            result.discard()
            return None
        body = result.body
        headers = [
            (b"content-type", _content_type(result.media_type)),
            (b"content-length", str(len(body)).encode()),
            (b"vary", b"Accept, Origin"),  # CORS adds Origin to every answer
            (b"x-histkg-truncated", b"true" if result.truncated else b"false"),
            (b"x-histkg-rows", str(result.count).encode()),
            (b"x-histkg-max-rows", str(self.store.max_rows).encode()),
            (b"x-histkg-timeout", f"{timeout:g}".encode()),
            *_SECURITY,
        ]
        if "origin" in request:
            headers += _CORS
        return headers, body


def _plain_headers(raw: list[tuple[bytes, bytes]]) -> dict[bytes | str, str] | None:
    """The request headers the lean path reads, or None when one asks for the full stack.

    A body (``Content-Length``, ``Transfer-Encoding``) or a cookie sends the request on.
    """
    found: dict[bytes | str, str] = {}
    for name, value in raw:
        if name in (b"host", b"accept"):
            found.setdefault(name, value.decode("latin-1"))  # the first, as Starlette reads
        elif name == b"origin":
            found["origin"] = ""
        elif name in (b"cookie", b"content-length", b"transfer-encoding"):
            return None
    return found


def _content_type(media_type: str) -> bytes:
    # Starlette's Response adds the charset to text types; the lean answer must say the same.
    if media_type.startswith("text/") and "charset" not in media_type:
        return f"{media_type}; charset=utf-8".encode()
    return media_type.encode()


class PageAnswers:
    """Whole answers of entity pages (``/id/...``), kept per store state and sent again as bytes.

    An entity page is a function of the store's state and of the request's path, query,
    ``Accept`` and ``Host`` (its links) and whether it has an ``Origin`` (CORS headers): the
    full stack's 200 answer to such a request is kept, headers and body, in the read model's
    cache (``ReadModel.sized``, bounded by ``HISTKG_PAGE_CACHE_MB``, dropped at the next
    write), and the same request is answered from it without routing, building or rendering.
    A client that sends the page's ``ETag`` in ``If-None-Match`` gets 304: that tag is made
    from the answer's bytes (``app.routes.pages``), so a page changed by a load, a neighbour's
    label or a template never matches an older copy's tag.

    Not kept, not served: requests with a cookie (a signed-in curator's page carries a form
    and a token) or a body, and answers other than 200 or with ``Set-Cookie`` or
    ``Cache-Control: private``/``no-store``. A hit still takes a token of the rate limit.
    """

    def __init__(self, *, store: Store, limiter: RateLimiter, max_bytes: int) -> None:
        self.store = store
        self.limiter = limiter
        self.max_bytes = max_bytes

    async def answered(self, scope: Scope, send: Send) -> Send | None:
        """None when the request was answered from the cache; else the ``send`` to answer it
        with (one that keeps the answer when it may be kept)."""
        key = self._key(scope)
        if key is None:
            return send
        kept = read_model(self.store).sized("page-answers", self.max_bytes)
        found = kept.get(key)
        if found is None:
            return _keeping(send, kept, key)
        if self.limiter.take(scope) > 0:
            return send  # the full stack takes its own token and answers 429
        headers, body = cast(Answer, found)
        if _current(_etag(headers), _header(scope, b"if-none-match")):
            unchanged = [(k, v) for k, v in headers if k not in _BODY_HEADERS]
            await send({"type": "http.response.start", "status": 304, "headers": unchanged})
            await send({"type": "http.response.body", "body": b""})
            return None
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return None

    def _key(self, scope: Scope) -> tuple[str, bytes, bytes, bytes, bool] | None:
        if self.max_bytes <= 0 or scope["method"] != "GET" or not scope["path"].startswith("/id/"):
            return None
        accept = host = b""
        origin = False
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = accept or value
            elif name == b"host":
                host = host or value
            elif name == b"origin":
                origin = True
            elif name in (b"cookie", b"content-length", b"transfer-encoding"):
                return None
        return scope["path"], scope["query_string"], accept, host, origin


Answer = tuple[list[tuple[bytes, bytes]], bytes]
_BODY_HEADERS = frozenset({b"content-length", b"content-type"})
_PRIVATE = (b"private", b"no-store")


def _keeping(send: Send, kept: Sized[Hashable], key: Hashable) -> Send:
    """``send``, keeping a 200 answer that may be kept (see ``PageAnswers``) under ``key``.

    The body is copied only up to the cache's bound: a larger one would not be kept, and a
    hub's RDF or a long page should not be held twice in memory on its way to the client.
    """
    start: Message | None = None
    parts: list[bytes] | None = []
    size = 0

    async def keep(message: Message) -> None:
        nonlocal start, parts, size
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body" and start is not None and parts is not None:
            body = message.get("body", b"")
            size += len(body)
            if size > kept.max_bytes:
                parts = None  # too big to keep: stop copying it
            else:
                parts.append(body)
                if not message.get("more_body", False):
                    _keep(kept, key, start, b"".join(parts))
        await send(message)

    return keep


def _keep(kept: Sized[Hashable], key: Hashable, start: Message, body: bytes) -> None:
    headers = [(bytes(k).lower(), bytes(v)) for k, v in start.get("headers", [])]
    if start["status"] != 200 or any(
        k == b"set-cookie" or (k == b"cache-control" and any(p in v for p in _PRIVATE))
        for k, v in headers
    ):
        return
    size = len(body) + sum(len(k) + len(v) for k, v in headers)
    kept.put(key, (headers, body), size)


def _etag(headers: list[tuple[bytes, bytes]]) -> bytes | None:
    return next((v for k, v in headers if k == b"etag"), None)


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((v for k, v in scope["headers"] if k == name), None)


def _current(etag: bytes | None, if_none_match: bytes | None) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (a list of tags, weak ones compared weakly)."""
    if etag is None or if_none_match is None:
        return False
    return any(tag.strip().removeprefix(b"W/") == etag for tag in if_none_match.split(b","))
