"""Security headers on every response, a request body size limit and a per-client rate limit.

Plain ASGI middlewares. ``SecurityHeaders`` never buffers a response, so streamed SPARQL answers
stay streamed. ``RequestLimits`` answers 413 for a body over ``HISTKG_MAX_REQUEST_BYTES`` (by its
``Content-Length``, or by counting a chunked body, which it buffers up to the limit) and 429 with
``Retry-After`` when a client address exceeds ``HISTKG_RATE_LIMIT`` requests per minute (a token
bucket per address, refilled continuously, holding at most a minute's worth). ``QueryAdmission``
answers 503 ``server_busy`` with ``Retry-After`` to a SPARQL query when the query workers and
``HISTKG_MAX_QUEUED_QUERIES`` waiting queries are all taken, so a crowd cannot queue unboundedly,
and lets the waiting queries reach the workers in arrival order.

The pages load scripts and styles only from this server; style *attributes* are allowed
because the timeline positions its marks with ``style="left: ..%"`` (computed numbers, never
user text). JSON-LD ``<script type="application/ld+json">`` blocks are data, which CSP does not
block and browsers never run. The SPARQL editor (``GET /sparql`` as HTML) gets a looser script
policy: its vendored YASGUI needs ``eval`` and the page has an inline ``onsubmit``; it shows no
stored text except query results, which YASGUI escapes.
"""

import asyncio
import contextlib
import math
import threading
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Final
from urllib.parse import unquote_to_bytes, urlsplit

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import (
    HistkgError,
    InputError,
    PayloadTooLarge,
    QueryTimeout,
    RequestTimeout,
    TooManyRequests,
)
from app.negotiation import shown

PAGE_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
EDITOR_POLICY: Final = PAGE_POLICY.replace(
    "script-src 'self'", "script-src 'self' 'unsafe-inline' 'unsafe-eval'"
)
HEADERS: Final = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
CLOSE: Final = {"Connection": "close"}
"""Headers of an answer after which the connection must not be reused (its body is unread)."""


class SecurityHeaders:
    """Add ``HEADERS`` and a Content-Security-Policy to every HTTP response (unless set)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = EDITOR_POLICY if scope["path"] == "/sparql" else PAGE_POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                wanted = {**HEADERS, "content-security-policy": policy}
                for name, value in wanted.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class PublicAddress:
    """Answer only requests addressed to a trusted host, and build URLs from the base URL.

    Starlette builds absolute URLs (redirects such as ``/health/`` -> ``/health``, the
    reconciliation manifest, the service description, VoID, ``/dump/``) from the request's
    ``Host`` header, so a client could make the server hand out links to any host. A request
    whose ``Host`` is not trusted gets 400; with ``base_url``, the scope's scheme, server and
    ``Host`` are those of the base URL, so no URL depends on what the client sent.
    """

    def __init__(self, app: ASGIApp, *, base_url: str, trusted_hosts: Sequence[str]) -> None:
        self.app = app
        self.base = urlsplit(base_url) if base_url else None
        self.hosts = trusted_host_names(base_url, trusted_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
        if not is_trusted(host, self.hosts):
            error = InputError(
                f"This server does not answer for the host {shown(host)!r}.",
                hint="Address it by a configured name (HISTKG_BASE_URL, HISTKG_TRUSTED_HOSTS).",
            )
            await _reply(error, scope, receive, send)
            return
        if self.base is not None:
            netloc = self.base.netloc.encode("latin-1")
            headers = [(k, v) for k, v in scope["headers"] if k != b"host"] + [(b"host", netloc)]
            port = self.base.port or (443 if self.base.scheme == "https" else 80)
            server = (self.base.hostname or "", port)
            scope = {**scope, "scheme": self.base.scheme, "server": server, "headers": headers}
        await self.app(scope, receive, send)


def trusted_host_names(base_url: str, trusted_hosts: Sequence[str]) -> frozenset[str]:
    """The host names ``PublicAddress`` answers for: the trusted ones and the base URL's."""
    hosts = {host.strip().lower().strip("[]") for host in trusted_hosts if host.strip()}
    base = urlsplit(base_url) if base_url else None
    if base is not None and base.hostname:
        hosts.add(base.hostname)
    return frozenset(hosts)


def is_trusted(host: str, hosts: frozenset[str]) -> bool:
    """Whether a request's ``Host`` header names one of ``hosts`` (``*`` trusts every host)."""
    return "*" in hosts or _hostname(host) in hosts


@lru_cache(maxsize=64)
def _hostname(host: str) -> str | None:
    try:
        return urlsplit(f"//{host}").hostname
    except ValueError:
        return None


class RequestLimits:
    """413 for oversized bodies, 408 for slow ones, 429 (with ``Retry-After``) past the
    per-client rate limit.

    Nothing here reads a body: the routes that take one read it through a guarded ``receive``
    that raises ``PayloadTooLarge`` past ``max_bytes`` and ``RequestTimeout`` when the body is
    not in ``body_timeout`` seconds after the route began to read it (both answered by the
    app's error handlers, with ``Connection: close``). Routes that take no body never wait for
    one, so a chunked body sent to ``/health`` costs nothing but uvicorn's read buffer, and a
    write's body is read only after its token has been checked.

    A client that announces (or sends) too much gets its 413 only after the rest of its body,
    up to ``discard_bytes``, has been read and dropped: a server that answers and closes while
    the client is still sending makes the kernel reset the connection, and ordinary clients
    (Python's ``urllib``, SPARQLWrapper) then report "connection reset" instead of the answer.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        per_minute: int,
        body_timeout: float = 30.0,
        discard_bytes: int | None = None,
        limiter: "RateLimiter | None" = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.per_minute = per_minute
        self.body_timeout = body_timeout
        self.discard_bytes = discard_bytes if discard_bytes is not None else 4 * max_bytes
        self.limiter = limiter if limiter is not None else RateLimiter(per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wait = self.limiter.take(scope)
        if wait > 0:
            error = TooManyRequests(
                f"Too many requests: at most {self.per_minute} a minute.",
                hint=f"Retry after {math.ceil(wait)} seconds.",
            )
            await _reply(error, scope, receive, send, {"Retry-After": str(math.ceil(wait))})
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            if not length.isdigit():
                await _reply(InputError("Content-Length is not a number."), scope, receive, send)
                return
            if int(length) > self.max_bytes:
                if int(length) <= self.discard_bytes:
                    with contextlib.suppress(HistkgError):
                        await self._drain(receive, 0)
                await _reply(self._too_large(), scope, receive, send, CLOSE)
                return
        await self.app(scope, self._guard(receive), send)

    def _guard(self, receive: Receive) -> Receive:
        """``receive`` with the body's size and read time bounded (see the class docstring)."""
        received = 0
        deadline: float | None = None
        complete = False

        async def guarded() -> Message:
            nonlocal received, deadline, complete
            if complete:  # after the body: waiting for a disconnect is not bounded
                return await receive()
            if deadline is None:
                deadline = time.monotonic() + self.body_timeout
            message = await self._within(receive, deadline)
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    if message.get("more_body", False):
                        with contextlib.suppress(HistkgError):
                            await self._drain(receive, received)
                    raise self._too_large()
            return message

        return guarded

    async def _within(self, receive: Receive, deadline: float) -> Message:
        try:
            async with asyncio.timeout(deadline - time.monotonic()):
                return await receive()
        except TimeoutError:
            raise RequestTimeout(
                f"The request body did not arrive within {self.body_timeout:g} seconds.",
                hint="Send the whole body at once (HISTKG_BODY_TIMEOUT).",
            ) from None

    async def _drain(self, receive: Receive, received: int) -> None:
        """Read and drop the rest of a body, up to ``discard_bytes`` and ``body_timeout``."""
        deadline = time.monotonic() + self.body_timeout
        while received <= self.discard_bytes:
            message = await self._within(receive, deadline)
            if message["type"] != "http.request":
                return
            received += len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(
            f"The request body is larger than {self.max_bytes} bytes.",
            hint="Send less at once; the limit is HISTKG_MAX_REQUEST_BYTES.",
        )


RATE_CHARGED = "histkg.rate_charged"
"""The ASGI scope's key that says the request's rate-limit token was taken (``RateLimiter``)."""


class RateLimiter:
    """A token bucket per client address: ``per_minute`` requests a minute, bursts up to that.

    One object, shared by ``RequestLimits`` and the lean SPARQL path that answers ahead of it
    (``app.routes.lean``), so a client cannot pass the limit by the way it asks.
    """

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, scope: Scope) -> float:
        """Take a token for the client; return 0, or the seconds until one is free.

        One token per request: the scope records the token taken, so a request the lean path
        took one for and then handed on (an error, a result too big for it) is not charged
        again by ``RequestLimits``.
        """
        if self.per_minute <= 0 or scope.get(RATE_CHARGED):
            return 0.0
        client = scope.get("client")
        key = str(client[0]) if client else ""
        rate = self.per_minute / 60.0
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - at) * rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return (1.0 - tokens) / rate
            self._buckets[key] = (tokens - 1.0, now)
            scope[RATE_CHARGED] = True
            if len(self._buckets) > 100_000:  # forget idle clients rather than grow forever
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
            return 0.0


class ServerBusy(HistkgError):
    """More SPARQL queries at once than the workers and the waiting line hold."""

    code = "server_busy"
    http_status = 503
    exit_code = 2


class QueryAdmission:
    """A bounded, first-come-first-served line for SPARQL queries.

    ``limit`` queries may be in at once, running or waiting; one more is answered at once with
    503 ``server_busy`` and ``Retry-After``. Without a bound, a crowd queued without end: each
    query held a connection and a threadpool thread while it waited for a query worker, so 200
    queries at once kept pages and ``/health`` waiting for seconds.

    With ``running`` (the number of query workers), at most that many queries are handed to the
    store at once and the others wait here, on the event loop (no thread held), in arrival
    order, for at most ``wait`` seconds (then 503 ``query_timeout``); the query's own time limit
    starts when it is handed over. Without this, waiting queries raced for each freed worker
    (``WorkerPool`` wakes them all at once), so a few lost again and again: in the soak (50
    clients, 1 million triples) 5 % of the lookups waited past the 10 s limit while their median
    was 0.25 s. A query gives its place back as soon as its answer starts (a slow reader of a
    long answer does not hold a worker's place). A query is a POST to ``/sparql`` or a GET with
    a ``query`` parameter (not the editor or the service description). The counters are only
    touched on the event loop, between awaits, so they need no lock.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        running: int | None = None,
        wait: float = 10.0,
        retry_after: int = 1,
        matches: Callable[[Scope], bool] | None = None,
        what: str = "SPARQL queries",
    ) -> None:
        self.app = app
        self.matches = matches or _is_query
        self.what = what
        self.limit = limit
        self.wait = wait
        self.retry_after = retry_after
        self.in_flight = 0
        self._slots = asyncio.Semaphore(running) if running else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.matches(scope):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "POST":
            # The body first: a place is taken only by a complete query, so slow senders
            # (bounded by RequestLimits) hold no place while they trickle.
            try:
                replay = await _buffered(receive)
            except HistkgError as failure:
                await _reply(failure, scope, receive, send, CLOSE)
                return
            if replay is None:
                return  # the client went away
            receive = replay
        if self.in_flight >= self.limit:
            error = ServerBusy(
                f"The server is busy: {self.limit} {self.what} are already running or waiting.",
                hint=f"Retry after {self.retry_after} seconds.",
            )
            headers = {"Retry-After": str(self.retry_after)}
            await _reply(error, scope, receive, send, headers)
            return
        self.in_flight += 1
        slot = False

        def leave() -> None:
            nonlocal slot
            if slot and self._slots is not None:
                self._slots.release()
            slot = False

        try:
            if self._slots is not None:
                try:
                    async with asyncio.timeout(self.wait):
                        await self._slots.acquire()
                except TimeoutError:
                    await _reply(self._waited_too_long(), scope, receive, send)
                    return
                slot = True

            async def send_and_leave(message: Message) -> None:
                if message["type"] == "http.response.start":
                    leave()  # the answer is ready: the worker is free for the next query
                await send(message)

            await self.app(scope, receive, send_and_leave)
        finally:
            leave()
            self.in_flight -= 1

    def _waited_too_long(self) -> QueryTimeout:
        return QueryTimeout(
            f"Every query worker stayed busy for {self.wait:g} seconds.",
            hint="Retry later; the server is answering other queries.",
        )


async def _buffered(receive: Receive) -> Receive | None:
    """Read a whole body; a ``receive`` that replays it (None if the client went away)."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}
        return await receive()

    return replay


def _is_query(scope: Scope) -> bool:
    return _asks(scope, "/sparql", (b"query",))


def is_reconciliation(scope: Scope) -> bool:
    """A batch of reconciliation queries or a data extension request (not the manifest)."""
    return _asks(scope, "/reconcile", (b"queries", b"extend"))


def _asks(scope: Scope, path: str, parameters: tuple[bytes, ...]) -> bool:
    """A POST to ``path``, or a GET of it with one of ``parameters`` in its query string."""
    if scope["path"] != path:
        return False
    if scope["method"] == "POST":
        return True
    names = (pair.partition(b"=")[0] for pair in scope["query_string"].split(b"&"))
    return any(unquote_to_bytes(name.replace(b"+", b" ")) in parameters for name in names)


async def _reply(
    error: HistkgError,
    scope: Scope,
    receive: Receive,
    send: Send,
    headers: dict[str, str] | None = None,
) -> None:
    response = JSONResponse(error.to_dict(), status_code=error.http_status, headers=headers)
    await response(scope, receive, send)
