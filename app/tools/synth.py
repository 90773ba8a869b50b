"""A deterministic synthetic graph in the histkg model, for benchmarks and scale tests.

``write_synthetic(path, events=N, seed=S)`` writes N-Quads (``.nq``) or TriG (``.trig``) that
validates against ``ontology/shapes.ttl`` together with the ontology: books, pages, stored texts
and footnotes; persons, groups and places named by text anchors; events whose participation is
heavy-tailed (a few persons take part in very many events); letters with a sender, an addressee,
the document and a quotation; and for every event one claim, a named graph holding its time-span
(EDTF days, months, seasons, years and ranges with strict bounds) and participants, described
outside the graph with its mode, attribution, passage, page and sometimes a footnote.

Output is streamed: each event is formatted and written before the next is drawn, so memory stays
flat whatever the size. The same seed gives the same bytes (one ``random.Random``, no set or
hash ordering). About 15 triples are written per event plus the shared entities.
"""

import calendar
import itertools
import random
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from app.errors import InputError
from app.vocab import (
    BIBO,
    CITO,
    CRM,
    DCMITYPE,
    DCTERMS,
    EDTF,
    HK,
    HKC,
    ID,
    OA,
    PROV,
    RDF,
    RDFS,
    XSD,
)

FORMATS = {".nq": "nquads", ".trig": "trig"}

EVENT_TYPES = [
    "war",
    "incident",
    "invasion",
    "order",
    "instruction",
    "discussion",
    "arrest",
    "publication",
    "reprimand",
    "suggestion",
    "political-attack",
    "admission",
]
GROUP_TYPES = [
    "state",
    "newspaper",
    "political-body",
    "government-department",
    "armed-forces",
    "secret-police",
    "international-organization",
    "leadership",
]
PLACE_TYPES = ["city", "region", "territory", "seat-of-government", "airspace", "continent"]
GIVEN = [
    "Anna",
    "Boris",
    "Clara",
    "Dmitri",
    "Elena",
    "Feliks",
    "Galina",
    "Hiroshi",
    "Irina",
    "Józef",
    "Kenji",
    "Lev",
    "Maria",
    "Nikolai",
    "Olga",
    "Pavel",
    "Sergei",
    "Tatiana",
    "Viktor",
    "Yuri",
]
FAMILY = [
    "Ivanov",
    "Tanaka",
    "Kowalski",
    "Petrova",
    "Sato",
    "Orlov",
    "Nowak",
    "Smirnov",
    "Yamada",
    "Volkov",
    "Lewandowski",
    "Kuznetsova",
    "Suzuki",
    "Popov",
    "Zielinski",
]
SEASONS = {
    21: ("spring", 3, 5),
    22: ("summer", 6, 8),
    23: ("autumn", 9, 11),
    24: ("winter", 12, 12),
}
MONTHS = list(calendar.month_name)


def _iri(value: str) -> str:
    return f"<{value}>"


def _str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _en(text: str) -> str:
    return _str(text) + "@en"


def _typed(text: str, datatype: str) -> str:
    return f"{_str(text)}^^<{datatype}>"


def _int(value: int) -> str:
    return _typed(str(value), XSD.integer.value)


A = _iri(RDF.type.value)
LABEL = _iri(RDFS.label.value)


@dataclass(frozen=True)
class Sizes:
    """How many of each kind of entity a run of ``events`` events draws on."""

    events: int
    persons: int
    groups: int
    places: int
    books: int
    pages: int  # per book

    @classmethod
    def for_events(cls, events: int) -> "Sizes":
        return cls(
            events,
            max(10, events // 4),
            max(4, events // 40),
            max(5, events // 10),
            max(1, events // 200),
            min(300, max(5, events // 4)),
        )


Statement = tuple[str, str, str]
Block = tuple[str | None, list[Statement]]  # (graph IRI or None for the default graph, triples)


class _Draw:
    """Heavy-tailed choice among ``n`` ranked items: weight 1/(rank+1)**1.1 (Zipf-like)."""

    def __init__(self, rng: random.Random, n: int, exponent: float = 1.1) -> None:
        self.rng = rng
        self.cumulative = list(itertools.accumulate(1 / (k + 1) ** exponent for k in range(n)))

    def __call__(self) -> int:
        return bisect_left(self.cumulative, self.rng.random() * self.cumulative[-1])


def _date(rng: random.Random) -> tuple[str, str, str, str]:
    """Return (phrase, EDTF, begin, end) at a random precision."""
    year = rng.randint(1890, 1950)
    month = rng.randint(1, 12)
    kind = rng.choices(["day", "month", "season", "year", "years", "days"], [5, 3, 1, 2, 1, 1])[0]
    last = calendar.monthrange(year, month)[1]
    day = rng.randint(1, last)
    if kind == "day":
        iso = f"{year}-{month:02d}-{day:02d}"
        return f"{day} {MONTHS[month]} {year}", iso, iso, iso
    if kind == "month":
        return (
            f"{MONTHS[month]} {year}",
            f"{year}-{month:02d}",
            f"{year}-{month:02d}-01",
            f"{year}-{month:02d}-{last:02d}",
        )
    if kind == "season":
        code = rng.randint(21, 24)
        name, first, final = SEASONS[code]
        end_day = calendar.monthrange(year, final)[1]
        return (
            f"the {name} of {year}",
            f"{year}-{code}",
            f"{year}-{first:02d}-01",
            f"{year}-{final:02d}-{end_day:02d}",
        )
    if kind == "year":
        return f"In {year}", str(year), f"{year}-01-01", f"{year}-12-31"
    if kind == "years":
        until = year + rng.randint(1, 4)
        return f"{year}\u2013{until}", f"{year}/{until}", f"{year}-01-01", f"{until}-12-31"
    span = rng.randint(1, 200)
    start = calendar.timegm((year, month, day, 0, 0, 0))
    y2, m2, d2 = _ymd(start + span * 86400)
    first_iso, second_iso = f"{year}-{month:02d}-{day:02d}", f"{y2}-{m2:02d}-{d2:02d}"
    return (
        f"{day} {MONTHS[month]} {year} to {d2} {MONTHS[m2]} {y2}",
        f"{first_iso}/{second_iso}",
        first_iso,
        second_iso,
    )


def _ymd(seconds: int) -> tuple[int, int, int]:
    import time

    parts = time.gmtime(seconds)
    return parts.tm_year, parts.tm_mon, parts.tm_mday


class _Generator:
    """Draws the graph block by block; every block is written before the next one is drawn."""

    def __init__(self, events: int, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (reproducible data, not secrets)
        self.sizes = Sizes.for_events(events)
        self.offset = 0  # running code-point offset of anchors into each synthetic text

    # ---------------------------------------------------------------- helpers

    def anchor(self, name: str, text: str, exact: str) -> tuple[str, list[Statement]]:
        iri = _iri(f"{ID}anchor/synth/{name}")
        quote, position = (
            _iri(f"{ID}anchor/synth/{name}-quote"),
            _iri(f"{ID}anchor/synth/{name}-position"),
        )
        start = self.offset
        self.offset += len(exact) + 1
        return iri, [
            (iri, A, _iri(OA.SpecificResource.value)),
            (iri, _iri(OA.hasSource.value), text),
            (iri, _iri(OA.hasSelector.value), quote),
            (iri, _iri(OA.hasSelector.value), position),
            (quote, A, _iri(OA.TextQuoteSelector.value)),
            (quote, _iri(OA.exact.value), _str(exact)),
            (position, A, _iri(OA.TextPositionSelector.value)),
            (position, _iri(OA.start.value), _int(start)),
            (position, _iri(OA.end.value), _int(start + len(exact))),
        ]

    def text_of(self, index: int) -> str:
        return _iri(f"{ID}text/synth-{index % self.sizes.books}")

    def page_of(self, index: int) -> str:
        return _iri(
            f"{ID}source/synth-book-{index % self.sizes.books}-p{index % self.sizes.pages + 1}"
        )

    @staticmethod
    def person(index: int) -> str:
        return _iri(f"{ID}person/synth-{index}")

    @staticmethod
    def person_name(index: int) -> str:
        given, family = GIVEN[index % len(GIVEN)], FAMILY[(index // len(GIVEN)) % len(FAMILY)]
        return f"{given} {family} {index}"

    # ---------------------------------------------------------------- blocks

    def blocks(self) -> Iterator[Block]:
        yield None, self.historian()
        for book in range(self.sizes.books):
            yield None, self.book(book)
        for index in range(self.sizes.persons):
            yield (
                None,
                self.named(
                    f"person/synth-{index}",
                    CRM.E21_Person.value,
                    self.person_name(index),
                    None,
                    index,
                ),
            )
        for index in range(self.sizes.groups):
            yield (
                None,
                self.named(
                    f"group/synth-{index}",
                    CRM.E74_Group.value,
                    f"Group {index}",
                    GROUP_TYPES[index % len(GROUP_TYPES)],
                    index,
                ),
            )
        for index in range(self.sizes.places):
            yield (
                None,
                self.named(
                    f"place/synth-{index}",
                    CRM.E53_Place.value,
                    f"Place {index}",
                    PLACE_TYPES[index % len(PLACE_TYPES)],
                    index,
                ),
            )
        persons = _Draw(self.rng, self.sizes.persons)
        places = _Draw(self.rng, self.sizes.places)
        for index in range(self.sizes.events):
            yield from self.event(index, persons, places)

    def historian(self) -> list[Statement]:
        iri = _iri(f"{ID}person/synth-historian")
        return [
            (iri, A, _iri(CRM.E39_Actor.value)),
            (iri, A, _iri(PROV.Agent.value)),
            (iri, LABEL, _en("Synthetic historian")),
        ]

    def book(self, index: int) -> list[Statement]:
        book = _iri(f"{ID}source/synth-book-{index}")
        text = self.text_of(index)
        first = self.page_of(index)
        out = [
            (book, A, _iri(BIBO.Book.value)),
            (book, LABEL, _en(f"Synthetic book {index}")),
            (book, _iri(DCTERMS.title.value), _en(f"Synthetic book {index}")),
            (text, A, _iri(DCMITYPE.Text.value)),
            (text, A, _iri(PROV.Entity.value)),
            (text, LABEL, _en(f"Text of synthetic book {index}")),
            (text, _iri(DCTERMS.identifier.value), _str(f"seeds/synth-{index}.txt")),
            (text, _iri(DCTERMS.source.value), first),
        ]
        for page in range(1, self.sizes.pages + 1):
            part = _iri(f"{ID}source/synth-book-{index}-p{page}")
            out += [
                (part, A, _iri(BIBO.DocumentPart.value)),
                (part, _iri(DCTERMS.isPartOf.value), book),
                (part, _iri(BIBO.pages.value), _str(str(page))),
                (part, _iri(BIBO.pageStart.value), _int(page)),
                (part, _iri(BIBO.pageEnd.value), _int(page)),
            ]
        return out

    def named(
        self, path: str, cls: str, label: str, kind: str | None, index: int
    ) -> list[Statement]:
        iri = _iri(ID + path)
        anchor, statements = self.anchor(path.replace("/", "-"), self.text_of(index), label)
        out = [(iri, A, _iri(cls)), (iri, LABEL, _en(label)), (iri, _iri(HK.mention.value), anchor)]
        if kind:
            out.append((iri, _iri(CRM.P2_has_type.value), _iri(HKC.NS + kind)))
        return out + statements

    def event(self, index: int, persons: _Draw, places: _Draw) -> Iterator[Block]:
        rng = self.rng
        event = _iri(f"{ID}event/synth-{index}")
        claim = _iri(f"{ID}claim/synth-{index}")
        span = _iri(f"{ID}timespan/synth-{index}")
        letter = rng.random() < 0.2
        kind = "letter-writing" if letter else EVENT_TYPES[index % len(EVENT_TYPES)]
        actor = persons()
        label = (
            f"Letter of {self.person_name(actor)} ({index})"
            if letter
            else f"{kind.replace('-', ' ').capitalize()} {index}"
        )
        anchor, anchor_statements = self.anchor(f"event-{index}", self.text_of(index), label)
        outside = [
            (event, A, _iri(CRM.NS + ("E65_Creation" if letter else "E7_Activity"))),
            (event, LABEL, _en(label)),
            (event, _iri(CRM.P2_has_type.value), _iri(HKC.NS + kind)),
            (event, _iri(HK.mention.value), anchor),
            *anchor_statements,
        ]
        phrase, edtf, begin, end = _date(rng)
        inside = [
            (event, _iri(CRM.P4_has_time_span.value), span),
            (span, A, _iri(CRM.E52_Time_Span.value)),
            (span, LABEL, _en(phrase)),
            (span, _iri(HK.edtf.value), _typed(edtf, EDTF.value)),
            (
                span,
                _iri(CRM.P82a_begin_of_the_begin.value),
                _typed(begin + "T00:00:00", XSD.dateTime.value),
            ),
            (
                span,
                _iri(CRM.P82b_end_of_the_end.value),
                _typed(end + "T23:59:59", XSD.dateTime.value),
            ),
            # The phrase is not in the synthetic passage, and the shapes want to know why.
            (span, _iri(HK.derivation.value), _en("Synthetic: a date drawn at random.")),
            (event, _iri(CRM.P14_carried_out_by.value), self.person(actor)),
            (event, _iri(CRM.P7_took_place_at.value), _iri(f"{ID}place/synth-{places()}")),
        ]
        if letter:
            inside += self.letter(index, event, actor)
        else:
            for other in sorted({persons() for _ in range(rng.randint(0, 3))} - {actor}):
                inside.append((event, _iri(CRM.P11_had_participant.value), self.person(other)))
            if rng.random() < 0.3:
                group = _iri(f"{ID}group/synth-{rng.randrange(self.sizes.groups)}")
                inside.append((event, _iri(CRM.P11_had_participant.value), group))
        outside += self.claim(index, claim, anchor, label)
        yield None, outside
        yield claim, inside

    def letter(self, index: int, event: str, sender: int) -> list[Statement]:
        recipient = (sender + 1 + self.rng.randrange(self.sizes.persons - 1)) % self.sizes.persons
        doc = _iri(f"{ID}document/synth-{index}")
        quote = _iri(f"{ID}quotation/synth-{index}")
        words = f"quotation {index} from the letter"
        anchor, anchor_statements = self.anchor(f"quote-{index}", self.text_of(index), words)
        return [
            (event, _iri(HK.addressee.value), self.person(recipient)),
            (event, _iri(CRM.P94_has_created.value), doc),
            (doc, A, _iri(CRM.E31_Document.value)),
            (doc, LABEL, _en(f"Letter {index}")),
            (doc, _iri(CRM.P2_has_type.value), _iri(HKC.letter.value)),
            (doc, _iri(HK.mention.value), anchor),
            (doc, _iri(CRM.P106_is_composed_of.value), quote),
            (quote, A, _iri(CRM.E33_Linguistic_Object.value)),
            (quote, LABEL, _en(f"“{words}”")),
            (quote, _iri(CRM.P2_has_type.value), _iri(HKC.quotation.value)),
            (quote, _iri(CRM.P190_has_symbolic_content.value), _en(words)),
            (quote, _iri(HK.textAnchor.value), anchor),
            *anchor_statements,
        ]

    def claim(self, index: int, claim: str, anchor: str, label: str) -> list[Statement]:
        rng = self.rng
        historian = _iri(f"{ID}person/synth-historian")
        reported = rng.random() < 0.1
        out = [
            (claim, A, _iri(HK.Claim.value)),
            (claim, LABEL, _en(f"Claim about {label}")),
            (claim, _iri(HK.mode.value), _iri(HKC.NS + ("reported" if reported else "asserted"))),
            (claim, _iri(PROV.wasAttributedTo.value), historian),
            (claim, _iri(PROV.wasDerivedFrom.value), anchor),
            (claim, _iri(PROV.wasDerivedFrom.value), self.page_of(index)),
        ]
        if reported:
            attribution = _iri(f"{ID}attribution/synth-{index}")
            informant = self.person(rng.randrange(self.sizes.persons))
            out += [
                (claim, _iri(PROV.qualifiedAttribution.value), attribution),
                (attribution, A, _iri(PROV.Attribution.value)),
                (attribution, _iri(PROV.agent.value), informant),
                (attribution, _iri(PROV.hadRole.value), _iri(HKC.informant.value)),
            ]
        if rng.random() < 0.3:
            out += self.note(index, claim)
        return out

    def note(self, index: int, claim: str) -> list[Statement]:
        note = _iri(f"{ID}note/synth-{index}")
        cited = self.page_of(index * 7 + 3)
        marker, marker_statements = self.anchor(f"note-{index}-marker", self.text_of(index), "1")
        text, text_statements = self.anchor(
            f"note-{index}", self.text_of(index), f"Footnote of event {index}"
        )
        return [
            (claim, _iri(HK.footnote.value), note),
            (claim, _iri(HK.footnoteScope.value), _iri(HKC.sentence_scope.value)),
            (note, A, _iri(BIBO.Note.value)),
            (note, LABEL, _en(f"Footnote {index}")),
            (note, _iri(BIBO.number.value), _int(1)),
            (note, _iri(BIBO.content.value), _en(f"Synthetic citation {index}.")),
            (note, _iri(CITO.citesAsEvidence.value), cited),
            (note, _iri(HK.markerAnchor.value), marker),
            (note, _iri(HK.textAnchor.value), text),
            *marker_statements,
            *text_statements,
        ]


def format_of(path: Path) -> str:
    """Return ``nquads`` or ``trig`` for a file name; raise ``InputError`` otherwise."""
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise InputError(
            f"{path}: cannot tell the format from the extension",
            hint="Name the output file .nq (N-Quads) or .trig (TriG).",
        ) from None


def _write_block(out: IO[str], graph: str | None, statements: list[Statement], trig: bool) -> None:
    if trig:
        body = "".join(f"{s} {p} {o} .\n" for s, p, o in statements)
        out.write(f"{graph} {{\n{body}}}\n" if graph else body)
    else:
        suffix = f" {graph} .\n" if graph else " .\n"
        out.write("".join(f"{s} {p} {o}{suffix}" for s, p, o in statements))


def write_synthetic(path: Path, *, events: int, seed: int = 0) -> int:
    """Write a synthetic graph of ``events`` events to ``path``; return the number of quads."""
    if events < 1:
        raise InputError("--events must be at least 1", hint="Try --events 1000.")
    trig = format_of(path) == "trig"
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for graph, statements in _Generator(events, seed).blocks():
            _write_block(out, graph, statements, trig)
            count += len(statements)
    return count
