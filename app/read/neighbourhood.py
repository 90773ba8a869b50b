"""What the store knows around one entity, fetched and assembled into values.

``fetch(store, iri)`` reads the rows of the queries of ``app.read.queries`` (on an embedded
store by walking the graph with direct lookups, ``app.read.walk``, which answers the same rows
in a few milliseconds whatever the store's size; on a remote store by running the queries) and
returns a :class:`Neighbourhood`: the entity's own triples and the claim graphs about it
(``quads``), what is known of every node a page may show (``nodes``: labels, classes, types,
dates, passages, and for a Wikidata item what the Wikidata facts graph says), how each claim is
sourced (``claims``) and one page of the links into the entity (``inbound``).
Labels of vocabulary terms come from :func:`vocabulary`, which the read model keeps
(``app.read.model``). Nothing here is about presentation; ``app.pages.entity`` turns a
neighbourhood into a page context.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from pyoxigraph import Literal, NamedNode

from app import history
from app.dates import DateFacts
from app.read import queries, walk
from app.store import Store
from app.vocab import BIBO, CRM, DCTERMS, HK, OA, PROV, RDF, RDFS

RDFS_LABEL = RDFS.label.value
RDF_TYPE = RDF.type.value
HK_CLAIM = HK.Claim.value

Term = NamedNode | Literal
Rows = Iterable[Sequence[object]]
"""Rows of a page query (``app.read.queries``) or of its walk (``app.read.walk``)."""


@dataclass(frozen=True)
class Fact:
    """One triple of the neighbourhood and the graph it is in."""

    graph: str
    subject: str
    predicate: str
    object: Term


@dataclass
class Anchor:
    """A passage of a stored text: offsets (code points) and the text's file."""

    iri: str
    start: int | None = None
    end: int | None = None
    exact: str = ""
    file: str = ""
    text_iri: str = ""


@dataclass
class Node:
    """What a page may show of one node."""

    iri: str
    labels: list[Literal] = field(default_factory=list)
    classes: set[str] = field(default_factory=set)
    types: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    date: DateFacts | None = None
    date_span: str = ""
    date_graphs: set[str] = field(default_factory=set)
    anchor: Anchor | None = None
    wikidata: dict[str, list[str]] = field(default_factory=dict)
    """For a Wikidata item: its values in the Wikidata facts graph, by predicate IRI."""
    wikidata_names: list[tuple[str, str, str]] = field(default_factory=list)
    """For a Wikidata item: its texts in other languages, as (predicate IRI, language, text)."""

    def label(self) -> str:
        """The preferred label: English, then untagged, then any."""
        return preferred(self.labels) or readable_iri(self.iri)


@dataclass
class Source:
    """A page, book part or other source a claim derives from or its footnote cites."""

    iri: str
    label: str = ""
    pages: str = ""
    page_start: int | None = None
    book: str = ""
    book_label: str = ""


@dataclass
class ClaimInfo:
    """How one claim is sourced."""

    iri: str
    label: str = ""
    mode: str = ""
    editorial: list[str] = field(default_factory=list)
    attributions: list[tuple[str, str]] = field(default_factory=list)
    agent_labels: dict[str, str] = field(default_factory=dict)
    footnote: str = ""
    footnote_number: int | None = None
    footnote_content: str = ""
    cited: dict[str, Source] = field(default_factory=dict)
    derived: dict[str, Source] = field(default_factory=dict)
    anchors: dict[str, Anchor] = field(default_factory=dict)
    quotations: list[tuple[str, str, str]] = field(default_factory=list)
    entered: Entered | None = None
    """Who entered the claim over HTTP (or in the workbench), and when; ``None`` for the
    curated data."""


@dataclass(frozen=True)
class Entered:
    """The revision that first wrote a claim: its number, agent and time."""

    revision: int
    iri: str
    agent: str
    time: datetime


@dataclass(frozen=True)
class InboundLink:
    """A link into the entity: ``subject property entity``."""

    predicate: str
    subject: str
    label: str


@dataclass
class Neighbourhood:
    """All a page needs to know around one entity."""

    iri: str
    facts: list[Fact]
    nodes: dict[str, Node]
    claims: dict[str, ClaimInfo]
    inbound: list[InboundLink]
    inbound_more: bool
    vocabulary: dict[str, str]
    window: walk.Window | None = None
    """For an entity linked from very many resources: the ones this neighbourhood holds."""
    _by_subject: dict[str, list[Fact]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def facts_of(self, subject: str) -> list[Fact]:
        """The facts with ``subject`` as subject, in the order of ``facts`` (indexed on first
        use: a hub's page asks this for each of thousands of nodes)."""
        if self._by_subject is None:
            index: dict[str, list[Fact]] = defaultdict(list)
            for fact in self.facts:
                index[fact.subject].append(fact)
            self._by_subject = dict(index)
        return self._by_subject.get(subject, [])

    @property
    def exists(self) -> bool:
        """True when the store has anything about the entity."""
        return bool(self.facts or self.inbound)

    def label(self, iri: str) -> str:
        """Label of any IRI the neighbourhood knows, else a readable form of the IRI."""
        node = self.nodes.get(iri)
        if node is not None and node.labels:
            return node.label()
        for claim in (self.claims.get(iri),):
            if claim is not None and claim.label:
                return claim.label
        return self.vocabulary.get(iri) or self.described(iri) or readable_iri(iri)

    def described(self, iri: str) -> str:
        """A label in words for a node the data gives none: a passage by its first words, a
        selector by what it selects, an attribution by its agent and role; empty otherwise.

        Such nodes are plumbing of the provenance model; a page that shows one must not show
        its IRI's slug ("radek informant", "fn2 marker") as if it were a name.
        """
        node = self.nodes.get(iri)
        classes = node.classes if node is not None else set()
        own = {f.predicate: f.object for f in self.facts_of(iri)}
        if node is not None and node.anchor is not None and node.anchor.exact:
            return "passage: " + first_words(node.anchor.exact)
        parent = self._anchor_selecting(iri)
        if OA.TextQuoteSelector.value in classes or OA.exact.value in own:
            words = _text(own.get(OA.exact.value)) or (parent.exact if parent else "")
            return "the words " + first_words(words) if words else "the words of a passage"
        if OA.TextPositionSelector.value in classes or OA.start.value in own:
            start = _int(own.get(OA.start.value)) or (parent.start if parent else None)
            end = _int(own.get(OA.end.value)) or (parent.end if parent else None)
            if start is not None and end is not None:
                return f"characters {start}\u2013{end} of the stored text"
            return "the place of a passage in its stored text"
        if PROV.Attribution.value in classes:
            agent, role = _text(own.get(PROV.agent.value)), _text(own.get(PROV.hadRole.value))
            if agent and role:
                return f"{self.label(agent)} as {self.label(role)}"
            return "how a claim is attributed"
        return ""

    def _anchor_selecting(self, selector: str) -> Anchor | None:
        """The passage whose selector ``selector`` is, when the neighbourhood holds it."""
        target = NamedNode(selector)
        for fact in self.facts:
            if fact.object == target and fact.predicate == OA.hasSelector.value:
                node = self.nodes.get(fact.subject)
                if node is not None and node.anchor is not None:
                    return node.anchor
        return None

    def is_claim(self, graph: str) -> bool:
        """True when ``graph`` names a claim."""
        return graph in self.claims


def preferred(labels: list[Literal]) -> str:
    """The label to show: English first, then untagged, then the first in a stable order."""
    if not labels:
        return ""
    ranked = sorted(labels, key=lambda lit: (lang_rank(lit.language), lit.value))
    return ranked[0].value


def lang_rank(language: str | None) -> int:
    """How ``preferred`` orders a label's language: English, none, then any other."""
    if language in ("en", "en-GB", "en-US"):
        return 0
    return 1 if not language else 2


def first_words(text: str, count: int = 8) -> str:
    """The first ``count`` words of ``text`` on one line, with an ellipsis when cut."""
    words = text.replace("-\n", "").split()
    return " ".join(words[:count]) + (" \u2026" if len(words) > count else "")


def readable_iri(iri: str) -> str:
    """A readable stand-in for an IRI without a label: its last segment, de-hyphenated."""
    tail = iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return tail.replace("-", " ").replace("_", " ") or iri


def _text(term: object) -> str:
    return term.value if isinstance(term, Literal | NamedNode) else ""


def _int(term: object) -> int | None:
    try:
        return int(term.value) if isinstance(term, Literal) else None
    except ValueError:
        return None


def _day(term: object) -> date | None:
    if not isinstance(term, Literal):
        return None
    try:
        return datetime.fromisoformat(term.value).date()
    except ValueError:
        return None


def fetch(
    store: Store,
    iri: str,
    *,
    vocabulary: dict[str, str],
    shared: walk.SharedNodes | None = None,
    inbound_limit: int = 50,
    inbound_offset: int = 0,
    window: int = 1,
) -> Neighbourhood:
    """Everything a page shows about ``iri``, with ``vocabulary`` for the labels of terms and
    node triples shared with other walks (``shared``) of the same store state.

    On an embedded store, by walking the graph with direct lookups (``app.read.walk``: cost
    follows the neighbourhood, a few milliseconds); on a remote store, in the four queries of
    ``app.read.queries`` (one request each rather than one per lookup). Both give the same
    rows. (Running the queries side by side in threads was measured and gains nothing:
    converting the rows to Python objects holds the GIL for most of a query's time.)

    The walk reads an entity linked from very many resources a window at a time (page
    ``window`` of them, see ``walk.Walk.inbound``); then ``Neighbourhood.window`` says which,
    and the inbound links are the window's. The queries read the whole neighbourhood.
    """
    found: walk.Window | None = None
    if store.backend == "remote":
        quads, nodes, provenance, inbound = _query_rows(store, iri, inbound_limit, inbound_offset)
    else:
        (quads, nodes, provenance, inbound), found = walk.rows_of(
            store, iri, inbound_limit + 1, inbound_offset, shared, window
        )
    links = [
        InboundLink(_text(p), _text(s), _text(label))
        for p, s, label in inbound
        if isinstance(s, NamedNode) and isinstance(p, NamedNode)
    ]
    if found is not None:
        inbound_limit = len(links)  # the window's links, all on the page
    claims = _claims(provenance)
    for claim in claims.values():
        claim.entered = _entered(store, claim.iri)
    return Neighbourhood(
        iri=iri,
        facts=_facts(quads),
        nodes=_nodes(nodes),
        claims=claims,
        inbound=links[:inbound_limit],
        inbound_more=found.more if found is not None else len(links) > inbound_limit,
        vocabulary=vocabulary,
        window=found,
    )


def _entered(store: Store, iri: str) -> Entered | None:
    """From the revision history: the revision that first wrote the claim ``iri``, if any."""
    first = history.entered(store.match, NamedNode(iri))
    if first is None:
        return None
    return Entered(first.number, history.revision_node(first.number).value, first.agent, first.time)


def _query_rows(store: Store, iri: str, limit: int, offset: int) -> tuple[Rows, ...]:
    """The rows of the four page queries, asked of the store."""
    bindings = {"entity": NamedNode(iri)}
    return (
        store.query(queries.QUADS, bindings=bindings).rows,
        store.query(queries.NODES, bindings=bindings).rows,
        store.query(queries.PROVENANCE, bindings=bindings).rows,
        store.query(queries.inbound_page(limit + 1, offset), bindings=bindings).rows,
    )


def _facts(rows: Rows) -> list[Fact]:
    """The rows as facts, in a fixed order (so footnotes are numbered the same every time)."""
    facts = []
    for graph, subject, predicate, obj in rows:
        if (
            isinstance(subject, NamedNode)
            and isinstance(predicate, NamedNode)
            and isinstance(obj, NamedNode | Literal)
        ):
            facts.append(Fact(_text(graph), subject.value, predicate.value, obj))
    facts.sort(key=lambda f: (f.subject, f.predicate, str(f.object), f.graph))
    return facts


_SELECTOR_FIELDS = {OA.start.value: "start", OA.end.value: "end", OA.exact.value: "exact"}


def _set_selector(anchor: Anchor, prop: str, value: object) -> None:
    name = _SELECTOR_FIELDS.get(prop)
    if name == "exact":
        anchor.exact = _text(value)
    elif name in ("start", "end"):
        setattr(anchor, name, _int(value))


def _nodes(rows: Rows) -> dict[str, Node]:
    nodes: dict[str, Node] = {}
    spans: dict[str, dict[str, list[object]]] = defaultdict(lambda: defaultdict(list))
    anchors: dict[str, str] = {}
    for n, kind, a, b, c in sorted(rows, key=lambda row: tuple(map(str, row))):
        if not isinstance(n, NamedNode):
            continue
        node = nodes.setdefault(n.value, Node(n.value))
        tag = _text(kind)
        if tag == "label" and isinstance(a, Literal):
            node.labels.append(a)
        elif tag == "class" and isinstance(a, NamedNode):
            node.classes.add(a.value)
        elif tag == "type" and isinstance(a, NamedNode) and a.value not in node.types:
            node.types.append(a.value)
        elif tag == "phrase" and isinstance(a, Literal):
            node.phrases.append(a.value)
        elif tag == "date" and isinstance(a, NamedNode):
            spans[n.value][a.value].append(b)
            node.date_span = node.date_span or _text(c)
        elif tag == "dated-in":
            node.date_graphs.add(_text(c))
        elif tag == "anchor":
            anchors[n.value] = _text(a)
        elif tag == "selector":
            node.anchor = node.anchor or Anchor(n.value)
            _set_selector(node.anchor, _text(a), b)
        elif tag == "text":
            node.anchor = node.anchor or Anchor(n.value)
            node.anchor.file, node.anchor.text_iri = _text(a), _text(b)
        elif tag == "wikidata" and isinstance(a, NamedNode) and isinstance(b, Literal | NamedNode):
            language = b.language or "" if isinstance(b, Literal) else ""
            if language and language != "en" and not language.startswith("en-"):
                node.wikidata_names.append((a.value, language, b.value))
            else:
                node.wikidata.setdefault(a.value, []).append(b.value)
    for iri, values in spans.items():
        nodes[iri].date = date_facts(values, anchors.get(iri, ""))
    return nodes


def _first(values: Mapping[str, Sequence[object]], prop: str) -> object:
    found = values.get(prop)
    return found[0] if found else None


def date_facts(values: Mapping[str, Sequence[object]], anchor_label: str) -> DateFacts:
    """The date a time-span's property values state (property IRI -> values)."""
    return DateFacts(
        edtf=_text(_first(values, HK.edtf.value)) or None,
        phrase=_text(_first(values, RDFS_LABEL)) or None,
        relative_to=anchor_label or None,
        offset_min=_text(_first(values, HK.offsetMin.value)) or None,
        offset_max=_text(_first(values, HK.offsetMax.value)) or None,
        derivation=_text(_first(values, HK.derivation.value)) or None,
        begin=_day(_first(values, CRM.P82a_begin_of_the_begin.value)),
        end=_day(_first(values, CRM.P82b_end_of_the_end.value)),
    )


def _source(sources: dict[str, Source], iri: str) -> Source:
    return sources.setdefault(iri, Source(iri))


def _apply_source_property(source: Source, prop: str, value: object) -> None:
    if prop == RDFS_LABEL:
        source.label = source.label or _text(value)
    elif prop == BIBO.pages.value:
        source.pages = _text(value)
    elif prop == BIBO.pageStart.value:
        source.page_start = _int(value)
    elif prop == DCTERMS.isPartOf.value:
        source.book = _text(value)


def _claims(rows: Rows) -> dict[str, ClaimInfo]:
    claims: dict[str, ClaimInfo] = {}
    books: dict[str, str] = {}
    for claim_term, kind, a, b, c in sorted(rows, key=lambda row: tuple(map(str, row))):
        if not isinstance(claim_term, NamedNode):
            continue
        claim = claims.setdefault(claim_term.value, ClaimInfo(claim_term.value))
        tag, first, second = _text(kind), _text(a), _text(b)
        if tag == "claim":
            _apply_claim_property(claim, first, b)
        elif tag == "attribution" and (first, second) not in claim.attributions:
            claim.attributions.append((first, second))
        elif tag == "agent":
            claim.agent_labels[first] = second
        elif tag == "note":
            if second == BIBO.number.value:
                claim.footnote_number = _int(c)
            elif second == BIBO.content.value:
                claim.footnote_content = _text(c)
        elif tag == "part":
            _apply_source_property(_source(claim.cited, first), second, c)
        elif tag == "source":
            _apply_source_property(_source(claim.derived, first), second, c)
        elif tag == "book":
            books[first] = second
        elif tag == "selector":
            anchor = claim.anchors.setdefault(first, Anchor(first))
            _set_selector(anchor, second, c)
        elif tag == "text":
            anchor = claim.anchors.setdefault(first, Anchor(first))
            anchor.file, anchor.text_iri = second, _text(c)
        elif tag == "quotation" and (first, second, _text(c)) not in claim.quotations:
            claim.quotations.append((first, second, _text(c)))
    for claim in claims.values():
        for anchor_iri in claim.anchors:
            claim.derived.pop(anchor_iri, None)
        for source in (*claim.cited.values(), *claim.derived.values()):
            source.book_label = books.get(source.book, "")
    return claims


def _apply_claim_property(claim: ClaimInfo, prop: str, value: object) -> None:
    if prop == RDFS_LABEL:
        claim.label = _text(value)
    elif prop == HK.mode.value:
        claim.mode = _text(value)
    elif prop == HK.editorialNote.value:
        text = _text(value)
        if text not in claim.editorial:
            claim.editorial.append(text)
    elif prop == HK.footnote.value:
        claim.footnote = _text(value)


def vocabulary(store: Store) -> dict[str, str]:
    """Labels of classes, properties and concepts (English preferred)."""
    labels: dict[str, list[Literal]] = defaultdict(list)
    for term, label in store.query(queries.VOCABULARY).rows:
        if isinstance(term, NamedNode) and isinstance(label, Literal):
            labels[term.value].append(label)
    return {iri: preferred(values) for iri, values in labels.items()}
