"""A claim from a passage of a workbench page: the form's checks, then one revision.

The curator names the passage by copying it from the reading view (the repaired text); it is
found in the page's repaired text and mapped through the offset map to the original, where its
anchor points, as every anchor does. The claim is written as the curated claims are
(``data/claims.trig``): the claim node (type, mode, attribution, sources, footnote, note) and
its passage's anchor in a workbench graph of its own, and what the claim says (the event,
its participants, place, time-span, quotation) in the named graph of the claim's IRI. Both
graphs go in ONE write (``app.writes.write_quads``): SHACL-checked, one revision naming the curator.

Before anything is written, each field is checked where a historian would look for the
mistake, and the problem is reported beside that field (``ClaimForm.errors``):

* the passage must be on the page, the EDTF value within histkg's profile;
* a reported claim needs its informant (the reporter is optional);
* a quotation must be words the page prints between quotation marks inside the passage:
  anything else is a paraphrase, and never shown in quotation marks.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Final

import pyoxigraph as ox

from app import writes
from app.errors import InputError
from app.ingest import PageReport, edtf
from app.store import Store
from app.vocab import BIBO, CRM, DCTERMS, EDTF, HK, HKC, OA, PROV, RDF, RDFS, SKOS, XSD
from app.workbench.fields import is_whole_number, whole_number
from app.workbench.reading import page_report
from app.workbench.sources import WORKBENCH_GRAPHS, slug

__all__ = [
    "Checked",
    "ClaimForm",
    "ClaimIds",
    "Stored",
    "check_claim",
    "check_fields",
    "claim_quads",
    "entity_named",
    "event_types",
    "new_entity_kinds",
    "participant_rows",
    "passage_at",
    "preview",
    "propose_footnote",
    "raw_span",
    "save_claim",
    "with_errors",
    "withdraw_claim",
    "workbench_claims",
]

ROLES: Final = {"participant": CRM.P11_had_participant, "agent": CRM.P14_carried_out_by}
MAX_ROWS: Final = 12
"""At most this many participant rows (the form starts with ``ROWS``)."""
ROWS: Final = 2
NEW_KINDS: Final = {"person": CRM.E21_Person, "group": CRM.E74_Group, "place": CRM.E53_Place}


def participant_rows(values: Mapping[str, str]) -> int:
    """How many participant rows the form has: its ``rows`` field, at least ``ROWS``, and at
    least the highest row sent, at most ``MAX_ROWS`` (``InputError``: ``rows`` no number)."""
    rows = values.get("rows", "")
    sent = [int(k[4:]) for k in values if k.startswith("who_") and is_whole_number(k[4:])]
    return min(MAX_ROWS, max(ROWS, whole_number(rows, "rows") if rows else 0, *sent))


_QUOTES: Final = (("\u201c", "\u201d"), ('"', '"'), ("\u2018", "\u2019"))
_CONTEXT: Final = 32
_SENTENCE_END: Final = re.compile(r"[.!?][\"\u201d\u2019)]*\s+\S")


@dataclass(frozen=True)
class ClaimForm:
    """What the claim form sends (text as typed) and, once checked, its problems by field."""

    page: str
    passage: str
    label: str
    event_type: str
    who: str = ""
    role: str = "participant"
    where: str = ""
    when: str = ""
    edtf: str = ""
    relative_to: str = ""
    mode: str = "asserted"
    informant: str = ""
    reporter: str = ""
    quotation: str = ""
    footnote: str = ""
    footnote_scope: str = "sentence"
    note: str = ""
    claim: str = ""
    etag: str = ""
    passage_start: str = ""
    passage_end: str = ""
    more: tuple[tuple[str, str], ...] = ()
    new_kind: str = ""
    new_label: str = ""
    new_other: str = ""
    new_language: str = ""
    new_dates: str = ""
    errors: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def participants(self) -> tuple[tuple[str, str, str], ...]:
        """(field name, who as typed, role) of every participant row, the first one included."""
        rows = [("who", self.who, self.role)]
        rows += [(f"who_{n}", who, role) for n, (who, role) in enumerate(self.more, start=2)]
        return tuple(rows)

    @classmethod
    def from_values(cls, values: Mapping[str, str]) -> ClaimForm:
        """The form from the submitted fields (missing ones empty; role and mode defaulted)."""

        def get(name: str) -> str:
            return values.get(name, "")

        return cls(
            page=get("page"),
            passage=get("passage"),
            label=get("label"),
            event_type=get("event_type"),
            who=get("who"),
            role=get("role") or "participant",
            where=get("where"),
            when=get("when"),
            edtf=get("edtf"),
            relative_to=get("relative_to"),
            mode=get("mode") or "asserted",
            informant=get("informant"),
            reporter=get("reporter"),
            quotation=get("quotation"),
            footnote=get("footnote"),
            footnote_scope=get("footnote_scope") or "sentence",
            note=get("note"),
            claim=get("claim"),
            etag=get("etag"),
            passage_start=get("passage_start"),
            passage_end=get("passage_end"),
            more=tuple(
                (get(f"who_{n}"), get(f"role_{n}") or "participant")
                for n in range(2, participant_rows(values) + 1)
            ),
            new_kind=get("new_kind"),
            new_label=get("new_label"),
            new_other=get("new_other"),
            new_language=get("new_language"),
            new_dates=get("new_dates"),
        )


def event_types(store: Store, scheme_name: str = "event-types") -> list[tuple[str, str]]:
    """(IRI, label) of every concept of the event-types scheme (or another of ours), by label."""
    scheme = ox.NamedNode(HKC.NS + scheme_name)
    found = []
    for quad in store.match(None, SKOS.inScheme, scheme, None):
        if isinstance(quad.subject, ox.NamedNode):
            label = next(
                (
                    q.object.value
                    for q in store.match(quad.subject, SKOS.prefLabel, None, None)
                    if isinstance(q.object, ox.Literal)
                ),
                quad.subject.value,
            )
            found.append((quad.subject.value, label))
    return sorted(set(found), key=lambda pair: pair[1])


def new_entity_kinds(store: Store) -> list[tuple[str, str]]:
    """(value, label) of what "new person / group / place" can make: a person, or a group or
    place of one of its schemes' types (which their shapes require)."""
    kinds = [("person", "a person")]
    for kind, scheme in (("group", "group-types"), ("place", "place-types")):
        kinds += [(iri, f"a {kind}: {label}") for iri, label in event_types(store, scheme)]
    return kinds


def entity_named(store: Store, typed: str) -> ox.NamedNode | None:
    """The entity named by IRI or by its English label exactly."""
    text = " ".join(typed.split())
    if not text:
        return None
    if text.startswith(("http://", "https://")):
        try:
            node = ox.NamedNode(text)
        except ValueError:
            return None
        return node if next(iter(store.match(node, RDF.type, None, None)), None) else None
    for quad in store.match(None, RDFS.label, ox.Literal(text, language="en"), None):
        if isinstance(quad.subject, ox.NamedNode):
            return quad.subject
    return None


def _historian(store: Store, page: ox.NamedNode) -> ox.NamedNode | None:
    """The author of the page's source: whose claims the page makes."""
    for part in store.match(page, DCTERMS.isPartOf, None, None):
        if isinstance(part.object, ox.NamedNode):
            for creator in store.match(part.object, DCTERMS.creator, None, None):
                if isinstance(creator.object, ox.NamedNode):
                    return creator.object
    return None


@dataclass(frozen=True)
class ClaimIds:
    """The IRIs a claim's statements are made of: derived from a new claim's key, or read
    from the store for a claim being edited (a curated claim names its parts its own way)."""

    claim: ox.NamedNode
    about: ox.NamedNode
    event: ox.NamedNode
    span: ox.NamedNode
    quote: ox.NamedNode
    anchor: ox.NamedNode
    text: ox.NamedNode
    attributions: dict[str, ox.NamedNode] = field(default_factory=dict)
    own_event: bool = True

    @classmethod
    def new(cls, base: str, page: str, key: str) -> ClaimIds:
        """A new workbench claim's IRIs, from its key."""
        name = page.removeprefix(f"{base}ingest/").removesuffix("/page")
        claim = ox.NamedNode(f"{base}claim/{key}")
        return cls(
            claim=claim,
            about=ox.NamedNode(f"{WORKBENCH_GRAPHS}claim/{key}"),
            event=ox.NamedNode(f"{base}event/{key}"),
            span=ox.NamedNode(f"{base}timespan/{key}"),
            quote=ox.NamedNode(f"{base}quote/{key}"),
            anchor=ox.NamedNode(f"{base}ingest/{name}/anchor/claim-{key}"),
            text=ox.NamedNode(f"{base}text/{name}"),
        )

    def attribution(self, role: str) -> ox.NamedNode:
        """The claim's qualified attribution for ``role`` (informant or reporter)."""
        return self.attributions.get(role) or ox.NamedNode(
            self.claim.value.replace("/claim/", "/attribution/") + f"-{role}"
        )


@dataclass(frozen=True)
class Stored:
    """What an edited claim keeps from the store when its page is not a workbench page (a
    curated claim's seed page): its passage as anchored, its historian and its footnote."""

    passage: str
    historian: ox.NamedNode | None
    footnote: str


@dataclass
class Checked:
    """A form once checked: its problems by field, and the terms, span and bounds it names."""

    errors: dict[str, str] = field(default_factory=dict)
    terms: dict[str, ox.NamedNode] = field(default_factory=dict)
    span: tuple[int, int] | None = None
    bounds: tuple[date, date] | None = None
    people: list[tuple[ox.NamedNode, str]] = field(default_factory=list)
    new: list[ox.Triple] = field(default_factory=list)


def _passage(report: PageReport, form: ClaimForm) -> tuple[tuple[int, int], str] | None:
    """The passage's span in the original and its repaired text: at the form's offsets when
    they hold the passage (a selection, or the claim being edited), else where it is found."""
    body = report.body
    words = form.passage.split()
    if form.passage_start and form.passage_end:
        raw = (
            whole_number(form.passage_start, "passage_start"),
            whole_number(form.passage_end, "passage_end"),
        )
        try:
            start, end = body.to_clean(*raw)
        except ValueError:
            start, end = 0, 0
        if end > start and (not words or body.text[start:end].split() == words):
            return raw, body.text[start:end]
    # Line ends and runs of spaces in the copied passage need not match the page's.
    found = re.search(r"\s+".join(map(re.escape, words)), body.text) if words else None
    if found is None:
        return None
    return body.to_raw(found.start(), found.end()), found.group(0)


def _new_entity(store: Store, form: ClaimForm, base: str, out: Checked) -> ox.NamedNode | None:
    """The person, group or place the form makes inline (its triples in ``out.new``), if any.

    Named where the passage names it: the claim's anchor is its mention, which its shape needs.
    """
    label = " ".join(form.new_label.split())
    if not label:
        if form.new_other.strip() or form.new_dates.strip():
            out.errors["new_label"] = "Give the new entity's name in English."
        return None
    kind = "person" if form.new_kind == "person" else ""
    for name, scheme in (("group", "group-types"), ("place", "place-types")):
        if form.new_kind in {iri for iri, _ in event_types(store, scheme)}:
            kind = name
    if not kind:
        out.errors["new_kind"] = "Choose what the new entity is: a person, a group or a place."
        return None
    node = ox.NamedNode(f"{base}{kind}/{slug(label)}")
    if next(iter(store.match(node, None, None, None)), None) is not None or entity_named(
        store, label
    ):
        out.errors["new_label"] = f"The graph has {label!r} already: pick it in a row instead."
        return None
    triples = [
        ox.Triple(node, RDF.type, NEW_KINDS[kind]),
        ox.Triple(node, RDFS.label, ox.Literal(label, language="en")),
    ]
    if kind != "person":
        triples.append(ox.Triple(node, CRM.P2_has_type, ox.NamedNode(form.new_kind)))
    other, language = " ".join(form.new_other.split()), form.new_language.strip()
    if other:
        try:
            if not language or language.lower() == "en":
                raise ValueError(language)
            triples.append(ox.Triple(node, RDFS.label, ox.Literal(other, language=language)))
        except ValueError:
            out.errors["new_language"] = "Give the other name's language tag, e.g. ru-Latn-alalc97."
    dates = form.new_dates.strip()
    if dates and kind == "person":
        try:
            edtf.bounds(dates)
        except ValueError:
            out.errors["new_dates"] = "Give the dates as EDTF: 1857/1905 (born/died), or 1857/.."
        lived = dates.replace("/..", "\u2013").replace("../", "\u2013").replace("/", "\u2013")
        triples.append(ox.Triple(node, DCTERMS.description, ox.Literal(lived, language="en")))
    out.new = triples
    return node


def propose_footnote(store: Store, form: ClaimForm, base: str) -> ClaimForm:
    """The form with its footnote proposed, when it has none: the number of the first footnote
    marker after the passage (the page's markers, as ingestion found them), and its scope, the
    sentence when no sentence ends between the passage and the marker, else the paragraph.
    The curator may change it; a form with a footnote, or whose passage is not found, is
    returned as it is."""
    report = page_report(store, form.page, base) if not form.footnote.strip() else None
    found = _passage(report, form) if report is not None else None
    if report is None or found is None:
        return form
    end = found[0][1]
    following = [m for m in report.layout.markers if m.raw_start >= end]
    if not following:
        return form
    marker = min(following, key=lambda m: m.raw_start)
    between = report.raw[end : marker.raw_start]
    scope = "paragraph" if _SENTENCE_END.search(between) else "sentence"
    return replace(form, footnote=str(marker.number), footnote_scope=scope)


def raw_span(store: Store, page: str, base: str, at: str, to: str) -> tuple[str, str]:
    """The original's offsets of the repaired text's span ``at``-``to`` (a selection in the
    reading view), through the page's offset map; ('', '') when it is no span of the page,
    ``InputError`` when ``at`` or ``to`` is no number."""
    start, end = whole_number(at, "at"), whole_number(to, "to")
    report = page_report(store, page, base)
    if report is None:
        return "", ""
    if not 0 <= start < end <= len(report.body.text):
        return "", ""
    raw = report.body.to_raw(start, end)
    return str(raw[0]), str(raw[1])


def passage_at(
    store: Store, page: str, base: str, start: str, end: str, passage: str = ""
) -> dict[str, str]:
    """The claim form's passage fields for the span ``start``-``end`` of the original (a
    selection in the reading view), with the footnote proposed; empty when no span is given
    or ``page`` is no workbench page.

    ``InputError`` when ``start`` or ``end`` is no number, when the span is not a passage of
    the page's text (outside it, or only spaces), and when ``passage`` (the text the reader
    selected) is given and is not the text at the span: offsets counted differently (a
    browser reads a CR LF line end as one character) must not anchor a claim on other words.
    """
    report = page_report(store, page, base)
    if not (start or end):
        return {}
    whole_number(start, "start"), whole_number(end, "end")
    if report is None:
        return {}
    form = ClaimForm(page, "", "", "", passage_start=start, passage_end=end)
    found = _passage(report, form)
    if found is None or not found[1].strip():
        raise InputError(
            f"Characters {start}-{end} are not a passage of this page's text.",
            hint="Select the passage again in the page's reading view.",
        )
    if passage.strip() and passage.split() != found[1].split():
        raise InputError(
            "The page's text at the selected place is not the passage you selected "
            f"(“{' '.join(passage.split())[:80]}”); nothing was filled in. Select it again, "
            "or copy the passage into the claim form.",
            hint="Open the claim form from the page's reading view.",
        )
    proposed = propose_footnote(store, replace(form, passage=found[1]), base)
    return {
        "passage": found[1],
        "passage_start": start,
        "passage_end": end,
        "footnote": proposed.footnote,
        "footnote_scope": proposed.footnote_scope,
    }


def check_fields(store: Store, form: ClaimForm, base: str, stored: Stored | None = None) -> Checked:
    """Check every field where a historian would look for the mistake (module docstring);
    ``stored``: what an edited curated claim keeps (its passage is not on a workbench page)."""
    out = Checked()
    report = page_report(store, form.page, base)
    if report is None and stored is None:
        out.errors["page"] = "This is not a page added in the workbench."
        return out
    historian = _historian(store, ox.NamedNode(form.page)) if form.page else None
    historian = historian or (stored.historian if stored else None)
    if historian is None:
        out.errors["page"] = "The page's source names no author to attribute the claim to."
    else:
        out.terms["historian"] = historian
    if report is None:
        passage = stored.passage if stored else ""  # a curated claim's: corrected in data/
    else:
        found = _passage(report, form)
        if found is None:
            out.errors["passage"] = "Copy the passage exactly as the reading view shows it."
        else:
            out.span = found[0]
        passage = found[1] if found else ""
    if not form.label.strip():
        out.errors["label"] = "Say in a few words what happened."
    if not form.event_type.startswith(HKC.NS):
        out.errors["event_type"] = "Choose what kind of event it was."
    new = _new_entity(store, form, base, out)

    def entity(typed: str) -> ox.NamedNode | None:
        if new is not None and " ".join(typed.split()) == " ".join(form.new_label.split()):
            return new
        return entity_named(store, typed)

    for name, typed in (
        ("where", form.where),
        ("informant", form.informant),
        ("reporter", form.reporter),
        ("relative_to", form.relative_to),
    ):
        node = entity(typed)
        if typed.strip() and node is None:
            out.errors[name] = f"No entity is called {typed.strip()!r}: pick one from the list."
        elif node is not None:
            out.terms[name] = node
    for name, typed, role in form.participants:
        node = entity(typed)
        if typed.strip() and node is None:
            out.errors[name] = f"No entity is called {typed.strip()!r}: pick one from the list."
        elif role not in ROLES:
            out.errors[name.replace("who", "role")] = "Choose a role."
        elif node is not None and (node, role) not in out.people:
            out.people.append((node, role))
    if form.edtf.strip():
        try:
            out.bounds = edtf.bounds(form.edtf.strip())
        except ValueError:
            out.errors["edtf"] = (
                f"{form.edtf.strip()!r} is not an EDTF value histkg reads: write e.g. 1905-01-22, "
                "1905-01, 1905, 1904/1905 or 1932-22 (summer)."
            )
    if form.relative_to.strip() and not form.edtf.strip():
        out.errors.setdefault(
            "edtf", "A date relative to another event still needs its value: give the EDTF."
        )
    if form.mode not in ("asserted", "reported"):
        out.errors["mode"] = "Choose asserted or reported."
    elif form.mode == "reported" and "informant" not in out.terms:
        out.errors.setdefault(
            "informant", "A reported claim needs its informant: on whose word does it rest?"
        )
    quotation = form.quotation.strip()
    if quotation and not any(f"{o}{quotation}{c}" in passage for o, c in _QUOTES):
        out.errors["quotation"] = (
            "Only words the passage prints between quotation marks can be a quotation; "
            "anything else is a paraphrase: put it in the label or the note."
        )
    phrase = form.when.strip() or form.edtf.strip()
    if (
        form.edtf.strip()
        and "edtf" not in out.errors
        and not form.relative_to.strip()
        and phrase not in passage
    ):
        # hks:DatePhraseShape: a date's words come from the claim's own passage
        out.errors.setdefault(
            "when",
            f"Give the date in the passage's own words (“{phrase[:60]}” is not in the passage); "
            "select a passage that holds the date.",
        )
    numbers = {str(f.number) for f in report.footnotes} if report else set()
    if stored is not None and stored.footnote and form.footnote.strip() == stored.footnote:
        pass  # a curated claim's footnote, kept
    elif form.footnote.strip() and form.footnote.strip() not in numbers:
        out.errors["footnote"] = f"The page's footnotes are {', '.join(sorted(numbers))}."
    elif not form.footnote.strip() and not form.note.strip():
        out.errors["footnote"] = (
            "Give the footnote that covers the passage, or say in the editorial note why none does."
        )
    if form.footnote_scope not in ("sentence", "paragraph"):
        out.errors["footnote_scope"] = "Choose the sentence or the paragraph."
    return out


def save_claim(
    store: Store, form: ClaimForm, *, base: str, project_dir: Path, author: writes.Author
) -> tuple[ClaimForm, str | None, writes.WriteResult | None]:
    """Check the form; when it passes, write the claim. Returns (form with errors, IRI, result)."""
    checked = check_fields(store, form, base)
    if checked.errors:
        return with_errors(form, checked.errors), None, None
    key = f"{slug(form.label)[:60]}-{secrets.token_hex(3)}"
    ids = ClaimIds.new(base, form.page, key)
    quads = claim_quads(store, form, checked, ids)
    result = writes.write_quads(store, quads, project_dir, author=author)
    return form, ids.claim.value, result


def claim_quads(store: Store, form: ClaimForm, checked: Checked, ids: ClaimIds) -> list[ox.Quad]:
    """Every statement the form makes: the passage's anchor (when the form anchors it) and
    the description in ``ids.about``, what the claim says in the claim's own graph."""
    claim, about = ids.claim, ids.about
    quads: list[ox.Quad] = []
    if checked.span is not None:
        raw = _original(store, ids.text)
        quads += [_in(t, about) for t in _anchor(ids.anchor, ids.text, raw, checked.span)]
    quads += [_in(t, about) for t in _description(form, checked, ids)]
    if checked.new:  # the new entity is named in the claim's passage
        entity = checked.new[0].subject
        quads += [_in(t, about) for t in checked.new]
        quads.append(ox.Quad(entity, HK.mention, ids.anchor, about))
    if ids.own_event:  # what happened is what the claim says: the event is in its graph
        # crm:P14_carried_out_by is a property of activities: an event someone carried out is one
        acted = any(role == "agent" for _, role in checked.people)
        quads += [
            ox.Quad(ids.event, RDF.type, CRM.E7_Activity if acted else CRM.E5_Event, claim),
            ox.Quad(ids.event, RDFS.label, ox.Literal(form.label.strip(), language="en"), claim),
            ox.Quad(ids.event, CRM.P2_has_type, ox.NamedNode(form.event_type), claim),
            ox.Quad(ids.event, HK.mention, ids.anchor, claim),
        ]
    quads += [_in(t, claim) for t in _content(form, checked, ids)]
    return quads


def _in(triple: ox.Triple, graph: ox.NamedNode) -> ox.Quad:
    return ox.Quad(triple.subject, triple.predicate, triple.object, graph)


def with_errors(form: ClaimForm, errors: dict[str, str]) -> ClaimForm:
    """The same form, carrying ``errors``."""
    values = {k: v for k, v in form.__dict__.items() if k != "errors"}
    return ClaimForm(**values, errors=errors)


def _original(store: Store, text: ox.NamedNode) -> str:
    for quad in store.match(text, BIBO.content, None, None):
        if isinstance(quad.object, ox.Literal):
            return quad.object.value
    return ""


def _anchor(
    anchor: ox.NamedNode, text: ox.NamedNode, raw: str, span: tuple[int, int]
) -> list[ox.Triple]:
    """A text anchor as ingestion writes them: quote and position selectors on the original."""
    start, end = span
    quote, position = (
        ox.NamedNode(anchor.value + "-quote"),
        ox.NamedNode(anchor.value + "-position"),
    )
    integer = XSD.integer
    return [
        ox.Triple(anchor, RDF.type, OA.SpecificResource),
        ox.Triple(anchor, OA.hasSource, text),
        ox.Triple(anchor, OA.hasSelector, quote),
        ox.Triple(anchor, OA.hasSelector, position),
        ox.Triple(quote, RDF.type, OA.TextQuoteSelector),
        ox.Triple(quote, OA.exact, ox.Literal(raw[start:end])),
        ox.Triple(quote, OA.prefix, ox.Literal(raw[max(0, start - _CONTEXT) : start])),
        ox.Triple(quote, OA.suffix, ox.Literal(raw[end : end + _CONTEXT])),
        ox.Triple(position, RDF.type, OA.TextPositionSelector),
        ox.Triple(position, OA.start, ox.Literal(str(start), datatype=integer)),
        ox.Triple(position, OA.end, ox.Literal(str(end), datatype=integer)),
    ]


def _description(form: ClaimForm, checked: Checked, ids: ClaimIds) -> list[ox.Triple]:
    """The claim node: mode, attribution, sources, footnote, note (outside its own graph)."""
    claim, anchor = ids.claim, ids.anchor
    page = ox.NamedNode(form.page)
    mode = HKC.reported if form.mode == "reported" else HKC.asserted
    out = [
        ox.Triple(claim, RDF.type, HK.Claim),
        ox.Triple(claim, RDFS.label, ox.Literal(form.label.strip(), language="en")),
        ox.Triple(claim, HK.mode, mode),
        ox.Triple(claim, PROV.wasDerivedFrom, anchor),
        ox.Triple(claim, PROV.wasDerivedFrom, page),
    ]
    out.append(ox.Triple(claim, PROV.wasAttributedTo, checked.terms["historian"]))
    for role, concept in (("informant", HKC.informant), ("reporter", HKC.reporter)):
        agent = checked.terms.get(role)
        if form.mode == "reported" and agent is not None:
            attribution = ids.attribution(role)
            out += [
                ox.Triple(claim, PROV.wasAttributedTo, agent),
                ox.Triple(claim, PROV.qualifiedAttribution, attribution),
                ox.Triple(attribution, RDF.type, PROV.Attribution),
                ox.Triple(attribution, PROV.agent, agent),
                ox.Triple(attribution, PROV.hadRole, concept),
            ]
    if form.footnote.strip():
        number = form.footnote.strip()
        page_name = form.page.removesuffix("/page")
        note = number if number.startswith("https://") else f"{page_name}/note/{number}"
        scope = HKC.paragraph_scope if form.footnote_scope == "paragraph" else HKC.sentence_scope
        out += [
            ox.Triple(claim, HK.footnote, ox.NamedNode(note)),
            ox.Triple(claim, HK.footnoteScope, scope),
        ]
    if form.note.strip():
        out.append(ox.Triple(claim, HK.editorialNote, ox.Literal(form.note.strip(), language="en")))
    return out


def _content(form: ClaimForm, checked: Checked, ids: ClaimIds) -> list[ox.Triple]:
    """What the claim says: who, where, when, and the quotation (in the claim's graph)."""
    event, anchor = ids.event, ids.anchor
    out: list[ox.Triple] = []
    out += [ox.Triple(event, ROLES[role], who) for who, role in checked.people]
    if "where" in checked.terms:
        out.append(ox.Triple(event, CRM.P7_took_place_at, checked.terms["where"]))
    if checked.bounds is not None:
        span = ids.span
        first, last = checked.bounds
        phrase = form.when.strip() or form.edtf.strip()
        out += [
            ox.Triple(event, CRM.P4_has_time_span, span),
            ox.Triple(span, RDF.type, CRM.E52_Time_Span),
            ox.Triple(span, RDFS.label, ox.Literal(phrase, language="en")),
            ox.Triple(span, HK.edtf, ox.Literal(form.edtf.strip(), datatype=EDTF)),
            ox.Triple(
                span,
                CRM.P82a_begin_of_the_begin,
                ox.Literal(edtf.begin_of(first), datatype=XSD.dateTime),
            ),
            ox.Triple(
                span,
                CRM.P82b_end_of_the_end,
                ox.Literal(edtf.end_of(last), datatype=XSD.dateTime),
            ),
        ]
        if "relative_to" in checked.terms:  # counted from that event, as the page says
            how = f"{phrase}, counted from {' '.join(form.relative_to.split())}"
            out += [
                ox.Triple(span, HK.relativeTo, checked.terms["relative_to"]),
                ox.Triple(span, HK.derivation, ox.Literal(how, language="en")),
            ]
    if form.quotation.strip():
        words = form.quotation.strip()
        quote = ids.quote
        out += [
            ox.Triple(event, HK.quotation, quote),
            ox.Triple(quote, RDF.type, CRM.E33_Linguistic_Object),
            ox.Triple(quote, RDFS.label, ox.Literal(f"\u201c{words}\u201d", language="en")),
            ox.Triple(quote, CRM.P2_has_type, HKC.quotation),
            ox.Triple(quote, CRM.P190_has_symbolic_content, ox.Literal(words, language="en")),
            ox.Triple(quote, HK.textAnchor, anchor),
        ]
    return out


def check_claim(
    store: Store, form: ClaimForm, base: str, stored: Stored | None = None
) -> ClaimForm:
    """The form with its problems by field (nothing is written)."""
    return with_errors(form, check_fields(store, form, base, stored).errors)


def preview(form: ClaimForm, types: dict[str, str]) -> tuple[str, ...]:
    """The claim as a reader will see it, in sentences (quotation marks only on a quotation)."""
    mode = (
        f"Reported on the word of {form.informant.strip()}"
        + (f", as recorded by {form.reporter.strip()}" if form.reporter.strip() else "")
        if form.mode == "reported"
        else "Asserted by the historian"
    )
    lines = [f"{form.label.strip()} ({types.get(form.event_type, 'event')}). {mode}."]
    for _, who, role in form.participants:
        if who.strip():
            said = "carried out by" if role == "agent" else "with the participation of"
            lines.append(f"{said.capitalize()} {who.strip()}.")
    if form.new_label.strip():
        lines.append(f"New in the graph: {' '.join(form.new_label.split())}.")
    if form.where.strip():
        lines.append(f"At {form.where.strip()}.")
    if form.edtf.strip():
        lines.append(f"When: {form.when.strip() or form.edtf.strip()} (EDTF {form.edtf.strip()}).")
        if form.relative_to.strip():
            lines.append(f"Dated relative to {form.relative_to.strip()}.")
    if form.quotation.strip():
        lines.append(f"Quotation: \u201c{form.quotation.strip()}\u201d")
    if form.footnote.strip():
        lines.append(f"Footnote {form.footnote.strip()}.")
    lines.append(f"Passage: {' '.join(form.passage.split())}")
    return tuple(lines)


def workbench_claims(store: Store) -> list[tuple[str, str]]:
    """(IRI, label) of the claims made in the workbench, by label."""
    found = []
    for quad in store.match(None, RDF.type, HK.Claim, None):
        graph = quad.graph_name
        if (
            isinstance(graph, ox.NamedNode)
            and graph.value.startswith(f"{WORKBENCH_GRAPHS}claim/")
            and isinstance(quad.subject, ox.NamedNode)
        ):
            label = next(
                (
                    q.object.value
                    for q in store.match(quad.subject, RDFS.label, None, graph)
                    if isinstance(q.object, ox.Literal)
                ),
                quad.subject.value,
            )
            found.append((quad.subject.value, label))
    return sorted(found, key=lambda pair: pair[1])


def withdraw_claim(
    store: Store, claim: str, *, base: str, project_dir: Path, author: writes.Author
) -> writes.WriteResult:
    """Remove a workbench claim (its graph and its description) as one revision.

    The history keeps it: the revision's patch holds every removed statement, and
    ``histkg revert`` brings the claim back.
    """
    key = claim.removeprefix(f"{base}claim/")
    about = ox.NamedNode(f"{WORKBENCH_GRAPHS}claim/{key}")
    if (
        not claim.startswith(f"{base}claim/")
        or next(iter(store.match(None, None, None, about)), None) is None
    ):
        raise InputError(
            "Only claims made in the workbench can be withdrawn here.",
            hint="Curated claims are changed in data/ and reloaded.",
        )
    removed = [*store.graph_quads(about), *store.graph_quads(ox.NamedNode(claim))]
    return writes.write_quads(store, [], project_dir, removed=removed, author=author)
