"""Signed-in curators: the session cookie, its CSRF token, and who is signed in.

``Sessions`` wraps Starlette's ``SessionMiddleware`` (a cookie signed with ``itsdangerous``,
``HttpOnly``, ``SameSite=Lax``, ``Secure`` when the request came over HTTPS, expiring after
``HISTKG_SESSION_HOURS``). The signing key comes from the accounts file on the first request, so
sessions survive a restart; a server without accounts signs with a key of its own.

Every form a session can send carries the session's CSRF token (a hidden ``csrf`` field, or the
``X-CSRF-Token`` header for scripts); a POST without the right one is a 403 and changes
nothing. SameSite=Lax already keeps the cookie off cross-site POSTs; the token also covers
browsers and proxies that do not honour it.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass
from typing import Final

from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.accounts import Accounts, Role, open_accounts
from app.errors import Forbidden
from app.settings import Settings

COOKIE: Final = "histkg_session"
CSRF_HEADER: Final = "x-csrf-token"


@dataclass(frozen=True)
class Curator:
    """The signed-in account of a request."""

    name: str
    role: Role


class Sessions:
    """Session cookies for every request (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self._by_scheme: dict[bool, SessionMiddleware] = {}
        self._lock = threading.Lock()

    def _inner(self, secure: bool) -> SessionMiddleware:
        if not self._by_scheme:
            with self._lock:
                if not self._by_scheme:
                    accounts = open_accounts(self.settings)
                    secret = accounts.session_secret() if accounts else secrets.token_urlsafe(48)
                    for https in (False, True):
                        self._by_scheme[https] = SessionMiddleware(
                            self.app,
                            secret_key=secret,
                            session_cookie=COOKIE,
                            max_age=round(self.settings.session_hours * 3600),
                            same_site="lax",
                            https_only=https,
                        )
        return self._by_scheme[secure]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        await self._inner(scope.get("scheme") in ("https", "wss"))(scope, receive, send)


def accounts(request: Request) -> Accounts | None:
    """The app's accounts (opened once), or None when it has none."""
    state = request.app.state
    if not hasattr(state, "accounts"):
        state.accounts = open_accounts(state.settings)
    found: Accounts | None = state.accounts
    return found


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, sent: str | None) -> None:
    """403 unless ``sent`` is the session's CSRF token."""
    expected = request.session.get("csrf")
    if not (isinstance(expected, str) and sent and hmac.compare_digest(sent, expected)):
        raise Forbidden(
            "This form was sent without a valid CSRF token; nothing was changed.",
            hint="Reload the page and send the form again.",
        )


def curator(request: Request) -> Curator | None:
    """The signed-in curator, if the session names an account that still exists."""
    name = request.session.get("user")
    if not isinstance(name, str):
        return None
    found = accounts(request)
    user = found.get(name) if found else None
    if user is None:
        request.session.clear()  # the account was removed: its sessions end
        return None
    return Curator(user.name, user.role)


def sign_in(request: Request, user: Curator) -> None:
    """Start a fresh session for ``user`` (a new CSRF token too, against session fixation)."""
    request.session.clear()
    request.session.update({"user": user.name, "csrf": secrets.token_urlsafe(32)})


def sign_out(request: Request) -> None:
    request.session.clear()
