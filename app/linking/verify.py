"""Checking existing links: does the Wikidata item still say what our entity says?

Every ``owl:sameAs`` to a Wikidata item is fetched from the source and scored as a candidate
would be. A link is ``suspect`` when the names do not match (similarity below
``NAME_AGREES``), the types clash or the dates clash; ``redirected`` when Wikidata merged the
item into another (the link should name the new QID); ``deleted`` when the API has no such item;
``unverified`` when an extract does not contain it; else ``ok``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from app.linking.records import EntityRecord
from app.linking.scoring import score_item
from app.linking.sources import CandidateSource
from app.linking.wikidata import WikidataItem

__all__ = ["LinkCheck", "verify_links"]

NAME_AGREES: Final = 0.8
PROBLEMS: Final = frozenset({"suspect", "redirected", "deleted"})


@dataclass(frozen=True)
class LinkCheck:
    """The verdict on one existing link."""

    entity: str
    label: str
    qid: str
    status: str  #: ok, suspect, redirected, deleted or unverified
    score: float | None
    reasons: tuple[str, ...]
    item: WikidataItem | None = None

    @property
    def is_problem(self) -> bool:
        return self.status in PROBLEMS

    def to_line(self) -> str:
        score = f" {self.score:.1f}" if self.score is not None else ""
        why = f": {'; '.join(self.reasons)}" if self.reasons else ""
        return f"{self.status:<10} {self.qid:<11} {self.label} <{self.entity}>{score}{why}"


def _check(
    entity: EntityRecord, qid: str, item: WikidataItem | None, found: bool, deleted_if_missing: bool
) -> LinkCheck:
    if item is None:
        if found and deleted_if_missing:
            return LinkCheck(
                entity.iri,
                entity.label,
                qid,
                "deleted",
                None,
                ("Wikidata has no such item (deleted?)",),
            )
        return LinkCheck(entity.iri, entity.label, qid, "unverified", None, ("not in this source",))
    evidence = score_item(entity, item)
    if item.redirected_from:
        return LinkCheck(
            entity.iri,
            entity.label,
            qid,
            "redirected",
            evidence.value,
            (f"{qid} now redirects to {item.qid}: link {item.qid} instead",),
            item,
        )
    problems = []
    if evidence.name.value < NAME_AGREES:
        problems.append(f"label: ours “{entity.label}”, Wikidata's “{item.label}”")
    if evidence.type < 0:
        problems.append("type clashes")
    if evidence.date < 0:
        problems.append("dates clash")
    status = "suspect" if problems else "ok"
    return LinkCheck(
        entity.iri,
        entity.label,
        qid,
        status,
        evidence.value,
        tuple(problems) + evidence.reasons,
        item,
    )


def verify_links(records: dict[str, EntityRecord], source: CandidateSource) -> list[LinkCheck]:
    """A verdict for every linked entity, in IRI order."""
    linked = [records[iri] for iri in sorted(records) if records[iri].qid]
    items = source.items({entity.qid for entity in linked if entity.qid})
    return [
        _check(
            entity,
            entity.qid,
            items.get(entity.qid),
            entity.qid in items,
            source.missing_means_deleted,
        )
        for entity in linked
        if entity.qid
    ]
