"""The embedded backend: a pyoxigraph store in a directory, or in memory.

The main process holds the store read-write (loads go there). Queries run either

* in ``query_workers`` worker processes (``app.backends.workers``) that read snapshots of the
  store and are killed at a query's deadline, so a runaway query stops using the CPU then; or
* with ``query_workers=0``, in a thread of this process (``app.sparql.run_with_deadline``): the
  caller gets its timeout error at the deadline, but pyoxigraph may go on computing a step it
  evaluates eagerly (a sort, an aggregate) in the background.

Snapshots: of an on-disk store, a RocksDB checkpoint in a hidden sibling directory
(``.histkg-snapshot-PID-*``, hard links, so cheap whatever the size); of an in-memory store, a copy
into a temporary directory, made on the first query after each load (memory for the data
twice). Spooled results go to ``histkg-results-PID-*`` in the temporary directory. All are
deleted on ``close()`` (and at exit); those of a process that was killed are swept away the
next time a store is opened.

Big loads of files into an on-disk store are staged beside it, bulk-loaded and swapped in with
one atomic rename (``app.backends.staging``); an in-memory store takes them in one update, and
small ones go as a delta (``app.store.SMALL_LOAD_QUADS``).
"""

import os
import shutil
import tempfile
import time
import uuid
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from pyoxigraph import NamedNode, Quad, QuerySolutions, Triple
from pyoxigraph import Store as OxStore

from app.backends import replacement_update
from app.backends.exchange import EXCHANGE_PREFIX, exchange, supported
from app.backends.staging import LOAD_PREFIX, Progress, StagedLoad
from app.backends.workers import Snapshot, WorkerPool, remove_directory
from app.errors import StoreError
from app.results import SerializedResult
from app.sources import Source
from app.sparql import (
    Opened,
    QueryJob,
    QueryResult,
    Term,
    consume,
    discard_result,
    evaluate,
    is_point_lookup,
    run_with_deadline,
)

SNAPSHOT_PREFIX = ".histkg-snapshot-"
VIEWS_SUFFIX = ".histkg-views"
STATE_FILE = "STATE"
TEMPORARY_PREFIXES = ("histkg-snapshot-", "histkg-results-")
"""Prefixes of this module's directories in the system temporary directory (with a pid)."""


_READ_ONLY_ATTEMPTS = 5


def open_store(location: str, *, read_only: bool = False) -> OxStore:
    """Open (or create) the pyoxigraph store at ``location``, or an in-memory one.

    ``read_only`` opens an existing store without its lock, as it stands at that moment: what
    read-only commands use while ``histkg serve`` holds the store (RocksDB allows any number
    of read-only openings beside the one writer).
    """
    if location == "memory":
        return OxStore()
    if read_only:
        path = Path(location).expanduser().resolve()
        from app.backends import preflight

        for attempt in range(_READ_ONLY_ATTEMPTS):
            try:
                return OxStore.read_only(str(path))
            except (OSError, RuntimeError) as error:
                # The writer may replace a file (its MANIFEST after a flush or compaction)
                # between RocksDB listing and opening it: that race reads as "Corruption ... No
                # such file"; opening again sees the new file.
                raced = "No such file or directory" in str(error)
                if not raced or attempt == _READ_ONLY_ATTEMPTS - 1:
                    if isinstance(error, OSError):
                        raise preflight.open_failure(path, error) from None
                    raise
                time.sleep(0.05 * (attempt + 1))
    # Missing parents are created, a file in the path is named, and a failed open deletes
    # what it created and says why in words (busy, unwritable, disk full): app.backends.preflight.
    from app.backends import preflight

    with preflight.store_directory(location) as path:
        try:
            return OxStore(path)
        except OSError as error:
            raise preflight.open_failure(path, error) from None


@dataclass
class _Live:
    """The open store; a staged load puts a new one in its place (snapshots read it here)."""

    store: OxStore

    def get(self) -> OxStore:
        return self.store


class EmbeddedBackend:
    """A pyoxigraph store of this process, queried in worker processes or threads."""

    def __init__(
        self,
        location: str,
        *,
        query_workers: int = 0,
        query_memory: int = 0,
        read_only: bool = False,
    ) -> None:
        self.location = location
        self.name = "memory" if location == "memory" else "embedded"
        self._live = _Live(open_store(location, read_only=read_only))
        self._can_stage: bool | None = None  # found out at the first big load
        if location != "memory":
            _sweep(self._path.parent, (SNAPSHOT_PREFIX, LOAD_PREFIX, EXCHANGE_PREFIX))
        _sweep(Path(tempfile.gettempdir()), TEMPORARY_PREFIXES)
        self._results_dir = Path(tempfile.mkdtemp(prefix=f"histkg-results-{os.getpid()}-"))
        self._pool = (
            WorkerPool(
                query_workers,
                partial(_make_snapshot, self._live, location),
                memory_mib=query_memory,
            )
            if query_workers > 0
            else None
        )
        self._closer = weakref.finalize(self, _close, self._pool, self._results_dir)
        self.views: Path | None = None
        """Where derived views of this store are kept between runs (``app.read.persist``)."""
        if location != "memory":
            self.views = views_directory(location)
            if not read_only:
                self._views_ready()

    @property
    def _store(self) -> OxStore:
        return self._live.store

    @property
    def _path(self) -> Path:
        return Path(self.location).expanduser().resolve()

    def run(self, job: QueryJob) -> QueryResult | SerializedResult:
        if job.output is not None and job.output.spool_dir is None:
            job = replace(job, output=replace(job.output, spool_dir=str(self._results_dir)))
        store = self._store
        if is_point_lookup(job.sparql):
            # bounded (see is_point_lookup): read the live store here, in this thread, so
            # readers wait neither for the snapshot workers need after each write nor for a
            # hand-off to another thread
            return evaluate(store, job)
        if self._pool is not None:
            return self._pool.run(job)
        return run_with_deadline(lambda: evaluate(store, job), job.timeout, discard=discard_result)

    def snapshot(self) -> tuple[Path, Callable[[], None]]:
        """A read-only copy of the store as it is now, for another process (its path, and
        how to delete it): a checkpoint, as the query workers read."""
        made = _make_snapshot(self._live, self.location)
        return made.path, made.remove

    def update(self, sparql_update: str) -> None:
        self._new_token()
        try:
            self._store.update(sparql_update)
        except OSError as error:
            raise _write_failed(self.location, error) from None
        finally:
            self._new_token()
            if self._pool is not None:
                self._pool.invalidate()

    def state_token(self) -> str | None:
        """A word that changes whenever this store is written (``STATE`` in ``views``).

        Written anew before and after every write, so that a view built while a write was
        under way never carries the token of the state after it; None when there is none.
        """
        if self.views is None:
            return None
        try:
            return (self.views / STATE_FILE).read_text(encoding="ascii").strip() or None
        except (OSError, UnicodeDecodeError):
            return None

    def _views_ready(self) -> None:
        assert self.views is not None  # noqa: S101 - only called for on-disk stores
        try:
            self.views.mkdir(exist_ok=True)
        except OSError:
            self.views = None  # a read-only parent: nothing is kept between runs
            return
        if self.state_token() is None:
            self._new_token()

    def _new_token(self) -> None:
        if self.views is None:
            return
        fresh = self.views / f"{STATE_FILE}.{os.getpid()}.tmp"
        try:
            fresh.write_text(uuid.uuid4().hex, encoding="ascii")
            fresh.replace(self.views / STATE_FILE)
        except OSError:  # then the old token must not be trusted either
            (self.views / STATE_FILE).unlink(missing_ok=True)

    def replace(self, drop: Sequence[str], triples: Mapping[str, Sequence[Triple]]) -> None:
        self.update(replacement_update(drop, triples))  # one request: all or nothing

    def stage(
        self, sources: Sequence[Source], *, base_iri: str, progress: Progress | None = None
    ) -> StagedLoad | None:
        """On disk, a load staged beside the store (``app.backends.staging``)."""
        if self.name == "memory":
            return None
        if self._can_stage is None:
            self._can_stage = supported(self._path.parent)
        if not self._can_stage:  # another OS, or a read-only parent directory
            return None
        try:
            return StagedLoad(
                self._live.get,
                self._swap,
                self._path.parent,
                sources,
                base_iri=base_iri,
                progress=progress,
            )
        except OSError as error:
            raise _write_failed(self.location, error) from None

    def _swap(self, staged: Path) -> None:
        """Make the completed store at ``staged`` the live one, in one atomic rename."""
        # Close the live store first: RocksDB locks a path once per process, so the store
        # now at this path could not be opened while the old one is open under its new name.
        self._live.store = OxStore()
        self._new_token()
        try:
            exchange(staged, self._path)  # the old store moves to the staging directory
        except OSError as error:
            raise _write_failed(self.location, error) from None
        finally:
            self._live.store = open_store(self.location)
            self._new_token()
            if self._pool is not None:
                self._pool.invalidate()

    def count(self) -> int:
        return len(self._store)

    def named_graphs(self) -> list[str]:
        return sorted(str(graph.value) for graph in self._store.named_graphs())

    def objects(self, subject: NamedNode, predicate: NamedNode, graph: NamedNode) -> list[Term]:
        return [q.object for q in self._store.quads_for_pattern(subject, predicate, None, graph)]

    def match(
        self,
        subject: Term | None,
        predicate: NamedNode | None,
        object: Term | None,
        graph: NamedNode | None,
        limit: int | None,
    ) -> Iterator[Quad]:
        """Read in this process from the store's indexes: no query to parse, plan or send to a
        worker, so a lookup costs microseconds (queries go to workers to be killable; a lookup
        of one pattern cannot run away). With ``graph`` None the default graph matches too."""
        found = self._store.quads_for_pattern(subject, predicate, object, graph)  # type: ignore[arg-type]
        if limit is None:
            yield from found
            return
        for count, quad in enumerate(found):
            if count >= limit:
                return
            yield quad

    def select_live(
        self, sparql: str, *, timeout: float, max_rows: int
    ) -> list[tuple[Term | None, ...]] | None:
        """In a thread of this process (the live store, not a worker's snapshot, which would
        trail a write), bounded as any query: ``QueryTimeout`` at ``timeout``, checked between
        rows, and None past ``max_rows`` rows, so the rows held never exceed the cap."""
        store = self._store
        job = QueryJob(sparql, "select", timeout, max_rows)

        def work() -> QueryResult | None:
            started = time.monotonic()
            try:
                results = store.query(sparql)  # the stored default graph, not the union
            except SyntaxError:
                return None  # the update is malformed: the exact path says where
            if not isinstance(results, QuerySolutions):
                return None
            names = [variable.value for variable in results.variables]
            opened = Opened("select", variables=names, rows=((*row,) for row in results))
            result = consume(opened, job, started)
            return result if isinstance(result, QueryResult) else None

        result = run_with_deadline(work, timeout, discard=lambda _: None)
        if result is None or result.truncated:
            return None
        return result.rows

    def quads(self) -> Iterator[Quad]:
        return iter(self._store)

    def wait(self, seconds: float) -> None:
        """An embedded store is ready once open."""

    def worker_pids(self) -> list[int]:
        return [] if self._pool is None else self._pool.pids()

    @property
    def kills(self) -> list[tuple[int, float]]:
        """(pid, seconds from deadline to death) of workers killed at a deadline."""
        return [] if self._pool is None else list(self._pool.kills)

    def close(self) -> None:
        self._closer()


def views_directory(location: str) -> Path:
    """``.NAME.histkg-views`` beside the store ``NAME``: derived views kept between runs.

    Beside it, not in it: a staged load swaps the whole store directory, and a RocksDB backup
    copies only the store's own files."""
    path = Path(location).expanduser().resolve()
    return path.parent / f".{path.name}{VIEWS_SUFFIX}"


def _write_failed(location: str, error: OSError) -> StoreError:
    return StoreError(
        f"Writing to the store at {location} failed: {error}",
        hint="Nothing was written. Check free disk space and permissions, then retry.",
    )


def _close(pool: WorkerPool | None, results_dir: Path) -> None:
    if pool is not None:
        pool.close()
    shutil.rmtree(results_dir, ignore_errors=True)


def _make_snapshot(live: _Live, location: str) -> Snapshot:
    """A read-only copy of the live store for worker processes (see the module docstring)."""
    store = live.store
    if location == "memory":
        directory = Path(tempfile.mkdtemp(prefix=f"histkg-snapshot-{os.getpid()}-"))
        try:
            copy = OxStore(str(directory / "store"))
            copy.bulk_extend(iter(store))
            copy.flush()
            del copy  # closes it, releasing its lock for the read-only workers
        except OSError as error:
            shutil.rmtree(directory, ignore_errors=True)
            raise StoreError(f"Cannot copy the in-memory store for queries: {error}") from None
    else:
        parent = Path(location).expanduser().resolve().parent
        prefix = f"{SNAPSHOT_PREFIX}{os.getpid()}-"
        try:
            directory = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        except OSError:  # a read-only parent: a copy in the temporary directory will do
            directory = Path(tempfile.mkdtemp(prefix=prefix.lstrip(".")))
        try:
            store.backup(str(directory / "store"))
        except OSError as error:
            shutil.rmtree(directory, ignore_errors=True)
            raise StoreError(f"Cannot snapshot the store for queries: {error}") from None
    return Snapshot(directory / "store", remove_directory(directory))


def _sweep(parent: Path, prefixes: tuple[str, ...]) -> None:
    """Delete directories ``PREFIX<pid>-*`` left by histkg processes that no longer run."""
    for prefix in prefixes:
        for directory in parent.glob(f"{prefix}*"):
            pid = directory.name.removeprefix(prefix).split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(directory, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
