"""The network view: who took part in what, people and groups linked to their events.

Built from the read model's event rows (``app.read.facets``: participants in any role), so it
costs no query; capped at ``MOST_EVENTS`` events (most participants first) so the page stays
drawable at any size. The page is a table (it works without JavaScript); ``network.js`` draws
the same data, read from ``/network.json``, with the vendored Cytoscape.js.
"""

from __future__ import annotations

from app.pages.build import PageSettings, href_for
from app.pages.context import Link, NetworkNode, NetworkPage, NetworkRow
from app.read import ReadModel

MOST_EVENTS = 300


def network_page(model: ReadModel, settings: PageSettings) -> NetworkPage:
    """The network of the events with participants, and the people and groups in them."""
    data = model.facets(settings.base_iri)
    involved = [r for r in data.rows.values() if r.people or r.groups]
    involved.sort(key=lambda r: (-(len(r.people) + len(r.groups)), data.labels.get(r.iri, "")))
    shown = sorted(involved[:MOST_EVENTS], key=lambda r: data.labels.get(r.iri, "").casefold())

    def link(iri: str) -> Link:
        href, external = href_for(iri, settings.base_iri)
        return Link(label=data.labels.get(iri, iri), href=href, iri=iri, external=external)

    def by_label(iris: set[str]) -> tuple[Link, ...]:
        return tuple(sorted(map(link, iris), key=lambda item: item.label.casefold()))

    nodes: dict[str, NetworkNode] = {}
    edges = []
    rows = []
    for row in shown:
        nodes[row.iri] = NetworkNode(link=link(row.iri), group="event")
        for iri, group in [(p, "person") for p in row.people] + [(g, "group") for g in row.groups]:
            nodes.setdefault(iri, NetworkNode(link=link(iri), group=group))
            edges.append((row.iri, iri))
        rows.append(
            NetworkRow(
                event=link(row.iri), people=by_label(row.people), groups=by_label(row.groups)
            )
        )
    site = settings.site
    return NetworkPage(
        template="network.html",
        site=site,
        title=f"Who took part in what \u2013 {site.name}",
        nodes=tuple(nodes.values()),
        edges=tuple(sorted(edges)),
        rows=tuple(rows),
        more=max(len(involved) - MOST_EVENTS, 0),
        script_href=f"/static/network/network.js?v={site.version}",
        library_href=f"/static/network/cytoscape.min.js?v={site.version}",
    )
