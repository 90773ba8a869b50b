"""Reconciliation candidates on the proposals view: our own graph's, and Wikidata's.

Two questions a curator settles on a workbench page, each answer one revision:

* a name ingestion could not link: which entity of *our* graph is it? The candidates come from
  the reconciliation service behind ``/reconcile`` (``app.linking.reconcile.ReconService``),
  called in process, not over HTTP; accepting one links the name (``proposals.settle``).
* an entity the page mentions that has no Wikidata link: which Wikidata item is it? The
  candidates come from Wikidata's API (``app.linking.sources.ApiSource``: search, fetch, score
  by name, type and dates, as ``histkg link --api`` does), only when the settings allow the
  network (``HISTKG_WIKIDATA_ONLINE``, off by default). A curator may also type an item's ID.
  Nothing becomes a link until the curator confirms it: then ``<entity> owl:sameAs wd:Q…`` is
  written in the page's graph, as one revision naming the curator. The curated data's links
  come from the checked table (``data/wikidata-ids.md``), which this does not change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pyoxigraph as ox

from app import writes
from app.errors import InputError
from app.linking import (
    ApiSource,
    EntityRecord,
    ReconService,
    WikidataApi,
    load_records,
    propose,
)
from app.linking.wikidata import ENTITY_BASE, is_qid
from app.store import Store
from app.vocab import HK, OA, OWL
from app.workbench.fields import page_nodes
from app.workbench.proposals import page_graph

__all__ = ["Suggestion", "confirm_same_as", "ours", "unlinked_on_page", "wikidata"]

MAX_NAMES: Final = 50
"""Names reconciled at once on one page (the service takes at most 100 a batch)."""


@dataclass(frozen=True)
class Suggestion:
    """One reconciliation candidate, with what tells it apart and why it scored so."""

    target: str  #: our entity's IRI, or a Wikidata item's ID
    label: str
    about: str  #: its description, kind or dates
    score: str  #: 0-100
    why: str


def ours(
    service: ReconService, names: Sequence[str], *, limit: int = 3, timeout: float | None = None
) -> list[list[Suggestion]]:
    """For each name (the first ``MAX_NAMES``), the best entities of our graph, best first."""
    names = [" ".join(name.split())[:200] for name in names[:MAX_NAMES]]
    if not names:
        return []
    batch = {str(n): {"query": name, "limit": limit} for n, name in enumerate(names)}
    answer = service.reconcile(batch, timeout=timeout)
    return [[_ours(service, c) for c in answer[str(n)]["result"]] for n in range(len(names))]


def _ours(service: ReconService, candidate: dict[str, Any]) -> Suggestion:
    kinds = [str(t["name"]) for t in candidate.get("type", [])][:1]
    description = str(candidate.get("description") or "")
    about = ", ".join(part for part in (*kinds, description) if part)
    return Suggestion(
        service.entity_iri(str(candidate["id"])),
        str(candidate["name"]),
        about,
        f"{float(candidate['score']):.0f}",
        str(candidate["why"]),
    )


def unlinked_on_page(store: Store, page: str, base: str) -> list[EntityRecord]:
    """The entities the page names (``hk:mention`` of an anchor on its text) that have no
    Wikidata link, by label; read by IRI, so it costs what the page names, not the store."""
    _, _, text = page_nodes(page, base)
    named = {
        mention.subject.value
        for anchor in store.match(None, OA.hasSource, text, None)
        if isinstance(anchor.subject, ox.NamedNode)
        for mention in store.match(None, HK.mention, anchor.subject, None)
        if isinstance(mention.subject, ox.NamedNode)
    }
    records = load_records(store, only=named) if named else {}
    return sorted((r for r in records.values() if not r.qid), key=lambda r: (r.label, r.iri))


def wikidata(api: WikidataApi, entities: list[EntityRecord]) -> dict[str, list[Suggestion]]:
    """Wikidata's best items for each entity (by IRI), scored as ``histkg link`` scores them."""
    found: dict[str, list[Suggestion]] = {}
    for row in propose(entities, ApiSource(api), per_entity=3):
        if row.rank and row.qid:
            about = "; ".join(p for p in (row.wikidata_description, row.wikidata_dates) if p)
            found.setdefault(row.entity, []).append(
                Suggestion(row.qid, row.wikidata_label, about, row.score, row.why)
            )
    return found


def confirm_same_as(
    store: Store,
    page: str,
    entity: str,
    qid: str,
    *,
    base: str,
    project_dir: Path,
    author: writes.Author,
) -> writes.WriteResult:
    """Write ``<entity> owl:sameAs wd:<qid>`` in the page's graph, as one revision: the
    curator's confirmation of a candidate (or of an ID they typed)."""
    qid = qid.strip().upper()
    if not is_qid(qid):
        raise InputError(f"{qid[:40]!r} is not a Wikidata item ID.", hint="Write it as Q855.")
    try:
        node = ox.NamedNode(entity)
    except ValueError:
        raise InputError(f"{entity[:80]!r} is not an entity of the graph.") from None
    _, _, text = page_nodes(page, base)
    mentioned = any(
        isinstance(q.object, ox.NamedNode)
        and next(iter(store.match(q.object, OA.hasSource, text, None)), None) is not None
        for q in store.match(node, HK.mention, None, None)
    )
    if not mentioned:
        raise InputError("This page does not name that entity.", hint="Reload the proposals.")
    if next(iter(store.match(node, OWL.sameAs, None, None)), None) is not None:
        raise InputError(
            "That entity has a Wikidata link already.",
            hint="Change a curated link in data/wikidata-ids.md and data/, as the checked table "
            "says.",
        )
    quad = ox.Quad(node, OWL.sameAs, ox.NamedNode(ENTITY_BASE + qid), page_graph(page, base))
    return writes.write_quads(store, [quad], project_dir, author=author)
