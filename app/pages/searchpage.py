"""The search page context, from the read model's search index (``app.read.search``)."""

from __future__ import annotations

from urllib.parse import urlencode

from app.dates import date_in_words
from app.pages.build import PageSettings, href_for
from app.pages.context import KindOption, Link, Pager, SearchHit, SearchPage
from app.read import ReadModel
from app.read.labels import HOME_KINDS
from app.read.search import Hit

PAGE_SIZE = 20


def search_page(
    model: ReadModel,
    settings: PageSettings,
    query: str,
    *,
    kind: str = "",
    page: int = 1,
    limit: int = PAGE_SIZE,
) -> SearchPage:
    """The results for ``query`` (narrowed to ``kind``), one page of ``limit`` hits."""
    index = model.search_index(settings.base_iri)
    page = max(page, 1)
    total, shown = index.search_page(query, kind=kind, offset=(page - 1) * limit, limit=limit)
    present = index.kinds()
    kinds = [key for key in HOME_KINDS if key in present]
    kinds += sorted(key for key in present if key not in HOME_KINDS)

    def href(number: int) -> str:
        params = {"q": query, "kind": kind, "page": str(number)}
        return settings.site.search_href + "?" + urlencode({k: v for k, v in params.items() if v})

    site = settings.site
    title = f"Search: {query}" if query else "Search"
    return SearchPage(
        template="search.html",
        site=type(site)(**{**site.__dict__, "query": query}),
        title=f"{title} \u2013 {site.name}",
        query=query,
        kind=kind,
        kinds=tuple(
            KindOption(key=key, label=present[key].plural, selected=key == kind) for key in kinds
        ),
        hits=tuple(_hit(model, hit, settings) for hit in shown),
        total=total,
        pager=Pager(
            page=page,
            previous_href=href(page - 1) if page > 1 else None,
            next_href=href(page + 1) if page * limit < total else None,
        ),
    )


def _hit(model: ReadModel, hit: Hit, settings: PageSettings) -> SearchHit:
    entry = hit.entry
    dates = model.event_dates(entry.iri)
    url, external = href_for(entry.iri, settings.base_iri)
    kind_words = ", ".join(t for t in entry.types if t) or entry.kind.singular
    return SearchHit(
        link=Link(label=entry.label, href=url, iri=entry.iri, external=external, kind=kind_words),
        matched=hit.name if hit.name != entry.label else "",
        match=hit.match.kind.value if hit.match is not None else "listed",
        types=kind_words,
        when=date_in_words(dates) if dates.edtf else "",
        description=model.description(entry.iri),
    )
