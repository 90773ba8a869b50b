"""Derived views kept on disk between runs, keyed by the store's state, never trusted stale.

Why: at ten million triples the search index and the home page's inputs take most of two
minutes to read from the store, after every start of ``histkg serve``, although the store has
not changed. A view built from a state is written beside the store (``Store.views``: the
directory ``.NAME.histkg-views`` and the state token its backend renews around every write)
and read back at the next start instead of being built again.

What makes a file trusted: its first line names this module's ``FORMAT``, the view and the
state token, and all three must equal the current ones; anything else (another state, a
format of another version, a damaged or truncated file, a payload that does not read back) is
ignored and the view is built and written again. A view is written only when the token is the
same after its build as before it, so a view read from a store that a write changed meanwhile
is never kept. Payloads are JSON and raw arrays, read without running anything from them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from app.store import Store

T = TypeVar("T")
FORMAT = 1
"""Bumped whenever what a view's file holds changes meaning."""
log = logging.getLogger("histkg.read")


def kept(
    store: Store,
    name: str,
    build: Callable[[], T],
    save: Callable[[T], bytes],
    load: Callable[[bytes], T],
) -> T:
    """The view ``name``: read from its file when that was written for the store's state now,
    else built by ``build`` (and written with ``save``, to be read with ``load``)."""
    where = store.views()
    if where is None:
        return build()
    directory, token = where
    path = directory / f"{name}.view"
    payload = _read(path, _head(name, token))
    if payload is not None:
        try:
            return load(payload)
        except (ValueError, KeyError, TypeError, IndexError, EOFError):
            log.warning("The kept view %s does not read back; building it again", path)
    value = build()
    now = store.views()
    if now is not None and now[1] == token:
        _write(path, _head(name, token), save(value))
    return value


def short(text: str) -> str:
    """A short, file-name-safe digest of ``text`` (a namespace, a fingerprint)."""
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _head(name: str, token: str) -> bytes:
    return json.dumps({"format": FORMAT, "view": name, "state": token}).encode() + b"\n"


def _read(path: Path, head: bytes) -> bytes | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(head):
        return None
    return data[len(head) :]


def _write(path: Path, head: bytes, payload: bytes) -> None:
    fresh = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(fresh, "wb") as out:
            out.write(head)
            out.write(payload)
        fresh.replace(path)  # whole or not at all: a reader never sees half a file
    except OSError as error:
        log.warning("Could not keep the view %s: %s", path, error)
        fresh.unlink(missing_ok=True)


def to_json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def from_json(data: bytes) -> object:
    return json.loads(data)
