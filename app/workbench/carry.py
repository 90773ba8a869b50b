"""A re-ingested page whose text changed keeps what curators settled on it, where it still holds.

Curators settle a page's candidate names in the page's own graph (``proposals.settle``): a name
linked to an entity (``<entity> hk:mention <anchor>``, its ``hk:unknown "entity"`` removed), a
new person made of it (the person's triples, mentioned by the anchor), a name rejected (its
anchor removed); an entity of the page may also get its confirmed ``owl:sameAs`` there.
Re-ingesting a changed page rebuilds the graph from the new text; before it is written, the
old graph's decisions are carried onto it (``carry``):

* the old and new texts are aligned (``difflib``); a candidate name of the new text whose
  characters lie in a stretch the change left alone, exactly where an old anchor was, takes
  that anchor's decision: its ``hk:mention``s (it is no longer unknown), or, when no old
  anchor was there, the rejection (it is left out again);
* the old graph's other triples about an entity (a person made there, its labels, an
  ``owl:sameAs``) are kept while the new graph still mentions that entity;
* every other link is dropped, and named in ``Carried.dropped``: a name whose characters the
  change touched, or that the new text no longer has.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import pyoxigraph as ox

from app.vocab import BIBO, HK, OA

__all__ = ["Carried", "carry"]

_UNKNOWN: Final = ox.Literal("entity")


@dataclass(frozen=True)
class Carried:
    """The page's new triples with the old decisions on them, and the links dropped
    (``"<name as printed> -> <entity IRI>"``)."""

    triples: list[ox.Triple]
    dropped: tuple[str, ...] = ()


def _value(term: object) -> str:
    return term.value if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal) else ""


def _spans(triples: Iterable[ox.Triple], root: str) -> dict[str, tuple[int, int]]:
    """Each anchor of the page (``<root>anchor/...``) and its span in the page's text."""
    starts: dict[str, int] = {}
    ends: dict[str, int] = {}
    for t in triples:
        name = _value(t.subject)
        if not (name.startswith(f"{root}anchor/") and name.endswith("-position")):
            continue
        if t.predicate == OA.start:
            starts[name.removesuffix("-position")] = int(_value(t.object))
        elif t.predicate == OA.end:
            ends[name.removesuffix("-position")] = int(_value(t.object))
    return {n: (s, ends[n]) for n, s in starts.items() if n in ends}


def _old_span(blocks: list[difflib.Match], start: int, end: int) -> tuple[int, int] | None:
    """Where the new text's ``start:end`` was in the old text, if the change left it alone."""
    for a, b, size in blocks:
        if b <= start and end <= b + size:
            return start - b + a, end - b + a
    return None


def _content(triples: Iterable[ox.Triple], text: ox.NamedNode) -> str | None:
    return next(
        (_value(t.object) for t in triples if t.subject == text and t.predicate == BIBO.content),
        None,
    )


def carry(old: set[ox.Triple], new: list[ox.Triple], *, root: str, text: ox.NamedNode) -> Carried:
    """``new`` (the page's graph rebuilt from its changed text) with the decisions of ``old``
    (the graph as it is) carried over where they still hold (see the module). ``root`` is the
    page's IRI prefix (``<base>ingest/<name>/``), ``text`` its text node."""
    old_raw, new_raw = _content(old, text), _content(new, text)
    if old_raw is None or new_raw is None:
        return Carried(new)
    blocks = difflib.SequenceMatcher(None, old_raw, new_raw, autojunk=False).get_matching_blocks()
    old_spans = _spans(old, root)
    at = {span: name for name, span in old_spans.items()}
    unsettled = {
        _value(t.subject) for t in old if t.predicate == HK.unknown and t.object == _UNKNOWN
    }
    mentions: dict[str, list[ox.NamedNode]] = {}
    for t in old:
        if t.predicate == HK.mention and isinstance(t.subject, ox.NamedNode):
            mentions.setdefault(_value(t.object), []).append(t.subject)
    added: set[ox.Triple] = set()
    removed: set[ox.Triple] = set()
    new_spans = _spans(new, root)
    for t in new:
        anchor = t.subject
        if (
            t.predicate != HK.unknown
            or t.object != _UNKNOWN
            or not isinstance(anchor, ox.NamedNode)
        ):
            continue
        span = new_spans.get(anchor.value)
        was = _old_span(blocks, *span) if span else None
        if was is None:
            continue  # its characters changed: a new proposal
        before = at.get(was)
        names = (span for name, span in old_spans.items() if "/anchor/mention-" in name)
        if before is None and not any(s < was[1] and was[0] < e for s, e in names):
            parts = {anchor.value, f"{anchor.value}-quote", f"{anchor.value}-position"}
            removed |= {n for n in new if _value(n.subject) in parts}  # rejected: left out again
        elif before is not None and before not in unsettled and mentions.get(before):
            added |= {ox.Triple(x, HK.mention, anchor) for x in mentions[before]}
            removed.add(t)
    triples = [t for t in new if t not in removed]
    triples += sorted(added - set(new), key=str)
    mentioned = {t.subject for t in triples if t.predicate == HK.mention}
    present = set(triples)
    kept = [
        t
        for t in old
        if t.subject in mentioned
        and t.predicate != HK.mention
        and not _value(t.subject).startswith(root)
        and t not in present
    ]
    return Carried(triples + sorted(kept, key=str), _dropped(old, triples, mentions, old_spans))


def _exact(triples: Iterable[ox.Triple]) -> dict[str, str]:
    """Each anchor's IRI and its text as printed."""
    return {
        _value(t.subject).removesuffix("-quote"): _value(t.object)
        for t in triples
        if t.predicate == OA.exact
    }


def _dropped(
    old: set[ox.Triple],
    triples: list[ox.Triple],
    mentions: dict[str, list[ox.NamedNode]],
    old_spans: dict[str, tuple[int, int]],
) -> tuple[str, ...]:
    """The old links (name -> entity) the new graph has not got for a name printed the same."""
    was, exact = _exact(old), _exact(triples)
    now = {
        (_value(t.subject), exact.get(_value(t.object)))
        for t in triples
        if t.predicate == HK.mention
    }
    lost = {
        f"{was.get(anchor, anchor)} -> {x.value}"
        for anchor in old_spans
        for x in mentions.get(anchor, [])
        if (x.value, was.get(anchor)) not in now
    }
    return tuple(sorted(lost))
