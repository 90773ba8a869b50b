"""The steps of ``histkg link``, as plain functions the CLI calls and prints.

* ``propose_to_file``: candidates for the unlinked entities of ``data/``, written as a review
  file;
* ``verify_and_collect_facts``: a verdict on every existing link, and the Wikidata facts graph
  of the linked items, written into the store (and optionally to a TriG file);
* ``app.linking.apply.apply_review`` (used as is): accepted links into ``data/``.

Our entities are read from the curated files themselves (``ontology/`` and ``data/`` loaded
into a throw-away in-memory store), not from ``HISTKG_STORE``: proposing and applying work
while ``histkg serve`` holds the store, and always see the files a curator is editing. Only
the facts of ``--verify`` go into ``HISTKG_STORE``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.errors import InputError
from app.linking.api import WikidataApi
from app.linking.extract import Progress
from app.linking.facts import WIKIDATA_GRAPH, facts_quads, store_facts, write_facts
from app.linking.propose import propose, unlinked
from app.linking.records import EntityRecord, load_records
from app.linking.review import ReviewRow, write_review
from app.linking.sources import ApiSource, CandidateSource, ExtractSource
from app.linking.verify import LinkCheck, verify_links
from app.settings import Settings
from app.store import Store

__all__ = [
    "ProposeSummary",
    "VerifySummary",
    "curated_records",
    "open_source",
    "propose_to_file",
    "verify_and_collect_facts",
]


def curated_records(settings: Settings) -> dict[str, EntityRecord]:
    """The entities of the curated files, read into a throw-away store."""
    store = Store("memory", base_iri=settings.base_iri)
    store.load_curated(settings.project_dir)
    return load_records(store)


@contextmanager
def open_source(
    settings: Settings, *, extract: Path | None, api: bool, progress: Progress | None = None
) -> Iterator[CandidateSource]:
    """The source the options name: exactly one of an extract file or the live API."""
    if (extract is None) == (not api):
        raise InputError(
            "Name one source of Wikidata items: --extract FILE or --api.",
            hint="An extract is a Wikidata JSON dump or a slice of one (.json, .gz, .bz2).",
        )
    if extract is not None:
        if not extract.is_file():
            raise InputError(f"{extract}: no such extract file", hint="Check the path.")
        yield ExtractSource(extract, progress=progress)
        return
    with WikidataApi.from_settings(settings) as client:
        yield ApiSource(client, progress=progress)


def _resolve(settings: Settings, given: list[str], records: dict[str, EntityRecord]) -> list[str]:
    chosen = []
    for text in given:
        iri = text if text.startswith(("http://", "https://")) else settings.base_iri + text
        if iri not in records:
            raise InputError(
                f"{text}: no such entity in {settings.project_dir / 'data'}",
                hint="Give an entity IRI, or its path under the base IRI (person/karl-radek).",
            )
        chosen.append(iri)
    return chosen


@dataclass(frozen=True)
class ProposeSummary:
    """What ``propose_to_file`` wrote."""

    rows: list[ReviewRow]
    entities: int
    without_candidates: int
    skipped_linked: list[str]  #: entities named with --entity that already have a link
    source: str
    output: Path

    def to_text(self) -> str:
        """The best candidate of each entity, then where the file is and what to do next."""
        lines = [f"{iri}: already linked, skipped" for iri in self.skipped_linked]
        lines.append(
            f"Candidates for {self.entities} unlinked entit{'y' if self.entities == 1 else 'ies'}"
            f" ({self.without_candidates} without any) from {self.source}:"
        )
        for row in self.rows:
            if row.rank == 1:
                lines.append(f"  {row.label}: {row.qid} {row.wikidata_label} ({row.score})")
        lines.append(
            f"Wrote {len(self.rows)} rows to {self.output}. Write accept in the decision column of "
            f"the right row, then run `histkg link --apply {self.output}`."
        )
        return "\n".join(lines)


def propose_to_file(
    settings: Settings,
    source: CandidateSource,
    output: Path,
    *,
    entities: list[str] | None = None,
    per_entity: int = 3,
) -> ProposeSummary:
    """Write a review file of candidates for the unlinked entities (or the named ones)."""
    records = curated_records(settings)
    only = _resolve(settings, entities, records) if entities else None
    targets = unlinked(records, only)
    skipped = [iri for iri in only or [] if records[iri].qid]
    rows = propose(targets, source, per_entity=per_entity)
    write_review(rows, output)
    empty = sum(1 for row in rows if row.rank == 0)
    return ProposeSummary(rows, len(targets), empty, skipped, source.description, output)


@dataclass(frozen=True)
class VerifySummary:
    """What ``verify_and_collect_facts`` found and wrote."""

    checks: list[LinkCheck]
    store: str  #: where the facts went (``Store.location``)
    facts_items: int
    facts_quads: int  #: 0 when no item was found, and nothing was written
    facts_path: Path | None = None  #: the TriG copy, if one was asked for

    @property
    def problems(self) -> list[LinkCheck]:
        return [check for check in self.checks if check.is_problem]

    def to_text(self) -> str:
        """One line per link, a count per verdict, and where the facts went."""
        lines = [check.to_line() for check in self.checks]
        counts: dict[str, int] = {}
        for check in self.checks:
            counts[check.status] = counts.get(check.status, 0) + 1
        tally = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        lines.append(f"{len(self.checks)} links: {tally or 'none'}")
        if not self.facts_quads:
            lines.append("No linked item was found: the Wikidata facts in the store are unchanged.")
            return "\n".join(lines)
        copy = f", and a copy to {self.facts_path}" if self.facts_path is not None else ""
        lines.append(
            f"Wrote {self.facts_quads} quads about {self.facts_items} items into the graph "
            f"<{WIKIDATA_GRAPH}> of the store {self.store}{copy}; pages show them as "
            "From Wikidata."
        )
        return "\n".join(lines)


def verify_and_collect_facts(
    settings: Settings, source: CandidateSource, store: Store, *, facts: Path | None = None
) -> VerifySummary:
    """Check every link; replace the facts graph of ``store`` by the facts of the items found.

    ``facts`` names a TriG copy to write as well (written first, so it survives a store that
    refuses the write). When no item is found, the store keeps its facts graph.
    """
    checks = verify_links(curated_records(settings), source)
    items = [c.item for c in checks if c.item is not None and c.status != "redirected"]
    if not items:
        return VerifySummary(checks, store.location, 0, 0)
    quads = facts_quads(items, source=source.iri, languages=settings.label_languages)
    if facts is not None:
        write_facts(facts, quads)
    written = store_facts(store, quads)
    return VerifySummary(checks, store.location, len(items), written, facts)
