"""Query worker processes: the way a query past its deadline really stops.

pyoxigraph has no way to cancel a running query, and a thread cannot be killed. So the embedded
store runs its queries in worker processes, each with its own read-only view of the store; when
a query's deadline passes, the process running it is killed (SIGKILL frees its core at once) and
a fresh one takes its place in the background, while the other workers go on answering.

What a worker reads: a *snapshot* of the store, a directory made by ``Snapshot`` factories in
``app.backends.embedded`` (a RocksDB checkpoint of an on-disk store: hard links, taken in
milliseconds; a copy of an in-memory store). Snapshots never change, so workers may read them
while the main process writes the live store (opening a RocksDB directory read-only while
another process writes it is undefined behaviour). After a write the pool is ``invalidate``-d:
new workers read a new snapshot, workers busy on the old one finish their query first, and the
old snapshot is deleted when its last worker has gone.

Each worker is ``python -m app.backends.workers FD DIRECTORY``: a plain subprocess (not
``multiprocessing``, which would re-import the parent's ``__main__``) talking over a socket pair
with ``multiprocessing.connection`` framing. A worker exits when its socket closes, so none
outlives the process that started it. Messages are pickled with plain ``pickle``
(``Connection.send`` builds a ``ForkingPickler`` per message, which showed in profiles of small
queries) and kept small: a job carries prefixes and a JSON-LD context only when its format
uses them.
"""

import contextlib
import logging
import os
import pickle
import resource
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import (
    HistkgError,
    InternalError,
    QueryError,
    QueryMemory,
    QueryTimeout,
    ResultTooLarge,
    StoreError,
)
from app.results import SerializedResult
from app.sparql import QueryJob, QueryResult, discard_result

if TYPE_CHECKING:
    from pyoxigraph import Store as OxStore

log = logging.getLogger("histkg.workers")

START_TIMEOUT = 30.0
"""Seconds a new worker may take to open its snapshot and say it is ready."""

_REPLY_ERRORS: dict[str, type[HistkgError]] = {
    cls.__name__: cls for cls in (QueryError, QueryTimeout, StoreError, QueryMemory, ResultTooLarge)
}


@dataclass(eq=False)
class Snapshot:
    """A read-only copy of the store that workers open; ``remove`` deletes it from disk."""

    path: Path
    remove: Callable[[], None]
    workers: int = 0
    retired: bool = False

    def release(self) -> None:
        """One worker is gone; the last one out of a retired snapshot deletes it."""
        self.workers -= 1
        if self.retired and self.workers <= 0:
            self.remove()


@dataclass(eq=False)
class Worker:
    """One worker process and the parent's end of its socket."""

    process: "subprocess.Popen[bytes]"
    connection: Connection
    snapshot: Snapshot
    pid: int = field(init=False)
    _poller: "select.poll" = field(init=False)

    def __post_init__(self) -> None:
        self.pid = self.process.pid
        self._poller = select.poll()
        self._poller.register(self.connection.fileno(), select.POLLIN)

    def wait(self, seconds: float) -> bool:
        """Whether the worker's reply arrived (or its socket closed) within ``seconds``.

        ``Connection.poll`` builds and tears down a selector on every call; this one is kept.
        """
        return bool(self._poller.poll(max(seconds, 0.0) * 1000))


class WorkerPool:
    """Up to ``size`` worker processes answering ``QueryJob``s, killed at their deadline."""

    def __init__(
        self, size: int, make_snapshot: Callable[[], Snapshot], *, memory_mib: int = 0
    ) -> None:
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        self.size = size
        self.memory_mib = memory_mib
        """Address space (MiB) a query may take in its worker, on top of what the worker holds
        with its snapshot open (``RLIMIT_AS``; 0: none)."""
        self._make_snapshot = make_snapshot
        self._lock = threading.Condition()
        self._snapshot: Snapshot | None = None
        self._idle: list[Worker] = []
        self._busy: set[Worker] = set()
        self._starting = 0
        self._closed = False
        self.kills: list[tuple[int, float]] = []
        """(pid, seconds from deadline to the worker's end) of each worker killed at a deadline."""

    # ------------------------------------------------------------------ public

    def run(self, job: QueryJob) -> QueryResult | SerializedResult:
        """Answer ``job`` in a worker; kill that worker if the answer is not in by the deadline."""
        deadline = time.monotonic() + job.timeout
        worker = self._acquire(deadline, job.timeout)
        try:
            send_message(worker.connection, job)
            ready = worker.wait(deadline - time.monotonic())
            if not ready:
                self._kill(worker, deadline)
                raise QueryTimeout(
                    f"The query did not finish within {job.timeout:g} seconds and was stopped.",
                    hint="Add a LIMIT, narrow the patterns, or ask for a longer timeout (up to "
                    "HISTKG_QUERY_TIMEOUT).",
                )
            reply = receive_message(worker.connection)
        except (EOFError, OSError, pickle.UnpicklingError):
            try:
                ended = worker.process.wait(timeout=1.0) is not None
            except subprocess.TimeoutExpired:
                ended = False
            self._kill(worker, None)
            if ended and self.memory_mib:
                # A worker that ended by itself under a memory cap hit it: Rust aborts when an
                # allocation fails.
                raise _out_of_memory(self.memory_mib) from None
            raise StoreError(
                "A query worker stopped unexpectedly (out of memory?).",
                hint="Retry; a fresh worker has been started.",
            ) from None
        self._release(worker)
        return _unpack(reply)

    def invalidate(self) -> None:
        """The store changed: the next query reads a new snapshot.

        Workers are not restarted (a process start costs far more than a write): each one
        opens the new snapshot when it is next given a query (``_move``), and the old snapshot
        is deleted when the last worker has left it.
        """
        with self._lock:
            old, self._snapshot = self._snapshot, None
            if old is not None:
                old.retired = True
        if old is not None and old.workers <= 0:
            old.remove()

    def close(self) -> None:
        """Stop every worker and delete the snapshots; queries after this fail."""
        with self._lock:
            self._closed = True
            workers = [*self._idle, *self._busy]
            self._idle, self._busy = [], set()
            snapshot, self._snapshot = self._snapshot, None
            if snapshot is not None:
                snapshot.retired = True
            self._lock.notify_all()
        for worker in workers:
            self._stop(worker)
        if snapshot is not None:
            # Even with a spare worker still starting on it (it is stopped when it arrives):
            # `histkg serve` ends right after this on SIGTERM, and the snapshot stayed behind.
            snapshot.remove()

    def pids(self) -> list[int]:
        """Process ids of the live workers (for tests and ``/health``)."""
        with self._lock:
            return sorted(w.pid for w in [*self._idle, *self._busy])

    # ------------------------------------------------------------------ internals

    def _acquire(self, deadline: float, timeout: float) -> Worker:
        moving: Worker | None = None
        with self._lock:
            while True:
                if self._closed:
                    raise StoreError("The store is closed.")
                if self._snapshot is None:
                    self._snapshot = self._make_snapshot()
                if self._idle:
                    idle = self._idle.pop()
                    self._busy.add(idle)
                    self._keep_one_warm()
                    current = self._snapshot
                    if idle.snapshot is current:
                        return idle
                    current.workers += 1
                    moving = idle
                    break
                if len(self._busy) + self._starting < self.size:
                    snapshot = self._snapshot
                    snapshot.workers += 1
                    self._starting += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise QueryTimeout(
                        f"Every query worker stayed busy for {timeout:g} seconds.",
                        hint="Retry later; the server is answering other queries.",
                    )
                self._lock.wait(remaining)
        if moving is not None:
            return self._move(moving, current)
        try:
            worker = self._spawn(snapshot)
        except BaseException:
            with self._lock:
                self._starting -= 1
                snapshot.release()
                self._lock.notify_all()
            raise
        with self._lock:
            self._starting -= 1
            self._busy.add(worker)
            self._keep_one_warm()
        return worker

    def _move(self, worker: Worker, snapshot: Snapshot) -> Worker:
        """Have an idle worker open ``snapshot`` (counted for it already) instead of its own."""
        try:
            send_message(worker.connection, ("open", str(snapshot.path)))
            if not worker.wait(START_TIMEOUT):
                raise OSError("no answer")
            reply = receive_message(worker.connection)
        except (EOFError, OSError, pickle.UnpicklingError):
            reply = ("error", "StoreError", "A query worker could not open a snapshot.", None)
        old, worker.snapshot = worker.snapshot, snapshot
        old.release()
        if reply[0] != "ready":
            self._kill(worker, None)
            _unpack(reply)
        return worker

    def _keep_one_warm(self) -> None:
        """With the lock held: start a spare worker in the background if none is idle."""
        total = len(self._idle) + len(self._busy) + self._starting
        if self._idle or self._starting or total >= self.size or self._snapshot is None:
            return
        snapshot = self._snapshot
        snapshot.workers += 1
        self._starting += 1
        threading.Thread(target=self._warm, args=(snapshot,), daemon=True).start()

    def _warm(self, snapshot: Snapshot) -> None:
        try:
            worker = self._spawn(snapshot)
        except Exception as error:  # a HistkgError, or the OS refusing a process or a socket
            reason = error.message if isinstance(error, HistkgError) else str(error)
            log.warning("Could not start a spare query worker: %s", reason)
            with self._lock:
                self._starting -= 1
                snapshot.release()
                # A query waiting for this spare must start a worker itself now, not sleep on
                # to its deadline (the 503 of a query sent right after a worker was replaced).
                self._lock.notify_all()
            return
        with self._lock:
            self._starting -= 1
            keep = not self._closed  # a worker of an older snapshot moves when it is used
            if keep:
                self._idle.append(worker)
                self._lock.notify_all()
        if not keep:
            self._stop(worker)

    def _release(self, worker: Worker) -> None:
        with self._lock:
            self._busy.discard(worker)
            keep = not self._closed
            if keep:
                self._idle.append(worker)
            self._lock.notify_all()
        if not keep:
            self._stop(worker)

    def _kill(self, worker: Worker, deadline: float | None) -> None:
        with self._lock:
            self._busy.discard(worker)
        self._stop(worker)
        if deadline is not None:
            self.kills.append((worker.pid, time.monotonic() - deadline))
        with self._lock:
            if not self._closed:
                self._keep_one_warm()
            self._lock.notify_all()

    @staticmethod
    def _stop(worker: Worker) -> None:
        """End a worker at once (SIGKILL) and reap it; its snapshot may then be deleted."""
        with contextlib.suppress(ProcessLookupError):
            worker.process.kill()
        worker.process.wait()
        worker.connection.close()
        worker.snapshot.release()

    def _spawn(self, snapshot: Snapshot) -> Worker:
        # glibc reserves 64 MiB of address space for each malloc arena, up to eight per core: most
        # of an idle worker's address space, and more the more cores. A worker answers one
        # query at a time, so one arena serves it, and what it holds no longer grows with the
        # machine (see ``_cap``).
        process, connection = start_child(
            __name__, str(snapshot.path), str(self.memory_mib), MALLOC_ARENA_MAX="1"
        )
        worker = Worker(process, connection, snapshot)
        try:
            if not connection.poll(START_TIMEOUT):
                raise StoreError("A query worker did not start in time.")
            reply = receive_message(connection)
        except (EOFError, OSError, StoreError, pickle.UnpicklingError):
            process.kill()
            process.wait()
            connection.close()
            raise StoreError(
                "A query worker could not start.", hint="See the server log for the reason."
            ) from None
        if reply[0] != "ready":
            process.kill()
            process.wait()
            connection.close()
            _unpack(reply)
        return worker


def child_environment(**overrides: str) -> dict[str, str]:
    """The environment of a ``python -m app.…`` child process (query workers, the validation
    process, the extra serving processes): this one's, with ``overrides``, and this package's
    directory first on ``PYTHONPATH``, so the child runs the same code whatever its working
    directory."""
    root = str(Path(__file__).resolve().parent.parent.parent)
    path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    return {**os.environ, **overrides, "PYTHONPATH": path}


def start_child(
    module: str, *args: str, send_timeout: float | None = None, **environment: str
) -> tuple["subprocess.Popen[bytes]", Connection]:
    """Start ``python -m MODULE FD ARGS...`` (query workers, the validation process) and return
    it with this end of the socket pair whose other end is its ``FD``; ``environment`` as for
    ``child_environment``. With ``send_timeout``, a send to a child that takes nothing (a full
    socket buffer) fails after that many seconds instead of blocking for good."""
    parent, child = socket.socketpair()
    if send_timeout is not None:
        seconds, fraction = int(send_timeout), send_timeout % 1
        timeval = struct.pack("ll", seconds, int(fraction * 1_000_000))
        parent.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)
    try:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", module, str(child.fileno()), *args],
            pass_fds=[child.fileno()],
            stdin=subprocess.DEVNULL,
            env=child_environment(**environment),
        )
    except BaseException:
        parent.close()
        raise
    finally:
        child.close()
    return process, Connection(parent.detach())


def send_message(connection: Connection, message: object) -> None:
    """Send ``message`` to a child or parent (plain ``pickle``: ``Connection.send`` builds a
    ``ForkingPickler`` per message)."""
    connection.send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))


def receive_message(connection: Connection) -> Any:
    """The next message ``send_message`` sent over ``connection``."""
    return pickle.loads(connection.recv_bytes())  # noqa: S301 - from our own child or parent


def _out_of_memory(memory_mib: int) -> QueryMemory:
    return QueryMemory(
        f"The query needed more than the {memory_mib} MiB a query may use, and was stopped.",
        hint="Narrow the query (LIMIT, shorter strings); the limit is HISTKG_QUERY_MEMORY.",
    )


def _unpack(reply: tuple[Any, ...]) -> QueryResult | SerializedResult:
    if reply[0] == "ok":
        result: QueryResult | SerializedResult = reply[1]
        return result
    if reply[0] == "error":
        _, name, message, hint = reply
        raise _REPLY_ERRORS.get(name, StoreError)(message, hint=hint)
    log.error("A query worker failed: %s", reply[1])
    raise InternalError()


def remove_directory(path: Path) -> Callable[[], None]:
    """A ``Snapshot.remove`` that deletes ``path`` (once)."""
    return lambda: shutil.rmtree(path, ignore_errors=True)


# --------------------------------------------------------------------------- the worker side


def serve(connection: Connection, location: str, memory_mib: int = 0) -> None:
    """The worker's loop: open the snapshot read-only, then answer jobs until the socket closes.

    With ``memory_mib``, the process's address space is capped (``RLIMIT_AS``: what the worker
    holds with its snapshot open, plus ``memory_mib``) so that one query cannot take the
    machine's memory: an allocation past it fails, and the worker ends (Rust
    aborts) or reports ``QueryMemory`` (Python's ``MemoryError``); the pool replaces it.
    """
    from app.sparql import evaluate

    store = _open(connection, location, memory_mib)
    if store is None:
        return
    while True:
        try:
            job = receive_message(connection)
        except (EOFError, OSError):
            return
        if isinstance(job, tuple) and job[0] == "open":  # the store changed: a new snapshot
            del store  # closes the old one, so its directory can go
            _uncap(memory_mib)  # a bigger snapshot may need more to open than the last one did
            store = _open(connection, job[1], memory_mib)
            if store is None:
                return
            continue
        try:
            reply: tuple[Any, ...] = ("ok", evaluate(store, job))
        except HistkgError as error:
            reply = ("error", type(error).__name__, error.message, error.hint)
        except MemoryError:
            failure = _out_of_memory(memory_mib)
            reply = ("error", "QueryMemory", failure.message, failure.hint)
        except Exception as error:  # reported to the parent, which logs it
            reply = ("crash", f"{type(error).__name__}: {error}")
        try:
            send_message(connection, reply)
        except (EOFError, OSError):
            if reply[0] == "ok":
                discard_result(reply[1])
            return


def _open(connection: Connection, location: str, memory_mib: int) -> "OxStore | None":
    """Open the snapshot at ``location``, cap the memory a query may take, and tell the parent
    the worker is ready; None, the parent told why, when the snapshot cannot be opened."""
    from pyoxigraph import Store as OxStore

    try:
        store = OxStore.read_only(location)
    except OSError as error:
        message = f"Cannot open the snapshot: {error}"
        send_message(connection, ("error", "StoreError", message, None))
        return None
    _cap(memory_mib)
    send_message(connection, ("ready", os.getpid()))
    return store


def _cap(memory_mib: int) -> None:
    """Let a query take ``memory_mib`` MiB of address space beyond what this worker holds now.

    Measured once the snapshot is open: an idle worker's footprint grows with the machine
    (RocksDB starts a thread, with an 8 MiB stack, per core), and a cap that counted it would
    leave a query less room on bigger machines, or none. Only the soft limit is set, so that
    ``_uncap`` can lift it to open the next snapshot; never past an inherited hard limit.
    """
    if memory_mib <= 0:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _address_space() + (memory_mib << 20)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _uncap(memory_mib: int) -> None:
    """Lift the soft limit back to the hard one (see ``_cap``)."""
    if memory_mib > 0:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def _address_space() -> int:
    """This process's address space in bytes (``VmSize``; 0 where ``/proc`` has none)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) << 10
    return 0


def main(argv: list[str]) -> None:
    """``python -m app.backends.workers FD DIRECTORY [MEMORY_MIB]``: started by ``WorkerPool``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops the server, which stops us
    serve(Connection(int(argv[0])), argv[1], int(argv[2]) if len(argv) > 2 else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
