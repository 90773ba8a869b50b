"""Where Wikidata items come from: a local extract, or the live API.

Both answer the same two questions: which items could be the match of these entities
(``candidates``), and what do these QIDs say (``items``). They differ in what a missing QID
means: absent from an extract says nothing (the extract is a slice), absent from the API means
the item was deleted (``missing_means_deleted``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Protocol

from app.linking.api import WikidataApi
from app.linking.extract import MIN_NAME, Candidate, Progress, rank, scan_extract
from app.linking.normalize import fold
from app.linking.records import EntityRecord
from app.linking.scoring import score_item
from app.linking.wikidata import WikidataItem

__all__ = ["ApiSource", "CandidateSource", "ExtractSource"]

#: Names of one entity searched on the API (label first, then alternative labels).
MAX_SEARCHES: Final = 4
SEARCH_LIMIT: Final = 7
FULLTEXT_LIMIT: Final = 10


class CandidateSource(Protocol):
    """A source of Wikidata items."""

    description: str  #: "Wikidata API <url>" or "Wikidata extract <file>", for reports
    iri: str  #: the source as an IRI, for provenance in the facts graph
    missing_means_deleted: bool

    def candidates(
        self, entities: list[EntityRecord], per_entity: int
    ) -> dict[str, list[Candidate]]: ...

    def items(self, qids: Iterable[str]) -> dict[str, WikidataItem | None]: ...


class ExtractSource:
    """A local extract in Wikidata's JSON format, read in one pass per question."""

    missing_means_deleted = False

    def __init__(self, path: Path, *, progress: Progress | None = None) -> None:
        self.path = path
        self.progress = progress
        self.description = f"Wikidata extract {path}"
        self.iri = path.resolve().as_uri()

    def _retrieved(self) -> str:
        stamp = datetime.fromtimestamp(self.path.stat().st_mtime, UTC)
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")

    def candidates(
        self, entities: list[EntityRecord], per_entity: int
    ) -> dict[str, list[Candidate]]:
        return scan_extract(
            self.path, entities, per_entity=per_entity, progress=self.progress
        ).candidates

    def items(self, qids: Iterable[str]) -> dict[str, WikidataItem | None]:
        found = scan_extract(self.path, [], wanted=set(qids), progress=self.progress).items
        retrieved = self._retrieved()
        return {
            qid: item if item.retrieved else _with_retrieved(item, retrieved)
            for qid, item in found.items()
        }


def _with_retrieved(item: WikidataItem, retrieved: str) -> WikidataItem:
    return replace(item, retrieved=retrieved)


class ApiSource:
    """The live Wikidata API: search each entity's names, then fetch and score the hits.

    Per entity: ``wbsearchentities`` for its label and up to three alternative labels (a match
    at the start of a Wikidata label or alias), plus one ``list=search`` for the longest word
    of a label of several words (a surname inside another spelling of the full name), then one
    ``wbgetentities`` for all hits together.
    """

    missing_means_deleted = True

    def __init__(self, api: WikidataApi, *, progress: Progress | None = None) -> None:
        self.api = api
        self.progress = progress
        self.description = f"Wikidata API {api.url}"
        self.iri = api.url

    def candidates(
        self, entities: list[EntityRecord], per_entity: int
    ) -> dict[str, list[Candidate]]:
        found: dict[str, list[Candidate]] = {}
        for done, entity in enumerate(entities):
            if self.progress:
                self.progress(done, len(entities))
            names = list({fold(name): name for name in entity.names if fold(name)}.values())
            qids: dict[str, None] = {}
            for name in names[:MAX_SEARCHES]:
                qids.update(dict.fromkeys(self.api.search(name, limit=SEARCH_LIMIT)))
            words = sorted(fold(entity.label).split(), key=len)
            if len(words) > 1 and len(words[-1]) >= 4:  # the longest word, usually the surname
                qids.update(dict.fromkeys(self.api.fulltext(words[-1], limit=FULLTEXT_LIMIT)))
            items = [item for item in self.api.items(qids).values() if item is not None]
            scored = [
                Candidate(evidence.value, item.qid, item, evidence)
                for item in items
                for evidence in [score_item(entity, item)]
                if evidence.name.value >= MIN_NAME
            ]
            found[entity.iri] = sorted(scored, key=rank)[:per_entity]
        if self.progress:
            self.progress(len(entities), len(entities))
        return found

    def items(self, qids: Iterable[str]) -> dict[str, WikidataItem | None]:
        return self.api.items(qids)
