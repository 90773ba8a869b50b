"""The revision history as pages and Atom: the contexts ``/history`` renders (no HTTP here).

Built from the read model's view of the revision records (``app.read.history``), never from
the store. Statements of a patch are shown in words: each resource by its label in the current
store (its IRI's last segment when it has none, as it may for a resource a revision removed),
each property by the words pages use for it (``app.read.labels``), literals as text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlencode

import pyoxigraph as ox

from app.errors import NotFound
from app.pages.build import href_for
from app.pages.context import (
    Change,
    DiffPage,
    EntityRevisionPage,
    HistoryPage,
    Link,
    RevisionRow,
    Site,
)
from app.pages.render import environment
from app.read.history import HistoryView, Revision, revision_node
from app.read.labels import property_words

__all__ = ["atom_feed", "diff_page", "entity_at", "history_page"]


class _Labels:
    """Links to the IRIs a page names, labelled as the history view finds them."""

    def __init__(self, view: HistoryView, base_iri: str) -> None:
        self.view = view
        self.base_iri = base_iri

    def text(self, iri: str) -> str:
        return self.view.label(iri)

    def link(self, iri: str) -> Link:
        href, external = href_for(iri, self.base_iri)
        return Link(label=self.text(iri), href=href, iri=iri, external=external)


def _row(revision: Revision, labels: _Labels) -> RevisionRow:
    when = revision.time.astimezone(dt.UTC)
    return RevisionRow(
        number=revision.number,
        href=f"/history/{revision.number}",
        when=when.strftime("%d %B %Y, %H:%M:%S UTC").lstrip("0"),
        stamp=when.isoformat().replace("+00:00", "Z"),
        agent=revision.agent,
        message=revision.in_words(),
        added=revision.added,
        removed=revision.removed,
        graphs=tuple(
            Link(label=g, href=f"/history?{urlencode({'graph': g})}", iri=g)
            for g in revision.graphs
        ),
    )


def history_page(
    view: HistoryView,
    base_iri: str,
    site: Site,
    *,
    entity: str | None = None,
    graph: str | None = None,
    since: dt.datetime | None = None,
    limit: int = 100,
) -> tuple[HistoryPage, list[Revision]]:
    """The history page (and the revisions it lists, for JSON and Atom)."""
    revisions = view.log(entity=entity, graph=graph, since=since, limit=limit)
    labels = _Labels(view, base_iri)
    if entity:
        heading = f"History of {labels.text(entity)}"
    elif graph:
        heading = f"History of the graph {graph}"
    else:
        heading = "History: every change to the graph"
    query = urlencode({k: v for k, v in (("entity", entity), ("graph", graph)) if v is not None})
    suffix = f"?{query}" if query else ""
    page = HistoryPage(
        template="history.html",
        site=site,
        title=f"{heading} \u2013 histkg",
        heading=heading,
        rows=tuple(_row(r, labels) for r in revisions),
        json_href=f"/history.json{suffix}",
        atom_href=f"/history.atom{suffix}",
    )
    return page, revisions


def _statements(quads: Iterable[ox.Quad], labels: _Labels) -> tuple[Change, ...]:
    shown = []
    for quad in sorted(quads, key=str):
        value = quad.object
        if isinstance(value, ox.NamedNode):
            target = labels.link(value.value)
        else:
            text = value.value if isinstance(value, ox.Literal) else str(value)
            target = Link(label=text, href=None, iri="")
        shown.append(
            Change(
                subject=labels.link(quad.subject.value)
                if isinstance(quad.subject, ox.NamedNode)
                else Link(label=str(quad.subject), href=None, iri=""),
                predicate=property_words(quad.predicate.value, {}),
                value=target,
                graph=str(quad.graph_name.value)
                if isinstance(quad.graph_name, ox.NamedNode)
                else "",
            )
        )
    return tuple(shown)


def diff_page(view: HistoryView, base_iri: str, site: Site, number: int) -> DiffPage:
    """The diff page of revision ``number`` (``NotFound`` when there is none)."""
    revision = view.revision(number)
    added, removed = view.patch(number)
    labels = _Labels(view, base_iri)
    return DiffPage(
        template="diff.html",
        site=site,
        title=f"Revision {number} \u2013 histkg",
        revision=_row(revision, labels),
        parent_href=f"/history/{revision.parent}" if revision.parent else "",
        additions=_statements(added, labels),
        removals=_statements(removed, labels),
        reverted=tuple(
            Link(label=f"revision {n}", href=f"/history/{n}", iri=revision_node(n).value)
            for n in revision.reverts
        ),
        revert_href=f"/history/{number}/revert",
        json_href=f"/history/{number}.json",
    )


def entity_at(
    view: HistoryView, base_iri: str, site: Site, iri: str, number: int
) -> tuple[EntityRevisionPage, list[ox.Quad]]:
    """An entity as it was right after revision ``number`` (``NotFound`` if it had nothing)."""
    quads = view.state_at(iri, number)
    if not quads:
        raise NotFound(
            f"The graph had nothing about {iri} at revision {number}.",
            hint=f"/history?entity={iri} lists the revisions that changed it.",
        )
    labels = _Labels(view, base_iri)
    entity = labels.link(iri)
    page = EntityRevisionPage(
        template="entity_rev.html",
        site=site,
        title=f"{entity.label} at revision {number} \u2013 histkg",
        entity=entity,
        revision=_row(view.revision(number), labels),
        statements=_statements(quads, labels),
    )
    return page, quads


def atom_feed(page: HistoryPage, base_url: str) -> str:
    """The history as an Atom feed (RFC 4287), from the template ``history.atom``.

    A Jinja template rather than a feed library: the feed is a dozen elements, and the app's
    autoescaping environment already writes XML-safe text.
    """
    updated = page.rows[0].stamp if page.rows else "1970-01-01T00:00:00Z"
    template = environment().get_template("history.atom")
    return template.render(page=page, base=base_url.rstrip("/"), updated=updated)
