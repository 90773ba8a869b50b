"""The rows of the page queries, found by walking the graph with direct index lookups.

Why: on an embedded store, ``app.read.queries`` grow slow with the store (figures in
``bench/results/design-measurements.md``), because Oxigraph does not carry the bound entity
into their big ``UNION`` s first and scans instead; and even a well-planned query pays for
parsing, planning and the trip to a query worker. A page only needs the entity's
neighbourhood, which a few dozen ``Store.match`` lookups (``quads_for_pattern`` in this
process, microseconds each) reach directly, so the cost follows the neighbourhood, never the
store. A remote store answers each lookup with a request, so there the queries stay
(``app.read.neighbourhood.fetch`` picks).

Each method here yields exactly the rows its query in ``app.read.queries`` answers (the same
``DISTINCT`` rows, the same tags in ``?kind``, unbound as None), so the assembly in
``app.read.neighbourhood`` does not know which ran; ``tests/test_pages_walk.py`` compares the
two for every entity of the seed graph. Keep the two in step: a change to a query is a change here.

Graphs: a pattern the query writes inside ``GRAPH`` matches named graphs only; the others see
the union default graph, that is every graph (the default graph too).

One difference, by design: for an entity linked from more than ``WINDOW_FROM`` resources (a
person in thousands of events), the walk reads a window of ``WINDOW_SIZE`` of them at a time
(:meth:`Walk.inbound`), so such a page costs the same whatever the entity's degree; the queries
(remote stores) still read everything. The seed graph has no such entity, so the comparison
holds there.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Triple

from app.errors import QueryTimeout
from app.sources import WIKIDATA_GRAPH
from app.store import Store
from app.vocab import BIBO, CITO, CRM, DCTERMS, HK, OA, PROV, RDF, RDFS

Resource = NamedNode | BlankNode
Term = NamedNode | BlankNode | Literal | Triple
Row = tuple[Term | None, ...]


TYPE = RDF.type
LABEL = RDFS.label
CLAIM = HK.Claim
HAS_TYPE = CRM.P2_has_type
DATE_PHRASE = HK.datePhrase
TIME_SPAN = CRM.P4_has_time_span
RELATIVE_TO = HK.relativeTo
HAS_SELECTOR = OA.hasSelector
HAS_SOURCE = OA.hasSource
EXACT = OA.exact
IDENTIFIER = DCTERMS.identifier
IS_PART_OF = DCTERMS.isPartOf
DERIVED_FROM = PROV.wasDerivedFrom
ATTRIBUTION = PROV.qualifiedAttribution
AGENT = PROV.agent
ROLE = PROV.hadRole
FOOTNOTE = HK.footnote
CITES = CITO.citesAsEvidence
SYMBOLIC_CONTENT = CRM.P190_has_symbolic_content
TEXT_ANCHOR = HK.textAnchor
WIKIDATA = WIKIDATA_GRAPH

# As in app.read.queries (_CLAIM_PROPERTIES and the lists after it).
CLAIM_PROPERTIES = frozenset(
    NamedNode(iri)
    for iri in (RDFS.label.value, HK.mode.value, HK.editorialNote.value, HK.footnote.value)
)
NOTE_PROPERTIES = (BIBO.number, BIBO.content)
PART_PROPERTIES = (LABEL, BIBO.pages, BIBO.pageStart, IS_PART_OF)
SELECTOR_PROPERTIES = (OA.start, OA.end, EXACT)


def _tag(name: str) -> Literal:
    return Literal(name)


K_LABEL, K_CLASS, K_TYPE, K_PHRASE = _tag("label"), _tag("class"), _tag("type"), _tag("phrase")
K_DATE, K_DATED_IN, K_ANCHOR = _tag("date"), _tag("dated-in"), _tag("anchor")
K_SELECTOR, K_TEXT, K_WIKIDATA = _tag("selector"), _tag("text"), _tag("wikidata")
K_CLAIM, K_ATTRIBUTION, K_AGENT, K_NOTE = (
    _tag("claim"),
    _tag("attribution"),
    _tag("agent"),
    _tag("note"),
)
K_PART, K_BOOK, K_SOURCE, K_QUOTATION = (
    _tag("part"),
    _tag("book"),
    _tag("source"),
    _tag("quotation"),
)


def _resource(term: object) -> bool:
    return isinstance(term, NamedNode | BlankNode)


def _named(quad: Quad) -> bool:
    """True when the quad is in a named graph (what ``GRAPH ?g`` matches)."""
    return isinstance(quad.graph_name, NamedNode | BlankNode)


WINDOW_FROM = 100
"""Links into an entity (quads) beyond which its page shows them a window at a time."""
WINDOW_SIZE = 25
"""Resources linking into such an entity that one page shows (see :meth:`Walk.inbound`)."""
_COUNT_LINKING = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?entity }"


@dataclass(frozen=True)
class Window:
    """Which of the resources linking into a much-linked entity a page shows, from 1."""

    page: int
    first: int
    last: int
    total: int
    more: bool


SHARED_NODES = 10_000
"""Most nodes whose triples are kept between walks (see :class:`SharedNodes`)."""
SHARED_MOST_QUADS = 16
"""Nodes with more triples than this are not kept (a hub's are read again when needed)."""


class SharedNodes:
    """The triples of the nodes many pages show (people, places, concepts, books, the
    historian), kept between walks of one store state, least recently used first out.

    Decoding a quad (a lookup of each term's string) is most of a walk's time, and an event
    page shares most of its nodes with other pages. Bounded: at most ``SHARED_NODES`` nodes of
    at most ``SHARED_MOST_QUADS`` triples (sizes in ``bench/results/design-measurements.md``);
    kept in the read model, so dropped whole when the store state changes (a write).
    """

    def __init__(self) -> None:
        self._nodes: OrderedDict[Resource, list[Quad]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, node: Resource) -> list[Quad] | None:
        with self._lock:
            found = self._nodes.get(node)
            if found is not None:
                self._nodes.move_to_end(node)
            return found

    def put(self, node: Resource, quads: list[Quad]) -> None:
        if len(quads) > SHARED_MOST_QUADS:
            return
        with self._lock:
            self._nodes[node] = quads
            while len(self._nodes) > SHARED_NODES:
                self._nodes.popitem(last=False)

    def __len__(self) -> int:
        return len(self._nodes)


class Walk:
    """The neighbourhood of one entity, read lookup by lookup and remembered for this walk.

    ``lookups`` counts the calls to ``Store.match``: it follows the size of the neighbourhood,
    not of the store (``tests/test_pages_walk.py`` checks that on a store 21 times bigger).
    A walk runs in the request's thread and cannot be killed like a query worker, so it stops
    itself at the store's ``query_timeout`` (``QueryTimeout``, as a page query would).
    With ``shared``, the triples of nodes come from (and go to) what other walks read.
    """

    def __init__(
        self, store: Store, iri: str, shared: SharedNodes | None = None, window: int = 1
    ) -> None:
        self.store = store
        self.entity = NamedNode(iri)
        self.lookups = 0
        self.window_page = max(window, 1)
        self.window: Window | None = None
        """Set when the entity has more than ``WINDOW_FROM`` links in: the page's share."""
        self._deadline = time.monotonic() + store.query_timeout
        self._shared = shared
        self._out: dict[Resource, list[Quad]] = {}
        self._graphs: dict[Resource, list[Quad]] = {}
        self._claims: dict[Resource, bool] = {}
        self._inbound: list[Quad] | None = None

    # ------------------------------------------------------------------ lookups

    def _match(
        self,
        subject: Resource | None = None,
        predicate: NamedNode | None = None,
        obj: NamedNode | BlankNode | Literal | None = None,
        graph: NamedNode | None = None,
        limit: int | None = None,
    ) -> list[Quad]:
        self._lookup()
        return list(self.store.match(subject, predicate, obj, graph, limit=limit))

    def _lookup(self) -> None:
        """Count a lookup, and stop the walk past the deadline."""
        self.lookups += 1
        if time.monotonic() > self._deadline:
            # As the page queries were: a hub's page that takes longer is refused, not built.
            raise QueryTimeout(
                f"The page's data could not be read within {self.store.query_timeout:g} seconds.",
                hint="The entity is linked to very many others; query it with SPARQL instead.",
            )

    def out(self, node: Resource) -> list[Quad]:
        """Every quad with ``node`` as subject, in any graph."""
        found = self._out.get(node)
        if found is None and self._shared is not None:
            found = self._shared.get(node)
        if found is None:
            found = self._match(node)
            if self._shared is not None:
                self._shared.put(node, found)
        self._out[node] = found
        return found

    def objects(self, node: object, predicate: NamedNode) -> list[Term]:
        """The distinct objects of ``node predicate ?o`` in any graph (none for a literal)."""
        if not isinstance(node, NamedNode | BlankNode):
            return []
        return list(dict.fromkeys(q.object for q in self.out(node) if q.predicate == predicate))

    def inbound(self) -> list[Quad]:
        """Every quad with the entity as object, in any graph; for an entity with more than
        ``WINDOW_FROM`` of them (a hub: a person in thousands of events, a place, a concept),
        only those of the ``WINDOW_SIZE`` linking resources of page ``window`` (``self.window``
        says which), so that the claim graphs, nodes and footnotes read after this follow the
        page, not the hub. Pages follow the store's index order (the cheap one: sorting
        thousands of events by date costs half a second at a million triples); a deep page
        reads the links before it, page 1 reads ``WINDOW_FROM`` of them.
        """
        if self._inbound is None:
            first = self._match(obj=self.entity, limit=WINDOW_FROM + 1)
            self._inbound = first if len(first) <= WINDOW_FROM else self._windowed()
        return self._inbound

    def _windowed(self) -> list[Quad]:
        start = (self.window_page - 1) * WINDOW_SIZE
        end = start + WINDOW_SIZE
        place: dict[Term, int] = {}
        kept: list[Quad] = []
        more = False
        self._lookup()
        for quad in self.store.match(None, None, self.entity):
            index = place.get(quad.subject)
            if index is None:
                if len(place) == end:
                    more = True
                    break
                index = place[quad.subject] = len(place)
            if index >= start:
                kept.append(quad)
        total = self._count_linking() if more or start else len(place)
        self.window = Window(self.window_page, start + 1, min(len(place), end), total, more)
        return kept

    def _count_linking(self) -> int:
        """How many resources link into the entity (a count the store makes without handing
        each to Python: a few milliseconds for 6,600 links)."""
        rows = self.store.query(_COUNT_LINKING, bindings={"entity": self.entity}).rows
        value = rows[0][0] if rows else None
        return int(value.value) if isinstance(value, Literal) else 0

    def graph(self, name: Resource) -> list[Quad]:
        """Every quad of the named graph ``name``."""
        found = self._graphs.get(name)
        if found is None:
            graph = name if isinstance(name, NamedNode) else None
            found = self._graphs[name] = self._match(graph=graph) if graph is not None else []
        return found

    def is_claim(self, node: object) -> bool:
        """``node a hk:Claim`` in any graph."""
        if not isinstance(node, NamedNode | BlankNode):
            return False
        known = self._claims.get(node)
        if known is None:
            if node in self._out:
                known = any(q.predicate == TYPE and q.object == CLAIM for q in self._out[node])
            else:
                known = bool(self._match(node, TYPE, CLAIM, limit=1))
            self._claims[node] = known
        return known

    def owners(self, claim: object) -> set[object]:
        """The graphs that say ``claim a hk:Claim``: the only ones its description is read
        from, so that another graph cannot give a curated claim another author or mode."""
        if not isinstance(claim, NamedNode | BlankNode):
            return set()
        return {
            q.graph_name
            for q in self.out(claim)
            if q.predicate == TYPE and q.object == CLAIM and _named(q)
        }

    def described(self, node: Resource) -> list[Quad]:
        """The quads about ``node``; for a claim, those of the graphs that own it only."""
        if not self.is_claim(node):
            return self.out(node)
        owners = self.owners(node)
        return [q for q in self.out(node) if q.graph_name in owners]

    def claim_graphs(self) -> list[Resource]:
        """The claim graphs that state something of the entity, and the entity if a claim."""
        graphs: dict[Resource, None] = {}
        for quad in (*self.out(self.entity), *self.inbound()):
            name = quad.graph_name
            if _named(quad) and self.is_claim(name):
                graphs[name] = None  # type: ignore[index]
        if self.is_claim(self.entity):
            graphs[self.entity] = None
        return list(graphs)

    # ------------------------------------------------------------------ the four queries

    def quads(self) -> set[Row]:
        """Rows of ``queries.QUADS``: ``(?g ?s ?p ?o)``."""
        rows: set[Row] = set()
        for q in self.described(self.entity):
            if _named(q):
                rows.add((q.graph_name, q.subject, q.predicate, q.object))  # type: ignore[arg-type]
        for name in self.claim_graphs():
            for q in self.graph(name):
                rows.add((name, q.subject, q.predicate, q.object))
        return rows

    def nodes(self) -> set[Row]:
        """Rows of ``queries.NODES``: ``(?n ?kind ?a ?b ?c)``."""
        found: dict[Term, None] = {}
        own = self.out(self.entity)
        if own:
            found[self.entity] = None
        found.update((q.object, None) for q in own)
        for name in self.claim_graphs():
            for q in self.graph(name):
                found[q.subject] = None
                found[q.object] = None
        rows: set[Row] = set()
        for node in found:
            if isinstance(node, NamedNode | BlankNode):
                rows.update(self._node_facts(node))
        return rows

    def _node_facts(self, n: Resource) -> Iterator[Row]:
        for q in self.out(n):
            p, o = q.predicate, q.object
            if p == LABEL:
                yield (n, K_LABEL, o, None, None)
            elif p == TYPE:
                yield (n, K_CLASS, o, None, None)
            elif p == HAS_TYPE:
                yield (n, K_TYPE, o, None, None)
            elif p == DATE_PHRASE:
                yield (n, K_PHRASE, o, None, None)
            elif p == TIME_SPAN:
                if _named(q):
                    yield (n, K_DATED_IN, o, None, q.graph_name)  # type: ignore[misc]
                yield from self._span_facts(n, o)
            elif p == HAS_SELECTOR and _resource(o):
                for sq in self.out(o):  # type: ignore[arg-type]
                    yield (n, K_SELECTOR, sq.predicate, sq.object, None)
            elif p == HAS_SOURCE:
                for identifier in self.objects(o, IDENTIFIER):
                    yield (n, K_TEXT, identifier, o, None)
            if q.graph_name == WIKIDATA:
                yield (n, K_WIKIDATA, p, o, None)

    def _span_facts(self, n: Resource, span: Term) -> Iterator[Row]:
        if not isinstance(span, NamedNode | BlankNode):
            return
        for sq in self.out(span):
            yield (n, K_DATE, sq.predicate, sq.object, span)
        for anchor_event in self.objects(span, RELATIVE_TO):
            for label in self.objects(anchor_event, LABEL):
                yield (n, K_ANCHOR, label, None, None)

    def relevant_claims(self) -> list[Resource]:
        """The claims about the entity, as ``queries._RELEVANT_CLAIMS`` finds them."""
        claims: dict[Resource, None] = {}
        for quad in (*self.out(self.entity), *self.inbound()):
            if _named(quad) and self.is_claim(quad.graph_name):
                claims[quad.graph_name] = None  # type: ignore[index]
        for quad in self.inbound():
            if self.is_claim(quad.subject) and quad.graph_name in self.owners(quad.subject):
                claims[quad.subject] = None  # type: ignore[index]
        for part in self._match(None, IS_PART_OF, self.entity):
            if not isinstance(part.subject, NamedNode | BlankNode):
                continue
            for derived in self._match(None, DERIVED_FROM, part.subject):
                claim = derived.subject
                if self.is_claim(claim) and derived.graph_name in self.owners(claim):
                    claims[claim] = None  # type: ignore[index]
        if self.is_claim(self.entity):
            claims[self.entity] = None
        return list(claims)

    def provenance(self) -> set[Row]:
        """Rows of ``queries.PROVENANCE``: ``(?claim ?kind ?a ?b ?c)``."""
        rows: set[Row] = set()
        for claim in self.relevant_claims():
            rows.update(self._claim_facts(claim))
        return rows

    def _claim_facts(self, c: Resource) -> Iterator[Row]:
        for q in self.described(c):
            p, o = q.predicate, q.object
            if p in CLAIM_PROPERTIES:
                yield (c, K_CLAIM, p, o, None)
            if p == ATTRIBUTION:
                agents = self._objects_in(o, AGENT, q.graph_name)
                for agent in agents:
                    for role in self._objects_in(o, ROLE, q.graph_name):
                        yield (c, K_ATTRIBUTION, agent, role, None)
                    for label in self.objects(agent, LABEL):
                        yield (c, K_AGENT, agent, label, None)
            elif p == FOOTNOTE:
                for prop in NOTE_PROPERTIES:
                    for value in self.objects(o, prop):
                        yield (c, K_NOTE, o, prop, value)
                for cited in self.objects(o, CITES):
                    yield from self._source_facts(c, K_PART, cited)
            elif p == DERIVED_FROM:
                yield from self._source_facts(c, K_SOURCE, o)
                for selector in self.objects(o, HAS_SELECTOR):
                    for prop in SELECTOR_PROPERTIES:
                        for value in self.objects(selector, prop):
                            yield (c, K_SELECTOR, o, prop, value)
                for text in self.objects(o, HAS_SOURCE):
                    for identifier in self.objects(text, IDENTIFIER):
                        yield (c, K_TEXT, o, identifier, text)
        yield from self._quotations(c)

    def _objects_in(self, node: Term, predicate: NamedNode, graph: object) -> list[Term]:
        """The distinct objects of ``GRAPH graph { node predicate ?o }``."""
        if not isinstance(node, NamedNode | BlankNode):
            return []
        return list(
            dict.fromkeys(
                q.object
                for q in self.out(node)
                if q.predicate == predicate and q.graph_name == graph
            )
        )

    def _source_facts(self, c: Resource, kind: Literal, source: Term) -> Iterator[Row]:
        for prop in PART_PROPERTIES:
            for value in self.objects(source, prop):
                yield (c, kind, source, prop, value)
        for book in self.objects(source, IS_PART_OF):
            for label in self.objects(book, LABEL):
                yield (c, K_BOOK, book, label, None)

    def _quotations(self, c: Resource) -> Iterator[Row]:
        """``GRAPH ?claim { ?a P190 ?b ; hk:textAnchor ?anchor }`` and the anchor's text."""
        inside = self.graph(c)
        for q in inside:
            if q.predicate != SYMBOLIC_CONTENT:
                continue
            anchors = dict.fromkeys(
                x.object for x in inside if x.subject == q.subject and x.predicate == TEXT_ANCHOR
            )
            for anchor in anchors:
                for selector in self.objects(anchor, HAS_SELECTOR):
                    for exact in self.objects(selector, EXACT):
                        yield (c, K_QUOTATION, q.subject, q.object, exact)

    def inbound_page(self, limit: int, offset: int) -> list[Row]:
        """Rows of ``queries.inbound_page(limit, offset)``: ``(?p ?s ?label)``, in its order
        (property, lower-cased label with the unlabelled first, subject)."""
        pairs = dict.fromkeys(
            (q.predicate, q.subject) for q in self.inbound() if isinstance(q.subject, NamedNode)
        )
        rows: list[tuple[tuple[str, tuple[int, str, str], str], Row]] = []
        for predicate, subject in pairs:
            labels = dict.fromkeys(
                q.object
                for q in self._match(subject, LABEL)
                if isinstance(q.object, Literal) and q.object.language in (None, "en")
            ) or dict.fromkeys(  # a passage: its words (as the query's COALESCE)
                words
                for selector in self.objects(subject, HAS_SELECTOR)
                for words in self.objects(selector, EXACT)
                if isinstance(words, Literal)
            )
            for label in labels or (None,):
                key = (0, "", "") if label is None else (1, label.value.lower(), str(label))
                rows.append(((predicate.value, key, subject.value), (predicate, subject, label)))
        rows.sort(key=lambda item: item[0])
        return [row for _, row in rows[offset : offset + limit]]


def rows_of(
    store: Store, iri: str, limit: int, offset: int, shared: SharedNodes | None, window: int = 1
) -> tuple[tuple[Iterable[Row], ...], Window | None]:
    """The rows of the four page queries for ``iri`` (quads, nodes, provenance, inbound),
    sharing node triples with other walks of the same store state (``shared``), and for a
    much-linked entity the window of page ``window`` its rows are limited to (then the inbound
    rows are the window's, all of them: ``limit`` and ``offset`` page the links of other
    entities)."""
    walk = Walk(store, iri, shared, window)
    rows = walk.quads(), walk.nodes(), walk.provenance()
    if walk.window is not None:
        return (*rows, walk.inbound_page(len(walk.inbound()) + 1, 0)), walk.window
    return (*rows, walk.inbound_page(limit, offset)), None
