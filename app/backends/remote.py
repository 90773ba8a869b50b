"""The remote backend: the same API over any SPARQL 1.1 server (Oxigraph, Fuseki, Virtuoso...).

``HISTKG_STORE`` is the server's query URL; updates go to ``HISTKG_STORE_UPDATE_URL``, by default
derived from it (``.../query`` becomes ``.../update``, as on Oxigraph and Fuseki; any other URL,
such as Virtuoso's or QLever's single ``/sparql``, is used for both). User and password may be
given in the URL (``http://user:secret@host/...``) and are sent as HTTP Basic credentials.
Loads are one SPARQL Update request (all or nothing where the server applies a request in one
transaction, as Oxigraph and Fuseki do), or, with ``HISTKG_STORE_GRAPH_STORE_URL``, one Graph
Store Protocol PUT per graph (for servers that cannot take a large update, such as Virtuoso).

Queries are sent as SPARQL 1.1 Protocol POSTs; results come back as SPARQL JSON or N-Triples and
are parsed *as they stream in* by pyoxigraph, so our row cap, formats and deadline apply to a
remote store exactly as to the embedded one. At the deadline the connection is closed: this
process stops working at once and the server sees the client go (what it does then is its
own business; give it its own timeout too, see docs/operations.md).

The server must treat its default graph as the union of all graphs, as the embedded store does
(``oxigraph serve --union-default-graph``; Fuseki ``tdb2:unionDefaultGraph true``; Virtuoso and
QLever do so by default).
"""

import io
import time
from collections.abc import Iterator, Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

import httpx
from pyoxigraph import (
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
)

from app import __version__
from app.backends import ntriples, replacement_update
from app.backends.staging import Progress
from app.errors import QueryError, StoreError
from app.results import DeadlinePassed, SerializedResult
from app.sources import Source
from app.sparql import (
    Opened,
    QueryJob,
    QueryResult,
    Term,
    check_syntax,
    consume,
    has_service,
    timeout_error,
)

_SELECT_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.8"
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"
_ERROR_TEXT = 500
"""Characters of a server's error body passed on in an error message."""


def default_update_url(query_url: str) -> str:
    """Where updates go when ``HISTKG_STORE_UPDATE_URL`` is not set."""
    parts = urlsplit(query_url)
    if parts.path.endswith("/query"):
        return urlunsplit(parts._replace(path=parts.path[: -len("query")] + "update"))
    return query_url


def _split_credentials(url: str) -> tuple[str, httpx.BasicAuth | None]:
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    auth = httpx.BasicAuth(parts.username, parts.password or "")
    return urlunsplit(parts._replace(netloc=netloc)), auth


def _public(url: str) -> str:
    """``url`` without a password, for messages."""
    return _split_credentials(url)[0]


class _Stream(io.RawIOBase):
    """A response body as a readable file for pyoxigraph's streaming parsers."""

    def __init__(self, chunks: Iterator[bytes], deadline: float) -> None:
        self._chunks = chunks
        self._deadline = deadline
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: "bytearray | memoryview") -> int:  # type: ignore[override]
        while not self._pending:
            if time.monotonic() > self._deadline:
                raise DeadlinePassed
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


class RemoteBackend:
    """A SPARQL 1.1 server reached over HTTP."""

    name = "remote"

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        graph_store_url: str | None = None,
    ) -> None:
        self.location = _public(query_url)
        self._graph_store_url: str | None = None
        self._graph_store_auth: httpx.BasicAuth | None = None
        if graph_store_url:
            self._graph_store_url, self._graph_store_auth = _split_credentials(graph_store_url)
        self._query_url, self._query_auth = _split_credentials(query_url)
        self._update_url, self._update_auth = _split_credentials(
            update_url or default_update_url(query_url)
        )
        self._client = httpx.Client(
            headers={"User-Agent": f"histkg/{__version__}"}, follow_redirects=True
        )

    # ------------------------------------------------------------------ queries

    def run(self, job: QueryJob) -> QueryResult | SerializedResult:
        if not has_service(job.sparql):  # never evaluate a SERVICE here, not even on nothing
            check_syntax(job.sparql, job.base_iri)  # the embedded store's messages and positions
        started = time.monotonic()
        deadline = started + job.timeout
        sparql = job.sparql if job.base_iri is None else f"BASE <{job.base_iri}>\n{job.sparql}"
        form: dict[str, str | list[str]] = {"query": sparql}
        if job.dataset is not None:
            form["default-graph-uri"] = list(job.dataset.default_graphs)
            form["named-graph-uri"] = list(job.dataset.named_graphs)
        accept = _GRAPH_ACCEPT if job.kind == "graph" else _SELECT_ACCEPT
        request = self._client.build_request(
            "POST",
            self._query_url,
            data=form,
            headers={"Accept": accept},
            timeout=httpx.Timeout(job.timeout, connect=min(job.timeout, 10.0)),
        )
        try:
            response = self._client.send(request, auth=self._query_auth, stream=True)
        except httpx.TimeoutException:
            raise timeout_error(job.timeout) from None
        except httpx.HTTPError as error:
            raise self._unreachable(error) from None
        try:
            self._check(response, "query")
            opened = self._open(response, job, deadline)
            return consume(opened, job, started)
        except httpx.TimeoutException:
            raise timeout_error(job.timeout) from None
        except httpx.HTTPError as error:
            raise self._unreachable(error) from None
        except (SyntaxError, ValueError) as error:
            raise StoreError(
                f"The SPARQL server at {self.location} sent results that do not parse: {error}"
            ) from None
        finally:
            response.close()

    def _open(self, response: httpx.Response, job: QueryJob, deadline: float) -> Opened:
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        stream = io.BufferedReader(_Stream(response.iter_bytes(), deadline))
        if job.kind == "graph":
            rdf_format = RdfFormat.from_media_type(media_type) or RdfFormat.N_TRIPLES
            quads = parse(stream, format=rdf_format)
            return Opened("graph", triples=(quad.triple for quad in quads))
        results_format = QueryResultsFormat.from_media_type(media_type)
        if results_format is None:
            raise StoreError(f"The SPARQL server at {self.location} answered {media_type!r}.")
        results = parse_query_results(stream, format=results_format)
        if isinstance(results, QueryBoolean):
            return Opened("ask", boolean=bool(results))
        assert isinstance(results, QuerySolutions)  # noqa: S101 - parse_query_results' contract
        names = [variable.value for variable in results.variables]
        return Opened("select", variables=names, rows=((*row,) for row in results))

    def _check(self, response: httpx.Response, what: str) -> None:
        if response.status_code < 400:
            return
        response.read()
        text = response.text[:_ERROR_TEXT].strip()
        if response.status_code == 400:
            raise QueryError(f"The SPARQL server refused the {what}: {text}")
        raise StoreError(
            f"The SPARQL server at {self.location} answered {response.status_code} to a "
            f"{what}: {text}",
            hint="Check the server's log; for updates, check that this client may write.",
        )

    def _unreachable(self, error: httpx.HTTPError) -> StoreError:
        return StoreError(
            f"Cannot reach the SPARQL server at {self.location}: {error}",
            hint="Start the server, or check HISTKG_STORE.",
        )

    def _select(self, sparql: str, timeout: float = 60.0) -> Iterator[tuple[Term | None, ...]]:
        """Rows of an internal SELECT, without a row cap (for counts, graph lists, dumps)."""
        try:
            with self._client.stream(
                "POST",
                self._query_url,
                data={"query": sparql},
                headers={"Accept": "application/sparql-results+json"},
                auth=self._query_auth,
                timeout=timeout,
            ) as response:
                self._check(response, "query")
                stream = io.BufferedReader(_Stream(response.iter_bytes(), float("inf")))
                results = parse_query_results(stream, format=QueryResultsFormat.JSON)
                assert isinstance(results, QuerySolutions)  # noqa: S101
                for row in results:
                    yield (*row,)
        except httpx.HTTPError as error:
            raise self._unreachable(error) from None

    # ------------------------------------------------------------------ writes and facts

    def update(self, sparql_update: str) -> None:
        try:
            response = self._client.post(
                self._update_url,
                data={"update": sparql_update},
                auth=self._update_auth or httpx.USE_CLIENT_DEFAULT,
                timeout=httpx.Timeout(600.0, connect=10.0),
            )
        except httpx.HTTPError as error:
            raise self._unreachable(error) from None
        self._check(response, "update")

    def replace(self, drop: Sequence[str], triples: Mapping[str, Sequence[Triple]]) -> None:
        if self._graph_store_url is None:
            self.update(replacement_update(drop, triples))  # one request: all or nothing
            return
        # Graph Store Protocol: each PUT replaces one graph; graphs to drop get a DELETE.
        for graph in drop:
            if graph not in triples:
                self._graph_store("DELETE", graph, None)
        for graph, members in triples.items():
            self._graph_store("PUT", graph, ntriples(members).encode())

    def stage(
        self, sources: Sequence[Source], *, base_iri: str, progress: Progress | None = None
    ) -> None:
        """A remote store takes a load as one update (see ``replace``)."""
        return None

    def _graph_store(self, method: str, graph: str, body: bytes | None) -> None:
        assert self._graph_store_url is not None  # noqa: S101 - only called when configured
        try:
            response = self._client.request(
                method,
                self._graph_store_url,
                params={"graph": graph.strip("<>")},
                content=body,
                headers={"Content-Type": "application/n-triples"} if body is not None else {},
                auth=self._graph_store_auth,
                timeout=httpx.Timeout(600.0, connect=10.0),
            )
        except httpx.HTTPError as error:
            raise self._unreachable(error) from None
        if method == "DELETE" and response.status_code == 404:
            return  # nothing to drop
        self._check(response, "graph store request")

    def count(self) -> int:
        rows = list(self._select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"))
        value = rows[0][0] if rows else None
        return int(value.value) if value is not None and hasattr(value, "value") else 0

    def named_graphs(self) -> list[str]:
        rows = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(str(row[0].value) for row in rows if isinstance(row[0], NamedNode))

    def objects(self, subject: NamedNode, predicate: NamedNode, graph: NamedNode) -> list[Term]:
        query = f"SELECT ?o WHERE {{ GRAPH {graph} {{ {subject} {predicate} ?o }} }}"
        return [row[0] for row in self._select(query) if row[0] is not None]

    def match(
        self,
        subject: Term | None,
        predicate: NamedNode | None,
        object: Term | None,
        graph: NamedNode | None,
        limit: int | None,
    ) -> Iterator[Quad]:
        """One SELECT per pattern, the given terms bound by a ``VALUES`` block, streamed (a
        server's blank nodes cannot be named in a later request: a pattern naming one matches
        none)."""
        from pyoxigraph import Literal

        from app.sparql import with_bindings

        given = {"s": subject, "p": predicate, "o": object, "g": graph}
        bindings = {name: term for name, term in given.items() if term is not None}
        if not all(isinstance(term, NamedNode | Literal) for term in bindings.values()):
            return
        query = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        for s, p, o, g in self._select(with_bindings(query, bindings), timeout=600.0):  # type: ignore[arg-type]
            if s is not None and p is not None and o is not None and g is not None:
                yield Quad(s, p, o, g)  # type: ignore[arg-type]

    def select_live(
        self, sparql: str, *, timeout: float, max_rows: int
    ) -> list[tuple[Term | None, ...]] | None:
        del (
            sparql,
            timeout,
            max_rows,
        )  # a server's default graph is its own (the union, on some): not the store's
        return None

    def quads(self) -> Iterator[Quad]:
        for s, p, o, g in self._select(
            "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", timeout=600.0
        ):
            if s is not None and p is not None and o is not None and g is not None:
                yield Quad(s, p, o, g)  # type: ignore[arg-type]

    def wait(self, seconds: float) -> None:
        """Wait until the server answers a query, for up to ``seconds`` (at container start)."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                list(self._select("SELECT * WHERE {} LIMIT 1", timeout=5.0))
                return
            except StoreError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def worker_pids(self) -> list[int]:
        return []

    def close(self) -> None:
        self._client.close()
