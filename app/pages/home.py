"""The home page: what the graph is, counts, entities by kind and a timeline of the events.

Built from what the read model reads of the store (``app.read.timeline``: entities by kind,
the dated events, counts; streamed, one string a year kept after the build) and kept in the read
model until the store changes; the build is paid by ``histkg serve``'s warm-up at start
(``app.routes.pages.warm_up``) and by the first visit after a write. The timeline is
laid out here, as percentages of the axis width, so the template draws it with plain HTML and
CSS (no script): a day is a point, anything longer or uncertain a bar, and years with no event
are left out of the axis (a gap marks where). With more than ``TIMELINE_ROWS`` dated events
the timeline counts them by year instead (a row per event made pages of megabytes), and each
year's own timeline is a page of its own (``home_page(..., year=)``), laid out when first asked
for (laying out every year at once held hundreds of megabytes); entities by kind list the first
``LISTED_PER_KIND``. A range of years (``?from=&to=``) narrows either form, and links zoom to a
decade or a year: plain links and a GET form, so the timeline needs no script.
"""

from __future__ import annotations

import heapq
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from app.dates import date_in_words, one_of_range
from app.pages.build import PageSettings, href_for, needs_article, with_article
from app.pages.context import (
    Count,
    HomePage,
    Link,
    LinkGroup,
    Tick,
    Timeline,
    TimelineRow,
    TypeList,
    YearBar,
)
from app.read import ReadModel
from app.read.labels import HOME_KINDS, KINDS, Kind
from app.read.neighbourhood import readable_iri
from app.read.timeline import Entities, kind_index, label

LISTED_PER_KIND = 40
TIMELINE_ROWS = 300
"""Most events the timeline draws one by one; with more it counts them by year (each year a
link to that year's timeline), so the page stays small whatever the graph's size."""
GAP_DAYS = 400  # events further apart than this go into separate stretches of the axis
GAP_WIDTH = 4.0  # percent of the axis a left-out stretch takes


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
    drawn: tuple[_Event, ...] = ()
    """The events the timeline draws one by one (empty when it counts them by year): a range
    of years is laid out again from them, without reading the store."""

    @property
    def years_counted(self) -> bool:
        """True when the timeline counts events by year instead of drawing each."""
        return bool(self.by_year)


YEARS_KEPT = 16
"""How many years' timelines a home page keeps laid out: at ten million triples a year is some
3,600 rows and half a second of lookups to lay out again, while every year laid out at once
took hundreds of megabytes."""

_YEARS_LOCK = threading.Lock()


def home_page(
    model: ReadModel,
    settings: PageSettings,
    year: int | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
) -> HomePage:
    """The home page context; with ``year``, one year of a timeline summarized by year; with
    ``year_from`` and/or ``year_to``, the events that fall in that range of years."""
    parts = model.cached(("home", settings.base_iri), lambda: _parts(model, settings))
    site = settings.site
    timeline = parts.timeline
    if year_from is not None and year_to is not None and year_from > year_to:
        year_from, year_to = year_to, year_from  # "from 1932 to 1931" means the same two years
    if year is None and year_from is not None and year_from == year_to:
        year = year_from  # one year of a summarized timeline is that year's own timeline
    if year is not None and year in parts.by_year:
        timeline = _year_timeline(model, settings, parts, year)
    elif year_from is not None or year_to is not None:
        timeline = _in_range(parts, settings, year_from, year_to)
    timeline = _with_range(timeline, parts, settings, year_from, year_to)
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


def _in_range(
    parts: _Parts, settings: PageSettings, year_from: int | None, year_to: int | None
) -> Timeline:
    """The timeline narrowed to the years from ``year_from`` to ``year_to`` (either open).

    An event is kept when its time overlaps the range (a war of 1904-05 is in 1905); undated
    events are left out, as they are in no range.
    """
    low, high = year_from or 1, year_to or 9999
    if parts.years_counted:
        bars = tuple(bar for bar in parts.timeline.years if low <= bar.year <= high)
        busiest = max((bar.count for bar in bars), default=1)
        return Timeline(
            rows=(),
            ticks=(),
            breaks=(),
            undated=(),
            years=tuple(replace(b, width=round(100.0 * b.count / busiest, 2)) for b in bars),
        )
    kept = [e for e in parts.drawn if e.start.year <= high and e.end.year >= low]
    return _timeline(kept, settings)


def _with_range(
    timeline: Timeline,
    parts: _Parts,
    settings: PageSettings,
    year_from: int | None,
    year_to: int | None,
) -> Timeline:
    """``timeline`` with the range form's bounds, the chosen range and the zoom links."""
    if parts.years_counted:
        first, last = min(parts.by_year), max(parts.by_year)
        shown = [bar.year for bar in timeline.years] or ([timeline.year] if timeline.year else [])
    elif parts.drawn:
        first = min(e.start.year for e in parts.drawn)
        last = max(e.end.year for e in parts.drawn)
        low, high = year_from or first, year_to or last
        shown = [
            y for e in parts.drawn for y in range(max(e.start.year, low), min(e.end.year, high) + 1)
        ]
    else:
        return timeline
    narrowed = year_from is not None or year_to is not None or timeline.year is not None
    every_year = settings.site.home_href + "#timeline-title"
    return replace(
        timeline,
        first_year=first,
        last_year=last,
        from_year=year_from,
        to_year=year_to,
        zoom=_zoom(sorted(set(shown)), settings),
        all_href=every_year if narrowed else None,
    )


def _zoom(years: list[int], settings: PageSettings) -> tuple[Link, ...]:
    """Links to each decade of ``years``, or to each year when they lie in one decade."""
    decades = sorted({y // 10 * 10 for y in years})
    home = settings.site.home_href
    if len(decades) > 1:
        return tuple(
            Link(label=f"{d}s", href=f"{home}?from={d}&to={d + 9}#timeline-title", iri="")
            for d in decades
        )
    if len(years) > 1:
        return tuple(
            Link(label=str(y), href=f"{home}?from={y}&to={y}#timeline-title", iri="") for y in years
        )
    return ()


def _year_timeline(model: ReadModel, settings: PageSettings, parts: _Parts, year: int) -> Timeline:
    """One year's timeline, laid out on first request and kept with the parts (the oldest
    dropped past ``YEARS_KEPT``); the events' dates and labels are read again, for that
    year's events only."""
    with _YEARS_LOCK:
        kept = parts.years.get(year)
    if kept is not None:
        return kept
    events = _events(model, parts.by_year[year].split("\n"))
    every_year = settings.site.home_href + "#timeline-title"
    timeline = replace(_timeline(events, settings), year=year, all_href=every_year)
    with _YEARS_LOCK:
        parts.years[year] = timeline
        while len(parts.years) > YEARS_KEPT:
            del parts.years[next(iter(parts.years))]
    return timeline


def _parts(model: ReadModel, settings: PageSettings) -> _Parts:
    entities = model.entities(settings.base_iri)
    kinds: dict[str, Kind] = {kind.key: kind for _, kind in KINDS}

    def label_of(iri: str) -> str:
        return label(entities[iri]) or readable_iri(iri)

    by_kind: dict[str, list[str]] = defaultdict(list)
    for iri, entity in entities.items():
        by_kind[KINDS[kind_index(entity)][1].key].append(iri)
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
    for number, words in zip(
        model.counts(), ("claims", "footnotes", "cited passages"), strict=True
    ):
        counts.append(Count(label=words, number=number))
    del by_kind
    by_year = model.dated_by_year(entities)
    undated = _undated(entities, by_year, label_of, settings)
    if sum(len(found) for found in by_year.values()) <= TIMELINE_ROWS:
        events = _events(model, [iri for found in by_year.values() for iri in found])
        return _Parts(
            counts=tuple(c for c in counts if c.number),
            types=tuple(types),
            timeline=replace(
                _timeline(events, settings),
                undated=undated.undated,
                undated_groups=undated.undated_groups,
                undated_more=undated.undated_more,
            ),
            by_year={},
            drawn=tuple(events),
        )
    return _Parts(
        counts=tuple(c for c in counts if c.number),
        types=tuple(types),
        timeline=Timeline(
            rows=(),
            ticks=(),
            breaks=(),
            undated=undated.undated,
            undated_groups=undated.undated_groups,
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


def _events(model: ReadModel, event_iris: list[str]) -> list[_Event]:
    """The events of ``event_iris`` with their dates and labels, in the timeline's order."""
    events = []
    for iri in event_iris:
        facts = model.event_dates(iri)
        facts = with_article(facts, needs_article(facts))
        bounds = facts.bounds
        if bounds is None:
            continue
        edtf = facts.edtf or ""
        uncertain = (
            bool(facts.relative_to and facts.offset_min != facts.offset_max)
            or any(q in edtf for q in "?~%")
            or one_of_range(edtf)  # one unknown day of the range: hatched, never a solid span
            # a date known only to the year, season or month ("1932") is a time within it,
            # not an event lasting all of it: hatched, never a solid span
            or ("/" not in edtf and bounds[0] != bounds[1])
        )
        name = model.event_label(iri)
        events.append(_Event(iri, name, date_in_words(facts), bounds[0], bounds[1], uncertain))
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
                ticks.append(Tick(label=label, left=round(position, 2), minor=month != 1))
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
        ticks[0] = Tick(label=f"{ticks[0].label} {first.year}", left=ticks[0].left, minor=False)
    if not ticks:
        ticks.append(Tick(label=str(stretch.start.year + 1), left=round(stretch.left, 2)))
    return ticks


def _undated(
    entities: Entities,
    by_year: dict[int, list[str]],
    label_of: Callable[[str], str],
    settings: PageSettings,
) -> Timeline:
    """The events without a date (at most ``TIMELINE_ROWS`` listed), on an empty timeline."""
    event_kinds = {n for n, (_, kind) in enumerate(KINDS) if kind.key == "event"}
    dated = {iri for found in by_year.values() for iri in found}
    undated = (
        iri for iri, e in entities.items() if kind_index(e) in event_kinds and iri not in dated
    )
    listed = heapq.nsmallest(TIMELINE_ROWS, undated, key=lambda i: label_of(i).casefold())
    total = sum(
        1 for iri, e in entities.items() if kind_index(e) in event_kinds and iri not in dated
    )
    groups: dict[str, list[Link]] = {}
    for iri in listed:  # by kind, in the order of KINDS (activities, then events ...)
        kind = KINDS[kind_index(entities[iri])][1].singular
        groups.setdefault(kind, []).append(_link(iri, label_of(iri), settings))
    return Timeline(
        rows=(),
        ticks=(),
        breaks=(),
        undated=tuple(_link(i, label_of(i), settings) for i in listed),
        undated_groups=tuple(
            LinkGroup(label=_plural(kind), links=tuple(links))
            for kind, links in sorted(groups.items())
        ),
        undated_more=max(total - TIMELINE_ROWS, 0),
    )


def _plural(word: str) -> str:
    return word[:-1] + "ies" if word.endswith("y") else word + "s"


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
