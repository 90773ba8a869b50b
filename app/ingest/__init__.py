"""``histkg ingest``: from a damaged book page to a clean text, citations, dates and mentions.

The data layer of ingestion (no HTTP, no terminal). Modules, in pipeline order:

* ``page``: running header, body, footnotes and footnote markers;
* ``offsets``: edits and the exact clean <-> raw offset map;
* ``lexicon`` and ``repair``: hyphenation, lost ligatures, lost spaces, unknown words;
* ``citations``: footnotes parsed and short titles / ibid. resolved;
* ``mentions``: the graph's entities under their variants, and candidate names;
* ``edtf`` and ``dates``: absolute and relative date expressions as EDTF with bounds;
* ``graph``: what the steps read from the graph; ``pipeline``: the steps together;
* ``turtle`` (RDF output in the page's named graph) and ``review`` (the HTML review page).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import InputError
from app.ingest.graph import GraphIndex, load_graph_index, load_project_index
from app.ingest.pipeline import Ingester, PageReport, read_page
from app.ingest.review import render_review
from app.ingest.turtle import page_graph_iri, to_trig

if TYPE_CHECKING:
    from app.store import Store

__all__ = [
    "GraphIndex",
    "Ingester",
    "PageReport",
    "ingest_file",
    "load_graph_index",
    "load_project_index",
    "page_graph_iri",
    "render_review",
    "to_trig",
    "write_text",
]


def ingest_file(path: Path, *, project_dir: Path, store: Store | None = None) -> PageReport:
    """Ingest one page file against the graph in ``store``, or the project's curated graph."""
    raw = read_page(path)
    index = load_graph_index(store) if store is not None else load_project_index(project_dir)
    return Ingester(index).ingest(raw, path.name)


def write_text(path: Path, text: str) -> None:
    """Write an output file (the review page, or the report with ``--output``)."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError(
            f"{path}: cannot write ({error.strerror})",
            hint="Choose a path in a directory that exists and that you can write to.",
        ) from None
