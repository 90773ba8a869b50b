"""Numbers and page IRIs from the workbench's forms and query strings, checked before use.

Form fields and query parameters are text any client chooses. ``str.isdigit()`` also accepts
"²" and other scripts' digits, which ``int()`` refuses (or reads as a number nobody typed), and
``int()`` refuses more than 4,300 digits; an IRI with a space is no IRI, and pyoxigraph refuses
it. Each is refused here as an ``InputError`` that says what to fix (400), never left to fail
deeper down as a server error.
"""

from __future__ import annotations

from typing import Final

import pyoxigraph as ox

from app.errors import InputError
from app.ingest.book import ascii_number

__all__ = ["MAX_DIGITS", "is_whole_number", "page_nodes", "whole_number"]

MAX_DIGITS: Final = 18
"""Digits of the longest number a form may send (offsets, revisions, row counts)."""


def is_whole_number(text: str) -> bool:
    """Whether ``text`` is a non-negative integer in ASCII digits, at most ``MAX_DIGITS`` long.

    >>> [is_whole_number(t) for t in ("12", "²", "\u0663", "-1", "", "9" * 19)]
    [True, False, False, False, False, False]
    """
    return ascii_number(text, MAX_DIGITS) is not None


def whole_number(text: str, name: str) -> int:
    """``text`` (the field ``name``) as a non-negative integer; ``InputError`` otherwise."""
    if not is_whole_number(text.strip()):
        raise InputError(
            f"{name}={text[:40]!r} is not a whole number.",
            hint=f"Send {name} as the digits 0-9, at most {MAX_DIGITS} of them.",
        )
    return int(text.strip())


def page_nodes(page: str, base: str) -> tuple[ox.NamedNode, str, ox.NamedNode]:
    """A workbench page's IRI, its name (the ``ingest/<name>/page`` part) and its text's IRI;
    ``InputError`` when ``page`` is no IRI."""
    name = page.removeprefix(f"{base}ingest/").removesuffix("/page")
    try:
        return ox.NamedNode(page), name, ox.NamedNode(f"{base}text/{name}")
    except ValueError:
        raise InputError(
            f"page={page[:80]!r} is not a page's IRI.",
            hint="Open the page from its source's page and follow its links from there.",
        ) from None
