"""Load revisions over HTTP: ``/history`` says them in words, a big load's summary has no
patch, and neither a revert of it nor a ``?rev=`` read from before it is answered with data.

A real uvicorn over an on-disk store: the curated load (revision 1, exact), then a file of
more than ``history.EXACT_LIMIT`` triples loaded (revision 2, a summary).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fixtures.sparql.servers import serve_app

from app import history
from app.settings import Settings
from app.store import Store
from app.web import create_app

TOKEN = "loads-token"  # noqa: S105 - a test token
EX = "http://ex.org/"
BIG = history.EXACT_LIMIT + 1


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, Path]]:
    where = tmp_path_factory.mktemp("loads")
    settings = Settings(
        store=str(where / "store"),
        write_tokens="editor:" + hashlib.sha256(TOKEN.encode()).hexdigest(),
    )
    big = where / "big.nt"
    big.write_text("".join(f'<{EX}s{i}> <{EX}p> "{i}" .\n' for i in range(BIG)))
    store = Store.from_settings(settings)
    store.load_curated(settings.project_dir)
    store.load_files([big])
    with (
        serve_app(create_app(settings, store)) as base,
        httpx.Client(base_url=base, timeout=60) as http,
    ):
        yield http, big
    store.close()


def test_the_log_says_what_each_load_did_in_words(site: tuple[httpx.Client, Path]) -> None:
    http, big = site
    page = http.get("/history", headers={"Accept": "text/html"})
    assert page.status_code == 200
    sha = hashlib.sha256(big.read_bytes()).hexdigest()
    assert f"Loaded {big} (sha256 {sha}), 10,001 statements added, 0 removed" in page.text
    assert "Loaded the curated files (digest " in page.text
    listed = http.get("/history.json").json()
    assert [(r["revision"], r["agent"], r["summarized"]) for r in listed["revisions"]] == [
        (2, "histkg-load", True),
        (1, "histkg-load", False),
    ]


def test_a_summary_has_no_patch_and_refuses_revert_and_reads_behind_it(
    site: tuple[httpx.Client, Path],
) -> None:
    http, _ = site
    body = http.get("/history/2.json").json()
    assert (body["patch"], body["added"], body["summarized"]) == (None, BIG, True)
    assert http.get("/history/1.json").json()["patch"]["added"]  # the curated load: exact
    reverted = http.post("/history/2/revert", headers={"Authorization": f"Bearer {TOKEN}"})
    assert reverted.status_code == 409
    assert "Reload the previous files" in reverted.text
    behind = http.get("/id/event/mukden-incident.json", params={"rev": "1"})
    assert behind.status_code == 409
    assert "cannot be rebuilt" in behind.text
    assert http.get("/id/event/mukden-incident.json", params={"rev": "2"}).status_code == 200
