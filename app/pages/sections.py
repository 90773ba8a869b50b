"""The per-kind sections of an entity page: event, person, letter, involvement, book, claim.

Each function reads the neighbourhood through a :class:`~app.pages.build.PageBuilder` and
returns a frozen section of ``app.pages.context``; the builder numbers footnotes as statements
cite them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from pyoxigraph import Literal, NamedNode

from app.pages.build import PageBuilder, facts_about
from app.pages.context import (
    BookSection,
    Citation,
    ClaimLine,
    ClaimSection,
    Dated,
    EventSection,
    Instruction,
    InvolvementSection,
    LetterSection,
    PersonSection,
    Role,
    Statement,
    Value,
)
from app.pages.passages import flat
from app.read.labels import inverse_words, kind_of, property_words
from app.read.neighbourhood import Fact
from app.vocab import CRM, HK

TIMELINE_KINDS = ("event", "attitude")

# Participation properties and the role they name, in the order a page lists them.
ROLES = (
    (CRM.P14_carried_out_by.value, "carried out by"),
    (HK.heldBy.value, "held by"),
    (HK.addressee.value, "addressee"),
    (HK.directedAt.value, "directed at"),
    (CRM.P11_had_participant.value, "participants"),
)

# Temporal and causal links: (property, where the other end goes when this entity is the
# subject, the words for it; where it goes when this entity is the object, the words for it).
RELATIONS = (
    (CRM.P183_ends_before_the_start_of.value, "after", "began after this ended",
     "before", "ended before this began"),
    (CRM.P176_starts_before_the_start_of.value, "after", "began after this began",
     "before", "began before this began"),
    (CRM.P17_was_motivated_by.value, "before", "motivated this",
     "after", "motivated by this"),
    (HK.resultedIn.value, "after", "resulted from this",
     "before", "led to this"),
    (CRM.P10_falls_within.value, "context", "this falls within it",
     "context", "falls within this"),
    (CRM.P9i_forms_part_of.value, "context", "this is part of it",
     "context", "part of this"),
)  # fmt: skip


def _node_kind(builder: PageBuilder, iri: str) -> str:
    node = builder.hood.nodes.get(iri)
    return kind_of(node.classes).key if node is not None else ""


def _statements(builder: PageBuilder, facts: Iterable[Fact]) -> tuple[Statement, ...]:
    seen: dict[tuple[str, str], Statement] = {}
    for fact in facts:
        key = (fact.predicate, str(fact.object))
        if key not in seen:
            seen[key] = builder.statement(fact.subject, fact.predicate, fact.object)
    return tuple(seen.values())


def _by(facts: list[Fact], predicate: str) -> list[Fact]:
    return [fact for fact in facts if fact.predicate == predicate]


def _dated(builder: PageBuilder, iri: str, role: str, graphs: tuple[str, ...]) -> Dated:
    return Dated(
        link=builder.link(iri),
        when=builder.when(iri),
        role=role,
        notes=builder.notes_for_graphs(graphs),
        reported=builder.reported_for(graphs),
    )


def _graphs(builder: PageBuilder, fact: Fact) -> tuple[str, ...]:
    return tuple(builder.claims_of(fact.subject, fact.predicate, fact.object))


Pending = dict[str, tuple[str, tuple[str, ...]]]
"""Rows of a dated list before their footnote marks are made: iri -> (role, claim graphs)."""


def _ordered(builder: PageBuilder, items: Pending) -> tuple[Dated, ...]:
    """The rows by date, their marks made in that order (so notes number as the page reads)."""
    return tuple(_dated(builder, iri, *items[iri]) for iri in sorted(items, key=builder.sort_key))


def event_section(builder: PageBuilder, iri: str) -> EventSection:
    """Participants, place, what it was about, and what came before and after."""
    own = facts_about(builder.hood, iri)
    roles = tuple(
        Role(label=label, statements=_statements(builder, _by(own, prop)))
        for prop, label in ROLES
        if _by(own, prop)
    )
    # What the source says happened, usually in indirect speech ("that he feared ..."): shown
    # as text, never in quotation marks; only hk:quotation values are quotations.
    content = [
        Statement(
            value=Value(text=str(fact.object.value), lang=_lang(fact.object)),
            notes=builder.notes_for_graphs(
                builder.claims_of(fact.subject, fact.predicate, fact.object)
            ),
            reported=builder.reported_for(
                builder.claims_of(fact.subject, fact.predicate, fact.object)
            ),
        )
        for fact in _by(own, HK.content.value)
    ]
    about = list(_statements(builder, _by(own, HK.about.value)))
    about += _quotation_statements(builder, _by(own, HK.quotation.value))
    sides: dict[str, Pending] = {"before": {}, "after": {}, "context": {}}
    motives = []
    for prop, out_side, out_words, in_side, in_words in RELATIONS:
        for fact in _by(own, prop):
            other = str(fact.object.value)
            if _node_kind(builder, other) in TIMELINE_KINDS:
                sides[out_side].setdefault(other, (out_words, _graphs(builder, fact)))
            else:
                motives.append(fact)
        for fact in builder.hood.facts:
            if fact.predicate == prop and fact.object == NamedNode(iri) and fact.subject != iri:
                sides[in_side].setdefault(fact.subject, (in_words, _graphs(builder, fact)))
    _relative_dates(builder, iri, sides)
    about += [
        Statement(value=s.value, notes=s.notes, reported=s.reported, role="motivated by")
        for s in _statements(builder, motives)
    ]
    places = _statements(builder, _by(own, CRM.P7_took_place_at.value))
    shown = [*places, *content, *about, *(s for role in roles for s in role.statements)]
    common = {s.reported for s in shown}
    reported = common.pop() if len(common) == 1 else ""
    if reported:  # said once above the section, not before each of its statements

        def plain(items: Iterable[Statement]) -> tuple[Statement, ...]:
            return tuple(replace(s, reported="") for s in items)

        places, content, about = plain(places), list(plain(content)), list(plain(about))
        roles = tuple(replace(role, statements=plain(role.statements)) for role in roles)
    return EventSection(
        reported=reported,
        places=places,
        roles=roles,
        content=tuple(content),
        about=tuple(about),
        before=_ordered(builder, sides["before"]),
        after=_ordered(builder, sides["after"]),
        context=_ordered(builder, sides["context"]),
    )


def _relative_dates(builder: PageBuilder, iri: str, sides: dict[str, Pending]) -> None:
    """Events dated relative to this one come after it; the one it is dated from, before."""
    spans_of = {
        str(f.object.value): f.subject
        for f in builder.hood.facts
        if f.predicate == CRM.P4_has_time_span.value and isinstance(f.object, NamedNode)
    }
    for fact in builder.hood.facts:
        if fact.predicate != HK.relativeTo.value or not isinstance(fact.object, NamedNode):
            continue
        dated = spans_of.get(fact.subject)
        if dated is None:
            continue
        if fact.object.value == iri and dated != iri:
            sides["after"].setdefault(dated, ("dated from this", _graphs(builder, fact)))
        elif dated == iri:
            anchor = fact.object.value
            sides["before"].setdefault(anchor, ("this is dated from it", _graphs(builder, fact)))


def _quotation_statements(builder: PageBuilder, facts: list[Fact]) -> list[Statement]:
    statements = []
    for fact in facts:
        quote = str(fact.object.value)
        statements.append(_quotation(builder, quote, fact))
    return statements


def _quotation(builder: PageBuilder, quote: str, fact: Fact) -> Statement:
    text = next(
        (
            str(f.object.value)
            for f in facts_about(builder.hood, quote)
            if f.predicate == CRM.P190_has_symbolic_content.value
        ),
        builder.label(quote),
    )
    printed = ""
    for claim in builder.hood.claims.values():
        for iri, _, exact in claim.quotations:
            if iri == quote and flat(exact).strip(" .") != text.strip(" ."):
                printed = flat(exact)
    graphs = builder.claims_of(fact.subject, fact.predicate, fact.object)
    return Statement(
        value=Value(text=text, link=builder.link(quote), kind="quotation", detail=printed),
        notes=builder.notes_for_graphs(graphs),
        reported=builder.reported_for(graphs),
    )


def _incoming(builder: PageBuilder, iri: str) -> list[Fact]:
    target = NamedNode(iri)
    return [f for f in builder.hood.facts if f.object == target and builder.hood.is_claim(f.graph)]


def person_section(builder: PageBuilder, iri: str) -> PersonSection:
    """Their events and letters by date, and the claims that rest on their word."""
    events: Pending = {}
    roles: dict[str, list[str]] = {}
    first_fact: dict[str, Fact] = {}
    for fact in _incoming(builder, iri):
        if _node_kind(builder, fact.subject) not in TIMELINE_KINDS:
            continue
        words = inverse_words(fact.predicate, builder.hood.vocabulary)
        roles.setdefault(fact.subject, [])
        if words not in roles[fact.subject]:
            roles[fact.subject].append(words)
        first_fact.setdefault(fact.subject, fact)
    for event, event_roles in roles.items():
        events[event] = (", ".join(event_roles), _graphs(builder, first_fact[event]))
    ordered_events = _ordered(builder, events)
    letters: dict[str, Dated] = {}
    for event in sorted(roles, key=builder.sort_key):
        event_roles = roles[event]
        for fact in facts_about(builder.hood, event):
            if fact.predicate in (CRM.P94_has_created.value, HK.published.value):
                document = str(fact.object.value)
                if document not in letters:
                    letters[document] = Dated(
                        link=builder.link(document),
                        when=builder.when(event),
                        role=_letter_role(event_roles),
                        notes=builder.notes_for_graphs(
                            builder.claims_of(fact.subject, fact.predicate, fact.object)
                        ),
                    )
    testimony = {}
    for claim in builder.hood.claims.values():
        for agent, role in claim.attributions:
            if agent == iri and claim.iri not in testimony:
                testimony[claim.iri] = Dated(
                    link=builder.link(claim.iri, claim.label or None),
                    when="",
                    role=builder.hood.vocabulary.get(role, role.rsplit("/", 1)[-1]),
                    notes=(builder.note(claim.iri),),
                )
    letter_order = sorted(letters, key=_letter_sort(builder, roles))
    return PersonSection(
        events=ordered_events,
        letters=tuple(letters[d] for d in letter_order),
        testimony=tuple(testimony.values()),
    )


def _letter_role(words: list[str]) -> str:
    if "carried out" in words:
        return "wrote or published"
    if "addressee of" in words:
        return "received"
    return ", ".join(words)


def _letter_sort(
    builder: PageBuilder, roles: dict[str, list[str]]
) -> Callable[[str], tuple[int, str, str, str]]:
    """Letters sort by the first event (in ``roles`` order) that names them, else by themselves."""
    naming: dict[str, str] = {}
    for event in roles:
        for fact in facts_about(builder.hood, event):
            naming.setdefault(str(fact.object.value), event)
    return lambda document: builder.sort_key(naming.get(document, document))


def letter_section(builder: PageBuilder, iri: str) -> LetterSection:
    """Sender, recipient, date, quotations and the instructions a document gave."""
    creations = [
        f
        for f in _incoming(builder, iri)
        if f.predicate in (CRM.P94_has_created.value, HK.published.value)
    ]
    creation = creations[0].subject if creations else None
    made = facts_about(builder.hood, creation) if creation else []
    own = facts_about(builder.hood, iri)
    unknown = any(
        f.predicate == HK.unknown.value and str(f.object.value) == "addressee" for f in made
    )
    instructions = []
    for fact in _by(own, CRM.P70_documents.value):
        target = str(fact.object.value)
        target_facts = facts_about(builder.hood, target)
        instructions.append(
            Instruction(
                link=builder.link(target),
                content=next(
                    (str(f.object.value) for f in _by(target_facts, HK.content.value)), ""
                ),
                directed_at=tuple(
                    builder.link(str(f.object.value))
                    for f in _by(target_facts, HK.directedAt.value)
                ),
                notes=builder.notes_for_graphs(
                    builder.claims_of(fact.subject, fact.predicate, fact.object)
                ),
            )
        )
    return LetterSection(
        creation=builder.link(creation) if creation else None,
        senders=_statements(builder, _by(made, CRM.P14_carried_out_by.value)),
        recipients=_statements(builder, _by(made, HK.addressee.value)),
        recipient_unknown=unknown,
        published_in=_statements(builder, _by(made, HK.publishedIn.value)),
        when=builder.date_text(creation) if creation else None,
        quotations=tuple(
            _quotation(builder, str(f.object.value), f)
            for f in _by(own, CRM.P106_is_composed_of.value)
        ),
        instructions=tuple(instructions),
    )


def involvement_section(builder: PageBuilder, iri: str) -> InvolvementSection:
    """What happened at a place, or involved a group, by date."""
    items: Pending = {}
    direct: dict[str, list[str]] = {}
    first: dict[str, Fact] = {}
    for fact in _incoming(builder, iri):
        if _node_kind(builder, fact.subject) in (*TIMELINE_KINDS, "document"):
            words = inverse_words(fact.predicate, builder.hood.vocabulary)
            direct.setdefault(fact.subject, [])
            if words not in direct[fact.subject]:
                direct[fact.subject].append(words)
            first.setdefault(fact.subject, fact)
    for subject, subject_roles in direct.items():
        items[subject] = (", ".join(subject_roles), _graphs(builder, first[subject]))
    naming = _graphs_naming(builder, iri)
    mentioned = {
        f.subject
        for f in builder.hood.facts
        if builder.hood.is_claim(f.graph)
        and _node_kind(builder, f.subject) in TIMELINE_KINDS
        and f.subject not in items
        and f.graph in naming
    }
    stating = {(f.subject, f.graph) for f in builder.hood.facts}
    named: Pending = {}
    for subject in mentioned:
        graphs = [g for g in builder.hood.claims if g in naming]
        related = [g for g in graphs if (subject, g) in stating]
        named[subject] = ("in a claim that names it", tuple(related))
    place = _node_kind(builder, iri) == "place"
    return InvolvementSection(
        heading="What happened there" if place else "What it took part in or was involved in",
        items=_ordered(builder, items),
        mentioned=_ordered(builder, named),
    )


def _graphs_naming(builder: PageBuilder, iri: str) -> set[str]:
    """The graphs of the neighbourhood with ``iri`` as a subject or object."""
    target = NamedNode(iri)
    return {f.graph for f in builder.hood.facts if f.subject == iri or f.object == target}


def book_section(builder: PageBuilder, iri: str) -> BookSection:
    """Everything a book, or a page of it, is cited for, by page."""
    found: dict[tuple[str, str], tuple[tuple[int, str], str, str]] = {}
    for claim in builder.hood.claims.values():
        sources = {**claim.derived, **claim.cited}
        for source in sources.values():
            if iri in (source.book, source.iri):
                key = (source.iri, claim.iri)
                found.setdefault(
                    key, ((source.page_start or 0, claim.label), source.iri, claim.iri)
                )
    citations = []
    for _, source_iri, claim_iri in sorted(found.values()):
        claim = builder.hood.claims[claim_iri]
        source = {**claim.derived, **claim.cited}[source_iri]
        citations.append(
            Citation(
                pages=source.pages or source.label,
                part=builder.link(source.iri, source.label or None),
                claim=builder.link(claim.iri, claim.label or None),
                notes=(builder.note(claim.iri),),
            )
        )
    return BookSection(citations=tuple(citations))


def claim_section(builder: PageBuilder, iri: str) -> ClaimSection:
    """What a claim's graph says, line by line, and how the source presents it."""
    claim = builder.hood.claims.get(iri)
    notes = (builder.note(iri),) if claim is not None else ()
    lines = [
        ClaimLine(
            subject=builder.link(fact.subject),
            property=property_words(fact.predicate, builder.hood.vocabulary),
            value=builder.value(fact.object, fact.predicate),
        )
        for fact in builder.hood.facts
        if fact.graph == iri
    ]
    lines.sort(key=lambda line: (line.subject.label.casefold(), line.property, line.value.text))
    from app.pages.build import entered_link, reported_text

    labels = {i: n.label() for i, n in builder.hood.nodes.items() if n.labels}
    return ClaimSection(
        mode=builder.hood.vocabulary.get(claim.mode, "") if claim and claim.mode else "",
        reported=reported_text(claim, labels) if claim else "",
        lines=tuple(lines),
        notes=notes,
        entered=entered_link(claim),
    )


def _lang(term: NamedNode | Literal) -> str:
    return term.language or "" if isinstance(term, Literal) else ""
