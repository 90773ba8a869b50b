"""A write's SHACL check in a process of its own, so that readers keep the server's GIL.

Why: the check of a write (``app.validate.incremental.judge``: walking the neighbourhood the
change can affect, then pySHACL on that excerpt) is pure Python. In the server's process it
held the GIL for most of a write's time, and point lookups, also answered in that process,
waited for it: while one client wrote nonstop, readers' p99 went to 2.3-2.8 times its quiet
value. The same server with the check taken out of its process stayed well within 2x
(``bench/results/writes-*-1m-exp-novalidation.json``, ``docs/benchmarks.md``).

How: the server starts one *validation process* (``python -m app.validate.process FD DIR``),
run at a lower CPU priority (``NICE``), so that when the cores are busy, readers come first.
It cannot read the live store (RocksDB lets only one process open a store while it is
written), so it reads a *snapshot* of it (a RocksDB checkpoint: hard links, milliseconds),
seen through an overlay of the deltas committed since (``Overlay``). The server sends it:

* ``("snapshot", DIR)``: a checkpoint of the store as it is now (at start, after a write that
  did not go through ``Store.write_delta``, and when the overlay has grown past
  ``REFRESH_QUADS``);
* ``("apply", ADDED, REMOVED)``: a committed delta (N-Quads, which cross ten times faster
  than pickled quads);
* ``("judge", ADDED, REMOVED, TOUCHED, PROJECT_DIR)``: check a write, answered with the same
  ``ValidationReport`` ``judge`` gives in the server's process.

Messages are read in order, so a ``judge`` sees every delta sent before it. The server knows
which store generation (``Store.generation``) the process's view holds, and sends a fresh
snapshot first whenever that is not the store's: the view is never older than the write it
judges. A write waits for a process that is starting; when one crashes or reports an error,
the write is checked in the server's process as before, with the same result. A check past
the write deadline, or a process that takes no message within it, is killed and the write
refused (``ValidationTimeout``); a new process takes its place at the next write. After
``MAX_FAILURES`` failures in a row no process is started for ``RETRY_SECONDS``, and writes are
checked in the server meanwhile.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pyoxigraph as ox

from app.backends.workers import receive_message, send_message, start_child
from app.errors import StoreError, ValidationTimeout
from app.validate.full import ValidationReport

if TYPE_CHECKING:
    from app.store import Store

log = logging.getLogger("histkg.validate")

NICE: Final = 10
"""How much lower than the server the process runs: under Linux's scheduler a process at
nice 10 gets about a tenth of a busy core beside one at 0, so readers keep the cores and the
check uses what they leave."""
REFRESH_QUADS: Final = 50_000
"""Quads of committed deltas after which the process gets a fresh snapshot instead: every
lookup of a check goes through the overlay, so it is kept small."""
START_TIMEOUT: Final = 60.0
"""Seconds a new process may take to import pySHACL and read the shapes before it is given up
(about 2 s on a quiet machine; a write waits for it)."""
MAX_FAILURES: Final = 3
"""Processes that may fail in a row (die, not start) before none is started for
``RETRY_SECONDS``: each costs seconds of CPU; the writes are then checked in the server, as
without one."""
RETRY_SECONDS: Final = 300
"""How long writes are checked in the server after ``MAX_FAILURES`` before a process is tried
again (a bad write that killed three could otherwise turn the process off for good)."""
_NQUADS: Final = ox.RdfFormat.N_QUADS


Snapshot = tuple[Path, Callable[[], None]]
"""A checkpoint of the store: where it is, and how to delete it."""


def start(store: Store, project_dir: Path, *, timeout: float) -> ValidationProcess | None:
    """Check the writes to ``store`` against ``project_dir``'s shapes in a process of their own
    from now on (``histkg serve`` calls this); None for a store that is not embedded on disk,
    or is read-only."""
    snapshots = store.snapshots
    if snapshots is None or store.read_only:
        return None
    process = ValidationProcess(snapshots, project_dir, timeout=timeout)
    store.validation = process
    process.start()
    return process


class ValidationProcess:
    """The server's side: starts the process, keeps its view in step with the store, and asks
    it to check writes.

    ``judge`` and ``committed`` are called under the store's write lock (``Store.write_delta``),
    so they never run at the same time and the store's generation does not move under them.
    """

    def __init__(
        self, snapshot: Callable[[], Snapshot], project_dir: Path, *, timeout: float
    ) -> None:
        self._snapshot = snapshot
        self.project_dir = project_dir
        self.timeout = timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._connection: Connection | None = None
        self._ready = False
        self._view: int | None = None  # the store generation the process's view holds
        self._overlay = 0  # quads sent as deltas since its snapshot
        self._snapshots: list[Snapshot] = []  # sent, oldest first; the last one is open
        self._closed = False
        self._lock = threading.Lock()  # close() may come from another thread
        self.pid: int | None = None
        self._failures = 0  # processes in a row that died or did not start
        self._failed_at = 0.0  # when the last of MAX_FAILURES failed
        self.answered = 0
        """Writes this process has checked (the others were checked in the server's)."""
        self.started = 0
        """Processes started so far."""

    def start(self) -> None:
        """Start the process now (it imports pySHACL and reads the shapes, about 2 s)."""
        with self._lock:
            if self._process is None and not self._closed:
                self._spawn()

    def wait_ready(self, seconds: float) -> bool:
        """Wait until the process has started (tests, and start-up warm-up); False if not."""
        with self._lock:
            if self._connection is None:
                return False
            try:
                return self._take_ready(self._connection, seconds)
            except (EOFError, OSError, pickle.UnpicklingError):
                self._stop()
                return False

    def judge(
        self,
        generation: int,
        added: set[ox.Quad],
        removed: set[ox.Quad],
        touched: set[str],
    ) -> ValidationReport | None:
        """The process's report on a write to the store at ``generation``.

        None when it cannot give one, and the caller then checks the write itself, as without
        a process: the process does not start or dies (a new one is started, up to
        ``MAX_FAILURES`` in a row), or reports an error. A process that is starting is waited
        for (``START_TIMEOUT``), so a write refused at the deadline is refused again when sent
        again. A write that changes subclass axioms is checked against the whole store here
        too (``app.validate.incremental``), within the same deadline.
        """
        with self._lock:
            if self._closed:
                return None
            if self._failures >= MAX_FAILURES:
                if time.monotonic() - self._failed_at < RETRY_SECONDS:
                    return None
                self._failures = 0  # a while later: try a process again
            if self._process is None or self._process.poll() is not None:
                if self._process is not None:  # it ended without being told to
                    self._failed("it ended")
                    if self._failures >= MAX_FAILURES:
                        return None
                self._spawn()
            connection = self._connection
            if connection is None:
                return None
            try:
                if not self._take_ready(connection, START_TIMEOUT):
                    raise OSError("it did not start in time")
                if self._view != generation or self._overlay > REFRESH_QUADS:
                    self._send_snapshot(connection, generation)
                send_message(  # a process that takes nothing within the deadline: BlockingIOError
                    connection,
                    (
                        "judge",
                        _nquads(added),
                        _nquads(removed),
                        sorted(touched),
                        str(self.project_dir),
                    ),
                )
                if not connection.poll(self.timeout):
                    raise BlockingIOError("no answer within the deadline")
                reply = receive_message(connection)
            except BlockingIOError:
                self._stop()
                raise ValidationTimeout(
                    f"Checking the write against the shapes took longer than "
                    f"{self.timeout:g} seconds, and was stopped; nothing was written.",
                    hint="Split the write into smaller ones, or raise HISTKG_WRITE_TIMEOUT. A "
                    "write that changes rdfs:subClassOf is checked against the whole store.",
                ) from None
            except (EOFError, OSError, pickle.UnpicklingError, StoreError) as error:
                # StoreError: no checkpoint could be made (a full disk?); the write is not at fault
                self._failed(str(error))
                return None
            self._forget_old_snapshots()
            if reply[0] != "ok":
                log.warning("the validation process could not check a write: %s", reply[1])
                return None
            self._failures = 0
            report: ValidationReport = reply[1]
            self.answered += 1
            return report

    def committed(
        self, generation: int, removed: Collection[ox.Quad], added: Collection[ox.Quad]
    ) -> None:
        """The store is at ``generation`` after this delta: the process's view follows it."""
        with self._lock:
            connection = self._connection
            if not self._ready or connection is None or self._view != generation - 1:
                return  # the next judge sends a snapshot
            try:
                send_message(connection, ("apply", _nquads(added), _nquads(removed)))
            except OSError:
                self._stop()
                return
            self._view = generation
            self._overlay += len(added) + len(removed)

    def close(self) -> None:
        """Stop the process and delete its snapshots."""
        with self._lock:
            self._closed = True
            self._stop()

    # ------------------------------------------------------------------ internals

    def _failed(self, why: str) -> None:
        """One more failure in a row: stop the process; past ``MAX_FAILURES``, rest a while."""
        log.warning("the validation process failed (%s); checking in process", why)
        self._failures += 1
        self._stop()
        if self._failures >= MAX_FAILURES:
            self._failed_at = time.monotonic()
            log.error(
                "the validation process keeps failing; writes are checked here for the next %d s",
                RETRY_SECONDS,
            )

    def _take_ready(self, connection: Connection, seconds: float) -> bool:
        """With the lock held: whether the process has said it is ready, waiting up to
        ``seconds`` for it to say so (raises what receiving from it raises)."""
        if not self._ready and connection.poll(seconds):
            self._ready = receive_message(connection) == ("ready",)
        return self._ready

    def _send_snapshot(self, connection: Connection, generation: int) -> None:
        path, remove = self._snapshot()
        self._snapshots.append((path, remove))
        send_message(connection, ("snapshot", str(path)))
        self._view, self._overlay = generation, 0

    def _forget_old_snapshots(self) -> None:
        """Once the process has answered, it has opened the newest snapshot and closed the rest."""
        while len(self._snapshots) > 1:
            self._snapshots.pop(0)[1]()

    def _spawn(self) -> None:
        try:
            # A send to a process that hangs with a full socket buffer fails (BlockingIOError)
            # instead of holding the store's write lock for good.
            self._process, self._connection = start_child(
                __name__, str(self.project_dir), send_timeout=max(1.0, self.timeout)
            )
        except OSError as error:
            log.warning("cannot start the validation process: %s", error)
            self._process = None
            return
        self.pid = self._process.pid
        self.started += 1
        self._ready, self._view, self._overlay = False, None, 0

    def _stop(self) -> None:
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            self._process.wait()
        if self._connection is not None:
            self._connection.close()
        self._process, self._connection, self.pid = None, None, None
        self._ready, self._view, self._overlay = False, None, 0
        for _, remove in self._snapshots:
            remove()
        self._snapshots = []


class Overlay:
    """The process's view of the store: a snapshot, plus the quads added since, minus those
    removed since.

    The deltas are exact (``Store.write_delta``: a write adds only quads that were absent and
    removes only quads that were present), so a removed quad not added since the snapshot is
    in the snapshot, and an added quad not removed since is not: ``apply`` never reads the
    snapshot, which made applying a 5,000-quad write cost tens of ms of lookups. The view is
    right only because deltas are exact: every caller of ``Store.write_delta`` computes what it
    adds against what is present (``app.writes``, ``Store._load_delta``, the history's head),
    and ``tests/test_validate_process.py`` holds the view to the store after such writes.
    """

    def __init__(self, base: ox.Store) -> None:
        self.base = base
        self.plus = ox.Store()
        self.added = 0  # quads in ``plus``: ``len()`` of a pyoxigraph store counts them all
        self.minus: set[ox.Quad] = set()

    def apply(self, added: Iterable[ox.Quad], removed: Iterable[ox.Quad]) -> None:
        for quad in removed:
            if quad in self.plus:
                self.plus.remove(quad)
                self.added -= 1
            else:
                self.minus.add(quad)
        for quad in added:
            if quad in self.minus:
                self.minus.discard(quad)
            elif quad not in self.plus:
                self.plus.add(quad)
                self.added += 1

    def match(self, subject: Any, predicate: Any, obj: Any, graph: Any) -> Iterator[ox.Quad]:
        """As ``Store.match`` on the live store: the same quads, in another order."""
        found = self.base.quads_for_pattern(subject, predicate, obj, graph)
        if self.minus:
            yield from (quad for quad in found if quad not in self.minus)
        else:
            yield from found
        if self.added:
            yield from self.plus.quads_for_pattern(subject, predicate, obj, graph)


def _nquads(quads: Collection[ox.Quad]) -> bytes:
    return ox.serialize(quads, format=_NQUADS) or b"" if quads else b""


def _quads(data: bytes) -> list[ox.Quad]:
    return list(ox.parse(data, format=_NQUADS)) if data else []


# ---------------------------------------------------------------------- the process itself


def serve(connection: Connection, project_dir: Path) -> None:
    """Answer the server's messages until it closes the connection."""
    from app.validate.incremental import judge, validate_change

    os.nice(NICE)
    # Read the shapes now, not at the first write: a check that touches one node does it.
    warm = ox.NamedNode("urn:histkg:warm")
    with contextlib.suppress(Exception):  # a broken shapes file: the server says so itself
        validate_change(lambda *_: iter(()), {ox.Quad(warm, warm, warm, warm)}, (), project_dir)
    send_message(connection, ("ready",))
    view: Overlay | None = None
    while True:
        try:
            message = receive_message(connection)
        except (EOFError, OSError):
            return
        kind = message[0]
        if kind == "snapshot":
            view = None  # closes the old snapshot first
            view = Overlay(ox.Store.read_only(message[1]))
        elif kind == "apply" and view is not None:
            view.apply(_quads(message[1]), _quads(message[2]))
        elif kind == "judge":
            try:
                if view is None:
                    raise RuntimeError("no snapshot was sent before the write")
                report = judge(
                    view.match,
                    set(_quads(message[1])),
                    set(_quads(message[2])),
                    set(message[3]),
                    Path(message[4]),
                )
                reply: tuple[Any, ...] = ("ok", report)
            except Exception as error:  # the server checks the write itself, and says why
                reply = ("error", f"{type(error).__name__}: {error}")
            try:
                send_message(connection, reply)
            except (EOFError, OSError):
                return


def main(argv: list[str]) -> None:
    """``python -m app.validate.process FD PROJECT_DIR``: started by ``ValidationProcess``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops the server, which stops us
    serve(Connection(int(argv[0])), Path(argv[1]))


if __name__ == "__main__":
    main(sys.argv[1:])
