"""The uvicorn server ``histkg serve`` runs: its app, settings and a connection guard.

``serving`` and ``run`` are what every process of ``histkg serve`` does (the writable server,
the read-only one, and the extra processes of ``--processes``, ``app.serve_process``).

uvicorn (with httptools) bounds neither the size of a request's headers nor the time a client
may take to send them: a keep-alive timeout starts only after a first answer, so a socket that
sends nothing, or half a header line, stays open for good, and an 8 MB ``Accept`` header is
read in full. ``GuardedProtocol`` is uvicorn's own HTTP protocol with three additions, kept to
the parser callbacks uvicorn already has:

* a total cap on the request line and headers (``HISTKG_MAX_HEADER_BYTES``): past it the client
  gets 431 in our JSON error format and the connection is closed;
* a header-read timeout (``HISTKG_HEADER_TIMEOUT``), from the connection's start or the first
  byte of a request to its last header: a connection past it is closed (408 when it had begun a
  request);
* a connection cap (``HISTKG_MAX_CONNECTIONS``, kept below the open-file limit): a new connection
  past it closes the one that has waited longest without sending its headers, so idle sockets
  cannot keep ``/health`` or anyone else out (uvicorn's own ``limit_concurrency`` would answer
  503 to every request instead, and still accept every socket).

Request *bodies* are bounded in ``app.security.RequestLimits`` (size and read time), where the
routes that take a body read them.
"""

import asyncio
import contextlib
import json
import resource
import socket
import sys
from typing import TYPE_CHECKING, Any, ClassVar

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.errors import HeadersTooLarge, HistkgError, RequestTimeout
from app.settings import Settings

if TYPE_CHECKING:
    from app.store import Store

RESERVED_FILES = 64
"""Open files kept free below the open-file limit for the store, the query workers and logs."""

_REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


def raw_error(error: HistkgError) -> bytes:
    """A whole HTTP/1.1 response carrying ``error`` in the one JSON format, closing the
    connection; for answers given before there is a request an ASGI app could see."""
    body = json.dumps(error.to_dict()).encode()
    return b"".join(
        [
            b"HTTP/1.1 %d %s\r\n" % (error.http_status, _REASONS.get(error.http_status, b"Error")),
            b"content-type: application/json\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
            body,
        ]
    )


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header cap, a header-read timeout and a connection
    cap; ``guarded_protocol(settings)`` makes a subclass with the settings' numbers."""

    max_header_bytes: ClassVar[int] = 16_384
    header_timeout: ClassVar[float] = 10.0
    max_connections: ClassVar[int] = 1000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_bytes = 0
        self._in_headers = True
        self._begun = False
        self._since = 0.0
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._since = self.loop.time()
        self._arm()
        if len(self.connections) > self.max_connections:
            self._evict()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._in_headers and not self.transport.is_closing():
            # Counted after parsing, so that bytes of a body that arrived with the headers do
            # not count; at most one read past the cap is ever parsed.
            self._header_bytes += len(data)
            if self._header_bytes > self.max_header_bytes:
                self._refuse(
                    HeadersTooLarge(
                        f"The request line and headers exceed {self.max_header_bytes} bytes.",
                        hint="Send shorter headers (the limit is HISTKG_MAX_HEADER_BYTES).",
                    )
                )

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_headers, self._begun, self._header_bytes = True, True, 0
        self._since = self.loop.time()
        if self._header_timer is None:
            self._arm()

    def on_headers_complete(self) -> None:
        self._in_headers, self._begun = False, False
        self._disarm()
        super().on_headers_complete()

    # ------------------------------------------------------------------ internals

    def _arm(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout, self._header_timeout)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout(self) -> None:
        self._header_timer = None
        if not self._in_headers or self.transport.is_closing():
            return
        if self._begun:
            self._refuse(
                RequestTimeout(
                    f"The request's headers did not arrive within {self.header_timeout:g} seconds.",
                    hint="Send the whole request at once (HISTKG_HEADER_TIMEOUT).",
                )
            )
        else:
            self.transport.close()

    def _refuse(self, error: HistkgError) -> None:
        self._disarm()
        self._in_headers = False
        self.transport.write(raw_error(error))
        self.transport.close()

    def _evict(self) -> None:
        """Close the connection that has waited longest for its headers (this one if none)."""
        waiting = [
            c
            for c in self.connections
            if isinstance(c, GuardedProtocol) and c._in_headers and not c.transport.is_closing()
        ]
        victim = min(waiting, key=lambda c: c._since, default=self)
        victim._disarm()
        victim._in_headers = False
        victim.transport.close()


SWITCH_INTERVAL = 0.0005
"""Seconds a Python thread may keep the GIL while another waits (CPython's default: 0.005)."""


def prefer_latency() -> None:
    """Make CPython hand the GIL over ten times as often as by default.

    Reconciliation and page rendering are pure Python in threads of the server. A thread that
    keeps the GIL for the whole default switch interval (5 ms) makes the event loop wait that
    long after each of its system calls, so one reconciliation batch cut the throughput of
    everything else several times over, with 503s for queries that waited past their deadline
    (``bench/soak`` with a reconciliation flood). A shorter interval costs the busy thread a
    little throughput and gives every request its turn.
    """
    sys.setswitchinterval(SWITCH_INTERVAL)


def guarded_protocol(settings: Settings) -> type[GuardedProtocol]:
    """``GuardedProtocol`` with the caps of ``settings``."""
    attributes = {
        "max_header_bytes": settings.max_header_bytes,
        "header_timeout": settings.header_timeout,
        "max_connections": connection_cap(settings.max_connections),
    }
    return type("SettingsGuardedProtocol", (GuardedProtocol,), attributes)


def connection_cap(wanted: int) -> int:
    """``wanted``, lowered so that the connections fit under the open-file limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - RESERVED_FILES))


def config(app: Any, settings: Settings, **options: Any) -> uvicorn.Config:
    """The uvicorn configuration for ``app`` under ``settings`` (``options`` go to uvicorn)."""
    return uvicorn.Config(
        app,
        http=guarded_protocol(settings),
        # An idle keep-alive connection gets no longer than a new one to send its headers.
        timeout_keep_alive=max(1, min(5, round(settings.header_timeout))),
        **options,
    )


def serving(settings: Settings, store: "Store") -> Any:
    """The app ``histkg serve`` runs on ``store``, warming up in the background (home page,
    search index, then the facets and the reconciliation index: ``warm_up``).

    uvicorn re-raises SIGTERM/SIGINT once it has shut down, which ends the process before its
    caller's ``finally``: the store is closed (query workers stopped, snapshot and results
    directories deleted) in the app's shutdown too; closing twice is harmless.
    """
    from app.routes.pages import warm_up
    from app.routes.reconcile import app_service
    from app.web import create_app

    app = create_app(settings, store)
    app.router.on_shutdown.append(store.close)
    app.state.warm = warm_up(store, settings, app_service(app, store, settings).warm)
    return app


def run(server_config: uvicorn.Config, sockets: list[socket.socket] | None = None) -> bool:
    """Serve until stopped (Ctrl+C, SIGTERM), on ``sockets`` if given; whether the server
    started listening (not: the port is taken?)."""
    prefer_latency()
    server = uvicorn.Server(server_config)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C, re-raised: as uvicorn.run()
        server.run(sockets=sockets)
    return bool(server.started)
