"""A store path that cannot be used, or a disk that fills up: a clear error, nothing half-made.

Every case runs the real ``histkg`` command as a subprocess, as a user would, and expects exit
2, a message naming the path and what to do (never a traceback), and the file system as it was:
a store that existed keeps its content, and no store directory is left where there was none.

The tests run as root in CI, where permissions do not stop a write, so the faults are made in
ways root cannot bypass: a path below a regular file, a directory in ``/sys`` (sysfs refuses
``mkdir``), a read-only bind mount in a private mount namespace (where ``unshare -m`` works), and
a full disk simulated by ``RLIMIT_FSIZE`` (with ``SIGXFSZ`` ignored, a write past the limit fails
with ``EFBIG``, "File too large", as a full disk fails with ``ENOSPC``).
"""

import os
import re
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures.sparql.servers import free_port

from app.tools.synth import write_synthetic

REPO = Path(__file__).resolve().parent.parent
PROJECT = Path(__file__).parent / "fixtures" / "project"


def _file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _histkg(
    store: Path | str, *args: str, max_file_bytes: int | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HISTKG_STORE": str(store),
        "HISTKG_PROJECT_DIR": str(PROJECT),
        "HISTKG_QUERY_WORKERS": "0",
        "PYTHONPATH": str(REPO),
    }
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=None if max_file_bytes is None else _file_size_limit(max_file_bytes),
    )


def _serve(
    store: Path | str, max_file_bytes: int | None = None
) -> subprocess.CompletedProcess[str]:
    """``histkg serve`` that must fail before it listens (a timeout here is a failure too)."""
    return _histkg(store, "serve", "--port", str(free_port()), max_file_bytes=max_file_bytes)


def _assert_clear_failure(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ")
    assert "hint: " in done.stderr
    for word in words:
        assert word in done.stderr


def _quads(store: Path) -> int:
    done = _histkg(store, "info")
    assert done.returncode == 0, done.stderr
    found = re.search(r"^quads:\s+(\d+)$", done.stdout, re.MULTILINE)
    assert found is not None, done.stdout
    return int(found.group(1))


@pytest.fixture(scope="module")
def loaded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the fixture project, made once; tests work on copies of it."""
    store = tmp_path_factory.mktemp("loaded") / "store"
    assert _histkg(store, "load").returncode == 0
    return store


@pytest.fixture
def existing_store(loaded_store: Path, tmp_path: Path) -> tuple[Path, int]:
    store = Path(shutil.copytree(loaded_store, tmp_path / "existing" / "store"))
    return store, _quads(store)


@pytest.mark.parametrize("command", ["load", "serve"])
def test_a_store_path_below_a_regular_file_is_refused_by_name(tmp_path: Path, command: str) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("keep me\n")
    store = blocker / "histkg" / "store"
    done = _histkg(store, "load") if command == "load" else _serve(store)
    _assert_clear_failure(done, str(blocker), "is a file, not a directory", "HISTKG_STORE")
    assert blocker.read_text() == "keep me\n"


def test_a_store_path_that_is_a_regular_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "store"
    blocker.write_text("keep me\n")
    _assert_clear_failure(_serve(blocker), str(blocker))
    assert blocker.read_text() == "keep me\n"


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux sysfs")
def test_an_unwritable_directory_is_refused_even_for_root() -> None:
    store = Path("/sys/histkg-test/store")  # sysfs refuses mkdir, whoever asks
    _assert_clear_failure(_serve(store), str(store), "not writable", "HISTKG_STORE")
    assert not store.parent.exists()


def test_missing_parent_directories_are_created(tmp_path: Path) -> None:
    # RocksDB alone creates only the last directory: a fresh machine's default store
    # (~/.local/share/histkg/store) used to fail.
    store = tmp_path / "a" / "b" / "store"
    assert _histkg(store, "load").returncode == 0
    assert _quads(store) > 0


def test_a_full_disk_when_creating_a_store_leaves_no_directory(tmp_path: Path) -> None:
    store = tmp_path / "new" / "deeper" / "store"
    done = _serve(store, max_file_bytes=0)
    _assert_clear_failure(done, str(store), "disk is full", "HISTKG_STORE")
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_when_opening_a_store_keeps_its_content(
    existing_store: tuple[Path, int],
) -> None:
    store, quads = existing_store
    _assert_clear_failure(_serve(store, max_file_bytes=0), str(store), "disk is full")
    assert _quads(store) == quads


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 16 MB of N-Quads (100,000 quads): past the 1 MB file size limit the load tests set."""
    path = tmp_path_factory.mktemp("data") / "events.nq"
    write_synthetic(path, events=2000, seed=3)
    return path


def test_a_disk_that_fills_up_during_a_load_leaves_the_store_as_it_was(
    existing_store: tuple[Path, int], big_file: Path
) -> None:
    store, quads = existing_store
    done = _histkg(store, "load", str(big_file), max_file_bytes=1_000_000)
    _assert_clear_failure(done, str(store))
    assert _quads(store) == quads
    left = sorted(p.name for p in store.parent.iterdir())
    assert left == [".store.histkg-views", "store"]  # no staging left; kept views are not staging


def test_a_disk_that_fills_up_during_a_first_load_leaves_no_store(
    tmp_path: Path, big_file: Path
) -> None:
    store = tmp_path / "new" / "store"
    done = _histkg(store, "load", str(big_file), max_file_bytes=1_000_000)
    _assert_clear_failure(done, str(store))
    assert list(tmp_path.iterdir()) == []


def _can_mount_read_only() -> bool:
    """Root with a private mount namespace (``unshare -m``) can bind a directory read-only."""
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount --bind / /mnt && mount -o remount,bind,ro /mnt"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_read_only(), reason="needs root and unshare -m")
def test_a_store_on_a_read_only_file_system_is_refused(
    existing_store: tuple[Path, int],
) -> None:
    # A read-only bind mount of the store's directory, in a mount namespace of its own: the
    # one way to make a directory unwritable for root.
    store, quads = existing_store
    folder = store.parent
    script = (
        f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder} && "
        f'exec "$0" -m app serve --port {free_port()}'
    )
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, sys.executable],
        env={**os.environ, "HISTKG_STORE": str(store), "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    _assert_clear_failure(done, str(store), "not writable", "HISTKG_STORE")
    assert _quads(store) == quads
