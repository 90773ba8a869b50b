"""Candidate scores that explain themselves: names, then types, then dates.

One rule for the Reconciliation API (a typed name against our entities) and for ``histkg link``
(our entity against Wikidata items)::

    score = 90 x name similarity  +  type points  +  date points        (clamped to 0..100)

* **Name similarity** (0..1) is the best pair of query name and candidate name (labels,
  alternative labels, Wikidata aliases): 1 for the same name once case, accents and
  apostrophes are folded, 0.95 for a transliteration variant (Bednyi/Bedny), less for a name
  that only shares words, a fuzzy ratio below that. A match on an alternative name rather than
  the label costs 2 %.
* **Type points**: +5 when the types agree, -30 when they clash (a human for a war), 0 when
  nothing is known.
* **Date points**: +5 when the dates agree, -40 when they clash, 0 when either side has none.
  "Agree" means the periods overlap (events), or that the one lies within the other's life
  (people, groups: an entity active in 1932 fits someone born in 1881 who died in 1969, not
  someone who lived 1781-1840). One year of slack on each side absorbs rounding.

So an exact name with nothing else known scores 90, with agreeing type and date 100, and a
namesake from another century at most 60: it never beats the right person once a date is
known. Every score carries its ``reasons`` (for people) and ``features`` (for the API).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

from app.linking.normalize import NameMatch, name_similarity
from app.linking.records import EntityRecord
from app.linking.types import family_of_wikidata_classes
from app.linking.wikidata import WikidataItem
from app.linking.years import Span

__all__ = [
    "DateHint",
    "Score",
    "best_name",
    "date_agreement",
    "score_item",
    "total",
]

NAME_WEIGHT: Final = 90.0
TYPE_POINTS: Final = {1: 5.0, 0: 0.0, -1: -30.0}
DATE_POINTS: Final = {1: 5.0, 0: 0.0, -1: -40.0}
ALIAS_FACTOR: Final = 0.98
SLACK: Final = 1.0
#: A match needs this score and this lead over the next candidate.
MATCH_SCORE: Final = 85.0
MATCH_MARGIN: Final = 10.0


@dataclass(frozen=True)
class NameEvidence:
    """The best-matching pair of names and how they matched."""

    value: float
    kind: str  #: exact, variant, words, fuzzy or none
    query: str
    candidate: str
    on_label: bool  #: matched the candidate's label, not an alternative name

    def text(self) -> str:
        where = "label" if self.on_label else "alias"
        return f"name “{self.query}” ~ {where} “{self.candidate}” ({self.kind}, {self.value:.2f})"


@dataclass(frozen=True)
class DateHint:
    """A date the query gives: when something happened, or when someone was born or died."""

    kind: str  #: ``when``, ``born`` or ``died``
    span: Span


@dataclass(frozen=True)
class Score:
    """A candidate's score and why."""

    value: float
    name: NameEvidence
    type: int  #: 1 agrees, 0 unknown, -1 clashes
    date: int
    reasons: tuple[str, ...]

    def features(self) -> list[dict[str, str | float | bool]]:
        """The Reconciliation API ``features``: one per component of the score."""
        return [
            {"id": "name", "value": round(self.name.value, 4)},
            {"id": f"name_{self.name.kind}", "value": True},
            {"id": "name_on_label", "value": self.name.on_label},
            {"id": "type", "value": self.type},
            {"id": "date", "value": self.date},
        ]

    def why(self) -> str:
        return "; ".join(self.reasons)


def best_name(
    queries: Iterable[str],
    candidate_label: str,
    aliases: Iterable[str],
    tick: Callable[[], None] | None = None,
) -> NameEvidence:
    """The best pair of a query name and a candidate name (label first, then aliases);
    ``tick`` is called before each comparison (a deadline check may raise there)."""
    best = NameEvidence(0.0, "none", "", candidate_label, True)
    options = [(candidate_label, True)] + [(alias, False) for alias in aliases]
    for query in queries:
        for name, on_label in options:
            if not name:
                continue
            if tick is not None:
                tick()
            match: NameMatch = name_similarity(query, name)
            value = match.value if on_label else match.value * ALIAS_FACTOR
            if value > best.value:
                best = NameEvidence(value, match.kind, query, name, on_label)
    return best


def total(name: NameEvidence, type_agreement: int, date_agreement: int) -> float:
    """The score from its three components (see the module docstring)."""
    raw = NAME_WEIGHT * name.value + TYPE_POINTS[type_agreement] + DATE_POINTS[date_agreement]
    return round(min(100.0, max(0.0, raw)), 1)


def _points(points: dict[int, float], agreement: int) -> str:
    value = points[agreement]
    return f" ({value:+g})" if value else ""


def date_agreement(entity: Span | None, other: Span | None, *, lasting: bool) -> int:
    """1, 0 or -1: do the periods agree? ``lasting``: ``entity`` must lie within ``other``
    (a life, a state's existence); otherwise they need only overlap (two events)."""
    if entity is None or other is None:
        return 0
    if lasting:
        return 1 if entity.within(other, SLACK) else -1
    return 1 if entity.overlaps(other, SLACK) else -1


def hint_agreement(hint: DateHint, span: Span | None) -> int:
    """Does an entity's span agree with a date the query gives?"""
    if span is None:
        return 0
    if hint.kind == "born":
        lifetime = Span(hint.span.start, hint.span.end + 100, f"born {hint.span.text}")
        return 1 if span.within(lifetime, SLACK) else -1
    if hint.kind == "died":
        lifetime = Span(hint.span.start - 100, hint.span.end, f"died {hint.span.text}")
        return 1 if span.within(lifetime, SLACK) else -1
    return 1 if span.overlaps(hint.span, SLACK) else -1


def score_item(entity: EntityRecord, item: WikidataItem) -> Score:
    """Score a Wikidata item as the match of one of our entities."""
    name = best_name(entity.names, item.label, item.names[1:] if item.names else ())
    reasons = [name.text()]
    families = family_of_wikidata_classes(item.instance_of)
    family = entity.family
    if family is None or not families:
        type_agreement = 0
        if item.instance_of:
            reasons.append(f"type: P31 {', '.join(item.instance_of[:3])} not compared")
        else:
            reasons.append("type: no P31 given")
    else:
        type_agreement = 1 if family in families else -1
        verdict = "fits" if type_agreement == 1 else "clashes with"
        reasons.append(
            f"type: {'/'.join(sorted(families))} {verdict} our {family}"
            + _points(TYPE_POINTS, type_agreement)
        )
    life = item.life()
    lasting = family != "event" and not {"P585", "P577"} & set(item.dates)
    agreement = date_agreement(entity.span, life, lasting=lasting)
    if agreement == 0 or entity.span is None or life is None:
        missing = "ours" if entity.span is None else "Wikidata's"
        reasons.append(f"dates: not compared ({missing} unknown)")
    else:
        relation = (
            ("within" if lasting else "overlaps")
            if agreement == 1
            else ("outside" if lasting else "apart from")
        )
        reasons.append(
            f"dates: ours {entity.span.text} {relation} {life.text}"
            + _points(DATE_POINTS, agreement)
        )
    return Score(
        total(name, type_agreement, agreement), name, type_agreement, agreement, tuple(reasons)
    )
