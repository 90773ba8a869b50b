"""Security headers on every response, a request body size limit and a per-client rate limit.

Plain ASGI middlewares. ``SecurityHeaders`` never buffers a response, so streamed SPARQL answers
stay streamed. ``RequestLimits`` answers 413 for a body over ``HISTKG_MAX_REQUEST_BYTES`` (by its
``Content-Length``, or by counting a chunked body, which it buffers up to the limit) and 429 with
``Retry-After`` when a client address exceeds ``HISTKG_RATE_LIMIT`` requests per minute (a token
bucket per address, refilled continuously, holding at most a minute's worth).

The pages load scripts and styles only from this server; style *attributes* are allowed
because the timeline positions its marks with ``style="left: ..%"`` (computed numbers, never
user text). JSON-LD ``<script type="application/ld+json">`` blocks are data, which CSP does not
block and browsers never run. The SPARQL editor (``GET /sparql`` as HTML) gets a looser script
policy: its vendored YASGUI needs ``eval`` and the page has an inline ``onsubmit``; it shows no
stored text except query results, which YASGUI escapes.
"""

import math
import threading
import time
from typing import Final

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import HistkgError, InputError, PayloadTooLarge, TooManyRequests

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


class RequestLimits:
    """413 for oversized bodies, 429 (with ``Retry-After``) past the per-client rate limit."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, per_minute: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.per_minute = per_minute
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at)
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wait = self._take(scope)
        if wait > 0:
            error = TooManyRequests(
                f"Too many requests: at most {self.per_minute} a minute.",
                hint=f"Retry after {math.ceil(wait)} seconds.",
            )
            await _reply(error, scope, receive, send, {"Retry-After": str(math.ceil(wait))})
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit():
                await _reply(InputError("Content-Length is not a number."), scope, receive, send)
                return
            if int(length) > self.max_bytes:
                await _reply(self._too_large(), scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        if b"chunked" not in headers.get(b"transfer-encoding", b""):
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:  # a chunked body: read it (up to the limit) before the app sees it
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await _reply(self._too_large(), scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(
            f"The request body is larger than {self.max_bytes} bytes.",
            hint="Send less at once; the limit is HISTKG_MAX_REQUEST_BYTES.",
        )

    def _take(self, scope: Scope) -> float:
        """Take a token for the client; return 0, or the seconds until one is free."""
        if self.per_minute <= 0:
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
            if len(self._buckets) > 100_000:  # forget idle clients rather than grow forever
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
            return 0.0


async def _reply(
    error: HistkgError,
    scope: Scope,
    receive: Receive,
    send: Send,
    headers: dict[str, str] | None = None,
) -> None:
    response = JSONResponse(error.to_dict(), status_code=error.http_status, headers=headers)
    await response(scope, receive, send)
