"""Page contexts of the workbench: frozen dataclasses the templates only read.

Like ``app.pages.context``: each field says what it is for, and templates get one variable,
``page``. Every form carries ``csrf``, the session's token, which the routes check on POST.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.history import Revision
from app.linking.export import Export
from app.linking.export_review import COLUMNS, review_order, review_row
from app.pages.context import Site
from app.workbench.reconcile import Suggestion


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True, kw_only=True)
class SignInPage:
    """The sign-in form, with the reason of the last refusal, if any."""

    template: str = field(default="workbench/signin.html", metadata=_help("Its template."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(default="Sign in \u2013 histkg", metadata=_help("The document title."))
    csrf: str = field(metadata=_help("The session's CSRF token, sent back with the form."))
    next: str = field(default="/workbench", metadata=_help("Where to go once signed in."))
    name: str = field(default="", metadata=_help("The name typed last time (after a refusal)."))
    error: str = field(default="", metadata=_help("Why the last sign-in was refused."))
    hint: str = field(default="", metadata=_help("How to get past that refusal."))
    enabled: bool = field(
        default=True, metadata=_help("False when this server has no accounts file.")
    )


@dataclass(frozen=True)
class RevisionRow:
    """One of the curator's own revisions."""

    number: int = field(metadata=_help("The revision's number."))
    time: str = field(metadata=_help("When it was made (UTC, to the second)."))
    message: str = field(metadata=_help("Its message."))
    href: str = field(metadata=_help("Its page in the history."))
    changes: str = field(metadata=_help("Statements added and removed, as +N -M."))


@dataclass(frozen=True, kw_only=True)
class HomePage:
    """The workbench's start page for a signed-in curator."""

    template: str = field(default="workbench/home.html", metadata=_help("Its template."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(default="Workbench \u2013 histkg", metadata=_help("The document title."))
    csrf: str = field(metadata=_help("The session's CSRF token, for the sign-out form."))
    user: str = field(metadata=_help("The signed-in curator's name."))
    role: str = field(metadata=_help("Their role: curator or admin."))
    revisions: tuple[RevisionRow, ...] = field(
        default=(), metadata=_help("Their latest revisions, newest first.")
    )
    claims: tuple[tuple[str, str, str], ...] = field(
        default=(), metadata=_help("Claims made in the workbench: (IRI, label, page link).")
    )


def revision_rows(revisions: list[Revision], user: str, limit: int = 20) -> tuple[RevisionRow, ...]:
    """The user's own revisions among ``revisions`` (newest first), at most ``limit``."""
    rows = [
        RevisionRow(
            number=r.number,
            time=r.time.strftime("%Y-%m-%d %H:%M:%S"),
            message=r.message,
            href=f"/history/{r.number}",
            changes=f"+{r.added} -{r.removed}",
        )
        for r in revisions
        if r.agent == user
    ]
    return tuple(rows[:limit])


@dataclass(frozen=True)
class FormField:
    """One labelled text field of a workbench form."""

    name: str = field(metadata=_help("The form field's name."))
    label: str = field(metadata=_help("Its visible label."))
    value: str = field(default="", metadata=_help("What it holds (as last sent)."))
    error: str = field(default="", metadata=_help("What is wrong with it, shown beside it."))
    required: bool = field(default=False, metadata=_help("Whether it must be filled in."))
    kind: str = field(default="text", metadata=_help("text, textarea, select or hidden."))
    options: tuple[tuple[str, str], ...] = field(
        default=(), metadata=_help("A select's (value, label) pairs.")
    )
    suggest: str = field(
        default="", metadata=_help("The JSON search URL suggestions come from ('' for none).")
    )
    hint: str = field(default="", metadata=_help("A line of help under the field."))


@dataclass(frozen=True, kw_only=True)
class SourcePage:
    """The add-a-source form (a book: author, title, place, publisher, year)."""

    template: str = field(default="workbench/source.html", metadata=_help("Its template."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(default="Add a source \u2013 histkg", metadata=_help("The document title."))
    csrf: str = field(metadata=_help("The session's CSRF token."))
    fields: tuple[FormField, ...] = field(metadata=_help("The form's fields, in order."))
    error: str = field(default="", metadata=_help("A problem not tied to one field."))


SOURCE_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("kind", "A book or an article", False),
    ("author", "Author (as printed, e.g. Louis Fischer)", False),
    ("title", "Title", True),
    ("place", "Place of publication (a book)", False),
    ("publisher", "Publisher (a book)", False),
    ("year", "Year", False),
    ("journal", "Journal (an article: the journal it appeared in)", False),
    ("volume", "Volume (an article)", False),
    ("issue", "Issue (an article)", False),
    ("pages", "Pages (an article, as printed, e.g. 211-34)", False),
)
SOURCE_KINDS = (("book", "a book"), ("article", "an article in a journal"))


def source_fields(values: dict[str, str], errors: dict[str, str]) -> tuple[FormField, ...]:
    """The add-a-source fields holding ``values``, each with its error."""
    return tuple(
        FormField(
            name,
            label,
            values.get(name, "") or ("book" if name == "kind" else ""),
            errors.get(name, ""),
            required,
            kind="select" if name == "kind" else "text",
            options=SOURCE_KINDS if name == "kind" else (),
            suggest="/search.json" if name == "journal" else "",
        )
        for name, label, required in SOURCE_FIELDS
    )


@dataclass(frozen=True, kw_only=True)
class AddPagePage:
    """The add-a-page form: the source, the page number, the text (or a .txt upload)."""

    template: str = field(default="workbench/page.html", metadata=_help("Its template."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(default="Add a page \u2013 histkg", metadata=_help("The document title."))
    csrf: str = field(metadata=_help("The session's CSRF token."))
    fields: tuple[FormField, ...] = field(metadata=_help("The form's fields, in order."))
    error: str = field(default="", metadata=_help("A problem not tied to one field."))


PAGE_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("source", "Source (its name as suggested, or its IRI)", True),
    ("number", "Page number as printed (when the running header has none)", False),
    ("text", "The page's text, as the PDF extractor left it", False),
    ("pages", "Pages of an uploaded PDF or book text, e.g. 3 or 3-5 (all when empty)", False),
)


def page_fields(values: dict[str, str], errors: dict[str, str]) -> tuple[FormField, ...]:
    """The add-a-page fields holding ``values``, each with its error."""
    return tuple(
        FormField(name, label, values.get(name, ""), errors.get(name, ""), required)
        for name, label, required in PAGE_FIELDS
    )


@dataclass(frozen=True, kw_only=True)
class ClaimPage:
    """The claim form for a passage of a workbench page."""

    template: str = field(default="workbench/claim.html", metadata=_help("Its template."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(default="Add a claim \u2013 histkg", metadata=_help("The document title."))
    csrf: str = field(metadata=_help("The session's CSRF token."))
    page_href: str = field(metadata=_help("The reading view of the page the passage is on."))
    fields: tuple[FormField, ...] = field(metadata=_help("The form's fields, in order."))
    error: str = field(default="", metadata=_help("A problem not tied to one field."))
    editing: str = field(
        default="", metadata=_help("The page of the claim being edited ('' for a new claim).")
    )
    preview: tuple[str, ...] = field(
        default=(), metadata=_help("The claim as sentences, before it is saved.")
    )


_PEOPLE = "/search.json?kind=person"
CLAIM_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    # (name, label, kind, suggestions)
    ("page", "Page", "hidden", ""),
    ("claim", "The claim being edited", "hidden", ""),
    ("etag", "The claim's revision when the form was filled", "hidden", ""),
    ("passage_start", "Where the passage starts in the original (code points)", "hidden", ""),
    ("passage_end", "Where it ends", "hidden", ""),
    ("passage", "The passage the claim rests on (copied from the page)", "textarea", ""),
    ("label", "What happened, in a few words", "text", ""),
    ("event_type", "Kind of event", "select", ""),
    ("who", "Who (a person or group of the graph)", "text", "/search.json"),
    ("role", "Their role", "select", ""),
    ("where", "Where (a place of the graph)", "text", "/search.json?kind=place"),
    ("when", "When, as the page says it", "text", ""),
    ("edtf", "When, as EDTF (e.g. 1905-01-22, 1905-01, 1904/1905)", "text", ""),
    ("relative_to", "Dated relative to (an event of the graph)", "text", "/search.json?kind=event"),
    ("mode", "Mode", "select", ""),
    ("informant", "Informant (for a reported claim: on whose word)", "text", _PEOPLE),
    ("reporter", "Reporter (who recorded the informant's word)", "text", _PEOPLE),
    ("quotation", "Quotation (only words the passage prints in quotation marks)", "text", ""),
    ("footnote", "Footnote number", "text", ""),
    ("footnote_scope", "The footnote covers", "select", ""),
    ("note", "Editorial note", "textarea", ""),
)
PROPOSED_FOOTNOTE = (
    "Proposed from the footnote marker that follows the passage: change it if another "
    "footnote covers the passage."
)
KEPT_PASSAGE = (
    "A curated claim's passage is on a seed page: it is kept as anchored (data/anchors.ttl)."
)
KEPT_FOOTNOTE = "A curated claim's footnote is kept as the curated data gives it."
ROLE_OPTIONS = (("participant", "took part"), ("agent", "carried it out"))
SCOPE_OPTIONS = (  # the footnote rule of ontology/README.md (Footnotes)
    ("sentence", "the sentence that carries its marker"),
    ("paragraph", "the paragraph before its marker (no marker in the sentence)"),
)
MODE_OPTIONS = (
    ("asserted", "asserted by the historian"),
    ("reported", "reported on someone's word"),
)


NEW_ENTITY_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("new_kind", "New person, group or place: what it is", "select", ""),
    ("new_label", "Its name in English (then name it in a row above, or in Where)", "text", ""),
    ("new_other", "Its name in another language or script (optional)", "text", ""),
    ("new_language", "That name's language tag (e.g. ru-Latn-alalc97)", "text", ""),
    ("new_dates", "A new person's dates, as EDTF (optional, e.g. 1857/1905)", "text", ""),
)


def claim_names(rows: int) -> list[str]:
    """The names of the claim form's fields when it has ``rows`` participant rows."""
    names = [name for name, _, _, _ in CLAIM_FIELDS] + ["rows"]
    names += [f"{part}_{n}" for n in range(2, rows + 1) for part in ("who", "role")]
    return names + [name for name, _, _, _ in NEW_ENTITY_FIELDS]


def claim_fields(
    values: dict[str, str],
    errors: dict[str, str],
    event_types: list[tuple[str, str]],
    *,
    rows: int = 2,
    new_kinds: Sequence[tuple[str, str]] = (),
    hints: Mapping[str, str] | None = None,
) -> tuple[FormField, ...]:
    """The claim form's fields holding ``values``, each with its error: ``rows`` participant
    rows (who and role) after the first, then the fields of a new person, group or place."""
    options = {
        "event_type": (("", "choose\u2026"), *event_types),
        "role": ROLE_OPTIONS,
        "mode": MODE_OPTIONS,
        "footnote_scope": SCOPE_OPTIONS,
        "new_kind": (("", "none"), *new_kinds),
    }
    spec: list[tuple[str, str, str, str]] = []
    for row in CLAIM_FIELDS:
        spec.append(row)
        if row[0] == "role":
            for n in range(2, rows + 1):
                spec.append((f"who_{n}", f"Who else ({n})", "text", "/search.json"))
                spec.append((f"role_{n}", f"Their role ({n})", "select", ""))
            spec.extend(NEW_ENTITY_FIELDS)
    required = {"passage", "label", "event_type"}
    fields = [
        FormField(
            name,
            label,
            values.get(name, ""),
            errors.get(name, ""),
            name in required,
            kind=kind,
            options=tuple(options.get(name.split("_")[0] if name.startswith("role") else name, ())),
            suggest=suggest,
            hint=(hints or {}).get(name, ""),
        )
        for name, label, kind, suggest in spec
    ]
    return (FormField("rows", "Participant rows", str(rows), kind="hidden"), *fields)


@dataclass(frozen=True)
class CandidateRow:
    """One unsettled candidate name, with the problem of the last try to settle it."""

    anchor: str = field(metadata=_help("The candidate's text anchor (IRI)."))
    text: str = field(metadata=_help("The name as the page prints it."))
    index: int = field(metadata=_help("Its place in the list (for field ids)."))
    error: str = field(default="", metadata=_help("Why the last try was refused."))
    suggestions: tuple[Suggestion, ...] = field(
        default=(), metadata=_help("Entities of our graph it may be (our reconciliation).")
    )


@dataclass(frozen=True)
class WikidataRow:
    """An entity the page names that has no Wikidata link yet."""

    iri: str = field(metadata=_help("The entity's IRI."))
    label: str = field(metadata=_help("Its label."))
    href: str = field(metadata=_help("Its page."))
    about: str = field(metadata=_help("Its kind and dates."))
    index: int = field(metadata=_help("Its place in the list (for field ids)."))
    suggestions: tuple[Suggestion, ...] = field(
        default=(), metadata=_help("Wikidata items it may be, best first (network allowed).")
    )
    error: str = field(default="", metadata=_help("Why the last confirmation was refused."))
    asked: bool = field(
        default=False, metadata=_help("Whether Wikidata was asked for it on this visit.")
    )


@dataclass(frozen=True, kw_only=True)
class ProposalsPage:
    """A workbench page's unsettled candidate names, each to link, make a person of, or reject."""

    template: str = field(default="workbench/proposals.html", metadata=_help("Its template."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(default="Proposals \u2013 histkg", metadata=_help("The document title."))
    csrf: str = field(metadata=_help("The session's CSRF token."))
    page_iri: str = field(metadata=_help("The page whose proposals these are."))
    page_href: str = field(metadata=_help("Its reading view."))
    candidates: tuple[CandidateRow, ...] = field(metadata=_help("The candidates, in text order."))
    entities: tuple[WikidataRow, ...] = field(
        default=(), metadata=_help("Entities the page names without a Wikidata link.")
    )
    wikidata_online: bool = field(
        default=False, metadata=_help("Whether Wikidata's API is asked for candidates.")
    )
    notice: str = field(
        default="", metadata=_help("Why some suggestions are missing this time ('' for none).")
    )


@dataclass(frozen=True)
class ExportLine:
    """One statement of the claim, as the review file would show it."""

    status: str = field(metadata=_help("ready, waiting or refused."))
    statement: str = field(metadata=_help("The statement in words."))
    references: str = field(metadata=_help("Its cited books and pages, and their items."))
    passage: str = field(metadata=_help("The passage the claim rests on."))
    footnote: str = field(metadata=_help("The footnote that cites the book."))
    notes: str = field(metadata=_help("Why it waits or is refused, and notes on its date."))
    commands: str = field(metadata=_help("Its QuickStatements lines (ready lines only)."))


@dataclass(frozen=True)
class ExportBook:
    """A cited book Wikidata lacks: the CREATE block a curator may send first."""

    label: str = field(metadata=_help("The book in words."))
    commands: str = field(metadata=_help("The QuickStatements that would create its item."))
    notes: str = field(metadata=_help("What the block leaves out, and why."))


@dataclass(frozen=True, kw_only=True)
class WikidataExportPage:
    """What the Wikidata export makes of one claim: nothing of it is sent by histkg."""

    template: str = field(default="workbench/wikidata_export.html", metadata=_help("Its template."))
    site: Site = field(metadata=_help("Site-wide links and names."))
    title: str = field(
        default="Export to Wikidata \u2013 histkg", metadata=_help("The document title.")
    )
    csrf: str = field(metadata=_help("The session's CSRF token, for the download form."))
    claim: str = field(metadata=_help("The claim's IRI."))
    claim_href: str = field(metadata=_help("The claim's page."))
    lines: tuple[ExportLine, ...] = field(metadata=_help("Its statements, ready ones first."))
    books: tuple[ExportBook, ...] = field(metadata=_help("Cited books to create first."))
    skipped: tuple[str, ...] = field(metadata=_help("Why the claim gives no statement, if so."))
    quickstatements: str = field(
        metadata=_help("The ready lines' QuickStatements v1 text, to copy or download.")
    )


def export_page(
    export: Export, *, site: Site, csrf: str, claim: str, claim_href: str
) -> WikidataExportPage:
    """The page of one claim's export: its review lines, books to create and ready text."""
    lines = []
    for statement in review_order(export):
        cells = dict(zip(COLUMNS, review_row(statement), strict=True))
        commands = "\n".join(statement.lines(export.retrieved))
        lines.append(
            ExportLine(
                status=cells["status"],
                statement=cells["statement"],
                references=cells["references"],
                passage=cells["passage"],
                footnote=cells["footnote"],
                notes=cells["notes"],
                commands=commands,
            )
        )
    books = tuple(
        ExportBook(label=b.label, commands="\n".join(b.commands), notes="; ".join(b.notes))
        for b in export.books
    )
    skipped = tuple(f"Left out: {why}." for why in sorted(export.skipped))
    if not export.statements and not skipped:
        skipped = ("This claim gives no Wikidata statement.",)
    return WikidataExportPage(
        site=site,
        csrf=csrf,
        claim=claim,
        claim_href=claim_href,
        lines=tuple(lines),
        books=books,
        skipped=skipped,
        quickstatements="".join(line.commands + "\n" for line in lines if line.commands),
    )
