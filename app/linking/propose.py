"""Proposing links: candidates for the entities that have none, as review-file rows."""

from __future__ import annotations

from app.linking.extract import Candidate
from app.linking.records import EntityRecord
from app.linking.review import ReviewRow
from app.linking.sources import CandidateSource
from app.linking.types import LINKABLE_CLASSES, UNLINKABLE_CONCEPTS, type_info
from app.vocab import CRM

__all__ = ["propose", "type_text", "unlinked"]


def type_text(entity: EntityRecord) -> str:
    """The entity's most specific type in words (``state``, ``Person``)."""
    infos = [info for iri in entity.types if (info := type_info(iri)) is not None]
    infos.sort(key=lambda info: (info.broader is None, info.name))
    return infos[0].name if infos else ""


def unlinked(records: dict[str, EntityRecord], only: list[str] | None = None) -> list[EntityRecord]:
    """Entities worth linking that have no Wikidata link yet, in IRI order.

    Worth linking: people, groups, places, events and documents, but not the page's own acts
    (activities, letter-writing: subclasses of ``crm:E5_Event`` other than itself are not
    proposed) nor unnamed groups. ``only`` restricts them to the given IRIs.
    """
    chosen = []
    for iri in sorted(records):
        entity = records[iri]
        if entity.qid or (only is not None and iri not in only):
            continue
        if only is None and (
            not any(cls in entity.types for cls in LINKABLE_CLASSES)
            or entity.types & UNLINKABLE_CONCEPTS
            or _is_act(entity)
        ):
            continue
        chosen.append(entity)
    return chosen


def _is_act(entity: EntityRecord) -> bool:
    acts = (CRM.E7_Activity.value,)
    return any(cls in entity.types for cls in acts)


def _row(entity: EntityRecord, rank: int, candidate: Candidate | None, source: str) -> ReviewRow:
    item = candidate.item if candidate else None
    return ReviewRow(
        decision="",
        entity=entity.iri,
        label=entity.label,
        type=type_text(entity),
        dates=entity.span.text if entity.span else "",
        rank=rank,
        qid=item.qid if item else "",
        wikidata_label=item.label if item else "",
        wikidata_description=item.description if item else "",
        wikidata_dates=item.dates_text() if item else "",
        score=f"{candidate.score:.1f}" if candidate else "",
        why=candidate.evidence.why() if candidate else f"no candidate in {source}",
    )


def propose(
    entities: list[EntityRecord], source: CandidateSource, *, per_entity: int = 3
) -> list[ReviewRow]:
    """Review rows for ``entities``: their best candidates from ``source``, best first."""
    found = source.candidates(entities, per_entity)
    rows: list[ReviewRow] = []
    for entity in entities:
        candidates = found.get(entity.iri, [])
        if not candidates:
            rows.append(_row(entity, 0, None, source.description))
        rows.extend(
            _row(entity, rank, c, source.description) for rank, c in enumerate(candidates, 1)
        )
    return rows
