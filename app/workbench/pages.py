"""Page contexts of the workbench: frozen dataclasses the templates only read.

Like ``app.pages.context``: each field says what it is for, and templates get one variable,
``page``. Every form carries ``csrf``, the session's token, which the routes check on POST.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.history import Revision
from app.pages.context import Site


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True, kw_only=True)
class SignInPage:
    """The sign-in form, with the reason of the last refusal, if any."""

    template: str = field(default="workbench/signin.html", metadata=_help("Its template."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(default="Sign in \u2013 histkg", metadata=_help("The document title."))
    csrf: str = field(metadata=_help("The session's CSRF token, sent back with the form."))
    next: str = field(default="/workbench", metadata=_help("Where to go once signed in."))
    name: str = field(default="", metadata=_help("The name typed last time (after a refusal)."))
    error: str = field(default="", metadata=_help("Why the last sign-in was refused."))
    hint: str = field(default="", metadata=_help("How to get past that refusal."))
    enabled: bool = field(
        default=True, metadata=_help("False when this server has no accounts file.")
    )


@dataclass(frozen=True)
class RevisionRow:
    """One of the curator's own revisions."""

    number: int = field(metadata=_help("The revision's number."))
    time: str = field(metadata=_help("When it was made (UTC, to the second)."))
    message: str = field(metadata=_help("Its message."))
    href: str = field(metadata=_help("Its page in the history."))
    changes: str = field(metadata=_help("Statements added and removed, as +N -M."))


@dataclass(frozen=True, kw_only=True)
class HomePage:
    """The workbench's start page for a signed-in curator."""

    template: str = field(default="workbench/home.html", metadata=_help("Its template."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(default="Workbench \u2013 histkg", metadata=_help("The document title."))
    csrf: str = field(metadata=_help("The session's CSRF token, for the sign-out form."))
    user: str = field(metadata=_help("The signed-in curator's name."))
    role: str = field(metadata=_help("Their role: curator or admin."))
    revisions: tuple[RevisionRow, ...] = field(
        default=(), metadata=_help("Their latest revisions, newest first.")
    )


def revision_rows(revisions: list[Revision], user: str, limit: int = 20) -> tuple[RevisionRow, ...]:
    """The user's own revisions among ``revisions`` (newest first), at most ``limit``."""
    rows = [
        RevisionRow(
            number=r.number,
            time=r.time.strftime("%Y-%m-%d %H:%M:%S"),
            message=r.message,
            href=f"/history/{r.number}",
            changes=f"+{r.added} -{r.removed}",
        )
        for r in revisions
        if r.agent == user
    ]
    return tuple(rows[:limit])
