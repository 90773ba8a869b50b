"""Curator accounts: names, roles and Argon2 password hashes, kept beside the store, never in it.

The graph is public (``/sparql``, dumps), so nothing about accounts may enter it. The accounts
live in a small SQLite file next to the store's directory (``<store>.users.sqlite3``: beside it,
not inside, because a staged load swaps the whole directory), or where ``HISTKG_USERS_FILE``
says (needed for a ``memory`` or remote store). SQLite because the CLI and a running server
share the file: each call is one short transaction, so ``histkg user add`` works while serving.

Passwords are hashed with Argon2id by ``argon2-cffi`` (the reference implementation's binding)
with its default, OWASP-recommended parameters; a hash made with older parameters is rehashed on
the next successful sign-in. Failed sign-ins are counted per account: after
``HISTKG_SIGNIN_ATTEMPTS`` in a row the account is locked for ``HISTKG_SIGNIN_LOCKOUT``
seconds, even for the right password, so guessing is slow whatever the client's address.

The same file holds the secret that signs session cookies, made on first use, so sessions
survive a restart and every worker of one server agrees on it.
"""

from __future__ import annotations

import enum
import logging
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from app.backends import on_disk
from app.errors import Forbidden, InputError, NotFound, StoreError
from app.settings import Settings

__all__ = ["Accounts", "Role", "SignInRefused", "User", "open_accounts", "users_file"]

log = logging.getLogger("histkg.accounts")

_HASHER: Final = PasswordHasher()
_NAME_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")
MIN_PASSWORD: Final = 8
# A hash to verify against when the name is unknown, so that an unknown name takes as long as
# a wrong password and sign-in does not tell which names exist.
_DUMMY_HASH: Final = _HASHER.hash(secrets.token_urlsafe(16))

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    hash TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until REAL NOT NULL DEFAULT 0,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Role(enum.StrEnum):
    """What an account may do: curators write data; admins also manage the workbench."""

    curator = "curator"
    admin = "admin"


@dataclass(frozen=True)
class User:
    """One account as the CLI lists it (never its hash)."""

    name: str
    role: Role
    locked: bool = False


class SignInRefused(Forbidden):
    """A sign-in with a wrong name or password, or on a locked account."""

    code = "signin_refused"


def users_file(settings: Settings) -> Path:
    """Where the accounts of this store live (see the module docstring)."""
    if settings.users_file:
        return Path(settings.users_file)
    store = settings.store
    if not on_disk(store):
        raise StoreError(
            "A memory or remote store has no directory to keep accounts beside.",
            hint="Set HISTKG_USERS_FILE to the file that should hold them.",
        )
    directory = Path(store)
    return directory.with_name(directory.name + ".users.sqlite3")


def check_name(name: str) -> str:
    """The account name, if it is one: 1 to 64 of a-z, 0-9, ``-``, ``_`` and ``.``."""
    if not 0 < len(name) <= 64 or not set(name) <= _NAME_CHARS:
        raise InputError(
            f"{name!r} is not an account name.",
            hint="Use 1 to 64 lower-case letters, digits, '-', '_' or '.'.",
        )
    return name


def check_password(password: str) -> str:
    """The password, if it is long enough to be worth hashing."""
    if len(password) < MIN_PASSWORD:
        raise InputError(f"A password needs at least {MIN_PASSWORD} characters.")
    return password


class Accounts:
    """The accounts file: one short SQLite transaction per call (see the module docstring)."""

    def __init__(self, path: Path, *, attempts: int = 5, lockout: float = 900.0) -> None:
        self.path = path
        self.attempts = attempts
        self.lockout = lockout
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._transaction() as db:
            db.executescript(_SCHEMA)

    @classmethod
    def from_settings(cls, settings: Settings) -> Accounts:
        return cls(
            users_file(settings),
            attempts=settings.signin_attempts,
            lockout=settings.signin_lockout,
        )

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
            yield db

    def add(self, name: str, role: Role, password: str) -> User:
        check_name(name)
        digest = _HASHER.hash(check_password(password))
        with self._transaction() as db:
            try:
                db.execute(
                    "INSERT INTO users (name, role, hash, created) VALUES (?, ?, ?, ?)",
                    (name, role.value, digest, time.time()),
                )
            except sqlite3.IntegrityError:
                raise InputError(
                    f"There is already an account {name!r}.",
                    hint="Pick another name, or change its password with `histkg user passwd`.",
                ) from None
        return User(name, role)

    def list(self) -> list[User]:
        now = time.time()
        with self._transaction() as db:
            rows = db.execute("SELECT name, role, locked_until FROM users ORDER BY name").fetchall()
        return [User(name, Role(role), locked_until > now) for name, role, locked_until in rows]

    def remove(self, name: str) -> None:
        with self._transaction() as db:
            if db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 0:
                raise self._unknown(name)

    def set_password(self, name: str, password: str) -> None:
        """Change the password; this also lifts a lock-out."""
        digest = _HASHER.hash(check_password(password))
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE users SET hash = ?, failures = 0, locked_until = 0 WHERE name = ?",
                (digest, name),
            ).rowcount
            if changed == 0:
                raise self._unknown(name)

    def get(self, name: str) -> User | None:
        with self._transaction() as db:
            row = db.execute("SELECT role FROM users WHERE name = ?", (name,)).fetchone()
        return None if row is None else User(name, Role(row[0]))

    def sign_in(self, name: str, password: str) -> User:
        """The account, if the password is right and the account not locked; else refused."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT role, hash, failures, locked_until FROM users WHERE name = ?", (name,)
            ).fetchone()
        if row is None:
            _verify(_DUMMY_HASH, password)
            raise _refused()
        role, digest, failures, locked_until = row
        now = time.time()
        if locked_until > now:
            raise SignInRefused(
                "This account is locked after too many failed sign-ins.",
                hint=f"Try again in {int(locked_until - now) // 60 + 1} minutes, or ask an "
                "admin to set a new password (`histkg user passwd`).",
            )
        if not _verify(digest, password):
            failures += 1
            locked = now + self.lockout if self.attempts and failures >= self.attempts else 0.0
            with self._transaction() as db:
                db.execute(
                    "UPDATE users SET failures = ?, locked_until = ? WHERE name = ?",
                    (0 if locked else failures, locked, name),
                )
            raise _refused()
        if _HASHER.check_needs_rehash(digest):
            digest = _HASHER.hash(password)
        with self._transaction() as db:
            db.execute(
                "UPDATE users SET failures = 0, locked_until = 0, hash = ? WHERE name = ?",
                (digest, name),
            )
        return User(name, Role(role))

    def session_secret(self) -> str:
        """The key that signs session cookies: made once, kept in this file."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('session_secret', ?)",
                (secrets.token_urlsafe(48),),
            )
            (value,) = db.execute("SELECT value FROM meta WHERE key = 'session_secret'").fetchone()
        return str(value)

    @staticmethod
    def _unknown(name: str) -> NotFound:
        return NotFound(f"There is no account {name!r}.", hint="`histkg user list` shows them.")


def _verify(digest: str, password: str) -> bool:
    try:
        return _HASHER.verify(digest, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _refused() -> SignInRefused:
    return SignInRefused(
        "Wrong name or password.", hint="Check both; accounts lock after repeated failures."
    )


def open_accounts(settings: Settings) -> Accounts | None:
    """The server's accounts, or None when it has none (a memory or remote store without
    ``HISTKG_USERS_FILE``, or a file that cannot be opened: logged, and the workbench is off)."""
    try:
        return Accounts.from_settings(settings)
    except StoreError:
        return None
    except (OSError, sqlite3.Error):
        log.warning("The accounts file cannot be opened; nobody can sign in", exc_info=True)
        return None
