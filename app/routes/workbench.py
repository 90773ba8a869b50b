"""The workbench over HTTP: sign-in, sign-out and the curator's start page.

Thin: check the session and its CSRF token (``app.routes.session``), call the accounts and the
history off the event loop, render the contexts of ``app.workbench.pages``. Anonymous visitors of
a workbench page are sent to ``/signin`` (303) and come back after signing in.
"""

from __future__ import annotations

import time
from typing import Final
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from app import history, writes
from app.accounts import SignInRefused
from app.errors import HistkgError, InputError, PreconditionFailed, ShaclViolation
from app.linking import WikidataApi
from app.linking.export_review import claim_export
from app.linking.propose import type_text
from app.pages.render import render
from app.routes import pages as pages_routes
from app.routes import session
from app.routes.deps import SettingsDep, StoreDep
from app.routes.pages import site, wants_html
from app.routes.reconcile import recon_service
from app.routes.responses import COMMON
from app.workbench import reconcile
from app.workbench.books import add_book, is_book_upload, queue_href
from app.workbench.claim_edit import load_claim, revise
from app.workbench.claims import (
    MAX_ROWS,
    ClaimForm,
    check_claim,
    event_types,
    new_entity_kinds,
    participant_rows,
    passage_at,
    preview,
    propose_footnote,
    raw_span,
    save_claim,
    withdraw_claim,
    workbench_claims,
)
from app.workbench.fields import is_whole_number
from app.workbench.pages import (
    KEPT_FOOTNOTE,
    KEPT_PASSAGE,
    PAGE_FIELDS,
    PROPOSED_FOOTNOTE,
    SOURCE_FIELDS,
    AddPagePage,
    CandidateRow,
    ClaimPage,
    HomePage,
    ProposalsPage,
    SignInPage,
    SourcePage,
    WikidataRow,
    claim_fields,
    claim_names,
    export_page,
    page_fields,
    revision_rows,
    source_fields,
)
from app.workbench.pages_add import FieldError, NewPage, add_page, find_source, page_text
from app.workbench.places import (
    COORDINATES_FIELDS,
    CoordinatesForm,
    CoordinatesPage,
    coordinates_fields,
    place_label,
    place_node,
    set_coordinates,
)
from app.workbench.proposals import candidates, settle
from app.workbench.reading import page_report, reading_page
from app.workbench.sources import SourceForm, add_source

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
        claims=tuple(
            (iri, label, _entity_href(iri, settings.base_iri))
            for iri, label in workbench_claims(store)
        ),
    )
    return _html(page)


@router.get(f"{HOME}/sources/new", response_class=HTMLResponse)
def source_form(request: Request, settings: SettingsDep) -> Response:
    """The add-a-source form."""
    if session.curator(request) is None:
        return to_sign_in(request)
    page = SourcePage(
        site=site(settings), csrf=session.csrf_token(request), fields=source_fields({}, {})
    )
    return _html(page)


@router.post(f"{HOME}/sources", response_class=HTMLResponse)
async def source_add(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """Write the new source as one revision, then show its page; errors beside their fields."""
    signed = await _curator_form(request)
    if isinstance(signed, Response):
        return signed
    form, user = signed
    values = {name: _field(form.get(name)) for name, _, _ in SOURCE_FIELDS}
    source = SourceForm.from_values(values).checked()
    error = ""
    if not source.errors:
        author = writes.Author(user.name, f"Add source: {values['title'].strip()}")
        try:
            book, _ = await run_in_threadpool(
                lambda: add_source(
                    store,
                    source,
                    base=settings.base_iri,
                    project_dir=settings.project_dir,
                    author=author,
                )
            )
        except HistkgError as failure:
            error = failure.message
        else:
            return RedirectResponse(_entity_href(book.value, settings.base_iri), status_code=303)
    page = SourcePage(
        site=site(settings),
        csrf=session.csrf_token(request),
        fields=source_fields(values, source.errors),
        error=error,
    )
    return _html(page, 422)


@router.get(f"{HOME}/pages/new", response_class=HTMLResponse)
def page_form(request: Request, settings: SettingsDep, source: str = "") -> Response:
    """The add-a-page form (``?source=`` fills in the source)."""
    if session.curator(request) is None:
        return to_sign_in(request)
    page = AddPagePage(
        site=site(settings),
        csrf=session.csrf_token(request),
        fields=page_fields({"source": source}, {}),
    )
    return _html(page)


@router.post(f"{HOME}/pages", response_class=HTMLResponse)
async def page_add(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """Ingest the page and write it as one revision, then show it; errors beside fields."""
    async with request.form() as form:  # closes the upload's temporary file
        session.check_csrf(request, _field(form.get("csrf")))
        values = {name: _field(form.get(name)) for name, _, _ in PAGE_FIELDS}
        upload = form.get("file")
        data = await upload.read() if isinstance(upload, UploadFile) else b""
    user = session.curator(request)
    if user is None:
        return to_sign_in(request)
    author = writes.Author(user.name, f"Add a page of {values['source'].strip()}")
    name = (upload.filename if isinstance(upload, UploadFile) else None) or "upload.txt"

    def run() -> NewPage | str:
        book = find_source(store, values["source"])
        if is_book_upload(data):  # a PDF or a book's text: its pages, then the book's queue
            add_book(
                store,
                book,
                data,
                name=name,
                pages=values["pages"],
                most=settings.max_upload_pages,
                base=settings.base_iri,
                project_dir=settings.project_dir,
                author=author,
            )
            return queue_href(book.value)
        raw = page_text(values["text"], data)
        return add_page(
            store,
            book,
            raw,
            number=values["number"],
            base=settings.base_iri,
            project_dir=settings.project_dir,
            author=author,
        )

    errors: dict[str, str] = {}
    error = ""
    try:
        new = await run_in_threadpool(run)
    except FieldError as failure:
        errors[failure.field] = failure.message
    except HistkgError as failure:
        error = failure.message
    else:
        target = new if isinstance(new, str) else _entity_href(new.iri, settings.base_iri)
        return RedirectResponse(target, status_code=303)
    page = AddPagePage(
        site=site(settings),
        csrf=session.csrf_token(request),
        fields=page_fields(values, errors),
        error=error,
    )
    return _html(page, 422)


@router.get("/id/ingest/{name}/page", response_model=None)
def reading(name: str, request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """A page added in the workbench, for browsers: its reading view (``app.workbench.reading``).

    Other clients, ``?rev=``/``?inbound=`` and pages without stored text get the entity route.
    """
    path = f"ingest/{name}/page"
    params = request.query_params
    if not params and wants_html(request):
        page = reading_page(store, settings.base_iri + path, settings.base_iri, site(settings))
        if page is not None:
            return HTMLResponse(render(page), headers={"Vary": "Accept"})
    inbound, rev = params.get("inbound", "1"), params.get("rev")
    if rev is not None and not (is_whole_number(rev) and int(rev) >= 1):
        raise InputError(
            f"{rev[:40]!r} is not a revision.", hint="Revisions are numbers, as `histkg log` lists."
        )
    return pages_routes.entity(
        path,
        request,
        store,
        settings,
        inbound=int(inbound) if is_whole_number(inbound) and 0 < int(inbound) <= 100_000 else 1,
        rev=int(rev) if rev is not None else None,
    )


@router.get(f"{HOME}/claims/new", response_class=HTMLResponse)
def claim_form(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    page: str = "",
    start: str = "",
    end: str = "",
    at: str = "",
    to: str = "",
    passage: str = "",
) -> Response:
    """The claim form for a passage of ``page`` (a workbench page's IRI). ``start`` and
    ``end`` (code points into the original), or ``at`` and ``to`` (into the repaired text: a
    selection in the reading view, mapped here) fill in the passage and propose its footnote;
    ``passage``, the text selected, must be the text there (else 400)."""
    if session.curator(request) is None:
        return to_sign_in(request)
    if at or to:
        start, end = raw_span(store, page, settings.base_iri, at, to)
    values = {"page": page, **passage_at(store, page, settings.base_iri, start, end, passage)}
    proposed = bool(values.get("footnote"))
    return _html(_claim_page(request, store, settings, values, {}, proposed=proposed))


@router.get(f"{HOME}/claims/edit", response_class=HTMLResponse)
def claim_edit_form(
    request: Request, store: StoreDep, settings: SettingsDep, claim: str = ""
) -> Response:
    """The claim form filled from the store, for the claim ``claim`` (its IRI)."""
    if session.curator(request) is None:
        return to_sign_in(request)
    loaded = load_claim(store, claim, settings.base_iri)
    return _html(_claim_page(request, store, settings, loaded.values, {}))


def _claim_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    values: dict[str, str],
    errors: dict[str, str],
    error: str = "",
    lines: tuple[str, ...] = (),
    *,
    proposed: bool = False,
) -> ClaimPage:
    claim = values.get("claim", "")
    return ClaimPage(
        site=site(settings),
        title="Edit a claim \u2013 histkg" if claim else "Add a claim \u2013 histkg",
        csrf=session.csrf_token(request),
        page_href=_entity_href(values.get("page", ""), settings.base_iri),
        fields=claim_fields(
            values,
            errors,
            event_types(store),
            rows=participant_rows(values),
            new_kinds=new_entity_kinds(store),
            hints=_claim_hints(store, settings, values, proposed=proposed),
        ),
        error=error,
        editing=_entity_href(claim, settings.base_iri) if claim else "",
        preview=lines,
    )


def _claim_hints(
    store: StoreDep, settings: SettingsDep, values: dict[str, str], *, proposed: bool
) -> dict[str, str]:
    """Lines of help under fields: a proposed footnote, a curated claim's kept passage."""
    hints = {"footnote": PROPOSED_FOOTNOTE} if proposed else {}
    if (
        values.get("claim")
        and page_report(store, values.get("page", ""), settings.base_iri) is None
    ):
        hints["passage"] = KEPT_PASSAGE
        hints.setdefault("footnote", KEPT_FOOTNOTE)
    return hints


@router.post(f"{HOME}/claims", response_class=HTMLResponse)
async def claim_save(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """Preview the claim, or save it as one revision; problems beside their fields, 422."""
    signed = await _curator_form(request)
    if isinstance(signed, Response):
        return signed
    form, user = signed
    rows = participant_rows({"rows": _field(form.get("rows"))})
    values = {name: _field(form.get(name)) for name in claim_names(rows)}
    if _field(form.get("action")) == "more":  # one more participant row, nothing checked
        values["rows"] = str(min(rows + 1, MAX_ROWS))
        return _html(await run_in_threadpool(_claim_page, request, store, settings, values, {}))
    claim = ClaimForm.from_values(values)
    base = settings.base_iri
    proposal = await run_in_threadpool(propose_footnote, store, claim, base)
    proposed = proposal.footnote != claim.footnote
    if _field(form.get("action")) == "preview":
        claim = proposal  # the preview shows the proposed footnote, to be checked
        values |= {"footnote": claim.footnote, "footnote_scope": claim.footnote_scope}
        page, refused = await run_in_threadpool(
            lambda: _claim_preview(request, store, settings, values, claim, proposed=proposed)
        )
        return _html(page, 422 if refused else 200)
    if claim.claim:
        return await _claim_revise(request, store, settings, claim, user, values)
    author = writes.Author(user.name, f"Claim: {claim.label.strip()}")
    error = ""
    try:
        checked, iri, _ = await run_in_threadpool(
            lambda: save_claim(
                store, claim, base=base, project_dir=settings.project_dir, author=author
            )
        )
    except ShaclViolation as violation:
        checked, iri = claim, None
        error = _problem(violation)
    if iri is not None:
        return RedirectResponse(_entity_href(claim.page, base), status_code=303)
    errors = checked.errors
    if proposed:  # saved without a footnote: offer the one that follows, not saved unseen
        values |= {"footnote": proposal.footnote, "footnote_scope": proposal.footnote_scope}
        errors = {k: v for k, v in errors.items() if k != "footnote"}  # it has one now
    page = await run_in_threadpool(
        lambda: _claim_page(request, store, settings, values, errors, error, proposed=proposed)
    )
    return _html(page, 422)


def _claim_preview(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    values: dict[str, str],
    claim: ClaimForm,
    *,
    proposed: bool,
) -> tuple[ClaimPage, bool]:
    """The claim checked and shown as sentences in its form, and whether it has problems.
    Blocking (an edited claim read back from the store, the checks): called off the event loop.
    """
    base = settings.base_iri
    stored = load_claim(store, claim.claim, base).stored if claim.claim else None
    checked = check_claim(store, claim, base, stored)
    lines = preview(claim, dict(event_types(store)))
    page = _claim_page(
        request, store, settings, values, checked.errors, lines=lines, proposed=proposed
    )
    return page, bool(checked.errors)


async def _claim_revise(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    claim: ClaimForm,
    user: session.Curator,
    values: dict[str, str],
) -> Response:
    """Save an edited claim as one revision of it, then show it; problems in the form (422),
    a concurrent change as a message above it (412), with everything typed kept."""
    author = writes.Author(user.name, f"Edit claim: {claim.label.strip()}")
    status, error = 422, ""
    try:
        checked, result = await run_in_threadpool(
            lambda: revise(
                store,
                claim,
                base=settings.base_iri,
                project_dir=settings.project_dir,
                author=author,
            )
        )
    except PreconditionFailed as failure:
        checked, result, status = claim, None, failure.http_status
        error = (
            "Someone changed this claim while you were editing it; nothing was written. "
            "Open it again to see their change, then make yours."
        )
    except HistkgError as failure:
        checked, result, error = claim, None, _problem(failure)
    if result is not None:
        return RedirectResponse(_entity_href(claim.claim, settings.base_iri), status_code=303)
    page = await run_in_threadpool(
        _claim_page, request, store, settings, values, checked.errors, error
    )
    return _html(page, status)


def _problem(failure: HistkgError) -> str:
    """A write's refusal in words: a SHACL report's first messages, or the error's own."""
    if isinstance(failure, ShaclViolation):
        results = failure.report.get("results", [])[:5]
        return "; ".join(str(r.get("message", "")) for r in results)
    return failure.message


@router.post(f"{HOME}/claims/withdraw")
async def claim_withdraw(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """Withdraw a workbench claim as one revision (the history keeps it), then go home."""
    signed = await _curator_form(request)
    if isinstance(signed, Response):
        return signed
    form, user = signed
    claim = _field(form.get("claim"))
    author = writes.Author(user.name, f"Withdraw claim {claim.rsplit('/', 1)[-1]}")
    await run_in_threadpool(
        lambda: withdraw_claim(
            store, claim, base=settings.base_iri, project_dir=settings.project_dir, author=author
        )
    )
    return RedirectResponse(HOME, status_code=303)


RECONCILE_RETRY: Final = 300.0
"""Seconds the proposals view does without our graph's suggestions after they failed."""


def _our_suggestions(
    request: Request, store: StoreDep, settings: SettingsDep, names: list[str]
) -> tuple[list[list[reconcile.Suggestion]], str]:
    """Our graph's candidates for each name, and a notice when there are none this time.

    On a large store the reconciliation service's entity index may not build within the
    query timeout; the view then goes without it for ``RECONCILE_RETRY`` seconds instead of
    waiting that long at every visit."""
    failed = getattr(request.app.state, "reconcile_failed", None)
    if failed is not None and time.monotonic() - failed < RECONCILE_RETRY:
        return [], "No suggestions from our graph for now: they did not come in time lately."
    try:
        service = recon_service(request, store, settings)
        found = reconcile.ours(service, names, timeout=settings.query_timeout)
    except HistkgError as failure:  # e.g. the entity index of a large store timed out
        request.app.state.reconcile_failed = time.monotonic()
        return [], f"No suggestions from our graph this time: {failure.message}"
    request.app.state.reconcile_failed = None
    return found, ""


def _proposals_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    page: str,
    errors: dict[str, str],
    ask: str = "",
) -> ProposalsPage:
    """The proposals view: candidate names with our graph's reconciliation candidates, and
    the page's entities without a Wikidata link; Wikidata's candidates for the one entity
    ``ask`` (its IRI) when the network is allowed. Only on request, one entity at a time: the
    API's calls are spaced (``HISTKG_WIKIDATA_MIN_INTERVAL``), so asking for every entity at
    every visit (and at every refused confirmation's re-render) would keep a curator waiting
    without bound.
    Blocking (reconciliation, the Wikidata API): called off the event loop."""
    base = settings.base_iri
    found = candidates(store, page, base)
    ours, notice = _our_suggestions(request, store, settings, [c.text for c in found])
    ours += [[]] * (len(found) - len(ours))  # names past the first MAX_NAMES
    rows = tuple(
        CandidateRow(c.anchor, c.text, n, errors.get(c.anchor, ""), tuple(s))
        for n, (c, s) in enumerate(zip(found, ours, strict=True))
    )
    entities = reconcile.unlinked_on_page(store, page, base)
    items: dict[str, list[reconcile.Suggestion]] = {}
    asked = [e for e in entities if e.iri == ask] if settings.wikidata_online else []
    if asked:
        try:
            with WikidataApi.from_settings(settings, retries=1, timeout=10.0) as api:
                items = reconcile.wikidata(api, asked)
        except HistkgError as failure:  # Wikidata busy or unreachable: the view still works
            notice = f"No suggestions from Wikidata this time: {failure.message}"
    return ProposalsPage(
        site=site(settings),
        csrf=session.csrf_token(request),
        page_iri=page,
        page_href=_entity_href(page, base),
        candidates=rows,
        entities=tuple(
            WikidataRow(
                e.iri,
                e.label,
                _entity_href(e.iri, base),
                ", ".join(p for p in (type_text(e), e.span.text if e.span else "") if p),
                n,
                tuple(items.get(e.iri, ())),
                errors.get(e.iri, ""),
                asked=e in asked,
            )
            for n, e in enumerate(entities)
        ),
        wikidata_online=settings.wikidata_online,
        notice=notice,
    )


@router.get(f"{HOME}/proposals", response_class=HTMLResponse)
async def proposals(
    request: Request, store: StoreDep, settings: SettingsDep, page: str = "", wikidata: str = ""
) -> Response:
    """The page's candidate names, each to link, make a person of, or reject; its entities
    without a Wikidata link, each to confirm one for (``wikidata``: the entity whose
    candidates the curator asked Wikidata for)."""
    if session.curator(request) is None:
        return to_sign_in(request)
    view = await run_in_threadpool(_proposals_page, request, store, settings, page, {}, wikidata)
    return _html(view)


@router.post(f"{HOME}/proposals/sameas", response_class=HTMLResponse)
async def proposal_same_as(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """Confirm a Wikidata item for an entity the page names: ``owl:sameAs``, one revision."""
    signed = await _curator_form(request)
    if isinstance(signed, Response):
        return signed
    form, user = signed
    page, entity, qid = (_field(form.get(name)) for name in ("page", "entity", "qid"))
    author = writes.Author(user.name, f"Wikidata link: {entity.rsplit('/', 1)[-1]} = {qid}")
    try:
        await run_in_threadpool(
            lambda: reconcile.confirm_same_as(
                store,
                page,
                entity,
                qid,
                base=settings.base_iri,
                project_dir=settings.project_dir,
                author=author,
            )
        )
    except HistkgError as failure:
        errors = {entity: failure.message}
        view = await run_in_threadpool(_proposals_page, request, store, settings, page, errors)
        return _html(view, 422)
    return RedirectResponse(f"{HOME}/proposals?page={quote(page, safe='')}", status_code=303)


@router.post(f"{HOME}/proposals", response_class=HTMLResponse)
async def proposal_settle(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """Settle one candidate as one revision, then show the rest; a problem beside it (422)."""
    signed = await _curator_form(request)
    if isinstance(signed, Response):
        return signed
    form, user = signed
    values = {
        name: _field(form.get(name))
        for name in ("page", "anchor", "action", "entity", "label", "other_label", "language")
    }
    text = values["anchor"].rsplit("/", 1)[-1]
    author = writes.Author(user.name, f"Proposal {values['action']}: {text}")
    try:
        await run_in_threadpool(
            lambda: settle(
                store,
                values["page"],
                values["anchor"],
                values["action"],
                base=settings.base_iri,
                project_dir=settings.project_dir,
                author=author,
                entity=values["entity"],
                label=values["label"],
                other_label=values["other_label"],
                language=values["language"],
            )
        )
    except HistkgError as failure:
        errors = {values["anchor"]: failure.message}
        view = await run_in_threadpool(
            _proposals_page, request, store, settings, values["page"], errors
        )
        return _html(view, 422)
    target = f"{HOME}/proposals?page={quote(values['page'], safe='')}"
    return RedirectResponse(target, status_code=303)


@router.post(f"{HOME}/wikidata/export", response_model=None)
async def wikidata_export(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """One claim through ``histkg wikidata export --claim``: its review lines and, for the
    ready ones, the QuickStatements text (``format=tsv``: as a download). Nothing is sent to
    Wikidata and nothing is written: the curator runs the text in QuickStatements."""
    signed = await _curator_form(request)
    if isinstance(signed, Response):
        return signed
    form = signed[0]
    claim = _field(form.get("claim"))
    found = await run_in_threadpool(claim_export, store, settings.base_iri, claim)
    page = export_page(
        found,
        site=site(settings),
        csrf=session.csrf_token(request),
        claim=claim,
        claim_href=_entity_href(claim, settings.base_iri),
    )
    if _field(form.get("format")) == "tsv":
        name = claim.rstrip("/").rsplit("/", 1)[-1] or "claim"
        return Response(
            page.quickstatements,
            media_type="text/tab-separated-values; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{quote(name)}.qs.tsv"',
                **_NO_STORE,
            },
        )
    return _html(page)


# ---------------------------------------------------------------- coordinates of a place
# (issue 16) ``app.workbench.places``: the form, its checks and the one-revision write.


def _coordinates_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    values: dict[str, str],
    errors: dict[str, str],
    error: str = "",
) -> CoordinatesPage:
    place = place_node(store, values.get("place", ""), settings.base_iri)
    return CoordinatesPage(
        site=site(settings),
        csrf=session.csrf_token(request),
        place=place.value,
        place_label=place_label(store, place),
        place_href=_entity_href(place.value, settings.base_iri),
        fields=coordinates_fields(values, errors),
        error=error,
    )


@router.get(f"{HOME}/places/coordinates", response_class=HTMLResponse)
def coordinates_form(
    request: Request, store: StoreDep, settings: SettingsDep, place: str = ""
) -> Response:
    """The set-coordinates form of ``place`` (a place's IRI); 400 for anything else."""
    if session.curator(request) is None:
        return to_sign_in(request)
    return _html(_coordinates_page(request, store, settings, {"place": place}, {}))


@router.post(f"{HOME}/places/coordinates", response_class=HTMLResponse)
async def coordinates_save(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """Write the coordinates as one revision, then show the place; problems beside their
    fields (422), nothing written."""
    signed = await _curator_form(request)
    if isinstance(signed, Response):
        return signed
    form, user = signed
    values = {name: _field(form.get(name)) for name, _ in COORDINATES_FIELDS}
    values["place"] = _field(form.get("place"))
    coordinates = CoordinatesForm(
        values["place"],
        latitude=values["latitude"],
        longitude=values["longitude"],
        source=values["source"],
        reference=values["reference"],
    )
    author = writes.Author(user.name, f"Set coordinates of {values['place'].rsplit('/', 1)[-1]}")

    def run() -> dict[str, str]:
        place_node(store, values["place"], settings.base_iri)  # 400 for a place not ours
        checked = coordinates.checked(store)
        if not checked.errors:
            set_coordinates(
                store,
                checked,
                base=settings.base_iri,
                project_dir=settings.project_dir,
                author=author,
            )
        return checked.errors

    error = ""
    try:
        errors = await run_in_threadpool(run)
    except FieldError as failure:
        if failure.field == "place":
            raise
        errors = {failure.field: failure.message}
    except ShaclViolation as violation:
        errors = {}
        error = "; ".join(
            str(r.get("message", "")) for r in violation.report.get("results", [])[:5]
        )
    if not errors and not error:
        target = _entity_href(values["place"], settings.base_iri)
        return RedirectResponse(target, status_code=303)
    page = await run_in_threadpool(
        _coordinates_page, request, store, settings, values, errors, error
    )
    return _html(page, 422)


def _entity_href(iri: str, base: str) -> str:
    """The page of an entity of this site."""
    return "/id/" + iri.removeprefix(base)


async def _curator_form(request: Request) -> tuple[FormData, session.Curator] | Response:
    """A curator's POST: its form with the CSRF token checked (403 otherwise), and who sent it;
    anyone not signed in is sent to sign in instead."""
    form = await request.form()
    session.check_csrf(request, _field(form.get("csrf")))
    user = session.curator(request)
    if user is None:
        return to_sign_in(request)
    return form, user


def _field(value: object) -> str:
    """A text form field ('' when missing or a file)."""
    return value if isinstance(value, str) else ""


__all__ = ["router", "to_sign_in"]
