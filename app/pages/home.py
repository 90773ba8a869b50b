"""The home page: what the graph is, counts, entities by kind and a timeline of the events.

Read with ``Store.match`` scans of types and labels, the dates of the events, and one count
query, streamed (one short string an entity while the build runs, one string a year after it),
cached per store state (``app.pages.graph.store_state``): four seconds of CPU at a million
triples, forty at ten million, paid by ``histkg serve``'s warm-up at start
(``app.routes.pages.warm_up``) and by the first visit after a write (a SELECT of every entity
would stop at the row cap, and did, leaving the home page of a big graph empty). The timeline is
laid out here, as percentages of the axis width, so the template draws it with plain HTML and
CSS (no script): a day is a point, anything longer or uncertain a bar, and years with no event
are left out of the axis (a gap marks where). With more than ``TIMELINE_ROWS`` dated events
the timeline counts them by year instead (22,000 rows made a 6 MB page at a million triples),
and each year's own timeline is a page of its own (``home_page(..., year=)``), laid out when
first asked for (laying out every year at once held 900 MB at ten million triples); entities
by kind list the first ``LISTED_PER_KIND``.
"""

from __future__ import annotations

import heapq
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from pyoxigraph import BlankNode, Literal, NamedNode

from app.dates import DateFacts, date_in_words, one_of_range
from app.pages.build import PageSettings, href_for, needs_article, with_article
from app.pages.context import (
    Count,
    HomePage,
    Link,
    Tick,
    Timeline,
    TimelineRow,
    TypeList,
    YearBar,
)
from app.pages.graph import date_facts, lang_rank, preferred, readable_iri, store_state
from app.pages.labels import HOME_KINDS, KINDS, Kind
from app.store import Store
from app.vocab import sparql_prologue

LISTED_PER_KIND = 40
TIMELINE_ROWS = 300
"""Most events the timeline draws one by one; with more it counts them by year (each year a
link to that year's timeline), so the page stays small whatever the graph's size."""
GAP_DAYS = 400  # events further apart than this go into separate stretches of the axis
GAP_WIDTH = 4.0  # percent of the axis a left-out stretch takes

_COUNTS = (
    sparql_prologue()
    + """
SELECT (COUNT(DISTINCT ?claim) AS ?claims) (COUNT(DISTINCT ?note) AS ?notes)
       (COUNT(DISTINCT ?anchor) AS ?anchors) WHERE {
  { ?claim a hk:Claim } UNION { ?note a bibo:Note } UNION { ?anchor a oa:SpecificResource }
}
"""
)
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
TIME_SPAN = NamedNode("http://www.cidoc-crm.org/cidoc-crm/P4_has_time-span")
RELATIVE_TO = NamedNode("https://w3id.org/histkg/ontology#relativeTo")
_LAST_HOME = max(n for n, (_, kind) in enumerate(KINDS) if kind.key in HOME_KINDS)
HOME_DECIDING = tuple(NamedNode(iri) for iri, _ in KINDS[: _LAST_HOME + 1])
"""The classes that can make an entity's kind one the home page lists: ``kind_of`` takes the
first of ``KINDS`` an entity has, so a class after the last home kind (selector, passage, page,
time-span: three quarters of the typed nodes at a million triples) never decides one."""


@dataclass(frozen=True)
class _Event:
    iri: str
    label: str
    words: str
    start: date
    end: date
    uncertain: bool


@dataclass(frozen=True)
class _Parts:
    counts: tuple[Count, ...]
    types: tuple[TypeList, ...]
    timeline: Timeline
    by_year: dict[int, str]
    """The IRIs of the dated events by the year they start in, one a line, in the order the
    timeline draws ties (empty unless the timeline is summarized by year): a year's own
    timeline is laid out from them when it is asked for, and kept in ``years``. One string a
    year, not one an event: a few hundred thousand small strings kept after the build's
    temporaries were freed pinned most of the memory those had taken."""
    years: dict[int, Timeline] = field(default_factory=dict)
    """The timelines of the years asked for lately (at most ``YEARS_KEPT``)."""


YEARS_KEPT = 16
"""How many years' timelines a home page keeps laid out: at ten million triples a year is some
3,600 rows and half a second of lookups to lay out again, while every year laid out at once
took hundreds of megabytes."""

_CACHE: weakref.WeakKeyDictionary[Store, tuple[tuple[object, ...], _Parts]] = (
    weakref.WeakKeyDictionary()
)
_LOCK = threading.Lock()
_BUILDING = threading.Lock()


def home_page(store: Store, settings: PageSettings, year: int | None = None) -> HomePage:
    """The home page context; with ``year``, one year of a timeline summarized by year."""
    parts = _cached_parts(store, settings)
    site = settings.site
    timeline = parts.timeline
    if year is not None and year in parts.by_year:
        timeline = _year_timeline(store, settings, parts, year)
    return HomePage(
        template="home.html",
        site=site,
        title=f"{site.name}: a knowledge graph of historical events",
        counts=parts.counts,
        types=parts.types,
        timeline=timeline,
        schema_org={
            "@context": "https://schema.org",
            "@type": "Dataset",
            "name": site.name,
            "description": "A knowledge graph of historical events: who did what, where and "
            "when, according to which source, each statement with its footnote.",
            "version": site.version,
            "distribution": [
                {
                    "@type": "DataDownload",
                    "encodingFormat": media,
                    "contentUrl": site.dump_href + name,
                }
                for name, media in (
                    ("histkg.trig.gz", "application/trig"),
                    ("histkg.nq.gz", "application/n-quads"),
                )
            ],
        },
    )


def _cached_parts(store: Store, settings: PageSettings) -> _Parts:
    """The parts of the store's current state: built once, one build at a time, so requests
    that arrive during a build (or during the warm-up's) wait for it instead of repeating it
    (two builds side by side take twice as long each: they share the GIL)."""
    state = (*store_state(store), settings.base_iri)
    with _LOCK:
        cached = _CACHE.get(store)
    if cached is not None and cached[0] == state:
        return cached[1]
    with _BUILDING:
        with _LOCK:
            cached = _CACHE.get(store)
        if cached is not None and cached[0] == state:
            return cached[1]
        parts = _parts(store, settings)
        with _LOCK:
            _CACHE[store] = (state, parts)
    return parts


def _year_timeline(store: Store, settings: PageSettings, parts: _Parts, year: int) -> Timeline:
    """One year's timeline, laid out on first request and kept with the parts (the oldest
    dropped past ``YEARS_KEPT``); the events' dates and labels are read again, for that
    year's events only."""
    with _LOCK:
        kept = parts.years.get(year)
    if kept is not None:
        return kept
    events = _events(store, parts.by_year[year].split("\n"))
    every_year = settings.site.home_href + "#timeline-title"
    timeline = replace(_timeline(events, settings), year=year, all_href=every_year)
    with _LOCK:
        parts.years[year] = timeline
        while len(parts.years) > YEARS_KEPT:
            del parts.years[next(iter(parts.years))]
    return timeline


_Entity = str
"""An entity's kind (its index in ``KINDS``, as one character), then the rank (one character)
and text of its preferred label so far, so that comparing what follows the kind compares as
``preferred`` does (English, untagged, the rest; then the text). One string, not a tuple of
three: a ten million triple graph has 600,000 entities, and the tuples took 40 MB."""
_NO_LABEL = chr(3)


def _kind_index(entity: _Entity) -> int:
    return ord(entity[0])


def _label(entity: _Entity) -> str:
    return entity[2:]


def _entities(store: Store, base_iri: str) -> dict[str, _Entity]:
    """The kind and preferred label of each typed entity of the namespace whose kind the home
    page may list (those with a class of ``HOME_DECIDING``; the others come back too when they
    have one, with the kind that class decides).

    Read with ``Store.match`` scans of ``rdf:type`` (one a class) and ``rdfs:label``, streamed:
    a SELECT would stop at the row cap (``HISTKG_MAX_ROWS``), which a graph of a million triples
    passes many times over (the home page then listed no one). Only one string is kept per
    entity (its kind, as ``kind_of`` takes it, and its best label), not its classes and labels:
    a ten million triple graph has hundreds of thousands of them.
    """
    entities: dict[str, _Entity] = {}
    index = {kind_iri: n for n, (kind_iri, _) in reversed(list(enumerate(KINDS)))}
    for cls_ in HOME_DECIDING:
        rank = index[cls_.value]
        for quad in store.match(None, RDF_TYPE, cls_):
            subject = quad.subject
            if isinstance(subject, NamedNode) and subject.value.startswith(base_iri):
                iri = subject.value
                found = entities.get(iri)
                if found is None:
                    entities[iri] = chr(rank) + _NO_LABEL
                elif rank < _kind_index(found):
                    entities[iri] = chr(rank) + found[1:]
    for quad in store.match(None, RDFS_LABEL, None):
        subject, label = quad.subject, quad.object
        if not isinstance(label, Literal) or not isinstance(subject, NamedNode):
            continue
        found = entities.get(subject.value)
        if found is None:
            continue
        best = chr(lang_rank(label.language)) + label.value
        if best < found[1:]:
            entities[subject.value] = found[0] + best
    return entities


def _parts(store: Store, settings: PageSettings) -> _Parts:
    entities = _entities(store, settings.base_iri)
    kinds: dict[str, Kind] = {kind.key: kind for _, kind in KINDS}

    def label_of(iri: str) -> str:
        return _label(entities[iri]) or readable_iri(iri)

    by_kind: dict[str, list[str]] = defaultdict(list)
    for iri, entity in entities.items():
        by_kind[KINDS[_kind_index(entity)][1].key].append(iri)
    types = []
    totals: dict[str, int] = {}
    for key in HOME_KINDS:
        members = by_kind.get(key, [])
        total = totals[key] = len(members)
        if not total:
            continue
        first = heapq.nsmallest(LISTED_PER_KIND, members, key=lambda iri: label_of(iri).casefold())
        types.append(
            TypeList(
                key=key,
                label=kinds[key].plural,
                links=tuple(_link(iri, label_of(iri), settings) for iri in first),
                total=total,
                more_href=f"{settings.site.search_href}?kind={key}"
                if total > LISTED_PER_KIND
                else None,
            )
        )
    counts = [Count(label=kinds[key].plural, number=totals[key]) for key in HOME_KINDS]
    row = store.query(_COUNTS).rows[0]
    for term, words in zip(row, ("claims", "footnotes", "cited passages"), strict=True):
        counts.append(
            Count(label=words, number=int(term.value) if isinstance(term, Literal) else 0)
        )
    del by_kind
    by_year = _dated_by_year(store, entities)
    undated = _undated(entities, by_year, label_of, settings)
    if sum(len(found) for found in by_year.values()) <= TIMELINE_ROWS:
        events = _events(store, [iri for found in by_year.values() for iri in found])
        return _Parts(
            counts=tuple(c for c in counts if c.number),
            types=tuple(types),
            timeline=replace(
                _timeline(events, settings),
                undated=undated.undated,
                undated_more=undated.undated_more,
            ),
            by_year={},
        )
    return _Parts(
        counts=tuple(c for c in counts if c.number),
        types=tuple(types),
        timeline=Timeline(
            rows=(),
            ticks=(),
            breaks=(),
            undated=undated.undated,
            undated_more=undated.undated_more,
            years=_year_bars(by_year, settings),
        ),
        by_year={year: "\n".join(found) for year, found in by_year.items()},
    )


def _year_bars(by_year: dict[int, list[str]], settings: PageSettings) -> tuple[YearBar, ...]:
    busiest = max((len(found) for found in by_year.values()), default=1)
    return tuple(
        YearBar(
            year=year,
            count=len(by_year[year]),
            width=round(100.0 * len(by_year[year]) / busiest, 2),
            href=f"{settings.site.home_href}?year={year}#timeline-title",
        )
        for year in sorted(by_year)
    )


def _link(iri: str, label: str, settings: PageSettings) -> Link:
    href, external = href_for(iri, settings.base_iri)
    return Link(label=label, href=href, iri=iri, external=external)


def _dated_by_year(store: Store, entities: dict[str, _Entity]) -> dict[int, list[str]]:
    """The dated events by the year they start in, each year's in the timeline's order.

    Streamed: one scan of ``crm:P4_has_time-span``, each event's dates read and dropped at
    once, keeping only its start and end (as day numbers) and its IRI until the years are
    sorted (ties by label, as the timeline draws them), then only its IRI."""
    event_kinds = {n for n, (_, kind) in enumerate(KINDS) if kind.key == "event"}
    seen: set[str] = set()
    keyed: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for dated in store.match(None, TIME_SPAN, None):
        event = dated.subject
        if not isinstance(event, NamedNode) or not isinstance(dated.object, NamedNode | BlankNode):
            continue
        found = entities.get(event.value)
        if found is None or _kind_index(found) not in event_kinds or event.value in seen:
            continue
        iri = event.value
        seen.add(iri)
        bounds = _facts(store, event).bounds
        if bounds is None:
            continue
        keyed[bounds[0].year].append((bounds[0].toordinal(), bounds[1].toordinal(), iri))
    by_year: dict[int, list[str]] = {}
    for year, found_in in keyed.items():
        found_in.sort(
            key=lambda e: (e[0], e[1], (_label(entities[e[2]]) or readable_iri(e[2])).casefold())
        )
        by_year[year] = [e[2] for e in found_in]
    return by_year


def _facts(store: Store, event: NamedNode) -> DateFacts:
    """The date an event's time-spans state."""
    values: dict[str, list[object]] = defaultdict(list)
    anchor = ""
    for dated in store.match(event, TIME_SPAN, None):
        span = dated.object
        if not isinstance(span, NamedNode | BlankNode):
            continue
        for fact in store.match(span, None, None):
            values[fact.predicate.value].append(fact.object)
            if fact.predicate == RELATIVE_TO and isinstance(fact.object, NamedNode):
                for named in store.match(fact.object, RDFS_LABEL, None):
                    if isinstance(named.object, Literal):
                        anchor = named.object.value
    facts = date_facts(values, anchor)
    return with_article(facts, needs_article(facts))


def _events(store: Store, event_iris: list[str]) -> list[_Event]:
    """The events of ``event_iris`` with their dates and labels, in the timeline's order."""
    events = []
    for iri in event_iris:
        event = NamedNode(iri)
        facts = _facts(store, event)
        bounds = facts.bounds
        if bounds is None:
            continue
        edtf = facts.edtf or ""
        uncertain = (
            bool(facts.relative_to and facts.offset_min != facts.offset_max)
            or any(q in edtf for q in "?~%")
            or one_of_range(edtf)  # one unknown day of the range: hatched, never a solid span
        )
        labels = [q.object for q in store.match(event, RDFS_LABEL, None)]
        label = preferred([lit for lit in labels if isinstance(lit, Literal)]) or readable_iri(iri)
        events.append(_Event(iri, label, date_in_words(facts), bounds[0], bounds[1], uncertain))
    events.sort(key=lambda e: (e.start, e.end, e.label.casefold()))
    return events


@dataclass(frozen=True)
class _Stretch:
    start: date
    end: date
    left: float = 0.0
    width: float = 0.0

    def position(self, day: date) -> float:
        span = max((self.end - self.start).days, 1)
        return self.left + self.width * (day - self.start).days / span


def _stretches(events: list[_Event]) -> list[_Stretch]:
    """Stretches of time holding events, separated by gaps of more than ``GAP_DAYS``."""
    stretches: list[_Stretch] = []
    for event in sorted(events, key=lambda e: e.start):
        if stretches and (event.start - stretches[-1].end).days <= GAP_DAYS:
            last = stretches[-1]
            stretches[-1] = replace(last, end=max(last.end, event.end))
        else:
            stretches.append(_Stretch(event.start, event.end))
    padded = []
    for stretch in stretches:
        pad = timedelta(days=max(15, (stretch.end - stretch.start).days // 20))
        padded.append(_Stretch(stretch.start - pad, stretch.end + pad))
    # A stretch's share of the axis grows with its length and with how many events it holds,
    # so that a crowded year is not squeezed beside a long, empty war.
    weights = [
        ((s.end - s.start).days * sum(1 for e in events if s.start <= e.start <= s.end)) ** 0.5
        for s in padded
    ]
    total = sum(weights) or 1.0
    usable = 100.0 - GAP_WIDTH * (len(padded) - 1)
    left = 0.0
    laid = []
    for stretch, weight in zip(padded, weights, strict=True):
        width = usable * weight / total
        laid.append(replace(stretch, left=left, width=width))
        left += width + GAP_WIDTH
    return laid


def _ticks(stretch: _Stretch) -> list[Tick]:
    """Axis labels of a stretch: years, and quarters where a stretch is short and wide enough."""
    days = max((stretch.end - stretch.start).days, 1)
    months = (1, 4, 7, 10) if stretch.width / days * 91 >= 7 else (1,)
    ticks = []
    for year in range(stretch.start.year, stretch.end.year + 1):
        for month in months:
            day = date(year, month, 1)
            position = stretch.position(day)
            inside = stretch.left + 2.5 <= position <= stretch.left + stretch.width - 2.5
            if stretch.start <= day <= stretch.end and inside:
                label = str(year) if month == 1 else day.strftime("%b")
                ticks.append(Tick(label=label, left=round(position, 2)))
    if ticks and not ticks[0].label.isdigit():  # name the year of a stretch's first month
        first = next(
            d
            for d in (
                date(y, m, 1)
                for y in range(stretch.start.year, stretch.end.year + 1)
                for m in months
            )
            if stretch.start <= d and round(stretch.position(d), 2) == ticks[0].left
        )
        ticks[0] = Tick(label=f"{ticks[0].label} {first.year}", left=ticks[0].left)
    if not ticks:
        ticks.append(Tick(label=str(stretch.start.year + 1), left=round(stretch.left, 2)))
    return ticks


def _undated(
    entities: dict[str, _Entity],
    by_year: dict[int, list[str]],
    label_of: Callable[[str], str],
    settings: PageSettings,
) -> Timeline:
    """The events without a date (at most ``TIMELINE_ROWS`` listed), on an empty timeline."""
    event_kinds = {n for n, (_, kind) in enumerate(KINDS) if kind.key == "event"}
    dated = {iri for found in by_year.values() for iri in found}
    undated = (
        iri for iri, e in entities.items() if _kind_index(e) in event_kinds and iri not in dated
    )
    listed = heapq.nsmallest(TIMELINE_ROWS, undated, key=lambda i: label_of(i).casefold())
    total = sum(
        1 for iri, e in entities.items() if _kind_index(e) in event_kinds and iri not in dated
    )
    return Timeline(
        rows=(),
        ticks=(),
        breaks=(),
        undated=tuple(_link(i, label_of(i), settings) for i in listed),
        undated_more=max(total - TIMELINE_ROWS, 0),
    )


def _timeline(events: list[_Event], settings: PageSettings) -> Timeline:
    stretches = _stretches(events)
    rows = []
    for event in events:
        stretch = next(s for s in stretches if s.start <= event.start <= s.end)
        left = stretch.position(event.start)
        right = stretch.position(event.end + timedelta(days=1))
        point = event.start == event.end
        rows.append(
            TimelineRow(
                link=_link(event.iri, event.label, settings),
                when=event.words,
                left=round(left, 2),
                width=0.0 if point else round(max(right - left, 0.6), 2),
                shape="point" if point else "range",
                uncertain=event.uncertain,
            )
        )
    return Timeline(
        rows=tuple(rows),
        ticks=tuple(t for s in stretches for t in _ticks(s)),
        breaks=tuple(round(s.left + s.width + GAP_WIDTH / 2, 2) for s in stretches[:-1]),
        undated=(),
    )


__all__ = ["home_page"]
