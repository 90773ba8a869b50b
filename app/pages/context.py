"""Page contexts: what each template may read, as frozen dataclasses with a help text per field.

The data layer (``app.pages.entity``, ``app.pages.home``, ``app.pages.search``) builds these
from SPARQL results; templates only read them (``tests/test_pages_contract.py`` checks that every
attribute a template names is a field declared here), and the ``.json`` view of a page is the
same object as JSON. Nothing here is HTML: labels are plain text that the templates escape.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


def _help(text: str) -> dict[str, str]:
    """Field metadata holding the field's help text (read by docs and the contract test)."""
    return {"help": text}


@dataclass(frozen=True, kw_only=True)
class Link:
    """A reference to a resource, shown by its label."""

    label: str = field(
        metadata=_help("Text of the link: the target's label, or a readable form of its IRI.")
    )
    href: str | None = field(
        metadata=_help(
            "Where the link goes: a path on this server (/id/...), an outside URL, or None when "
            "the target has no page (shown as plain text)."
        )
    )
    iri: str = field(metadata=_help("IRI of the target."))
    external: bool = field(
        default=False, metadata=_help("True when href leaves this server (for example Wikidata).")
    )
    kind: str = field(
        default="",
        metadata=_help("Kind of the target in words (person, event, claim ...), or empty."),
    )


@dataclass(frozen=True, kw_only=True)
class NoteRef:
    """A footnote mark after a statement."""

    number: int = field(metadata=_help("The footnote's number on this page."))
    target: str = field(
        metadata=_help("Fragment id of the footnote at the foot of the page (fn-3).")
    )
    id: str = field(
        metadata=_help(
            "Fragment id of this mark, unique on the page, for the footnote's back link."
        )
    )


@dataclass(frozen=True, kw_only=True)
class Value:
    """The object of a statement: a link, a text, a date or a quotation."""

    text: str = field(
        metadata=_help("The value as text: the link label, the literal or the date in words.")
    )
    link: Link | None = field(
        default=None, metadata=_help("The linked resource, when the value is one.")
    )
    lang: str = field(
        default="", metadata=_help("Language tag of a text value (en, ru-Latn-alalc97), or empty.")
    )
    kind: str = field(
        default="text", metadata=_help("One of link, text, date, quotation, unknown.")
    )
    detail: str = field(
        default="",
        metadata=_help(
            "Secondary text: for a date the source's phrase, for a quotation its printed form."
        ),
    )


@dataclass(frozen=True, kw_only=True)
class Statement:
    """One statement of the page, with where it comes from."""

    value: Value = field(metadata=_help("What is stated."))
    notes: tuple[NoteRef, ...] = field(
        default=(), metadata=_help("Footnote marks of the claims that make the statement.")
    )
    reported: str = field(
        default="",
        metadata=_help(
            "For a reported claim, on whose word: 'according to Karl Radek, as told by Louis "
            "Fischer'; empty for what the historian asserts."
        ),
    )
    role: str = field(
        default="",
        metadata=_help("The part the value plays, where a list mixes roles (addressee ...)."),
    )


@dataclass(frozen=True, kw_only=True)
class PropertyGroup:
    """Statements that share a property."""

    label: str = field(metadata=_help("The property in words (carried out by, took place at ...)."))
    iri: str = field(metadata=_help("IRI of the property."))
    statements: tuple[Statement, ...] = field(metadata=_help("The statements, in a stable order."))
    total: int = field(
        default=0, metadata=_help("How many statements the graph has for this property.")
    )


@dataclass(frozen=True, kw_only=True)
class Pager:
    """Position in a paged list and links to the neighbouring pages."""

    page: int = field(metadata=_help("Number of the page shown, from 1."))
    previous_href: str | None = field(
        default=None, metadata=_help("Link to the previous page, if any.")
    )
    next_href: str | None = field(default=None, metadata=_help("Link to the next page, if any."))
    shown: str = field(
        default="",
        metadata=_help(
            "For a window of a long list: which items the page shows ('51\u2013100 of 6,647')."
        ),
    )


@dataclass(frozen=True, kw_only=True)
class Inbound:
    """Links from other resources to this one, grouped by property and paged."""

    groups: tuple[PropertyGroup, ...] = field(
        metadata=_help("This page of links, by property (in words).")
    )
    total: int = field(metadata=_help("Number of links on this page."))
    pager: Pager = field(metadata=_help("Paging of the links."))


@dataclass(frozen=True, kw_only=True)
class HighlightMark:
    """The mark after a highlight of a shared passage, linking it to its claim."""

    number: int = field(metadata=_help("The footnote's number on this page."))
    href: str = field(
        metadata=_help("The claim's page (for a mention, the footnote at the foot of the page).")
    )
    title: str = field(metadata=_help("The claim in one sentence, or what the mention shows."))


@dataclass(frozen=True, kw_only=True)
class PassagePiece:
    """A stretch of a shared passage over which its highlights do not change."""

    text: str = field(metadata=_help("The words."))
    notes: tuple[int, ...] = field(
        metadata=_help("The footnotes whose highlight covers it; empty for context.")
    )
    marks: tuple[HighlightMark, ...] = field(
        default=(), metadata=_help("The highlights ending with it: marks linking their claims.")
    )


@dataclass(frozen=True, kw_only=True)
class Passage:
    """A passage of a stored source text with the anchored part highlighted."""

    source: Link = field(metadata=_help("The stored text the passage comes from."))
    before: str = field(
        metadata=_help("Text before the highlighted part, from the start of its sentence.")
    )
    highlight: str = field(
        metadata=_help("The anchored part, repaired as ingestion repairs the page's text.")
    )
    after: str = field(
        metadata=_help("Text after the highlighted part, to the end of its sentence.")
    )
    clipped_start: bool = field(metadata=_help("True when text before the passage was left out."))
    clipped_end: bool = field(metadata=_help("True when text after the passage was left out."))
    location: str = field(metadata=_help("Where it stands: 'page 129, characters 2444-2570'."))
    see_note: int = field(
        default=0,
        metadata=_help(
            "When an earlier footnote of the page shows the same passage: its number (then only "
            "the highlighted words are shown here, with a link to it); else 0."
        ),
    )
    printed_before: str = field(
        default="",
        metadata=_help(
            "When the text above is the ingest repair of the page (ligatures restored, glued "
            "words parted, markers and running header left out): the stored text before the "
            "highlighted part, as the PDF extractor left it; empty when nothing was repaired."
        ),
    )
    printed_highlight: str = field(
        default="", metadata=_help("The highlighted part as stored, when repaired.")
    )
    printed_after: str = field(
        default="", metadata=_help("The stored text after it, when repaired.")
    )
    pieces: tuple[PassagePiece, ...] = field(
        default=(),
        metadata=_help(
            "When the passages of several footnotes overlap: the one passage they share, split "
            "where a highlight starts or ends, each highlight marked with its claim (before, "
            "highlight and after then give the same text in three parts); else empty."
        ),
    )
    printed_pieces: tuple[PassagePiece, ...] = field(
        default=(), metadata=_help("The same pieces as stored, when the text was repaired.")
    )


@dataclass(frozen=True, kw_only=True)
class Quotation:
    """A quotation of a claim, as repaired and as printed."""

    link: Link = field(metadata=_help("The quotation resource."))
    text: str = field(metadata=_help("The quotation with the extraction damage repaired."))
    printed: str = field(
        default="", metadata=_help("The same words as the stored text has them, when they differ.")
    )


@dataclass(frozen=True, kw_only=True)
class BookNote:
    """The footnote of the source page that a claim rests on."""

    link: Link = field(metadata=_help("The footnote resource."))
    number: int = field(metadata=_help("Its number on the source page."))
    content: str = field(metadata=_help("Its text, as the source page prints it."))
    cited: tuple[Link, ...] = field(metadata=_help("The pages it cites (parts of a book)."))
    books: tuple[Link, ...] = field(metadata=_help("The books those pages belong to."))


@dataclass(frozen=True, kw_only=True)
class Footnote:
    """A footnote of this page: a claim (or a naming) with its sources and passage."""

    number: int = field(metadata=_help("Its number on this page, in order of first reference."))
    id: str = field(metadata=_help("Fragment id (fn-3)."))
    backref: str = field(metadata=_help("Fragment id of its first mark in the text."))
    kind: str = field(
        metadata=_help(
            "'claim' for a claim of the source, 'mention' for where it names the entity."
        )
    )
    claim: Link | None = field(metadata=_help("The claim, for a claim footnote."))
    summary: str = field(metadata=_help("The claim in one sentence, or what the mention shows."))
    mode: str = field(
        default="", metadata=_help("asserted or reported (in words), empty for a mention.")
    )
    reported: str = field(
        default="", metadata=_help("For a reported claim: 'according to ..., as told by ...'.")
    )
    source_pages: tuple[Link, ...] = field(
        metadata=_help("The page(s) of the source book the claim is read from.")
    )
    book_note: BookNote | None = field(
        default=None, metadata=_help("The source page's footnote that supports the claim.")
    )
    other_sources: tuple[Link, ...] = field(
        default=(), metadata=_help("Other sources of the claim (the Wikidata table).")
    )
    passages: tuple[Passage, ...] = field(
        default=(), metadata=_help("The passages the claim was read from, highlighted.")
    )
    quotations: tuple[Quotation, ...] = field(
        default=(), metadata=_help("Quotations the claim contains, repaired.")
    )
    editorial_notes: tuple[str, ...] = field(
        default=(), metadata=_help("What the curators decided, and why.")
    )
    entered: Link | None = field(
        default=None,
        metadata=_help(
            "For a claim entered over HTTP or in the workbench rather than read from the book: "
            "who entered it and when, linking to its revision (from the revision history)."
        ),
    )


@dataclass(frozen=True, kw_only=True)
class DateText:
    """A date in words, with the source's own phrase and how it was worked out."""

    words: str = field(
        metadata=_help(
            "The date in words: '23 September 1931, five days after the Mukden Incident'."
        )
    )
    phrase: str = field(
        default="", metadata=_help("The source's own words for the date, if different from words.")
    )
    edtf: str = field(default="", metadata=_help("The EDTF value it is computed from."))
    derivation: str = field(default="", metadata=_help("How the date was worked out, in words."))
    link: Link | None = field(default=None, metadata=_help("The time-span resource."))
    notes: tuple[NoteRef, ...] = field(
        default=(), metadata=_help("Footnote marks of the claim that gives the date.")
    )


@dataclass(frozen=True, kw_only=True)
class Dated:
    """A resource in a date-ordered list (timelines, a person's events, what happened here)."""

    link: Link = field(metadata=_help("The event, activity, attitude or document."))
    when: str = field(metadata=_help("Its date in words, or empty when undated."))
    role: str = field(
        metadata=_help("How it relates to the page's entity (carried out, addressee, before ...).")
    )
    notes: tuple[NoteRef, ...] = field(
        default=(), metadata=_help("Footnote marks of the claims that relate it.")
    )
    reported: str = field(default="", metadata=_help("For a reported claim: on whose word."))


@dataclass(frozen=True, kw_only=True)
class Role:
    """Participants in one role (carried out by, addressee, held by ...)."""

    label: str = field(metadata=_help("The role in words."))
    statements: tuple[Statement, ...] = field(metadata=_help("Who, with footnotes."))


@dataclass(frozen=True, kw_only=True)
class EventSection:
    """What an event, activity or attitude page shows first."""

    places: tuple[Statement, ...] = field(metadata=_help("Where it took place."))
    roles: tuple[Role, ...] = field(metadata=_help("Who took part, by role."))
    content: tuple[Statement, ...] = field(
        metadata=_help("What was said, asked or meant, in the source's words.")
    )
    about: tuple[Statement, ...] = field(metadata=_help("What it concerned."))
    before: tuple[Dated, ...] = field(metadata=_help("What came before it or led to it, by date."))
    after: tuple[Dated, ...] = field(
        metadata=_help("What came after it or followed from it, by date.")
    )
    context: tuple[Dated, ...] = field(
        metadata=_help("What it was part of or fell within, and its parts.")
    )
    reported: str = field(
        default="",
        metadata=_help(
            "When every statement of the section rests on the same report: on whose word, said "
            "once above them ('according to Karl Radek, as told by Louis Fischer'); else empty."
        ),
    )


@dataclass(frozen=True, kw_only=True)
class PersonSection:
    """What a person page shows first."""

    events: tuple[Dated, ...] = field(
        metadata=_help("Events, activities and attitudes involving them, by date.")
    )
    letters: tuple[Dated, ...] = field(
        metadata=_help("Letters and writings they sent, received or published.")
    )
    testimony: tuple[Dated, ...] = field(
        metadata=_help("Claims resting on their word or their record.")
    )


@dataclass(frozen=True, kw_only=True)
class Instruction:
    """An instruction a letter gave."""

    link: Link = field(metadata=_help("The instruction (an activity)."))
    content: str = field(metadata=_help("What was asked, in the source's words."))
    directed_at: tuple[Link, ...] = field(metadata=_help("Whom it was directed at."))
    notes: tuple[NoteRef, ...] = field(default=(), metadata=_help("Footnote marks."))


@dataclass(frozen=True, kw_only=True)
class LetterSection:
    """What a letter or other document page shows first."""

    creation: Link | None = field(metadata=_help("The writing or publication that made it."))
    senders: tuple[Statement, ...] = field(metadata=_help("Who wrote or published it."))
    recipients: tuple[Statement, ...] = field(metadata=_help("To whom it was written."))
    recipient_unknown: bool = field(
        metadata=_help("True when the source does not say to whom it was written.")
    )
    published_in: tuple[Statement, ...] = field(metadata=_help("Where it was published."))
    when: DateText | None = field(metadata=_help("When it was written or published."))
    quotations: tuple[Statement, ...] = field(metadata=_help("Quotations from it, as repaired."))
    instructions: tuple[Instruction, ...] = field(metadata=_help("The instructions it gave."))


@dataclass(frozen=True, kw_only=True)
class InvolvementSection:
    """What a place, group or newspaper page shows first."""

    heading: str = field(
        default="What happened there or involved it",
        metadata=_help(
            "The section's heading, by kind: what happened at a place, what involved a group."
        ),
    )
    items: tuple[Dated, ...] = field(
        metadata=_help("What the graph says happened there or involved it, by date.")
    )
    mentioned: tuple[Dated, ...] = field(
        default=(),
        metadata=_help(
            "Events of claims that name it without saying it took part or was the place: shown "
            "apart, under their own heading, never as what happened there."
        ),
    )


@dataclass(frozen=True, kw_only=True)
class Citation:
    """One claim a book (or page) is cited for."""

    pages: str = field(metadata=_help("The cited pages ('103', '119-20')."))
    part: Link = field(metadata=_help("The cited part of the book."))
    claim: Link = field(metadata=_help("The claim it supports."))
    notes: tuple[NoteRef, ...] = field(metadata=_help("Footnote mark of that claim on this page."))


@dataclass(frozen=True, kw_only=True)
class BookSection:
    """What a book page shows first."""

    citations: tuple[Citation, ...] = field(metadata=_help("Everything it is cited for, by page."))


@dataclass(frozen=True, kw_only=True)
class ClaimLine:
    """One triple of a claim graph, as a sentence of three parts."""

    subject: Link = field(metadata=_help("What the statement is about."))
    property: str = field(metadata=_help("The property in words."))
    value: Value = field(metadata=_help("The value."))


@dataclass(frozen=True, kw_only=True)
class ExportButton:
    """A POST form that shows what the Wikidata export would make of one claim."""

    action: str = field(metadata=_help("Where the form is sent."))
    csrf: str = field(metadata=_help("The session's CSRF token."))
    claim: str = field(metadata=_help("The claim's IRI."))


@dataclass(frozen=True, kw_only=True)
class ClaimSection:
    """What a claim page shows first."""

    mode: str = field(metadata=_help("asserted or reported, in words."))
    reported: str = field(metadata=_help("On whose word, for a reported claim."))
    lines: tuple[ClaimLine, ...] = field(metadata=_help("What the claim's graph says."))
    notes: tuple[NoteRef, ...] = field(metadata=_help("The claim's own footnote mark."))
    entered: Link | None = field(
        default=None,
        metadata=_help(
            "Who entered the claim and when, linking to its revision, for a claim entered over "
            "HTTP or in the workbench; None for the book's own claims."
        ),
    )
    export: ExportButton | None = field(
        default=None,
        metadata=_help(
            "The 'Export to Wikidata' form, for a signed-in curator only (the page stays the "
            "same for every reader otherwise)."
        ),
    )


@dataclass(frozen=True, kw_only=True)
class Format:
    """An alternative representation of the page."""

    label: str = field(metadata=_help("Name of the format (Turtle, JSON-LD ...)."))
    href: str = field(metadata=_help("URL of that representation."))
    media_type: str = field(metadata=_help("Its media type."))


@dataclass(frozen=True, kw_only=True)
class Identifiers:
    """How to refer to the entity and where else it is described."""

    iri: str = field(metadata=_help("The entity's permanent IRI (its permalink)."))
    path: str = field(metadata=_help("Its page on this server."))
    formats: tuple[Format, ...] = field(
        metadata=_help("Machine-readable representations of the entity.")
    )
    wikidata: Link | None = field(metadata=_help("The Wikidata item it is the same as, if linked."))
    wikidata_search: str = field(
        metadata=_help(
            "A Wikidata search for the label, when not linked and a real-world thing (a "
            "person, group, place, event ...); empty for claims, passages, footnotes."
        )
    )
    cite: str = field(metadata=_help("A citation of this page, as text."))
    cite_source: str = field(
        default="",
        metadata=_help(
            "For a claim or a page of a book: the printed source to cite, book, page and "
            "footnote ('Moscow versus Tokyo, p. 129, n. 3, citing Stalin i Kaganovich, p. 103')."
        ),
    )


@dataclass(frozen=True, kw_only=True)
class WikidataDate:
    """A date Wikidata gives for the linked item."""

    label: str = field(metadata=_help("What the date is: born, died, inception, start ..."))
    value: str = field(
        metadata=_help("The value as the facts graph has it, by precision (1881-02-04, 193X).")
    )
    words: str = field(metadata=_help("The same in words (4 February 1881, the 1930s)."))


@dataclass(frozen=True, kw_only=True)
class WikidataName:
    """Another name Wikidata gives the linked item: a label in another language or an alias."""

    language: str = field(metadata=_help("Its language code as Wikidata tags it (ru, ja)."))
    name: str = field(metadata=_help("The name, in its own script (Иосиф Сталин)."))


@dataclass(frozen=True, kw_only=True)
class FromWikidata:
    """What Wikidata says about the item the entity is linked to, shown apart from the claims.

    Read from the Wikidata facts graph that ``histkg link --verify`` writes; never the
    historian's statements, never footnoted.
    """

    item: Link = field(metadata=_help("The Wikidata item (its QID), linking to its Wikidata page."))
    label: str = field(metadata=_help("Wikidata's English label of the item, or empty."))
    description: str = field(metadata=_help("Wikidata's English description, or empty."))
    dates: tuple[WikidataDate, ...] = field(
        metadata=_help("Its dates as Wikidata gives them (born, died, start, end ...).")
    )
    names: tuple[WikidataName, ...] = field(
        default=(),
        metadata=_help("Its labels in other languages, then its aliases, each with its language."),
    )
    coordinates: str = field(
        metadata=_help("Its coordinates in words (55.7558° N, 37.6173° E), or empty.")
    )
    point: str = field(
        metadata=_help("The same as a WKT point, Point(longitude latitude), or empty.")
    )
    retrieved: str = field(
        metadata=_help("When the facts were retrieved from Wikidata (ISO 8601), or empty.")
    )
    retrieved_words: str = field(metadata=_help("The day they were retrieved, in words."))
    modified: str = field(
        metadata=_help("The item's last revision on Wikidata before retrieval (ISO 8601).")
    )
    modified_words: str = field(metadata=_help("The day of that revision, in words."))
    graph: str = field(metadata=_help("The named graph of the store that holds these facts."))


@dataclass(frozen=True, kw_only=True)
class MapView:
    """A place on the offline world map (the outline drawn on the server, no script)."""

    outline_href: str = field(metadata=_help("The world outline, an SVG of a 360 x 180 box."))
    x: float = field(metadata=_help("The point's x in that box (longitude + 180)."))
    y: float = field(metadata=_help("The point's y in that box (90 - latitude)."))
    coordinates: str = field(metadata=_help("The coordinates in words, the map's text form."))
    source: str = field(metadata=_help("Where the coordinates come from, in words."))
    events: tuple[Link, ...] = field(
        default=(),
        metadata=_help("The events the graph places there (crm:P7_took_place_at), by date."),
    )


@dataclass(frozen=True, kw_only=True)
class Site:
    """What every page needs from the site: names, links, assets."""

    name: str = field(metadata=_help("Name of the site."))
    version: str = field(metadata=_help("Version of histkg serving it."))
    query: str = field(default="", metadata=_help("The search box's current text."))
    home_href: str = field(default="/", metadata=_help("Link to the home page."))
    search_href: str = field(default="/search", metadata=_help("Where the search form goes."))
    browse_href: str = field(default="/browse", metadata=_help("The faceted browser."))
    network_href: str = field(default="/network", metadata=_help("The network view."))
    map_href: str = field(default="/map", metadata=_help("The map of events."))
    sparql_href: str = field(default="/sparql", metadata=_help("Link to the SPARQL endpoint."))
    dump_href: str = field(default="/dump/", metadata=_help("Link to the data dumps."))
    css_href: str = field(metadata=_help("The style sheet."))
    js_href: str = field(metadata=_help("The small search-suggestion script."))
    icon_href: str = field(metadata=_help("The site icon."))
    data_licence: str = field(
        default="CC BY 4.0",
        metadata=_help(
            "The licence of the data, in words (the VoID description's dcterms:license)."
        ),
    )
    data_licence_href: str = field(
        default="", metadata=_help("The licence's URL, as the VoID description gives it.")
    )
    code_licence: str = field(
        default="Apache-2.0", metadata=_help("The licence of histkg's code, in words.")
    )
    code_licence_href: str = field(
        default="",
        metadata=_help("The code licence's URL, as the VoID description's software node gives it."),
    )


@dataclass(frozen=True, kw_only=True)
class EntityPage:
    """The page of one entity of the graph (the HTML, the .json view and the template contract)."""

    template: str = field(
        metadata=_help("The template that renders it (entity.html or a per-kind template).")
    )
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(metadata=_help("The document title."))
    iri: str = field(metadata=_help("The entity's IRI."))
    label: str = field(metadata=_help("Its preferred label."))
    alt_labels: tuple[Value, ...] = field(
        metadata=_help("Its other names, with their language tags.")
    )
    kind: str = field(metadata=_help("Its kind in one word (person, event, letter, place ...)."))
    types: tuple[Link, ...] = field(metadata=_help("Its types in words (classes and concepts)."))
    description: str = field(metadata=_help("One line on what it is."))
    when: DateText | None = field(metadata=_help("Its date in words, for dated entities."))
    label_notes: tuple[NoteRef, ...] = field(
        metadata=_help("Footnote marks of the passages that name it.")
    )
    editorial_notes: tuple[str, ...] = field(metadata=_help("Curators' notes on the entity."))
    unknowns: tuple[str, ...] = field(
        metadata=_help("What the source leaves unknown (title, addressee ...).")
    )
    statements: tuple[PropertyGroup, ...] = field(
        metadata=_help("Every statement about it, by property.")
    )
    inbound: Inbound = field(metadata=_help("Links to it from other resources, grouped and paged."))
    window: Pager | None = field(
        default=None,
        metadata=_help(
            "For an entity linked from very many resources (a person in thousands of events): "
            "which of them this page shows; its events, letters and links in come from those."
        ),
    )
    event: EventSection | None = field(
        metadata=_help("Event section, for events, activities and attitudes.")
    )
    person: PersonSection | None = field(metadata=_help("Person section, for people."))
    letter: LetterSection | None = field(
        metadata=_help("Letter section, for letters and other documents.")
    )
    involvement: InvolvementSection | None = field(
        metadata=_help("For places, groups and newspapers.")
    )
    book: BookSection | None = field(
        metadata=_help("For books and their pages: what they are cited for.")
    )
    claim: ClaimSection | None = field(metadata=_help("For claims: what the claim says."))
    footnotes: tuple[Footnote, ...] = field(metadata=_help("The page's footnotes, by number."))
    identifiers: Identifiers = field(
        metadata=_help("Permalink, formats, Wikidata link and a citation.")
    )
    from_wikidata: FromWikidata | None = field(
        default=None,
        metadata=_help(
            "What Wikidata says about the linked item, when its facts are in the store: shown "
            "in a block of its own, apart from the statements and footnotes."
        ),
    )
    schema_org: dict[str, Any] = field(
        metadata=_help("schema.org description embedded as JSON-LD.")
    )
    cut: bool = field(
        default=False,
        metadata=_help(
            "Whether a value of the entity is too long to show whole (longer than the shapes "
            "allow): the page then links to its RDF, which has it."
        ),
    )
    map: MapView | None = field(
        default=None,
        metadata=_help(
            "For a place with coordinates (set by a curator, or its Wikidata item's): it on a "
            "world map."
        ),
    )
    place: bool = field(
        default=False,
        metadata=_help("Whether it is a place (crm:E53_Place), which may have a map."),
    )
    set_coordinates_href: str = field(
        default="",
        metadata=_help(
            "For a signed-in curator on a place without coordinates: the workbench form that "
            "sets them."
        ),
    )


@dataclass(frozen=True, kw_only=True)
class Count:
    """A number on the home page."""

    label: str = field(metadata=_help("What is counted, in words."))
    number: int = field(metadata=_help("How many."))


@dataclass(frozen=True, kw_only=True)
class TypeList:
    """Entities of one kind, for the home page."""

    key: str = field(metadata=_help("The kind's key, for search filters (person, event ...)."))
    label: str = field(metadata=_help("The kind in words, plural."))
    links: tuple[Link, ...] = field(metadata=_help("The entities, by label (at most a screenful)."))
    total: int = field(metadata=_help("How many entities of the kind there are."))
    more_href: str | None = field(metadata=_help("Link to all of them when not all are listed."))


@dataclass(frozen=True, kw_only=True)
class TimelineRow:
    """One event on the timeline: a point for a known day, a bar for a range."""

    link: Link = field(metadata=_help("The event."))
    when: str = field(metadata=_help("Its date in words."))
    left: float = field(metadata=_help("Start position, in percent of the axis width."))
    width: float = field(metadata=_help("Length, in percent of the axis width (0 for a point)."))
    shape: str = field(
        metadata=_help("'point' for a single day, 'range' for a longer or uncertain span.")
    )
    uncertain: bool = field(
        metadata=_help(
            "True when the bar is a time the date falls within, not a span: an uncertain "
            "reading (relative, approximate) or a date known only to the year, season or month."
        )
    )


@dataclass(frozen=True, kw_only=True)
class Tick:
    """A label on the timeline axis."""

    label: str = field(metadata=_help("The label (a year, a month)."))
    left: float = field(metadata=_help("Position, in percent of the axis width."))
    minor: bool = field(
        default=False,
        metadata=_help("True for a quarter's month between years (left out on phone widths)."),
    )


@dataclass(frozen=True, kw_only=True)
class Timeline:
    """Every dated event, drawn on an axis that leaves out the empty years."""

    rows: tuple[TimelineRow, ...] = field(metadata=_help("The events, by start date."))
    ticks: tuple[Tick, ...] = field(metadata=_help("Axis labels."))
    breaks: tuple[float, ...] = field(
        metadata=_help("Positions where empty years were left out, in percent.")
    )
    undated: tuple[Link, ...] = field(metadata=_help("Events the graph gives no date for."))
    undated_groups: tuple[LinkGroup, ...] = field(
        default=(),
        metadata=_help("The same events grouped by kind (activities, events), for the page."),
    )
    undated_more: int = field(
        default=0, metadata=_help("How many more undated events there are than are listed.")
    )
    years: tuple[YearBar, ...] = field(
        default=(),
        metadata=_help(
            "For a graph with too many events to draw one by one: how many start in each year, "
            "each year linking to its own timeline (then ``rows`` is empty)."
        ),
    )
    year: int | None = field(
        default=None, metadata=_help("The year drawn, when the reader chose one of ``years``.")
    )
    all_href: str | None = field(
        default=None, metadata=_help("Back to every year, on a year's timeline.")
    )
    first_year: int | None = field(
        default=None, metadata=_help("The first year a dated event starts in (the range's floor).")
    )
    last_year: int | None = field(
        default=None, metadata=_help("The last year a dated event ends in (the range's ceiling).")
    )
    from_year: int | None = field(
        default=None, metadata=_help("The first year the reader kept (``?from=``), if any.")
    )
    to_year: int | None = field(
        default=None, metadata=_help("The last year the reader kept (``?to=``), if any.")
    )
    zoom: tuple[Link, ...] = field(
        default=(),
        metadata=_help(
            "Links that narrow the timeline shown: to each decade it spans, or to each year "
            "when it spans one decade (plain links, so zooming needs no script)."
        ),
    )


@dataclass(frozen=True, kw_only=True)
class LinkGroup:
    """Links under a heading."""

    label: str = field(metadata=_help("The heading, in words (activities ...)."))
    links: tuple[Link, ...] = field(metadata=_help("The links, by label."))


@dataclass(frozen=True, kw_only=True)
class YearBar:
    """A year of a big graph's timeline: how many events start in it."""

    year: int = field(metadata=_help("The year."))
    count: int = field(metadata=_help("How many dated events start in it."))
    width: float = field(metadata=_help("The bar's length, in percent of the busiest year's."))
    href: str = field(metadata=_help("The timeline of that year's events."))


@dataclass(frozen=True, kw_only=True)
class HomePage:
    """The home page: what the graph is, counts, kinds of entities and a timeline."""

    template: str = field(metadata=_help("The template (home.html)."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(metadata=_help("The document title."))
    counts: tuple[Count, ...] = field(metadata=_help("Numbers of entities, claims and footnotes."))
    types: tuple[TypeList, ...] = field(metadata=_help("Entities by kind."))
    timeline: Timeline = field(metadata=_help("Every dated event on one axis."))
    schema_org: dict[str, Any] = field(
        metadata=_help("schema.org Dataset description embedded as JSON-LD.")
    )


@dataclass(frozen=True, kw_only=True)
class SearchHit:
    """One search result."""

    link: Link = field(metadata=_help("The entity found."))
    matched: str = field(metadata=_help("The name that matched, when it is not the label."))
    match: str = field(
        metadata=_help(
            "How it matched: exact, prefix, word-prefix, substring, or close (a typo away, "
            "when nothing matches as typed)."
        )
    )
    types: str = field(metadata=_help("Its types in words."))
    when: str = field(default="", metadata=_help("Its date in words, for a dated entity."))
    description: str = field(default="", metadata=_help("Its one-line description, or empty."))


@dataclass(frozen=True, kw_only=True)
class KindOption:
    """A kind to narrow the search to."""

    key: str = field(metadata=_help("The kind's key (person, event ...)."))
    label: str = field(metadata=_help("The kind in words."))
    selected: bool = field(metadata=_help("True when the search is narrowed to it."))


@dataclass(frozen=True, kw_only=True)
class SearchPage:
    """Search results, as HTML or JSON."""

    template: str = field(metadata=_help("The template (search.html)."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(metadata=_help("The document title."))
    query: str = field(metadata=_help("What was searched for."))
    kind: str = field(metadata=_help("The kind the search is narrowed to, or empty."))
    kinds: tuple[KindOption, ...] = field(metadata=_help("Kinds to narrow the search to."))
    hits: tuple[SearchHit, ...] = field(metadata=_help("This page of results, best first."))
    total: int = field(metadata=_help("Number of results in all pages."))
    pager: Pager = field(metadata=_help("Paging of the results."))


@dataclass(frozen=True, kw_only=True)
class ErrorPage:
    """An error as a page for browsers (API clients get the JSON error format)."""

    template: str = field(metadata=_help("The template (error.html or 404.html)."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(metadata=_help("The document title."))
    status: int = field(metadata=_help("The HTTP status."))
    code: str = field(metadata=_help("The error code of the JSON error format."))
    message: str = field(metadata=_help("What went wrong."))
    hint: str = field(metadata=_help("How to fix it, if known."))
    iri: str = field(default="", metadata=_help("For an unknown entity: the IRI asked for."))
    suggestions: tuple[Link, ...] = field(
        default=(), metadata=_help("Entities with similar names, for an unknown IRI.")
    )


@dataclass(frozen=True, kw_only=True)
class RevisionRow:
    """One revision in a history list (``app.pages.history``)."""

    number: int = field(metadata=_help("The revision's number (1, 2, 3 ... in commit order)."))
    href: str = field(metadata=_help("Its diff page (/history/N)."))
    when: str = field(metadata=_help("When it was committed, in UTC, in words."))
    stamp: str = field(metadata=_help("The same time as ISO 8601, for <time datetime>."))
    agent: str = field(metadata=_help("Who wrote it: the token's or user's name."))
    message: str = field(metadata=_help("Its message, or empty."))
    added: int = field(metadata=_help("Statements it added."))
    removed: int = field(metadata=_help("Statements it removed."))
    graphs: tuple[Link, ...] = field(metadata=_help("The named graphs it changed."))


@dataclass(frozen=True, kw_only=True)
class HistoryPage:
    """``/history``: who changed what and when, newest first."""

    template: str = field(metadata=_help("history.html."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(metadata=_help("The document title."))
    heading: str = field(metadata=_help("The page heading: what the list is of."))
    rows: tuple[RevisionRow, ...] = field(metadata=_help("The revisions, newest first."))
    json_href: str = field(metadata=_help("The same list as JSON."))
    atom_href: str = field(metadata=_help("The same list as an Atom feed."))


@dataclass(frozen=True, kw_only=True)
class Change:
    """One statement a revision added or removed, in words."""

    subject: Link = field(metadata=_help("What it is about."))
    predicate: str = field(metadata=_help("The property in words."))
    value: Link = field(metadata=_help("Its value: a linked resource, or text (href None)."))
    graph: str = field(metadata=_help("The named graph it is in."))


@dataclass(frozen=True, kw_only=True)
class DiffPage:
    """``/history/N``: what one revision changed, in words."""

    template: str = field(metadata=_help("diff.html."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(metadata=_help("The document title."))
    revision: RevisionRow = field(metadata=_help("The revision."))
    parent_href: str = field(metadata=_help("The revision before it, or empty for the first."))
    additions: tuple[Change, ...] = field(metadata=_help("What it added."))
    removals: tuple[Change, ...] = field(metadata=_help("What it removed."))
    reverted: tuple[Link, ...] = field(metadata=_help("The revisions it reverts, if any."))
    revert_href: str = field(metadata=_help("Where authorised users POST to revert it."))
    json_href: str = field(metadata=_help("The same revision as JSON (patch included)."))


@dataclass(frozen=True, kw_only=True)
class EntityRevisionPage:
    """``/id/...?rev=N``: an entity's statements as they were right after revision N."""

    template: str = field(metadata=_help("entity_rev.html."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(metadata=_help("The document title."))
    entity: Link = field(metadata=_help("The entity, linked to its current page."))
    revision: RevisionRow = field(metadata=_help("The revision it is shown at."))
    statements: tuple[Change, ...] = field(metadata=_help("What was said about it then."))


@dataclass(frozen=True, kw_only=True)
class DumpFile:
    """One file of the data dumps."""

    name: str = field(metadata=_help("The file's name (histkg.trig.gz)."))
    label: str = field(metadata=_help("Its format in words (TriG, gzip ...)."))
    href: str = field(metadata=_help("Where to download it."))
    media_type: str = field(metadata=_help("The media type of its content."))
    size: str = field(default="", metadata=_help("Its size in words (28.2 kB), or empty."))


@dataclass(frozen=True, kw_only=True)
class DumpPage:
    """``/dump/`` for browsers: the files to download, with what they hold (API clients get
    the same as JSON)."""

    template: str = field(metadata=_help("The template (dump.html)."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(metadata=_help("The document title."))
    files: tuple[DumpFile, ...] = field(metadata=_help("The dump files."))
    quads: str = field(metadata=_help("Quads in the dumps, in words (3,142)."))
    graphs: int = field(metadata=_help("Named graphs in the dumps."))


@dataclass(frozen=True, kw_only=True)
class FacetValue:
    """One value of a facet, with how many of the events it would show."""

    label: str = field(metadata=_help("The value in words (a person, a year, 'reported' ...)."))
    key: str = field(metadata=_help("The value as the URL gives it (an IRI, a year, a word)."))
    count: int = field(metadata=_help("Events with this value among those the other facets keep."))
    selected: bool = field(metadata=_help("True when the browser is narrowed to it."))
    href: str = field(metadata=_help("This browser narrowed to it, or no longer, if selected."))


@dataclass(frozen=True, kw_only=True)
class Facet:
    """A way to narrow the events: kind, year, place, person, source, mode."""

    key: str = field(metadata=_help("The URL parameter (kind, year, place ...)."))
    label: str = field(metadata=_help("The facet in words."))
    values: tuple[FacetValue, ...] = field(metadata=_help("Its values, most events first."))


@dataclass(frozen=True, kw_only=True)
class BrowsePage:
    """The faceted browser of the events (``/browse``; ``/browse.json`` is the same)."""

    template: str = field(metadata=_help("The template (browse.html)."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(metadata=_help("The document title."))
    facets: tuple[Facet, ...] = field(metadata=_help("The facets, with counts."))
    results: tuple[Link, ...] = field(metadata=_help("The events kept, by label (at most 200)."))
    total: int = field(metadata=_help("How many events the facets keep."))
    year_from: str = field(metadata=_help("The first year kept, or empty."))
    year_to: str = field(metadata=_help("The last year kept, or empty."))
    hidden: tuple[Facet, ...] = field(
        metadata=_help("The selected values of the other facets, kept by the year form.")
    )
    clear_href: str = field(metadata=_help("The browser with no facet selected."))


@dataclass(frozen=True, kw_only=True)
class NetworkNode:
    """A person, group or event of the network view."""

    link: Link = field(metadata=_help("The entity."))
    group: str = field(metadata=_help("person, group or event (how it is drawn)."))


@dataclass(frozen=True, kw_only=True)
class NetworkRow:
    """An event and who took part in it: one row of the network's table form."""

    event: Link = field(metadata=_help("The event."))
    people: tuple[Link, ...] = field(metadata=_help("The people taking part (any role)."))
    groups: tuple[Link, ...] = field(metadata=_help("The groups taking part."))


@dataclass(frozen=True, kw_only=True)
class NetworkPage:
    """Who took part in what: people and groups linked to their events (``/network``)."""

    template: str = field(metadata=_help("The template (network.html)."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(metadata=_help("The document title."))
    nodes: tuple[NetworkNode, ...] = field(metadata=_help("The people, groups and events."))
    edges: tuple[tuple[str, str], ...] = field(
        metadata=_help("(event IRI, participant IRI) pairs.")
    )
    rows: tuple[NetworkRow, ...] = field(metadata=_help("The same as a table, by event."))
    more: int = field(metadata=_help("Events with participants left out (the view is capped)."))
    script_href: str = field(metadata=_help("The drawing script (uses the vendored library)."))
    library_href: str = field(metadata=_help("The vendored Cytoscape.js."))


@dataclass(frozen=True, kw_only=True)
class MapPlace:
    """A place on the map of events, with the events the graph places there."""

    place: Link = field(metadata=_help("The place."))
    x: float = field(default=0, metadata=_help("Its x in the 360 x 180 box (longitude + 180)."))
    y: float = field(default=0, metadata=_help("Its y in that box (90 - latitude)."))
    radius: float = field(default=0, metadata=_help("The point's radius: more events, larger."))
    coordinates: str = field(
        default="", metadata=_help("Its coordinates in words; empty when it has none.")
    )
    item: Link | None = field(
        default=None, metadata=_help("The Wikidata item the coordinates come from.")
    )
    source: Link | None = field(
        default=None,
        metadata=_help("The source of the graph a curator took the coordinates from."),
    )
    reference: str = field(
        default="", metadata=_help("The reference a curator named for them instead (text).")
    )
    events: tuple[Link, ...] = field(
        metadata=_help("The events that took place there, by name (at most ten).")
    )
    total: int = field(default=0, metadata=_help("How many events took place there in all."))
    browse_href: str = field(
        default="", metadata=_help("The faceted browser narrowed to this place: all its events.")
    )


@dataclass(frozen=True, kw_only=True)
class MapPage:
    """The events on the offline world map, placed by their place (``/map``)."""

    template: str = field(metadata=_help("The template (map.html)."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(metadata=_help("The document title."))
    outline_href: str = field(metadata=_help("The world outline, an SVG of a 360 x 180 box."))
    placed: tuple[MapPlace, ...] = field(
        metadata=_help(
            "Places with coordinates (set by a curator or in the Wikidata facts graph): drawn, "
            "and in the table (at most most_placed, those with most events)."
        )
    )
    most_placed: int = field(metadata=_help("How many places the map draws at most."))
    more_placed: int = field(
        default=0, metadata=_help("Places with coordinates left off the map by that cap.")
    )
    unplaced: tuple[MapPlace, ...] = field(
        metadata=_help(
            "Places of events without coordinates there: in the table only, never guessed "
            "(the hundred with most events)."
        )
    )
    more_unplaced: int = field(
        default=0, metadata=_help("Places of events without coordinates left out of the table.")
    )
    events: int = field(metadata=_help("How many events the map places."))


def context_types() -> list[type]:
    """Every dataclass a template can reach from a page context (for the contract test)."""
    return [
        obj for obj in globals().values() if isinstance(obj, type) and dataclasses.is_dataclass(obj)
    ]
