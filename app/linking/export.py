"""Cited claims back to Wikidata: statements with their references, for QuickStatements.

What is exported, and why so:

* Only claims the historian **asserts** (``hk:mode hkc:asserted``); **reported** claims only
  when asked (``reported=True``); never claims the editors supplied from Wikidata itself
  (``hkc:supplied``), which would send Wikidata its own data back.
* Only statements whose subject, and whose object when it is an entity, are linked to
  Wikidata (``owl:sameAs wd:Q…``). The mapping (``PROPERTIES``) follows
  ``ontology/alignments.ttl``: ``crm:P11_had_participant`` and ``crm:P14_carried_out_by`` (a
  sub-property of P11 in CIDOC CRM) to participant P710, ``crm:P7_took_place_at`` to location
  P276, an event's time-span to point in time P585 or start/end P580/P582; for a document an
  event created (``crm:P94_has_created``) or published (``hk:published``): its author P50, its
  addressee P1817, its inception P571 or publication date P577, and where it was published
  P1433.
* Every statement carries a reference per cited book, as Wikidata's ``Help:Sources``
  (https://www.wikidata.org/wiki/Help:Sources) prescribes for books: stated in (S248, the
  book's item), page(s) (S304), quotation (S1683, when the claim rests on a quotation, with its
  language) and retrieved (S813). A book is cited when the claim is derived from one of its
  pages (``prov:wasDerivedFrom`` a ``bibo:DocumentPart``). **Nothing goes out without S248**:
  a statement whose books are all unlinked waits (the book can be proposed as a new item) or
  is refused (the book is unidentified, like the seed page's own book).
* A book not linked but identified (it has a ``dcterms:title``) is proposed as a new item, as
  ``Help:Sources`` asks ("create an item for any source that is not a webpage"): a ``CREATE``
  block with label, instance of book (Q571), title (P1476), author (P50, or P2093 author name
  string), publisher (P123), place of publication (P291) and publication date (P577). Those
  lines need no reference: the item is itself the source of its bibliographic description
  (``Help:Sources``, "when the item itself is a source for a statement"). Its statements wait
  until a curator links the new item (``owl:sameAs``) and exports again.
* A reported claim is exported with the qualifiers that ``Property:P1480`` and
  ``Property:P3680`` describe: sourcing circumstances (P1480) "allegedly" (Q32188232), since
  the historian does not vouch for it, and statement supported by (P3680) its informant; its
  reporter is the author of the cited work (the reference's S248, whose item carries the
  author, as ``Help:Sources`` keeps a source's metadata on the source's item, not in each
  reference). An informant not linked to Wikidata, or a reporter whose work is not cited,
  refuses the statement.
* Dates go out at the precision the source supports (``time_values``): a day, a month or a
  year; a season or a "one of" set as the smallest of those that holds all of it; an
  approximate EDTF date (``~``, ``%``) with P1480 circa (Q5727902), an uncertain one (``?``)
  with P1480 presumably (Q18122778). A relative date ("five days after ...") goes out as its
  resolved value only, with a note in the review file.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Final

from pyoxigraph import Literal, NamedNode

from app.linking import quickstatements as qs
from app.linking.quickstatements import Snak
from app.linking.wikidata import ENTITY_BASE, is_qid
from app.store import Store
from app.vocab import BIBO, CRM, DCTERMS, HK, HKC, OA, OWL, PROV, RDF, RDFS

__all__ = [
    "PROPERTIES",
    "BookProposal",
    "Export",
    "Reference",
    "Statement",
    "collect",
    "time_values",
]

#: Wikidata properties by ID, with the label the review file shows.
PROPERTIES: Final = {
    "P50": "author",
    "P276": "location",
    "P571": "inception",
    "P577": "publication date",
    "P580": "start time",
    "P582": "end time",
    "P585": "point in time",
    "P710": "participant",
    "P1433": "published in",
    "P1817": "addressee",
}
#: Our properties on an event, and the Wikidata property of the statement about the event.
EVENT_PROPERTIES: Final = {
    CRM.P11_had_participant: "P710",
    CRM.P14_carried_out_by: "P710",
    CRM.P7_took_place_at: "P276",
}
#: Our properties on an event that made a document, and the statement about the document.
DOCUMENT_PROPERTIES: Final = {
    CRM.P14_carried_out_by: "P50",
    HK.addressee: "P1817",
    HK.publishedIn: "P1433",
}
BOOK: Final = "Q571"
ALLEGEDLY: Final = "Q32188232"
CIRCA: Final = "Q5727902"
PRESUMABLY: Final = "Q18122778"
_EDTF_DATE: Final = re.compile(r"^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_SEASON: Final = re.compile(r"^(-?\d{4})-(2[1-9]|3\d|4[01])$")
_DATETIME: Final = re.compile(r"^(-?\d{4})-(\d{2})-(\d{2})T")


@dataclass(frozen=True)
class Reference:
    """One cited book of a statement: its item (or why there is none) and the pages."""

    book: str  #: our book's IRI
    label: str
    qid: str = ""  #: its Wikidata item, when linked
    pages: tuple[str, ...] = ()
    proposable: bool = False  #: identified but unlinked: a CREATE block is proposed
    quotations: tuple[tuple[str, str], ...] = ()  #: (text, language)

    def snaks(self, retrieved: str) -> list[Snak]:
        """S248, S304, S1683..., S813: one reference (only for a linked book)."""
        found = [Snak("S248", qs.item(self.qid))]
        if self.pages:
            found.append(Snak("S304", qs.string(", ".join(self.pages))))
        found += [Snak("S1683", qs.monolingual(text, lang)) for text, lang in self.quotations]
        found.append(Snak("S813", retrieved))
        return found

    def describe(self) -> str:
        pages = f", p. {', '.join(self.pages)}" if self.pages else ""
        item = self.qid or ("not linked: proposed as a new item" if self.proposable else "")
        item = item or "unidentified: no item possible"
        return f"{self.label}{pages} ({item})"


@dataclass(frozen=True)
class Statement:
    """One Wikidata statement read from one claim, with its references and its fate."""

    claim: str
    subject: str  #: QID
    prop: str  #: the Wikidata property (P710)
    value: str  #: the QuickStatements value
    what: str  #: the statement in words, for the review file
    qualifiers: tuple[Snak, ...] = ()
    references: tuple[Reference, ...] = ()
    passage: str = ""
    footnote: str = ""
    notes: tuple[str, ...] = ()
    refusal: str = ""  #: why it can never go out as is (empty when it can)

    @property
    def id(self) -> str:
        """Stable while the statement is the same: the review file's key."""
        key = "\t".join(
            [self.claim, self.subject, self.prop, self.value]
            + [f"{q.property}={q.value}" for q in self.qualifiers]
        )
        return "s-" + hashlib.sha256(key.encode()).hexdigest()[:10]

    @property
    def status(self) -> str:
        """``ready`` (a linked book cites it), ``waiting`` (for a proposed book) or
        ``refused``."""
        if self.refusal:
            return "refused"
        if any(ref.qid for ref in self.references):
            return "ready"
        if any(ref.proposable for ref in self.references):
            return "waiting"
        return "refused"

    @property
    def reason(self) -> str:
        if self.refusal:
            return self.refusal
        if self.status == "waiting":
            return "waits until the proposed book item is created and linked (owl:sameAs)"
        if self.status == "refused":
            return "no cited book is linked or identifiable, and nothing goes out without S248"
        return ""

    def lines(self, retrieved: str) -> list[str]:
        """One QuickStatements line per linked book; none unless ``ready``."""
        if self.status != "ready":
            return []
        return [
            qs.line(self.subject, self.prop, self.value, self.qualifiers, ref.snaks(retrieved))
            for ref in self.references
            if ref.qid
        ]


@dataclass(frozen=True)
class BookProposal:
    """A cited book Wikidata lacks, as the CREATE block that would make its item."""

    book: str
    label: str
    commands: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return "book-" + hashlib.sha256(self.book.encode()).hexdigest()[:10]


@dataclass
class Export:
    """What one export found: statements by claim, books to create, and what was left out."""

    statements: list[Statement] = field(default_factory=list)
    books: list[BookProposal] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  #: reason: how many claims
    retrieved: str = ""  #: S813's value: the day of the export


# ------------------------------------------------------------------------ reading the graph


class _Graph:
    """Direct lookups on the store (values, never query text)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def objects(
        self, subject: NamedNode, predicate: NamedNode, graph: NamedNode | None = None
    ) -> list[NamedNode | Literal]:
        found = [
            q.object
            for q in self.store.match(subject, predicate, None, graph)
            if isinstance(q.object, NamedNode | Literal)
        ]
        return sorted(found, key=str)

    def nodes(
        self, subject: NamedNode, predicate: NamedNode, graph: NamedNode | None = None
    ) -> list[NamedNode]:
        return [o for o in self.objects(subject, predicate, graph) if isinstance(o, NamedNode)]

    def text(self, subject: NamedNode, predicate: NamedNode) -> str:
        literals = [o for o in self.objects(subject, predicate) if isinstance(o, Literal)]
        english = [o for o in literals if (o.language or "").startswith("en")]
        return (english or literals)[0].value if literals else ""

    def label(self, node: NamedNode) -> str:
        return self.text(node, RDFS.label) or node.value.rsplit("/", 1)[-1]

    def qid(self, node: NamedNode) -> str:
        for same in self.nodes(node, OWL.sameAs):
            if same.value.startswith(ENTITY_BASE) and is_qid(same.value[len(ENTITY_BASE) :]):
                return same.value[len(ENTITY_BASE) :]
        return ""

    def named(self, node: NamedNode) -> str:
        qid = self.qid(node)
        return f"{self.label(node)} ({qid})" if qid else self.label(node)


def _today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def _date_parts(text: str) -> tuple[int, int, int] | None:
    match = _DATETIME.match(text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def _simple_date(text: str) -> str | None:
    """``1931``, ``1931-09`` or ``1931-09-18`` as a time value at its own precision."""
    match = _EDTF_DATE.match(text)
    if not match or (match[2] and int(match[2]) > 12):
        return None
    year, month, day = int(match[1]), int(match[2] or 0), int(match[3] or 0)
    precision = 11 if day else 10 if month else 9
    return qs.time(year, month, day, precision=precision)


def _bounded(begin: str, end: str) -> str | None:
    """The smallest day, month, year or decade that holds the whole span, as a time value."""
    first, last = _date_parts(begin), _date_parts(end)
    if first is None or last is None:
        return None
    if first == last:
        return qs.time(*first, precision=11)
    if first[:2] == last[:2]:
        return qs.time(first[0], first[1], precision=10)
    if first[0] == last[0]:
        return qs.time(first[0], precision=9)
    if first[0] // 10 == last[0] // 10:
        return qs.time(first[0] // 10 * 10, precision=8)
    return None


def time_values(
    edtf: str, begin: str = "", end: str = ""
) -> tuple[list[tuple[str, str]], list[Snak], list[str]]:
    """A time-span as ``([(role, value)], qualifiers, notes)``: role ``point``, or ``start`` and
    ``end`` for an interval; no value when the EDTF cannot be exported.

    >>> time_values("1931-09-18")[0]
    [('point', '+1931-09-18T00:00:00Z/11')]
    >>> time_values("1904/1905")[0]
    [('start', '+1904-00-00T00:00:00Z/9'), ('end', '+1905-00-00T00:00:00Z/9')]
    >>> values, qualifiers, notes = time_values(
    ...     "1932-22", "1932-06-01T00:00:00", "1932-08-31T23:59:59")
    >>> values, notes
    ([('point', '+1932-00-00T00:00:00Z/9')], ['season 1932-22 exported as its year'])
    >>> time_values("1931~")[1]
    [Snak(property='P1480', value='Q5727902')]
    """
    text, qualifiers, notes = edtf.strip(), list[Snak](), list[str]()
    if text.endswith(("~", "%", "?")):
        qualifiers.append(Snak("P1480", PRESUMABLY if text.endswith("?") else CIRCA))
        text = text.rstrip("~%?")
    if "/" in text:
        start, _, stop = text.partition("/")
        begin_value, end_value = _simple_date(start), _simple_date(stop)
        if begin_value and end_value:
            return [("start", begin_value), ("end", end_value)], qualifiers, notes
        return [], qualifiers, [f"the interval {edtf} is not exported"]
    simple = _simple_date(text)
    if simple:
        return [("point", simple)], qualifiers, notes
    season = _SEASON.match(text)
    if season:  # a season as its year; circa when it runs into the next (a winter)
        first, last = _date_parts(begin), _date_parts(end)
        if first and last and first[0] != last[0]:
            qualifiers.append(Snak("P1480", CIRCA))
        value = qs.time(int(season[1]), precision=9)
        return [("point", value)], qualifiers, [f"season {edtf} exported as its year"]
    bounded = _bounded(begin, end)
    if bounded is None:
        return [], qualifiers, [f"the date {edtf} is not exported"]
    precision = {"8": "decade", "9": "year", "10": "month", "11": "day"}[bounded.rsplit("/")[1]]
    return [("point", bounded)], qualifiers, [f"date {edtf} exported as its {precision}"]


# ---------------------------------------------------------------------------- the claims


def _claims(graph: _Graph) -> list[NamedNode]:
    found = {q.subject for q in graph.store.match(None, RDF.type, HK.Claim)}
    return sorted((c for c in found if isinstance(c, NamedNode)), key=str)


def _passage(graph: _Graph, claim: NamedNode) -> str:
    for source in graph.nodes(claim, PROV.wasDerivedFrom):
        for selector in graph.nodes(source, OA.hasSelector):
            exact = graph.text(selector, OA.exact)
            if exact:
                return " ".join(exact.split())
    return ""


def _footnote(graph: _Graph, claim: NamedNode) -> str:
    notes = [graph.text(note, BIBO.content) for note in graph.nodes(claim, HK.footnote)]
    return " | ".join(" ".join(n.split()) for n in notes if n)


def _references(graph: _Graph, claim: NamedNode) -> list[Reference]:
    pages: dict[NamedNode, list[str]] = defaultdict(list)
    for part in graph.nodes(claim, PROV.wasDerivedFrom):
        for book in graph.nodes(part, DCTERMS.isPartOf):
            if BIBO.Book in graph.nodes(book, RDF.type):
                pages[book] += [o.value for o in graph.objects(part, BIBO.pages)]
    return [
        Reference(
            book=book.value,
            label=graph.label(book),
            qid=graph.qid(book),
            pages=tuple(pages[book]),
            proposable=bool(graph.text(book, DCTERMS.title)),
        )
        for book in sorted(pages, key=str)
    ]


def _quotations(graph: _Graph, claim: NamedNode) -> tuple[tuple[str, str], ...]:
    found = []
    for quad in graph.store.match(None, CRM.P190_has_symbolic_content, None, claim):
        if isinstance(quad.object, Literal):
            found.append((quad.object.value, (quad.object.language or "und").split("-")[0]))
    return tuple(sorted(found))


def _roles(graph: _Graph, claim: NamedNode) -> dict[NamedNode, list[NamedNode]]:
    roles: dict[NamedNode, list[NamedNode]] = defaultdict(list)
    for attribution in graph.nodes(claim, PROV.qualifiedAttribution):
        for role in graph.nodes(attribution, PROV.hadRole):
            roles[role] += graph.nodes(attribution, PROV.agent)
    return roles


@dataclass(frozen=True)
class _Context:
    claim: NamedNode
    references: tuple[Reference, ...]
    qualifiers: tuple[Snak, ...]
    passage: str
    footnote: str
    refusal: str


def _statements_of(graph: _Graph, ctx: _Context) -> Iterator[Statement]:
    """The statements of one claim's graph whose subject (and object) are linked."""
    g = ctx.claim
    subjects = {q.subject for q in graph.store.match(None, None, None, g)}
    for subject in sorted((s for s in subjects if isinstance(s, NamedNode)), key=str):
        made = [(d, "P571") for d in graph.nodes(subject, CRM.P94_has_created, g)]
        made += [(d, "P577") for d in graph.nodes(subject, HK.published, g)]
        targets = made or [(subject, "")]
        for target, date_property in targets:
            qid = graph.qid(target)
            if not qid:
                continue
            mapping = DOCUMENT_PROPERTIES if date_property else EVENT_PROPERTIES
            for ours, prop in mapping.items():
                for obj in graph.nodes(subject, ours, g):
                    value = graph.qid(obj)
                    if value:
                        what = f"{graph.named(target)} · {PROPERTIES[prop]} · {graph.named(obj)}"
                        yield _statement(ctx, qid, prop, qs.item(value), what)
            for span in graph.nodes(subject, CRM.P4_has_time_span, g):
                yield from _dates(graph, ctx, target, qid, span, date_property)


def _dates(
    graph: _Graph, ctx: _Context, target: NamedNode, qid: str, span: NamedNode, date_prop: str
) -> Iterator[Statement]:
    edtf = graph.text(span, HK.edtf)
    begin = graph.text(span, CRM.P82a_begin_of_the_begin)
    end = graph.text(span, CRM.P82b_end_of_the_end)
    values, qualifiers, notes = time_values(edtf, begin, end)
    phrase = graph.text(span, RDFS.label)
    relative = graph.nodes(span, HK.relativeTo)
    if relative:
        notes.append(
            f"“{phrase}” is relative to {graph.label(relative[0])}: only its resolved value "
            "is exported"
        )
    if graph.nodes(span, HK.dateSource):
        notes.append("part of this date comes from the checked Wikidata table, not the page")
    for role, value in values:
        prop = date_prop or {"point": "P585", "start": "P580", "end": "P582"}[role]
        what = f"{graph.named(target)} · {PROPERTIES[prop]} · {value} (“{phrase}”)"
        statement = _statement(ctx, qid, prop, value, what, tuple(qualifiers))
        yield replace(statement, notes=tuple(notes))


def _statement(
    ctx: _Context, subject: str, prop: str, value: str, what: str, extra: tuple[Snak, ...] = ()
) -> Statement:
    return Statement(
        claim=ctx.claim.value,
        subject=subject,
        prop=prop,
        value=value,
        what=what,
        qualifiers=extra + ctx.qualifiers,
        references=ctx.references,
        passage=ctx.passage,
        footnote=ctx.footnote,
        refusal=ctx.refusal,
    )


def _reported(
    graph: _Graph, claim: NamedNode, references: list[Reference]
) -> tuple[tuple[Snak, ...], list[Reference], str]:
    """Qualifiers and references of a reported claim, or why it cannot go out."""
    roles = _roles(graph, claim)
    informants, reporters = roles.get(HKC.informant, []), roles.get(HKC.reporter, [])
    linked = [graph.qid(i) for i in informants]
    if not informants or not all(linked):
        names = ", ".join(graph.label(i) for i in informants) or "none recorded"
        return (), references, f"reported claim: its informant ({names}) is not linked"
    by_reporter = [
        ref
        for ref in references
        if set(graph.nodes(NamedNode(ref.book), DCTERMS.creator)) & set(reporters)
    ]
    if not by_reporter:
        return (), references, "reported claim: no cited work is by its reporter"
    qualifiers = (Snak("P1480", ALLEGEDLY), *(Snak("P3680", qs.item(q)) for q in sorted(linked)))
    return qualifiers, by_reporter, ""


def _book_proposal(graph: _Graph, book: NamedNode) -> BookProposal:
    commands = ["CREATE"]
    notes: list[str] = []
    title_literals = [o for o in graph.objects(book, DCTERMS.title) if isinstance(o, Literal)]
    title = title_literals[0] if title_literals else None
    label = title.value if title else graph.label(book)
    commands.append(qs.line("LAST", "Len", qs.string(label)))
    issued = graph.text(book, DCTERMS.issued)
    creators = graph.nodes(book, DCTERMS.creator)
    by = f" by {', '.join(graph.label(c) for c in creators)}" if creators else ""
    commands.append(qs.line("LAST", "Den", qs.string(f"book{by}{', ' + issued if issued else ''}")))
    commands.append(qs.line("LAST", "P31", qs.item(BOOK)))
    language = (title.language or "") if title else ""
    if title and language and "-" not in language:
        commands.append(qs.line("LAST", "P1476", qs.monolingual(title.value, language)))
    elif title:
        notes.append(
            f"title (P1476) left out: ours is a transliteration ({language}); add it in the "
            "original script"
        )
    for creator in creators:
        qid = graph.qid(creator)
        value = ("P50", qs.item(qid)) if qid else ("P2093", qs.string(graph.label(creator)))
        commands.append(qs.line("LAST", *value))
    for prop, ours in (("P123", DCTERMS.publisher), ("P291", HK.publicationPlace)):
        for node in graph.nodes(book, ours):
            qid = graph.qid(node)
            if qid:
                commands.append(qs.line("LAST", prop, qs.item(qid)))
            else:
                notes.append(f"{prop} left out: {graph.label(node)} is not linked to Wikidata")
    date = _simple_date(issued) if issued else None
    if date:
        commands.append(qs.line("LAST", "P577", date))
    return BookProposal(book.value, graph.label(book), tuple(commands), tuple(notes))


def _mentions(graph: _Graph, claim: NamedNode, entities: set[str]) -> bool:
    for quad in graph.store.match(None, None, None, claim):
        ends = (quad.subject, quad.object)
        if any(isinstance(end, NamedNode) and end.value in entities for end in ends):
            return True
    return False


def collect(
    store: Store,
    *,
    claims: Iterable[str] = (),
    entities: Iterable[str] = (),
    reported: bool = False,
    retrieved: str = "",
) -> Export:
    """Every exportable statement of the claims in scope (all, or those named, or those that
    mention one of ``entities``), and the books to propose as new items."""
    graph = _Graph(store)
    wanted, about = set(claims), set(entities)
    export = Export(retrieved=qs.time(*map(int, (retrieved or _today()).split("-")), precision=11))
    books: dict[str, BookProposal] = {}
    skipped: dict[str, int] = defaultdict(int)
    for claim in _claims(graph):
        if (wanted and claim.value not in wanted) or (about and not _mentions(graph, claim, about)):
            continue
        modes = graph.nodes(claim, HK.mode)
        references = _references(graph, claim)
        for ref in references:  # a cited book Wikidata lacks is proposed whatever the mode
            if not ref.qid and ref.proposable and ref.book not in books:
                books[ref.book] = _book_proposal(graph, NamedNode(ref.book))
        if HKC.asserted not in modes and not (reported and HKC.reported in modes):
            skipped["reported (use --reported)" if HKC.reported in modes else "not asserted"] += 1
            continue
        qualifiers: tuple[Snak, ...] = ()
        refusal = ""
        if HKC.reported in modes:
            qualifiers, references, refusal = _reported(graph, claim, references)
        quotations = _quotations(graph, claim)
        references = [replace(r, quotations=quotations) for r in references]
        ctx = _Context(
            claim,
            tuple(references),
            qualifiers,
            _passage(graph, claim),
            _footnote(graph, claim),
            refusal,
        )
        found = list(_statements_of(graph, ctx))
        if not found:
            skipped["no statement with a linked subject and object"] += 1
        export.statements += found
    export.books = [books[b] for b in sorted(books)]
    export.skipped = dict(skipped)
    return export
