"""The extra processes of ``histkg serve --read-only --processes N``.

Why several: one Python process answers at most what one core runs of uvicorn's and the app's
per-request Python (the GIL), which capped point lookups at about a quarter of the oxigraph
server's rate on two cores, whatever the engine could do (``bench/engine.py``: pyoxigraph
under uvicorn with nothing around it reached 0.28x in one process). Several processes need a
store that nobody writes: RocksDB lets any number of processes open a store read-only, but
reading one while another process writes it is undefined. So only a read-only server has
them: the first process holds the store's lock, so no ``histkg load`` or writable server can
open it meanwhile (``keep_writers_out``), and every process, this one included, opens the
store read-only and answers from the listening socket they share (the kernel hands each new
connection to one of them).

Each is ``python -m app.serve_process FD PARENT_PID [--access-log]`` with the parent's
environment: the same settings, its own store handle, query workers, read model and warm-up.
It ends when the parent does: on SIGTERM (the parent's shutdown), or when it finds it has
another parent (within ``PARENT_CHECK_SECONDS``, then uvicorn's shutdown lets the requests
under way finish). Limits kept in memory are each process's own: the rate limit per client,
the connection cap and the query workers are N times the settings' with N processes.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from app.backends.workers import child_environment
from app.errors import StoreError
from app.settings import Settings

PARENT_CHECK_SECONDS = 1.0
"""How often a process checks that the server that started it still runs."""
STOP_SECONDS = 10.0
"""How long the parent waits for its processes to finish their requests when it stops."""


def keep_writers_out(location: str) -> IO[bytes] | None:
    """Hold a shared lock on the store's RocksDB ``LOCK`` for as long as the file returned
    stays open.

    A read-only opening takes no lock, so without this a ``histkg load`` could write the store
    while it is served. RocksDB's writers take an exclusive ``fcntl`` lock on ``LOCK``, which a
    shared one refuses (they fail with "While lock file: ...: Resource temporarily
    unavailable") while other read-only servers, which take shared ones too, may serve the same
    store. A store without a ``LOCK`` (a checkpoint) gets one, so that its writers are kept out
    as well. None when there is no file to lock: no store directory (opening the store then
    says so), or a read-only file system without a ``LOCK``, which no one can write anyway.
    """
    path = Path(location).expanduser().resolve() / "LOCK"
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno == errno.EROFS:
            return None
        raise StoreError(
            f"Cannot open {path} to keep writers out: {error.strerror}.",
            hint="Serve the store as a user who may read its directory.",
        ) from None
    handle = os.fdopen(descriptor, "rb")
    try:
        fcntl.lockf(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise StoreError(
            f"The store {path.parent} is open for writing by another process.",
            hint="Stop the server or command that writes it, then serve it read-only.",
        ) from None
    return handle


def start(
    count: int, listening: socket.socket, settings: Settings, *, access_log: bool
) -> list[subprocess.Popen[bytes]]:
    """Start ``count`` processes answering on ``listening`` (the parent is one more), with
    ``settings``: the environment's, and what the command line changed (``--host`` decides
    which ``Host`` headers are trusted)."""
    env = child_environment(
        HISTKG_HOST=settings.host,
        HISTKG_PORT=str(settings.port),
        HISTKG_READ_ONLY="true",
        HISTKG_SERVE_PROCESSES=str(settings.serve_processes),
        HISTKG_VALIDATION_PROCESS="false",
    )
    command = [sys.executable, "-m", __name__, str(listening.fileno()), str(os.getpid())]
    if access_log:
        command.append("--access-log")
    return [
        subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, pass_fds=[listening.fileno()], stdin=subprocess.DEVNULL, env=env
        )
        for _ in range(count)
    ]


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM (uvicorn finishes the requests under way), then SIGKILL past ``STOP_SECONDS``."""
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _end_with(parent: int) -> None:
    """Stop this process once its parent is gone (a SIGKILL of the parent sends no SIGTERM)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os.kill(os.getpid(), 15)


def main(argv: list[str]) -> None:
    """Serve the app on the inherited socket, read-only, until told to stop."""
    from app.server import config, run, serving
    from app.store import Store

    # the parent's pid comes with the arguments: it may have died before this line ran
    threading.Thread(target=_end_with, args=(int(argv[1]),), daemon=True).start()
    listening = socket.socket(fileno=int(argv[0]))
    settings = Settings()
    store = Store.from_settings(settings, read_only=True)
    try:
        app = serving(settings, store)
        run(config(app, settings, access_log="--access-log" in argv), [listening])
    finally:
        store.close()


if __name__ == "__main__":
    main(sys.argv[1:])
