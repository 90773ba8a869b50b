"""Big loads into an on-disk store: staged beside it, bulk-loaded, swapped in atomically.

Small ones (``app.store.SMALL_LOAD_QUADS``) are a delta in one transaction instead, validated
like any write: staging costs what the store holds, a delta what the batch changes.

Why not a transaction: pyoxigraph's transactional writes (``Store.update``, ``Store.extend``)
hold the whole change in memory and, at a million quads, run 3 times (``extend``) to 13 times
(a SPARQL ``INSERT DATA``) slower than its bulk loader, which writes sorted files straight into
RocksDB but makes no promise about a crash half-way. So a load goes in three steps:

1. ``stage``: the files are bulk-loaded into a fresh store in a hidden sibling directory
   (``.histkg-load-PID-*``). A file that may hold blank nodes is parsed in Python instead, to
   give them the stable IRIs of ``app.sources`` (the bulk loader would mint random ones). The
   graphs the batch writes are then known, so the caller can refuse the batch or drop them.
2. ``commit``: the new store is completed with whatever of the old one stays. Either the kept
   quads are copied into it, or, when the batch replaces little of a big store, a checkpoint of
   the old store (hard links, cheap at any size) drops the replaced graphs and takes the new
   quads. Deleting costs ~50 us a quad and copying ~6 us, which decides between the two.
3. The completed directory and the live store swap names in one atomic rename
   (``app.backends.exchange``). Killed before it, the store is as it was; after it, the load is
   complete. The leftover directory is deleted, or swept at the next open if the process died.
"""

import io
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from pathlib import Path
from typing import IO, Any

from pyoxigraph import BlankNode, DefaultGraph, NamedNode, Quad, RdfFormat
from pyoxigraph import Store as OxStore

from app.sources import (
    Source,
    open_stream,
    parse_error,
    rdf_format,
    read_error,
    stream_source,
)

LOAD_PREFIX = ".histkg-load-"
_DELETE_COST = 8  # a transactional delete costs about eight bulk-loaded quads
_CHUNK = 1 << 20
_REPORT_BYTES = 8 << 20
#: Byte sequences without which a file of that syntax has no blank node (conservative: one
#: inside a literal only sends the file the slower, skolemizing way).
_BLANK_MARKERS = {
    RdfFormat.N_TRIPLES: (b"_:",),
    RdfFormat.N_QUADS: (b"_:",),
    RdfFormat.TURTLE: (b"_:", b"[", b"("),
    RdfFormat.TRIG: (b"_:", b"[", b"("),
}

Progress = Callable[[str, int, int], None]
Record = Callable[[OxStore, OxStore], tuple[Sequence[Quad], Sequence[Quad]]]
"""(the staged batch, the live store) -> (quads to remove, quads to add) that record the load."""


class StagedLoad:
    """A batch of files bulk-loaded into a fresh store beside the live one, not yet visible."""

    def __init__(
        self,
        live: Callable[[], OxStore],
        swap: Callable[[Path], None],
        parent: Path,
        sources: Sequence[Source],
        *,
        base_iri: str,
        progress: Progress | None = None,
    ) -> None:
        self._live = live
        self._swap = swap
        self._directory = Path(tempfile.mkdtemp(prefix=f"{LOAD_PREFIX}{os.getpid()}-", dir=parent))
        self._new: OxStore | None = None
        self.graphs: dict[str, frozenset[NamedNode]] = {}
        """The named graphs each file writes (file label -> graphs), its own graph included."""
        try:
            self._new = OxStore(str(self._directory / "new"))
            total = len(sources) + 1
            for done, source in enumerate(sources):
                before = set(self._new.named_graphs())
                _load_one(self._new, source, base_iri, _Step(progress, source.label, done, total))
                written = {g for g in self._new.named_graphs() if g not in before}
                self.graphs[source.label] = frozenset(
                    {*(g for g in written if isinstance(g, NamedNode)), source.graph}
                )
            if progress:
                progress("writing", len(sources), total)
        except BaseException:
            self.discard()
            raise

    def commit(self, drop: Iterable[NamedNode], record: Record | None = None) -> int:
        """Make the batch the live store's content, with the graphs ``drop`` replaced.

        ``record`` sees the batch and the live store before they are merged and returns quads
        to remove and add with them (the load's revision): written into the new store before
        the swap, so they land with the load or not at all. Returns the quads the batch added.
        """
        assert self._new is not None  # noqa: S101 - committed or discarded only once
        new, live, dropped = self._new, self._live(), frozenset(drop)
        added = len(new)
        remove, extra = record(new, live) if record is not None else ((), ())
        graphs = list(live.named_graphs())
        replaced = [graph for graph in graphs if graph in dropped]
        if _cheaper_to_copy_what_stays(live, replaced, added):
            kept = [graph for graph in graphs if graph not in dropped]
            new.bulk_extend(  # a copy of what stays, one stream for all graphs
                chain.from_iterable(
                    live.quads_for_pattern(None, None, None, graph)
                    for graph in [DefaultGraph(), *kept]
                )
            )
            _apply(new, remove, extra)
            target = self._directory / "new"
        else:
            target = self._directory / "checkpoint"
            live.backup(str(target))
            checkpoint = OxStore(str(target))
            for graph in replaced:
                checkpoint.remove_graph(graph)
            checkpoint.bulk_extend(iter(new))
            _apply(checkpoint, remove, extra)
            checkpoint.flush()
            del checkpoint
        new.flush()
        # Let go of both stores (closing them releases their locks) before the swap.
        self._new = None
        del new, live
        self._swap(target)
        self.discard()
        return added

    def discard(self) -> None:
        """Delete the staging directory (with the old store, after a commit)."""
        self._new = None
        shutil.rmtree(self._directory, ignore_errors=True)


def _apply(store: OxStore, remove: Sequence[Quad], add: Sequence[Quad]) -> None:
    for quad in remove:
        store.remove(quad)
    store.extend(add)


class _Step:
    """Progress within one file."""

    def __init__(self, progress: Progress | None, label: str, done: int, total: int) -> None:
        self._progress, self._label, self._done, self._total = progress, label, done, total
        self.report("")

    def report(self, detail: str) -> None:
        if self._progress:
            label = f"{self._label} ({detail})" if detail else self._label
            self._progress(label, self._done, self._total)


def _load_one(store: OxStore, source: Source, base_iri: str, step: _Step) -> None:
    """Add one file to ``store``: the bulk loader when it has no blank node, else skolemized."""
    fmt = rdf_format(source.path)
    if _may_have_blank_nodes(source, fmt):
        # stream_source turns its own read and syntax errors into HistkgErrors: an OSError
        # out of here is the store's (a full disk), for the caller to report.
        store.bulk_extend(_counted(stream_source(source, base_iri=base_iri), step))
        return
    with open_stream(source) as raw:
        reading = _Reading(raw, step)
        try:
            store.bulk_load(
                input=io.BufferedReader(reading, _CHUNK),
                format=fmt,
                base_iri=base_iri,
                to_graph=source.graph,
            )
        except (SyntaxError, ValueError, EOFError) as error:
            raise parse_error(source, error) from None
        except OSError:
            if reading.failed is None:
                raise  # writing the staged store failed, not reading the file
            raise read_error(source, reading.failed) from None


def _counted(quads: Iterator[Quad], step: _Step) -> Iterator[Quad]:
    for count, quad in enumerate(quads, 1):
        if count % 100_000 == 0:
            step.report(f"{count:,} quads")
        yield quad


def _may_have_blank_nodes(source: Source, fmt: RdfFormat) -> bool:
    markers = _BLANK_MARKERS.get(fmt)
    if markers is None:  # JSON-LD, RDF/XML: nodes without an id are blank, no marker shows it
        return True
    try:
        with open_stream(source) as stream:
            tail = b""
            while chunk := stream.read(_CHUNK):
                # A two-byte marker may straddle two chunks: look at the seam apart.
                if any(m in chunk or m in tail + chunk[:1] for m in markers):
                    return True
                tail = chunk[-1:]
    except (OSError, EOFError):
        return True  # the parser gives the error, with its words
    return False


class _Reading(io.RawIOBase):
    """A file read by the bulk loader, reporting progress every few megabytes."""

    def __init__(self, raw: IO[bytes], step: _Step) -> None:
        self._raw, self._step, self._read, self._next = raw, step, 0, _REPORT_BYTES
        self.failed: OSError | None = None
        """The error reading the file raised, if any (pyoxigraph reports it as its own)."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._raw.read(len(buffer))
        except OSError as error:
            self.failed = error
            raise
        buffer[: len(data)] = data
        self._read += len(data)
        if self._read >= self._next:
            self._next += _REPORT_BYTES
            self._step.report(f"{self._read / 1e6:,.0f} MB read")
        return len(data)


def _cheaper_to_copy_what_stays(
    store: OxStore, replaced: Sequence[NamedNode | BlankNode], added: int
) -> bool:
    """Copy what stays into the new store (True), or add the new quads to a checkpoint?

    Copying costs the quads that stay; the checkpoint costs deleting the replaced quads
    (``_DELETE_COST`` copies each) plus copying the added ones. The replaced quads are only
    counted up to the break-even point, so this is cheap even for one big graph.
    """
    size = len(store)
    # stays <= cost * replaced + added, where stays = size - replaced
    budget = -(-(size - added) // (_DELETE_COST + 1))  # replaced quads that tip it
    for graph in replaced:
        if budget <= 0:
            break
        for _ in store.quads_for_pattern(None, None, None, graph):
            budget -= 1
            if budget <= 0:
                break
    return budget <= 0
