"""The home page: what the graph is, counts, entities by kind and a timeline of every event.

Two queries, cached per store state (``app.pages.graph.store_state``): one lists the entities of
the kinds the home page shows (with their labels), one reads every dated event. The timeline is
laid out here, as percentages of the axis width, so the template draws it with plain HTML and
CSS (no script): a day is a point, anything longer or uncertain a bar, and years with no event
are left out of the axis (a gap marks where).
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from pyoxigraph import Literal, NamedNode

from app.dates import date_in_words
from app.pages.build import PageSettings, href_for, needs_article, with_article
from app.pages.context import Count, HomePage, Link, Tick, Timeline, TimelineRow, TypeList
from app.pages.graph import date_facts, preferred, readable_iri, store_state
from app.pages.labels import HOME_KINDS, KINDS, Kind, kind_of
from app.store import Store
from app.vocab import sparql_prologue

LISTED_PER_KIND = 40
GAP_DAYS = 400  # events further apart than this go into separate stretches of the axis
GAP_WIDTH = 4.0  # percent of the axis a left-out stretch takes

_ENTITIES = (
    sparql_prologue()
    + """
SELECT ?s ?class ?label WHERE {
  ?s a ?class .
  OPTIONAL { ?s rdfs:label ?label }
}
"""
)
_COUNTS = (
    sparql_prologue()
    + """
SELECT (COUNT(DISTINCT ?claim) AS ?claims) (COUNT(DISTINCT ?note) AS ?notes)
       (COUNT(DISTINCT ?anchor) AS ?anchors) WHERE {
  { ?claim a hk:Claim } UNION { ?note a bibo:Note } UNION { ?anchor a oa:SpecificResource }
}
"""
)
_DATED = (
    sparql_prologue()
    + """
SELECT ?e ?span ?p ?o ?anchorLabel WHERE {
  ?e crm:P4_has_time-span ?span .
  ?span ?p ?o .
  OPTIONAL { ?span hk:relativeTo ?anchor . ?anchor rdfs:label ?anchorLabel }
}
"""
)


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


_CACHE: weakref.WeakKeyDictionary[Store, tuple[tuple[object, ...], _Parts]] = (
    weakref.WeakKeyDictionary()
)
_LOCK = threading.Lock()


def home_page(store: Store, settings: PageSettings) -> HomePage:
    """The home page context."""
    state = (*store_state(store), settings.base_iri)
    with _LOCK:
        cached = _CACHE.get(store)
    if cached is None or cached[0] != state:
        parts = _parts(store, settings)
        with _LOCK:
            _CACHE[store] = (state, parts)
    else:
        parts = cached[1]
    site = settings.site
    return HomePage(
        template="home.html",
        site=site,
        title=f"{site.name}: a knowledge graph of historical events",
        counts=parts.counts,
        types=parts.types,
        timeline=parts.timeline,
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


def _parts(store: Store, settings: PageSettings) -> _Parts:
    labels: dict[str, list[Literal]] = defaultdict(list)
    classes: dict[str, set[str]] = defaultdict(set)
    for s, cls_, label in store.query(_ENTITIES).rows:
        if isinstance(s, NamedNode) and s.value.startswith(settings.base_iri):
            if isinstance(cls_, NamedNode):
                classes[s.value].add(cls_.value)
            if isinstance(label, Literal) and label not in labels[s.value]:
                labels[s.value].append(label)
    by_kind: dict[str, list[str]] = defaultdict(list)
    kinds: dict[str, Kind] = {kind.key: kind for _, kind in KINDS}
    for iri, found in classes.items():
        by_kind[kind_of(found).key].append(iri)

    def label_of(iri: str) -> str:
        return preferred(labels.get(iri, [])) or readable_iri(iri)

    types = []
    for key in HOME_KINDS:
        members = sorted(by_kind.get(key, []), key=lambda iri: label_of(iri).casefold())
        if not members:
            continue
        types.append(
            TypeList(
                key=key,
                label=kinds[key].plural,
                links=tuple(
                    _link(iri, label_of(iri), settings) for iri in members[:LISTED_PER_KIND]
                ),
                total=len(members),
                more_href=f"{settings.site.search_href}?kind={key}"
                if len(members) > LISTED_PER_KIND
                else None,
            )
        )
    counts = [
        Count(label=kinds[key].plural, number=len(by_kind.get(key, []))) for key in HOME_KINDS
    ]
    row = store.query(_COUNTS).rows[0]
    for term, words in zip(row, ("claims", "footnotes", "cited passages"), strict=True):
        counts.append(
            Count(label=words, number=int(term.value) if isinstance(term, Literal) else 0)
        )
    events = _events(store, settings, by_kind.get("event", []), label_of)
    return _Parts(
        counts=tuple(c for c in counts if c.number),
        types=tuple(types),
        timeline=_timeline(events, list(by_kind.get("event", [])), label_of, settings),
    )


def _link(iri: str, label: str, settings: PageSettings) -> Link:
    href, external = href_for(iri, settings.base_iri)
    return Link(label=label, href=href, iri=iri, external=external)


def _events(
    store: Store, settings: PageSettings, event_iris: list[str], label_of: Callable[[str], str]
) -> list[_Event]:
    wanted = set(event_iris)
    values: dict[str, dict[str, list[object]]] = defaultdict(lambda: defaultdict(list))
    anchors: dict[str, str] = {}
    for e, _span, p, o, anchor_label in store.query(_DATED).rows:
        if isinstance(e, NamedNode) and e.value in wanted and isinstance(p, NamedNode):
            values[e.value][p.value].append(o)
            if isinstance(anchor_label, Literal):
                anchors[e.value] = anchor_label.value
    events = []
    for iri, props in values.items():
        facts = date_facts(props, anchors.get(iri, ""))
        facts = with_article(facts, needs_article(facts))
        bounds = facts.bounds
        if bounds is None:
            continue
        edtf = facts.edtf or ""
        uncertain = bool(facts.relative_to and facts.offset_min != facts.offset_max) or any(
            q in edtf for q in "?~%"
        )
        label = label_of(iri)
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


def _timeline(
    events: list[_Event],
    all_events: list[str],
    label_of: Callable[[str], str],
    settings: PageSettings,
) -> Timeline:
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
    dated = {e.iri for e in events}
    undated = sorted(
        (i for i in all_events if i not in dated),
        key=lambda i: label_of(i).casefold(),
    )
    return Timeline(
        rows=tuple(rows),
        ticks=tuple(t for s in stretches for t in _ticks(s)),
        breaks=tuple(round(s.left + s.width + GAP_WIDTH / 2, 2) for s in stretches[:-1]),
        undated=tuple(_link(i, label_of(i), settings) for i in undated),
    )


__all__ = ["home_page"]
