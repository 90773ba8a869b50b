"""Curator accounts: ``histkg user add|list|remove|passwd`` and the Argon2 file beside the store.

Real SQLite files in temporary directories, the real CLI through typer's CliRunner.
"""

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from app.accounts import Accounts, Role, SignInRefused, users_file
from app.cli import cli
from app.errors import InputError, NotFound, StoreError
from app.settings import Settings

runner = CliRunner()
PASSWORD = "correct horse battery"  # noqa: S105 - a test account


def invoke(store_dir: Path, *args: str, stdin: str | None = None) -> Result:
    return runner.invoke(cli, list(args), env={"HISTKG_STORE": str(store_dir)}, input=stdin)


def test_accounts_live_beside_the_store_directory_not_inside_it(store_dir: Path) -> None:
    path = users_file(Settings(store=str(store_dir)))
    assert path.parent == store_dir.parent
    assert path.name == "store.users.sqlite3"


def test_a_memory_store_needs_a_users_file_setting(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="HISTKG_USERS_FILE"):
        users_file(Settings(store="memory"))
    chosen = tmp_path / "people.sqlite3"
    assert users_file(Settings(store="memory", users_file=str(chosen))) == chosen


def test_user_add_with_a_prompted_password_then_sign_in(store_dir: Path) -> None:
    result = invoke(store_dir, "user", "add", "ada", "--role", "admin", stdin=f"{PASSWORD}\n" * 2)
    assert result.exit_code == 0, result.output
    assert "Added admin ada." in result.stdout
    accounts = Accounts.from_settings(Settings(store=str(store_dir)))
    assert accounts.sign_in("ada", PASSWORD).role is Role.admin


def test_passwords_are_stored_as_argon2id_hashes_only(store_dir: Path) -> None:
    invoke(store_dir, "user", "add", "ada", "--password-stdin", stdin=PASSWORD + "\n")
    path = users_file(Settings(store=str(store_dir)))
    with sqlite3.connect(path) as db:
        (digest,) = db.execute("SELECT hash FROM users WHERE name = 'ada'").fetchone()
    assert digest.startswith("$argon2id$")
    assert PASSWORD.encode() not in path.read_bytes()


def test_user_list_remove_and_passwd(store_dir: Path) -> None:
    for name in ("bea", "ada"):
        invoke(store_dir, "user", "add", name, "--password-stdin", stdin=PASSWORD + "\n")
    listed = invoke(store_dir, "user", "list")
    assert [line.split() for line in listed.stdout.splitlines()] == [
        ["ada", "curator"],
        ["bea", "curator"],
    ]
    changed = invoke(store_dir, "user", "passwd", "bea", "--password-stdin", stdin="new pass 1\n")
    assert changed.exit_code == 0, changed.output
    accounts = Accounts.from_settings(Settings(store=str(store_dir)))
    assert accounts.sign_in("bea", "new pass 1").name == "bea"
    with pytest.raises(SignInRefused):
        accounts.sign_in("bea", PASSWORD)
    assert invoke(store_dir, "user", "remove", "ada").exit_code == 0
    assert invoke(store_dir, "user", "list").stdout.split() == ["bea", "curator"]


def test_cli_refusals_say_what_to_fix(store_dir: Path) -> None:
    invoke(store_dir, "user", "add", "ada", "--password-stdin", stdin=PASSWORD + "\n")
    again = invoke(store_dir, "user", "add", "ada", "--password-stdin", stdin=PASSWORD + "\n")
    assert again.exit_code == 1
    assert "already an account" in again.output
    short = invoke(store_dir, "user", "add", "bea", "--password-stdin", stdin="short\n")
    assert short.exit_code == 1
    assert "at least 8 characters" in short.output
    bad = invoke(store_dir, "user", "add", "Bad Name", "--password-stdin", stdin=PASSWORD + "\n")
    assert bad.exit_code == 1
    assert "not an account name" in bad.output
    unknown = invoke(store_dir, "user", "remove", "nobody")
    assert unknown.exit_code == 1
    assert "user list" in unknown.output


def test_repeated_failures_lock_the_account_even_for_the_right_password(tmp_path: Path) -> None:
    accounts = Accounts(tmp_path / "u.sqlite3", attempts=3, lockout=600)
    accounts.add("ada", Role.curator, PASSWORD)
    for _ in range(3):
        with pytest.raises(SignInRefused, match="Wrong name or password"):
            accounts.sign_in("ada", "guess-guess")
    with pytest.raises(SignInRefused, match="locked"):
        accounts.sign_in("ada", PASSWORD)
    assert accounts.list()[0].locked
    accounts.set_password("ada", PASSWORD)  # an admin's reset unlocks it
    assert accounts.sign_in("ada", PASSWORD).name == "ada"


def test_a_success_resets_the_failure_count(tmp_path: Path) -> None:
    accounts = Accounts(tmp_path / "u.sqlite3", attempts=2, lockout=600)
    accounts.add("ada", Role.curator, PASSWORD)
    for _ in range(3):
        with pytest.raises(SignInRefused):
            accounts.sign_in("ada", "guess-guess")
        accounts.sign_in("ada", PASSWORD)
    assert not accounts.list()[0].locked


def test_an_unknown_name_is_refused_like_a_wrong_password(tmp_path: Path) -> None:
    accounts = Accounts(tmp_path / "u.sqlite3")
    with pytest.raises(SignInRefused, match="Wrong name or password"):
        accounts.sign_in("nobody", PASSWORD)
    with pytest.raises(NotFound):
        accounts.set_password("nobody", PASSWORD)
    with pytest.raises(InputError):
        accounts.add("", Role.curator, PASSWORD)


def test_the_session_secret_is_made_once_and_kept(tmp_path: Path) -> None:
    first = Accounts(tmp_path / "u.sqlite3").session_secret()
    assert len(first) >= 32
    assert Accounts(tmp_path / "u.sqlite3").session_secret() == first
