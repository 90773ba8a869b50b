"""Where the graph lives: an embedded pyoxigraph store, or a remote SPARQL 1.1 server.

``app.store.Store`` keeps the histkg logic (loads, staleness, the query API) and talks to one
``Backend``; a backend only runs queries and updates and answers a few questions about its
contents. ``open_backend`` picks one from ``HISTKG_STORE``: ``memory``, a directory, or the
``http(s)://`` query URL of a SPARQL server.
"""

from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Triple, serialize

from app.backends.staging import Progress, StagedLoad
from app.results import SerializedResult
from app.sources import Source
from app.sparql import QueryJob, QueryResult, Term


class Backend(Protocol):
    """What ``Store`` needs from the place the graph lives."""

    name: str
    """``memory``, ``embedded`` or ``remote``."""
    location: str

    def run(self, job: QueryJob) -> QueryResult | SerializedResult:
        """Answer a query within ``job.timeout`` seconds (``QueryTimeout`` otherwise)."""
        ...

    def update(self, sparql_update: str) -> None:
        """Apply one SPARQL Update request (all of it or, where the engine allows, none)."""
        ...

    def replace(self, drop: Sequence[str], triples: Mapping[str, Sequence[Triple]]) -> None:
        """Drop the graphs ``drop`` (``<iri>`` forms), then insert ``triples`` by graph."""
        ...

    def stage(
        self, sources: Sequence[Source], *, base_iri: str, progress: Progress | None = None
    ) -> StagedLoad | None:
        """Read ``sources`` into a staging area to commit at once, or None: see ``Store``.

        A backend that returns None takes loads as one ``replace`` of quads in memory.
        """
        ...

    def count(self) -> int:
        """The number of quads."""
        ...

    def named_graphs(self) -> list[str]:
        """IRIs of the named graphs, sorted."""
        ...

    def objects(self, subject: NamedNode, predicate: NamedNode, graph: NamedNode) -> list[Term]:
        """Objects of ``subject predicate ?o`` in ``graph``."""
        ...

    def match(
        self,
        subject: Term | None,
        predicate: NamedNode | None,
        object: Term | None,
        graph: NamedNode | None,
        limit: int | None,
    ) -> Iterator[Quad]:
        """The quads matching a pattern (None matches anything), at most ``limit`` of them, as
        they are read: a direct index lookup where the engine allows (for page building)."""
        ...

    def quads(self) -> Iterator[Quad]:
        """Every quad."""
        ...

    def select_live(
        self, sparql: str, *, timeout: float, max_rows: int
    ) -> list[tuple[Term | None, ...]] | None:
        """Every row of a SELECT on the current state, with the store's real default graph
        (not the union), in this process; ``QueryTimeout`` past ``timeout`` seconds; None past
        ``max_rows`` rows, for a malformed query, or where the engine cannot say (a remote
        server's default graph is its own). For writes, under their lock."""
        ...

    def wait(self, seconds: float) -> None:
        """Wait up to ``seconds`` for the store to answer (a remote server may be starting)."""
        ...

    def worker_pids(self) -> list[int]:
        """Process ids of query workers, if the backend has any."""
        ...

    def close(self) -> None:
        """Free processes, connections and temporary files."""
        ...


def is_remote(location: str) -> bool:
    """Whether ``location`` (``HISTKG_STORE``) is the query URL of a SPARQL server."""
    return location.startswith(("http://", "https://"))


def on_disk(location: str) -> bool:
    """Whether ``location`` names an embedded store in a directory (not ``memory``, not a
    remote server)."""
    return location != "memory" and not is_remote(location)


def open_backend(
    location: str,
    *,
    query_workers: int = 0,
    query_memory: int = 0,
    update_url: str | None = None,
    graph_store_url: str | None = None,
    read_only: bool = False,
) -> Backend:
    """Open the backend ``location`` names (see the module docstring); ``read_only`` opens an
    embedded store without taking it from the process that holds it (a remote one is as is)."""
    if is_remote(location):
        from app.backends.remote import RemoteBackend

        return RemoteBackend(location, update_url=update_url, graph_store_url=graph_store_url)
    from app.backends.embedded import EmbeddedBackend

    return EmbeddedBackend(
        location, query_workers=query_workers, query_memory=query_memory, read_only=read_only
    )


def replacement_update(drop: Sequence[str], triples: Mapping[str, Sequence[Triple]]) -> str:
    """ONE SPARQL Update that drops graphs, then inserts triples into their graphs.

    ``DROP SILENT GRAPH <g1> ; ... ; INSERT DATA { GRAPH <g1> { ... } ... }``: pyoxigraph (and
    Oxigraph server, and Fuseki) apply one update request all or nothing. The triples are
    written by pyoxigraph's N-Triples serializer, never pasted from strings.
    """
    operations = [f"DROP SILENT GRAPH {graph}" for graph in drop]
    if triples:
        blocks = "\n".join(
            f"GRAPH {graph} {{\n{ntriples(part)}}}" for graph, part in triples.items()
        )
        operations.append(f"INSERT DATA {{\n{blocks}\n}}")
    return " ;\n".join(operations)


def ntriples(triples: Sequence[Triple]) -> str:
    """N-Triples text for ``triples``, written by pyoxigraph."""
    return (serialize(triples, format=RdfFormat.N_TRIPLES) or b"").decode()


def delta_update(
    removed: Sequence[Quad], added: Sequence[Quad], emptied: Sequence[NamedNode] = ()
) -> str:
    """ONE SPARQL Update that removes and adds exact quads (``app.writes``, ``app.history``).

    ``DELETE DATA { GRAPH <g> { ... } } ; INSERT DATA { ... }``, all or nothing like
    ``replacement_update``, and as cheap as the change is small: nothing else of the store is
    read or rewritten. No blank nodes (``DELETE DATA`` cannot name them; skolemize first).
    ``emptied`` graphs, which the removals leave empty, are dropped (an empty named graph would
    otherwise still be listed).
    """
    operations = [f"DELETE DATA {{\n{_by_graph(removed)}\n}}"] if removed else []
    operations += [f"DROP SILENT GRAPH {graph}" for graph in emptied]
    if added:
        operations.append(f"INSERT DATA {{\n{_by_graph(added)}\n}}")
    return " ;\n".join(operations)


def _by_graph(quads: Sequence[Quad]) -> str:
    groups: dict[str, list[Triple]] = {}
    for quad in quads:
        name = "" if isinstance(quad.graph_name, DefaultGraph) else str(quad.graph_name)
        groups.setdefault(name, []).append(quad.triple)
    return "\n".join(
        ntriples(part) if not name else f"GRAPH {name} {{\n{ntriples(part)}}}"
        for name, part in groups.items()
    )
