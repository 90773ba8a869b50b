"""The workbench over HTTP: sign-in, sign-out and the curator's start page.

Thin: check the session and its CSRF token (``app.routes.session``), call the accounts and the
history off the event loop, render the contexts of ``app.workbench.pages``. Anonymous visitors of
a workbench page are sent to ``/signin`` (303) and come back after signing in.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app import history
from app.accounts import SignInRefused
from app.pages.render import render
from app.routes import session
from app.routes.deps import SettingsDep, StoreDep
from app.routes.pages import site
from app.routes.responses import COMMON
from app.workbench.pages import HomePage, SignInPage, revision_rows

router = APIRouter(responses=COMMON, include_in_schema=False)

HOME: Final = "/workbench"
_NO_STORE: Final = {"Cache-Control": "no-store"}


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site, never another host."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return HOME


def to_sign_in(request: Request) -> RedirectResponse:
    """303 to the sign-in page, coming back to this page afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?next={quote(here, safe='')}", status_code=303)


def _html(page: object, status: int = 200) -> HTMLResponse:
    return HTMLResponse(render(page), status_code=status, headers=_NO_STORE)


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, settings: SettingsDep, next: str | None = None) -> Response:
    """The sign-in form."""
    page = SignInPage(
        site=site(settings),
        csrf=session.csrf_token(request),
        next=_safe_next(next),
        enabled=session.accounts(request) is not None,
    )
    return _html(page)


@router.post("/signin", response_class=HTMLResponse)
async def signin(request: Request, settings: SettingsDep) -> Response:
    """Check the name and password; on success start the session and go on."""
    form = await request.form()
    session.check_csrf(request, _field(form.get("csrf")))
    name, password = _field(form.get("name")).strip(), _field(form.get("password"))
    target = _safe_next(_field(form.get("next")))
    accounts = session.accounts(request)
    try:
        if accounts is None:
            raise SignInRefused("This server has no curator accounts.")
        user = await run_in_threadpool(accounts.sign_in, name, password)  # Argon2: CPU-bound
    except SignInRefused as error:
        page = SignInPage(
            site=site(settings),
            csrf=session.csrf_token(request),
            next=target,
            name=name,
            error=error.message,
            hint=error.hint or "",
            enabled=accounts is not None,
        )
        return _html(page, error.http_status)
    session.sign_in(request, session.Curator(user.name, user.role))
    return RedirectResponse(target, status_code=303)


@router.post("/signout")
async def signout(request: Request) -> Response:
    """End the session."""
    form = await request.form()
    session.check_csrf(request, _field(form.get("csrf")))
    session.sign_out(request)
    return RedirectResponse("/", status_code=303)


@router.get(HOME, response_class=HTMLResponse)
def workbench_home(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """The curator's start page: who is signed in and their latest revisions."""
    user = session.curator(request)
    if user is None:
        return to_sign_in(request)
    page = HomePage(
        site=site(settings),
        csrf=session.csrf_token(request),
        user=user.name,
        role=user.role.value,
        revisions=revision_rows(history.log(store.match, limit=200), user.name),
    )
    return _html(page)


def _field(value: object) -> str:
    """A text form field ('' when missing or a file)."""
    return value if isinstance(value, str) else ""


__all__ = ["router", "to_sign_in"]
