"""Editing a claim in the claim form: read it back from the store, save the change as one revision.

The form that made a claim opens it again, filled from the store: a claim made in the
workbench, or one of the curated claims of ``data/``. Saving builds the statements the form
stands for twice, from the claim as it was read and as it was sent, with the claim's own IRIs
(a curated claim names its time-span, quotation and attributions its own way), and writes
the difference (``app.writes.revise_claim``): one revision whose diff in the history is exactly
what the curator changed. Statements the form does not show (a curated claim's second event,
its attitudes and propositions, its historian's attribution) are not touched.

A curated claim's passage is on a seed page, not a workbench page: it is shown, and kept as
anchored (corrected in ``data/anchors.ttl``); so is its footnote. The claim keeps its IRI, and
the form carries its revision (``writes.claim_revision``): when someone else changed the claim
in the meantime, the save is refused (``PreconditionFailed``) and the form keeps what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pyoxigraph as ox

from app import writes
from app.errors import InputError
from app.store import Store
from app.vocab import CRM, DCTERMS, HK, HKC, OA, PROV, RDF, RDFS
from app.workbench.claims import (
    MAX_ROWS,
    ClaimForm,
    ClaimIds,
    Stored,
    check_fields,
    claim_quads,
    entity_named,
    participant_rows,
    with_errors,
)
from app.workbench.fields import whole_number
from app.workbench.reading import page_report
from app.workbench.sources import WORKBENCH_GRAPHS

__all__ = ["Loaded", "load_claim", "revise"]

_ROLES = {CRM.P11_had_participant: "participant", CRM.P14_carried_out_by: "agent"}


@dataclass(frozen=True)
class Loaded:
    """A claim as the form shows it: its fields, its IRIs, and what it keeps as stored."""

    values: dict[str, str]
    ids: ClaimIds
    stored: Stored | None


def _objects(
    store: Store, subject: ox.NamedNode, predicate: ox.NamedNode, graph: ox.NamedNode | None = None
) -> list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]:
    return [q.object for q in store.match(subject, predicate, None, graph)]


def _node(store: Store, subject: ox.NamedNode, predicate: ox.NamedNode) -> ox.NamedNode | None:
    return next(
        (o for o in _objects(store, subject, predicate) if isinstance(o, ox.NamedNode)), None
    )


def _text(store: Store, subject: ox.NamedNode | None, predicate: ox.NamedNode) -> str:
    if subject is None:
        return ""
    return next(
        (o.value for o in _objects(store, subject, predicate) if isinstance(o, ox.Literal)), ""
    )


def _name(store: Store, node: ox.NamedNode | None) -> str:
    """What the form shows for an entity: its English label when that names it alone, or its IRI."""
    if node is None:
        return ""
    label = next(
        (
            o.value
            for o in _objects(store, node, RDFS.label)
            if isinstance(o, ox.Literal) and o.language == "en"
        ),
        "",
    )
    return label if label and entity_named(store, label) == node else node.value


def _event(store: Store, claim: ox.NamedNode) -> ox.NamedNode:
    """The event the form edits: the workbench's ``event/<key>``, else the first event of the
    claim's graph that has a participant, place or date."""
    own = ox.NamedNode(claim.value.replace("/claim/", "/event/", 1))
    if next(iter(store.match(own, None, None, claim)), None) is not None:
        return own
    for predicate in (*_ROLES, CRM.P7_took_place_at, CRM.P4_has_time_span):
        for quad in store.match(None, predicate, None, claim):
            if isinstance(quad.subject, ox.NamedNode):
                return quad.subject
    return own


def _anchor(store: Store, claim: ox.NamedNode) -> tuple[ox.NamedNode, int, int] | None:
    """The passage's anchor and its offsets into the original."""
    for node in _objects(store, claim, PROV.wasDerivedFrom):
        if isinstance(node, ox.NamedNode) and OA.SpecificResource in _objects(
            store, node, RDF.type
        ):
            for selector in _objects(store, node, OA.hasSelector):
                if isinstance(selector, ox.NamedNode):
                    start, end = _text(store, selector, OA.start), _text(store, selector, OA.end)
                    if start.isdigit() and end.isdigit():
                        return node, int(start), int(end)
    return None


def _attributions(
    store: Store, claim: ox.NamedNode
) -> tuple[dict[str, ox.NamedNode], dict[str, str]]:
    """The claim's informant and reporter: their attribution nodes, and the agents' names."""
    nodes: dict[str, ox.NamedNode] = {}
    people: dict[str, str] = {}
    for node in _objects(store, claim, PROV.qualifiedAttribution):
        if isinstance(node, ox.NamedNode):
            had = _node(store, node, PROV.hadRole)
            for name, concept in (("informant", HKC.informant), ("reporter", HKC.reporter)):
                if had == concept:
                    nodes[name] = node
                    people[name] = _name(store, _node(store, node, PROV.agent))
    return nodes, people


def _participants(store: Store, event: ox.NamedNode) -> dict[str, str]:
    """The form's participant rows (who, role, who_2, role_2...) and their count."""
    rows = sorted(
        (q.object.value, kind)
        for predicate, kind in _ROLES.items()
        for q in store.match(event, predicate, None, None)
        if isinstance(q.object, ox.NamedNode)
    )
    fields = {"rows": str(participant_rows({f"who_{len(rows)}": ""}))}
    for n, (who, role) in enumerate(rows[:MAX_ROWS], start=1):
        suffix = f"_{n}" if n > 1 else ""
        fields[f"who{suffix}"] = _name(store, ox.NamedNode(who))
        fields[f"role{suffix}"] = role
    return fields


def load_claim(store: Store, iri: str, base: str) -> Loaded:
    """The claim ``iri`` as the claim form's fields; ``InputError`` when there is no such claim."""
    try:
        claim = ox.NamedNode(iri)
    except ValueError:
        raise InputError(f"{iri[:80]!r} is not a claim's IRI.") from None
    about = next(
        (
            q.graph_name
            for q in store.match(claim, RDF.type, HK.Claim, None)
            if isinstance(q.graph_name, ox.NamedNode)
        ),
        None,
    )
    found = _anchor(store, claim)
    if about is None or found is None:
        raise InputError(
            f"There is no claim {iri[:80]} resting on a passage.",
            hint="Open the claim from its page's “Edit this claim” link.",
        )
    anchor, start, end = found
    text = _node(store, anchor, OA.hasSource) or anchor
    page = _node(store, text, DCTERMS.source)
    event = _event(store, claim)
    span = _node(store, event, CRM.P4_has_time_span)
    quote = _node(store, event, HK.quotation)
    attributions, people = _attributions(store, claim)
    kind = _node(store, event, CRM.P2_has_type)
    report = page_report(store, page.value, base) if page else None
    passage = next(
        (
            _text(store, s, OA.exact)
            for s in _objects(store, anchor, OA.hasSelector)
            if isinstance(s, ox.NamedNode) and _text(store, s, OA.exact)
        ),
        "",
    )
    if report is not None:
        clean = report.body.to_clean(start, end)
        passage = report.body.text[clean[0] : clean[1]]
    footnote = _node(store, claim, HK.footnote)
    number = footnote.value if footnote else ""
    if page is not None and number.startswith(page.value.removesuffix("/page") + "/note/"):
        number = number.rsplit("/", 1)[1]
    values = {
        "claim": claim.value,
        "etag": str(writes.claim_revision(store, claim)),
        "page": page.value if page else "",
        "passage": passage,
        "passage_start": str(start),
        "passage_end": str(end),
        "label": _text(store, claim, RDFS.label),
        "event_type": kind.value if kind else "",
        **_participants(store, event),
        "where": _name(store, _node(store, event, CRM.P7_took_place_at)),
        "when": _text(store, span, RDFS.label),
        "edtf": _text(store, span, HK.edtf),
        "relative_to": _name(store, _node(store, span, HK.relativeTo) if span else None),
        "mode": "reported" if _node(store, claim, HK.mode) == HKC.reported else "asserted",
        "informant": people.get("informant", ""),
        "reporter": people.get("reporter", ""),
        "quotation": _text(store, quote, CRM.P190_has_symbolic_content),
        "footnote": number,
        "footnote_scope": "paragraph"
        if _node(store, claim, HK.footnoteScope) == HKC.paragraph_scope
        else "sentence",
        "note": _text(store, claim, HK.editorialNote),
    }
    ids = ClaimIds(
        claim=claim,
        about=about,
        event=event,
        span=span or ox.NamedNode(claim.value.replace("/claim/", "/timespan/", 1)),
        quote=quote or ox.NamedNode(claim.value.replace("/claim/", "/quote/", 1)),
        anchor=anchor,
        text=text,
        attributions=attributions,
        own_event=bool(
            {CRM.E5_Event, CRM.E7_Activity} & set(_objects(store, event, RDF.type, claim))
        ),
    )
    historian = _node(store, claim, PROV.wasAttributedTo)
    stored = None if report else Stored(passage, historian, footnote.value if footnote else "")
    return Loaded(values, ids, stored)


def revise(
    store: Store, form: ClaimForm, *, base: str, project_dir: Path, author: writes.Author
) -> tuple[ClaimForm, writes.WriteResult | None]:
    """Check the edited form; when it passes, write what changed as one revision of the claim.

    Returns the form (with its problems by field) and the write's result (None: not written).
    ``PreconditionFailed`` when the claim changed since the form was filled; ``InputError``
    when the form does not say which revision of the claim it was filled from (its ``etag``):
    written without that check, a change made meanwhile would be silently lost.
    """
    if not form.etag.strip():
        raise InputError(
            "This form does not say which version of the claim it edits, so a change made "
            "meanwhile could be lost; nothing was written. Reopen the claim and make the change "
            "there.",
            hint="Open the claim from its page's “Edit this claim” link.",
        )
    loaded = load_claim(store, form.claim, base)
    form = replace(form, page=loaded.values["page"])  # a claim stays on its page
    before = ClaimForm.from_values(loaded.values)
    checked = check_fields(store, form, base, loaded.stored)
    if (form.when, form.edtf) == (before.when, before.edtf):
        checked.errors.pop("when", None)  # a date kept as it was is not checked again
    if not loaded.ids.own_event and form.event_type != before.event_type:
        checked.errors["event_type"] = (
            "The kind of this curated event is said where the event is described (data/)."
        )
    elif not loaded.ids.own_event:
        checked.errors.pop("event_type", None)  # described elsewhere, and kept
    new_fields = (form.new_label, form.new_other, form.new_dates)
    if not loaded.ids.about.value.startswith(WORKBENCH_GRAPHS) and any(map(str.strip, new_fields)):
        # its mention would go in the curated claims' graph, which a correction may not widen
        for name in ("new_kind", "new_other", "new_language", "new_dates"):
            checked.errors.pop(name, None)
        checked.errors["new_label"] = (
            "A correction of a curated claim cannot add a new person, group or place: add it "
            "with a claim of a workbench page (or in data/), then name it in a row here."
        )
    if checked.errors:
        return with_errors(form, checked.errors), None
    old = set(
        claim_quads(store, before, check_fields(store, before, base, loaded.stored), loaded.ids)
    )
    new = set(claim_quads(store, form, checked, loaded.ids))
    result = writes.revise_claim(
        store,
        loaded.ids.claim,
        new - old,
        old - new,
        project_dir,
        author=author,
        if_match={whole_number(form.etag, "etag")},
    )
    return form, result
